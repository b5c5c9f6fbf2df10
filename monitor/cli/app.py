"""The `media-monitor` command line: the typer app, its global options, and the commands,
each in the module of its kind (`check`, `running`, `reports`, `rules`, `suggest`, `channels`,
`mute`, `import_opml`, `migrate_state`). Each command imports what it needs when it runs, so that
`--help` and `check` start fast."""

import typer

from monitor.cli import (
    channels,
    check,
    import_opml,
    migrate_state,
    mute,
    reports,
    rules,
    running,
    suggest,
)
from monitor.cli.options import (
    FormatOption,
    GroupConfigOption,
    LevelOption,
    Options,
    accepting_global_options,
)

app = typer.Typer(
    name="media-monitor",
    help="Watch news feeds and alert when stories match your rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def global_options(
    ctx: typer.Context,
    config: GroupConfigOption = None,
    log_level: LevelOption = None,
    log_format: FormatOption = None,
) -> None:
    """Global options shared by every command; each may also follow the command name."""
    ctx.obj = Options().given(config, log_level, log_format)


for name, command in (
    ("check", check.check),
    ("once", running.once),
    ("run", running.run),
    ("notify-test", channels.notify_test),
    ("history", reports.alert_history),
    ("feeds", reports.feed_table),
    ("import-opml", import_opml.import_opml),
    ("test-rule", rules.try_rule),
    ("mute", mute.mute),
    ("unmute", mute.unmute),
    ("migrate-state", migrate_state.migrate_state),
    ("suggest", suggest.suggest),
):
    app.command(name)(accepting_global_options(command))


def main() -> None:
    """Run the command line (the process starts in `cli/entry.py`, which calls this)."""
    app()
