"""`Store`: the state database, opened and brought up to date, with every job's transactions
(polls, outbox, prune, reports) in one object."""

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect

from monitor.state.engine import sqlite_engine
from monitor.state.outbox import Outbox
from monitor.state.polls import PollState
from monitor.state.prune import Pruning
from monitor.state.reports import Reports
from monitor.state.tables import metadata


class Store(PollState, Outbox, Pruning, Reports):
    """The app's transactions over one state database."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        with self.writer.begin() as conn:
            metadata.create_all(conn)
            _migrate(conn)

    @classmethod
    def open(cls, state_dir: Path) -> "Store":
        """Open (creating if needed) `state_dir/monitor.db`."""
        state_dir.mkdir(parents=True, exist_ok=True)
        return cls(sqlite_engine(state_dir / "monitor.db"))

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def check_writable(self) -> None:
        """Take the write lock and let it go; raises if the database cannot be written."""
        with self.writer.begin():
            pass


def _migrate(conn: Any) -> None:
    """Bring a state database written by an older version up to date: nullable columns and
    indexes added since then are created (the only kinds of change made so far)."""
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present and column.nullable:
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
        for index in table.indexes:
            index.create(conn, checkfirst=True)
