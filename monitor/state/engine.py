"""The database engine and what every transaction module shares: SQLite's connection set-up
(WAL, `synchronous=FULL`, `BEGIN IMMEDIATE` for writers) and `Database`, the base of the
job modules (polls, outbox, prune, reports) that `Store` gathers.

The SQL stays portable so the same code can run on PostgreSQL.
"""

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

WRITE = "monitor_write"  # execution option: this transaction writes
CHUNK = 500  # keys per IN (…): under every backend's bound-parameter limit


def sqlite_engine(path: Path) -> Engine:
    """An engine over the SQLite file `path`: WAL, full sync, writers lock up front."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that BEGIN IMMEDIATE below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front (no deadlock-prone lock upgrade); readers do
        # not, so WAL lets them read while a poll is being written.
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Database:
    """An engine, and the same engine for transactions that write (`writer.begin()`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.writer = engine.execution_options(**{WRITE: True})


def insert_new(conn: Any, table: Table) -> Insert:
    """INSERT that skips rows whose key exists (both SQLite and PostgreSQL spell it this way)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement: Insert = dialect.insert(table).on_conflict_do_nothing()
    return statement


def chunked_in(conn: Any, column: Any, keys: Sequence[str], *where: Any) -> Iterable[str]:
    """`column IN keys`, in chunks that stay under every backend's bound-parameter limit."""
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        yield from conn.execute(select(column).where(column.in_(chunk), *where)).scalars()
