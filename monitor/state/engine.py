"""The database engine and what every transaction module shares: SQLite's connection set-up
(WAL, `synchronous=FULL`, `BEGIN IMMEDIATE` for writers), `Database`, the base of the job
modules (polls, outbox, prune, reports) that `Store` gathers, `StateHealth`, what the last
writes said about the database (for `/healthz`), and `dialect_insert`, the one way to an
INSERT … ON CONFLICT.

The SQL stays portable: the same code runs on SQLite and on PostgreSQL (`state/postgres.py`).
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:
    from monitor.state.claims import Claims

WRITE = "monitor_write"  # execution option: this transaction writes
CHUNK = 500  # keys per IN (…): under every backend's bound-parameter limit


def sqlite_engine(path: Path) -> Engine:
    """An engine over the SQLite file `path`: WAL, full sync, writers lock up front."""
    # No cap on connections: each worker thread (a poll, a delivery, a probe) takes its own,
    # and a cap would make them queue for one, then fail, while another process holds the
    # write lock. SQLite connections are cheap; those beyond the pool's five are closed after.
    engine = create_engine(
        f"sqlite:///{path}", connect_args={"timeout": 30}, pool_size=5, max_overflow=-1
    )

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


# SQLite's words for a file whose pages are damaged or that is not a database at all.
_DAMAGE = ("malformed", "not a database")


@dataclass
class StateHealth:
    """What the state's last transactions said: `unwritable` is the error of the last write
    when it failed (cleared by the next write that commits), `damaged` the first sign that
    the file's pages are damaged (it stays: only a restore mends them)."""

    unwritable: str | None = None
    damaged: str | None = None

    @property
    def problem(self) -> str | None:
        """Why the state is not healthy, or None."""
        if self.damaged is not None:
            return f"state damaged: {self.damaged}"
        if self.unwritable is not None:
            return f"state not writable: {self.unwritable}"
        return None


class _Writer:
    """The engine for transactions that write: `begin()` as the engine's, each outcome kept
    in `health`."""

    def __init__(self, engine: Engine, health: StateHealth) -> None:
        self.engine = engine.execution_options(**{WRITE: True})
        self.health = health

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A write transaction; its failure (the disk full, a lock held too long) marks the
        state unwritable until a write commits again."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except Exception as exc:
            if _is_database_error(exc):
                self.health.unwritable = _reason(exc)
            raise
        self.health.unwritable = None


class Database:
    """An engine, the same engine for transactions that write (`writer.begin()`), the
    state's health as they found it, and the node's `claims` when several nodes share the
    database (None: this process is its one writer)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.claims: Claims | None = None
        self.health = StateHealth()
        self.writer = _Writer(engine, self.health)
        event.listen(engine, "handle_error", self._on_error)

    def _on_error(self, context: ExceptionContext) -> None:
        if context.dialect.name != "sqlite":  # damaged pages are SQLite's words for its file
            return
        reason = _reason(context.original_exception)
        if self.health.damaged is None and any(word in reason.lower() for word in _DAMAGE):
            self.health.damaged = reason


def _is_database_error(exc: BaseException) -> bool:
    return isinstance(exc, SQLAlchemyError | OSError)


def _reason(exc: BaseException) -> str:
    """The driver's message, without SQLAlchemy's statement and link."""
    original = getattr(exc, "orig", None) or exc
    return f"{type(original).__name__}: {original}"


def dialect_insert(conn: Any, table: Table) -> sqlite.Insert | postgresql.Insert:
    """INSERT into `table` in the dialect of `conn`, whose ON CONFLICT clauses
    (`on_conflict_do_nothing`, `on_conflict_do_update` with `excluded`) SQLite and PostgreSQL
    spell alike; SQLAlchemy's portable `insert` has none."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_new(conn: Any, table: Table) -> sqlite.Insert | postgresql.Insert:
    """INSERT that skips rows whose key exists."""
    return dialect_insert(conn, table).on_conflict_do_nothing()


def chunked_in(conn: Any, column: Any, keys: Sequence[str], *where: Any) -> Iterable[str]:
    """`column IN keys`, in chunks that stay under every backend's bound-parameter limit."""
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        yield from conn.execute(select(column).where(column.in_(chunk), *where)).scalars()
