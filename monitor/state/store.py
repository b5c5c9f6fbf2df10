"""`Store`: the state database, opened and brought up to date (created, adopted or upgraded by
the migrations; refused if a newer media-monitor wrote it, or if the file is empty or is not a
database), with every job's transactions (polls, stories, outbox, prune, reports, feedback) in one
object. The database is the SQLite file in the state directory, or the PostgreSQL database
that `database_url` names."""

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect

from monitor.state.engine import sqlite_engine
from monitor.state.feedback import Feedback
from monitor.state.outbox import Outbox
from monitor.state.polls import PollState
from monitor.state.prune import Pruning
from monitor.state.reports import Reports
from monitor.state.schema_version import HEAD, stamped_revisions
from monitor.state.stories import StoryState

_SQLITE_HEADER = b"SQLite format 3\x00"


class UnusableStateError(Exception):
    """The state file is there but cannot be the state: empty, unreadable, not a database.
    Taking it for a new state would send again every alert the old one sent."""


def unusable(path: Path) -> str | None:
    """Why the database file `path` cannot be used, or None (a missing file is a new state)."""
    try:
        with path.open("rb") as stream:
            header = stream.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if not header:
        return "it is empty (0 bytes)"
    if header != _SQLITE_HEADER:
        return "it is not a SQLite database"
    return None


def set_aside(path: Path, now: datetime) -> Path:
    """Rename the database `path` (and its WAL files) out of the way, for a new state; the
    name it now has."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.unusable-{stamp}")
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(aside.with_name(aside.name + suffix))
    path.rename(aside)
    return aside


class Store(PollState, StoryState, Outbox, Pruning, Reports, Feedback):
    """The app's transactions over one state database."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        try:
            # A write transaction, as every open has taken: an unwritable state fails here, at
            # start, and two processes opening an old file upgrade it one after the other.
            with self.writer.begin() as conn:
                if engine.dialect.name == "postgresql":
                    from monitor.state.postgres import one_upgrade_at_a_time  # noqa: PLC0415

                    one_upgrade_at_a_time(conn)
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
    def open(cls, state_dir: Path, database_url: str = "") -> "Store":
        """Open (creating if needed) the database in `state_dir`, or the PostgreSQL database
        `database_url` if given; raises `UnusableStateError` if the file in `state_dir` is
        empty, unreadable or not a database."""
        if database_url:
            # Imported here: a SQLite state never loads the PostgreSQL driver.
            from monitor.state.postgres import postgres_engine  # noqa: PLC0415

            return cls(postgres_engine(database_url))
        state_dir.mkdir(parents=True, exist_ok=True)
        path = cls.database(state_dir)
        problem = unusable(path)
        if problem is not None:
            raise UnusableStateError(
                f"{path}: {problem}. A new state in its place would send again every alert "
                "already sent: restore it from a backup, or start with --new-state to set it "
                "aside and begin a new one"
            )
        return cls(sqlite_engine(path))

    @classmethod
    def present(cls, state_dir: Path, database_url: str = "") -> bool:
        """Whether there is a state to read: the file in `state_dir`, or the tables in the
        PostgreSQL database `database_url` (whose server must answer)."""
        if not database_url:
            return cls.database(state_dir).is_file()
        from monitor.state.postgres import postgres_engine  # noqa: PLC0415

        engine = postgres_engine(database_url)
        try:
            with engine.connect() as conn:
                return inspect(conn).has_table("feeds")
        finally:
            engine.dispose()

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def check_writable(self) -> None:
        """Take the write lock and let it go; raises if the database cannot be written. A probe,
        not a write: its outcome leaves `health` as the real writes left it (an empty
        transaction commits on a full disk)."""
        with self.writer.engine.begin():
            pass
