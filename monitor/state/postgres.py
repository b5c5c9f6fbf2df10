"""PostgreSQL as the state database (`database_url`): its engine, and `AdvisoryLock`, the
writer lock that keeps one writing process per database.

psycopg (3) is imported by SQLAlchemy when the first engine here is made, so a SQLite state
never loads it (about 0.13 s and 10 MB). Any number of `run` nodes share one database (their
claims keep them apart: `state/claims.py`), each holding the lock shared; `once` and
`migrate-state`, which do not claim, hold it alone, as the SQLite file's lock is held.
"""

import os
import re
import socket
from contextlib import suppress

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from monitor.state.writer_lock import Holder

# The advisory lock's key, two 32-bit halves: "mm" (media-monitor), then 1 (the writer).
_LOCK_KEY = (0x6D6D, 1)
# What `application_name` says (pg_stat_activity shows it), and how a refused process reads
# its holder back from it. PostgreSQL keeps its first 63 bytes.
_APPLICATION = re.compile(r"(?P<command>.+) pid (?P<pid>\d+)(?: on (?P<host>.*))?")
_POOL = 5  # connections kept open
_OVERFLOW = 15  # more, for bursts of polls; a thread beyond them waits for one (pool_timeout)


def application_name(command: str) -> str:
    """How this process names itself to the server: its command, pid and host."""
    return f"{command} pid {os.getpid()} on {socket.gethostname()}"[:63]


def postgres_engine(url: str, command: str = "media-monitor") -> Engine:
    """An engine over the PostgreSQL database `url` (`postgresql+psycopg://…`)."""
    return create_engine(
        url,
        pool_size=_POOL,
        max_overflow=_OVERFLOW,
        pool_pre_ping=True,  # a server restarted meanwhile costs a reconnect, not an error
        # psycopg forgets an INSERT's row count when its cursor closes, and whether an
        # INSERT … ON CONFLICT DO NOTHING wrote its row is what tells a story new.
        execution_options={"preserve_rowcount": True},
        connect_args={"connect_timeout": 10, "application_name": application_name(command)},
    )


class AdvisoryLock:
    """The writer lock of a PostgreSQL state: a session advisory lock, held on a connection of
    its own for as long as the process writes; `shared` by the `run` nodes, else alone. The
    server lets it go when that session ends (the process exits or is killed, or the
    connection is lost)."""

    def __init__(self, url: str, command: str, *, shared: bool = False) -> None:
        self.command = command
        self._take = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        self._engine = create_engine(
            url,
            poolclass=NullPool,
            connect_args={"connect_timeout": 10, "application_name": application_name(command)},
        )
        self._conn: Connection | None = None

    def try_take(self) -> Holder | None:
        """Take the lock; else the session that holds it, as it named itself."""
        conn = self._engine.connect()
        taken = conn.execute(
            text(f"SELECT {self._take}(:high, :low)"),
            {"high": _LOCK_KEY[0], "low": _LOCK_KEY[1]},
        ).scalar_one()
        conn.commit()  # the lock is the session's, not the transaction's: it stays
        if taken:
            self._conn = conn
            return None
        holder = _holder(conn)
        conn.close()
        return holder

    def release(self) -> None:
        """Let the lock go now: unlocked, then its session closed. Closing alone lets it go only
        once the server's process for the session has exited, a moment later, and a `once` that
        tries right after a node stops would find it still held."""
        if self._conn is not None:
            # A lost connection has no session left, nor the lock.
            with suppress(DBAPIError):
                self._conn.execute(text("SELECT pg_advisory_unlock_all()"))
                self._conn.commit()
            self._conn.close()
            self._conn = None
        self._engine.dispose()


def _holder(conn: Connection) -> Holder:
    """The session holding the writer lock, as its `application_name` says."""
    row = conn.execute(
        text(
            "SELECT a.application_name, a.client_addr::text, a.pid FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
            "AND l.classid = :high AND l.objid = :low AND l.objsubid = 2 AND l.granted "
            # Advisory locks are per database: another state's holder on the server is not ours.
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"high": _LOCK_KEY[0], "low": _LOCK_KEY[1]},
    ).first()
    if row is None:  # let go between the two queries
        return Holder(None, "another process")
    told = _APPLICATION.fullmatch(row.application_name or "")
    if told is None:
        return Holder(None, f"server process {row.pid}", row.client_addr or "")
    return Holder(int(told["pid"]), told["command"], told["host"] or row.client_addr or "")


def one_upgrade_at_a_time(conn: Connection) -> None:
    """Wait, inside `conn`'s transaction, until no other process is creating or upgrading
    the schema (SQLite's write lock does this for its file)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:high, 0)"), {"high": _LOCK_KEY[0]})
