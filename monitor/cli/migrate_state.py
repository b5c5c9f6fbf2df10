"""`migrate-state`: copy the SQLite state in `state_dir` into an empty PostgreSQL database (the
one `--to` names, else `database_url`), table by table with progress, verified by row counts.

Both states are held as writers while it runs (the service must be stopped), both are
brought to the schema's head first, and a target that holds rows already is refused unless
`--replace` says to empty it: merging two states' rows would mix two histories.
"""

from collections.abc import Callable
from typing import Annotated

import typer

from monitor.cli.common import EXIT_CONFIG, RUN_WAIT, err, holding, load, out, shown, state_errors

COMMAND = "media-monitor migrate-state"


def migrate_state(
    ctx: typer.Context,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="The PostgreSQL database to copy into (postgresql+psycopg://USER:PASSWORD@"
            "HOST/DATABASE; ${NAME}s are read as in channel URLs); default: database_url.",
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Empty the target's tables first if they hold rows."),
    ] = False,
) -> None:
    """Copy the SQLite state into a PostgreSQL database, then point database_url at it."""
    from monitor import log as logging_setup
    from monitor.config.database_url import resolve_database_url
    from monitor.display import redact_urls
    from monitor.state.copy import copy_state, row_counts
    from monitor.state.postgres import AdvisoryLock
    from monitor.state.store import Store
    from monitor.state.writer_lock import FileLock

    config = load(ctx, sending=False)
    secrets: list[str] = []
    errors: list[str] = []
    url = (
        resolve_database_url(to, "--to", secrets, errors)
        if to is not None
        else config.settings.database_url.get_secret_value()
    )
    logging_setup.add_secrets(secrets)
    for message in errors or ([] if url else [_NO_TARGET]):
        err.print(shown(message), highlight=False)
        raise typer.Exit(EXIT_CONFIG)
    state_dir, target_place = config.settings.state_dir, redact_urls(url)
    if not Store.database(state_dir).is_file():
        err.print(shown(f"No SQLite state in {state_dir} to copy."), highlight=False)
        raise typer.Exit(1)
    with (
        state_errors(config),
        holding(FileLock(state_dir, COMMAND), str(state_dir), RUN_WAIT),
        holding(AdvisoryLock(url, COMMAND), target_place, RUN_WAIT),
    ):
        source, target = Store.open(state_dir), Store.open(state_dir, url)
        try:
            there = {name: n for name, n in row_counts(target.engine).items() if n}
            if there and not replace:
                held = ", ".join(f"{name} {n:,}" for name, n in there.items())
                err.print(
                    shown(
                        f"{target_place} already holds a state ({held} rows): copying into it "
                        "would mix two states. Give --replace to empty it first."
                    ),
                    highlight=False,
                )
                raise typer.Exit(1)
            copied = copy_state(source.engine, target.engine, replace=replace, progress=_progress())
        finally:
            source.close()
            target.close()
    counts = ", ".join(f"{table} {n:,}" for table, n in copied.items())
    out.print(
        shown(
            f"Copied {sum(copied.values()):,} rows from {Store.database(state_dir)} into "
            f"{target_place}, each table's row count checked ({counts}). Now set database_url "
            "to it (see docs/scaling.md) and start the service."
        ),
        highlight=False,
        soft_wrap=True,
    )


_NO_TARGET = "Nothing to copy into: give --to URL, or set database_url (MONITOR_DATABASE_URL)."


def _progress() -> Callable[[str, int, int], None]:
    """A line per table as its copy starts, and as it ends or passes each 50,000 rows."""
    from monitor.state.copy import BATCH

    def told(table: str, done: int, total: int) -> None:
        if done in (0, total) or done % 50_000 < BATCH:
            err.print(f"{table}: {done:,} of {total:,} rows", highlight=False)

    return told
