"""`Store`: the state database, opened and brought up to date (created, adopted or upgraded by
the migrations; refused if a newer media-monitor wrote it), with every job's transactions
(polls, stories, outbox, prune, reports) in one object."""

from pathlib import Path

from sqlalchemy import Engine

from monitor.state.engine import sqlite_engine
from monitor.state.outbox import Outbox
from monitor.state.polls import PollState
from monitor.state.prune import Pruning
from monitor.state.reports import Reports
from monitor.state.schema_version import HEAD, stamped_revisions
from monitor.state.stories import StoryState


class Store(PollState, StoryState, Outbox, Pruning, Reports):
    """The app's transactions over one state database."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        try:
            # A write transaction, as every open has taken: an unwritable state fails here, at
            # start, and two processes opening an old file upgrade it one after the other.
            with self.writer.begin() as conn:
                if stamped_revisions(conn) != {HEAD}:
                    # Alembic is imported only here: a current database is opened without it.
                    from monitor.state.migrations.upgrade import upgrade  # noqa: PLC0415

                    upgrade(conn)
        except BaseException:
            engine.dispose()  # a refused or unreadable database leaves no connection open
            raise

    @staticmethod
    def database(state_dir: Path) -> Path:
        """The database file in `state_dir`."""
        return state_dir / "monitor.db"

    @classmethod
    def open(cls, state_dir: Path) -> "Store":
        """Open (creating if needed) the database in `state_dir`."""
        state_dir.mkdir(parents=True, exist_ok=True)
        return cls(sqlite_engine(cls.database(state_dir)))

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def check_writable(self) -> None:
        """Take the write lock and let it go; raises if the database cannot be written."""
        with self.writer.begin():
            pass
