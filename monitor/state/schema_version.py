"""Which schema revision a state database is at, read without Alembic.

Alembic records the revision in its `alembic_version` table. Reading it takes two small
queries, so opening a current database costs almost nothing and the CLI does not import Alembic
(about 0.2 s) unless there is an upgrade to run (`monitor.state.migrations.upgrade`).
"""

from sqlalchemy import Connection, column, inspect, select, table
from sqlalchemy.exc import SQLAlchemyError

# The newest revision in `migrations/versions/`: a new revision moves it (a test checks).
HEAD = "0008"

_version = table("alembic_version", column("version_num"))


class StateVersionError(SQLAlchemyError):
    """The state database was written by a newer media-monitor (a revision this code does not
    know). An `SQLAlchemyError`, so the CLI reports it as an unusable state, without a
    traceback."""


def stamped_revisions(conn: Connection) -> set[str]:
    """The revisions the database is stamped with: empty for a new database or one written
    before versions existed, `{HEAD}` for a current one."""
    if not inspect(conn).has_table(_version.name):
        return set()
    return set(conn.execute(select(_version.c.version_num)).scalars())
