"""Upgrading a state database with Alembic, configured in code. Imported only when a database
is not at `schema_version.HEAD` (new, written before versions existed, older, or newer)."""

from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, inspect

from monitor.state.schema_version import StateVersionError

log = structlog.get_logger(__name__)


def alembic_config(conn: Connection) -> Config:
    """Alembic's configuration for the migrations in this package, run on `conn`."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["connection"] = conn
    return config


def upgrade(conn: Connection) -> None:
    """Bring the database behind `conn` (in a write transaction; not at the newest revision) to
    the newest revision. One written before versions existed is adopted by the first revision.
    Raises `StateVersionError` if it is at a revision this code does not know."""
    config = alembic_config(conn)
    script = ScriptDirectory.from_config(config)
    current = MigrationContext.configure(conn).get_current_heads()
    heads = script.get_heads()
    unknown = [revision for revision in current if not _known(script, revision)]
    if unknown:
        raise StateVersionError(
            f"{conn.engine.url.database} is at schema revision {', '.join(unknown)}, written by "
            f"a newer media-monitor (this one knows up to {', '.join(heads)}): "
            "upgrade media-monitor to use it"
        )
    before = ", ".join(current) or ("unversioned" if inspect(conn).has_table("feeds") else "new")
    command.upgrade(config, "heads")
    log.info(
        "state schema upgraded",
        database=conn.engine.url.database,
        from_revision=before,
        to_revision=", ".join(heads),
    )


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        script.get_revision(revision)
    except CommandError:
        return False
    return True
