"""The `media-monitor` command line: parse options, load the config, call one function, print."""

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, NoReturn

import structlog
import typer
from rich.console import Console
from rich.table import Table

from monitor import log as logging_setup
from monitor.config import Config, ConfigError, load_config
from monitor.durations import format_duration
from monitor.pipeline import run_once

app = typer.Typer(
    name="media-monitor",
    help="Watch news feeds and alert when stories match your rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)
log = structlog.get_logger("monitor.cli")
EXIT_CONFIG = 2


@dataclass(frozen=True)
class Options:
    """The global options, passed from the callback to each command."""

    config_dir: Path


@app.callback()
def global_options(
    ctx: typer.Context,
    config: Annotated[
        Path,
        typer.Option(
            "--config",
            envvar="MONITOR_CONFIG_DIR",
            help="Config directory (default: $MONITOR_CONFIG_DIR, else ./config).",
        ),
    ] = Path("config"),
    log_level: Annotated[
        str, typer.Option(help="debug, info, warning or error.", case_sensitive=False)
    ] = "info",
    log_format: Annotated[
        logging_setup.LogFormat,
        typer.Option(help="auto: console on a terminal, JSON lines otherwise."),
    ] = "auto",
) -> None:
    """Global options shared by every command."""
    if log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise typer.BadParameter("use debug, info, warning or error", param_hint="--log-level")
    logging_setup.configure(log_level, log_format)
    ctx.obj = Options(config_dir=config)


def _load(ctx: typer.Context) -> Config:
    options: Options = ctx.obj
    try:
        config = load_config(options.config_dir)
    except ConfigError as exc:
        _config_failed(options.config_dir, exc)
    logging_setup.add_secrets(config.secrets)
    return config


def _config_failed(directory: Path, exc: ConfigError) -> NoReturn:
    err.print(f"[bold red]{len(exc.errors)} error(s) in config {directory}:[/]", highlight=False)
    for message in exc.errors:
        err.print(f"  • {message}", markup=False, highlight=False)
    raise typer.Exit(EXIT_CONFIG)


@app.command()
def check(ctx: typer.Context) -> None:
    """Validate the config and print a summary; exit 2 listing every error."""
    config = _load(ctx)
    settings = config.settings
    out.print(
        f"Config {config.directory}: {len(config.feeds)} feeds, {len(config.rules)} rules, "
        f"{len(config.channels)} channels — state in {settings.state_dir}",
        highlight=False,
    )
    feeds = Table("feed", "url", "interval", "tags", title="Feeds")
    for feed in config.feeds.values():
        feeds.add_row(
            feed.name, feed.url, format_duration(config.interval(feed)), " ".join(feed.tags)
        )
    rules = Table("rule", "query", "channels", "feeds", title="Rules")
    for rule in config.rules.values():
        rules.add_row(
            rule.name, rule.query, ", ".join(rule.channels), ", ".join(rule.feeds) or "all"
        )
    channels = Table("channel", "format", "urls", title="Channels")
    for channel in config.channels.values():
        channels.add_row(channel.name, channel.format, "\n".join(channel.shown_urls))
    for table in (feeds, rules, channels):
        out.print(table)


@app.command()
def once(ctx: typer.Context) -> None:
    """Poll every feed once, match, deliver alerts, and exit (for cron, trials and tests)."""
    config = _load(ctx)
    report = asyncio.run(run_once(config))
    log.info(
        "once finished",
        feeds=report.feeds,
        failed_feeds=report.failed_feeds,
        new_items=report.new_items,
        alerts_queued=report.alerts_queued,
        alerts_sent=report.delivery.sent,
        alerts_retrying=report.delivery.retrying,
        alerts_failed=report.delivery.failed,
    )


def main() -> None:
    """Entry point of the `media-monitor` console script."""
    app()
