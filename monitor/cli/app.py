"""The `media-monitor` command line: parse options, load the config, call one function, print."""

import asyncio
import json
import os
import pyexpat
import sys
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn
from zoneinfo import ZoneInfo

import structlog
import typer
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError

from monitor import log as logging_setup
from monitor.cli.rule_tester import (
    TrialMatch,
    compile_trial,
    evaluate,
    fetch_document,
    items_from_document,
)
from monitor.config.durations import format_duration, parse_duration
from monitor.config.load import ConfigError, load_config
from monitor.config.model import Config
from monitor.config.opml import OpmlError, append_feeds, configured_feeds, plan_import, read_opml
from monitor.delivery.alerts import sample_alert
from monitor.delivery.sender import Notifier
from monitor.items import Item
from monitor.polling.parse import expat_is_safe
from monitor.rules.query import QueryError
from monitor.service.daemon import ListenError, run_daemon
from monitor.service.once import run_once
from monitor.state.store import Store

app = typer.Typer(
    name="media-monitor",
    help="Watch news feeds and alert when stories match your rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped or redirected, tables are read by scripts and logs, not squeezed into 80 columns.
out = Console(width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160)
err = Console(stderr=True, soft_wrap=True)  # messages keep paths and queries whole
log = structlog.get_logger("monitor.cli.app")
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
    if not expat_is_safe():
        found = ".".join(map(str, pyexpat.version_info))
        err.print(
            f"This Python links libexpat {found}, which does not limit XML entity expansion; "
            "media-monitor needs 2.4.1 or newer (a newer Python build has it).",
            highlight=False,
        )
        raise typer.Exit(1)
    ctx.obj = Options(config_dir=config)


def _load(ctx: typer.Context) -> Config:
    options: Options = ctx.obj
    try:
        config = load_config(options.config_dir)
    except ConfigError as exc:
        _config_failed(options.config_dir, exc)
    logging_setup.add_secrets(config.secrets)
    return config


@contextmanager
def _state_errors(config: Config) -> Iterator[None]:
    """Turn a state database that cannot be used into a clear message and exit 1."""
    try:
        yield
    except (OSError, SQLAlchemyError) as exc:
        err.print(
            f"Cannot use the state in {config.settings.state_dir}: {exc}",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(1) from None


@contextmanager
def _open_store(config: Config) -> Iterator[Store]:
    """The state database, closed afterwards; problems reported as by `_state_errors`."""
    with _state_errors(config):
        store = Store.open(config.settings.state_dir)
        try:
            yield store
        finally:
            store.close()


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
    channels = Table("channel", "format", "pacing", "urls", title="Channels")
    for channel in config.channels.values():
        pacing = channel.pacing
        shown = [f"digest every {format_duration(pacing.digest)}" if pacing.digest else "at once"]
        if pacing.quiet_hours is not None:
            shown.append(f"quiet {pacing.quiet_hours}")
        channels.add_row(
            channel.name, channel.format, ", ".join(shown), "\n".join(channel.shown_urls)
        )
    for table in (feeds, rules, channels):
        out.print(table)


@app.command()
def once(ctx: typer.Context) -> None:
    """Poll every feed once, match, deliver alerts, and exit (for cron, trials and tests)."""
    config = _load(ctx)
    with _state_errors(config):
        report = asyncio.run(run_once(config))
    log.info(
        "once finished",
        feeds=report.feeds,
        failed_feeds=report.failed_feeds,
        skipped_feeds=report.skipped_feeds,
        new_items=report.new_items,
        alerts_queued=report.alerts_queued,
        alerts_sent=report.delivery.sent,
        alerts_retrying=report.delivery.retrying,
        alerts_failed=report.delivery.failed,
    )


@app.command()
def run(ctx: typer.Context) -> None:
    """Run the service: poll feeds on schedule, match, alert; SIGHUP reloads the config,
    SIGTERM stops gracefully."""
    config = _load(ctx)
    with _state_errors(config):
        try:
            asyncio.run(run_daemon(config))
        except ListenError as exc:
            err.print(str(exc), markup=False, highlight=False)
            raise typer.Exit(1) from None


@app.command("notify-test")
def notify_test(
    ctx: typer.Context,
    channel: Annotated[str, typer.Argument(help="The name of a configured channel.")],
) -> None:
    """Send a test alert through CHANNEL and say whether each of its URLs accepted it."""
    config = _load(ctx)
    if channel not in config.channels:
        known = ", ".join(config.channels) or "none"
        err.print(f"Unknown channel '{channel}' (configured: {known}).", highlight=False)
        raise typer.Exit(EXIT_CONFIG)
    notifier = Notifier({channel: config.channels[channel]})
    tz = ZoneInfo(config.settings.timezone)
    message = notifier.render(channel, [sample_alert(datetime.now(UTC))], tz)
    verdicts = asyncio.run(notifier.send_each(channel, message))
    for verdict in verdicts:
        mark = "[green]accepted[/]" if verdict.accepted else f"[red]refused ({verdict.status})[/]"
        out.print(f"{mark}  ", Text(verdict.url), soft_wrap=True)
    if not verdicts or not all(verdict.accepted for verdict in verdicts):
        raise typer.Exit(1)


@app.command("history")
def alert_history(
    ctx: typer.Context,
    since: Annotated[str, typer.Option(help="How far back, e.g. 2d or 12h.")] = "2d",
    rule: Annotated[str | None, typer.Option(help="Only alerts naming this rule.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Recent alerts: when, rule(s), story, channel and delivery status."""
    config = _load(ctx)
    try:
        start = datetime.now(UTC) - parse_duration(since)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from None
    with _open_store(config) as store:
        alerts = [a for a in store.alerts_since(start) if rule is None or rule in a["rules"]]
    if as_json:
        print(json.dumps(alerts, default=str, ensure_ascii=False, indent=2))
        return
    table = Table("queued", "rules", "story", "channel", "status")
    for alert in alerts:
        status = alert["status"] + (
            f" ({alert['attempts']} attempts)" if alert["attempts"] > 1 else ""
        )
        if alert["last_error"] and alert["status"] != "sent":
            status += f": {alert['last_error']}"
        table.add_row(
            _when(alert["created_at"]),
            Text(", ".join(alert["rules"])),
            Text(f"{alert['title']} — {alert['feed']}"),
            Text(alert["channel"]),
            Text(status),
        )
    out.print(table)
    out.print(f"{len(alerts)} alert(s) since {_when(start)}.", highlight=False)


@app.command("feeds")
def feed_table(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Feed health: last success, last error, consecutive failures, items seen, next poll."""
    config = _load(ctx)
    with _open_store(config) as store:
        health = store.feed_health()
    never_polled = dict.fromkeys(
        ("last_poll_at", "last_ok_at", "last_error", "next_poll_at", "fetch_url", "gone_at")
    )
    rows = [
        {
            "feed": name,
            "url": feed.url,
            **never_polled,
            "consecutive_failures": 0,
            "items_seen": 0,
            **health.get(name, {}),
        }
        for name, feed in config.feeds.items()
    ]
    if as_json:
        print(json.dumps(rows, default=str, ensure_ascii=False, indent=2))
        return
    table = Table(
        "feed",
        Column("last success", no_wrap=True),
        Column("last error", ratio=1),  # the one column that wraps on a narrow terminal
        Column("failures", no_wrap=True),
        Column("items", no_wrap=True),
        Column("next poll", no_wrap=True),
    )
    for row in rows:
        table.add_row(
            Text(row["feed"]),
            _when(row.get("last_ok_at"))
            or ("never" if row.get("last_poll_at") else "not polled yet"),
            Text(row.get("last_error") or ""),
            str(row.get("consecutive_failures") or 0),
            str(row.get("items_seen") or 0),
            "stopped (410)" if row.get("gone_at") else _when(row.get("next_poll_at")),
        )
    out.print(table)
    for row in rows:
        if row.get("fetch_url"):
            out.print(f"{row['feed']} moved permanently to {row['fetch_url']}", highlight=False)


@app.command("import-opml")
def import_opml(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An OPML subscription list.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be added; change nothing.")
    ] = False,
) -> None:
    """Append the feeds of an OPML file to feeds.toml, skipping URLs already configured."""
    directory = ctx.obj.config_dir
    if not directory.is_dir():
        err.print(f"Config directory not found: {directory}", markup=False, highlight=False)
        raise typer.Exit(EXIT_CONFIG)
    try:
        listed = read_opml(file.read_bytes())
        plan = plan_import(listed, configured_feeds(directory))
    except (OSError, OpmlError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        err.print(f"Cannot import {file}: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    target = directory / "feeds.toml"
    if plan.added and not dry_run:
        try:
            append_feeds(target, plan.added)
        except OSError as exc:
            err.print(f"Cannot write {target}: {exc}", markup=False, highlight=False)
            raise typer.Exit(1) from None
    if plan.added:
        added = Table("name", "url", "tags", title="Would add" if dry_run else "Added")
        for feed in plan.added:
            added.add_row(
                Text(feed["name"]), Text(feed["url"]), Text(" ".join(feed.get("tags", ())))
            )
        out.print(added)
    for url, why in plan.skipped:
        out.print(Text(f"skipped {url}: {why}"))
    verb = "Would add" if dry_run else "Added"
    out.print(Text(f"{verb} {len(plan.added)} feed(s) to {target}; skipped {len(plan.skipped)}."))


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


@app.command("test-rule")
def try_rule(
    ctx: typer.Context,
    query_or_rule: Annotated[
        str, typer.Argument(help="A query, or the name of a configured rule.")
    ],
    text: Annotated[str | None, typer.Option(help="Text to test (with --title, a story).")] = None,
    title: Annotated[
        str | None, typer.Option(help="Title to test, so title: can be tried.")
    ] = None,
    file: Annotated[Path | None, typer.Option(help="A feed or HTML file: test its items.")] = None,
    url: Annotated[str | None, typer.Option(help="A feed or page URL: test its items.")] = None,
    history: Annotated[
        float | None, typer.Option(help="Test the items stored in the last DAYS days.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of matches.")] = False,
) -> None:
    """Show which stories a query or rule matches, with the matched words highlighted."""
    config = _load(ctx)
    sources = [text is not None or title is not None, file, url, history is not None]
    if sum(bool(s) for s in sources) != 1:
        err.print("Give one of --text/--title, --file, --url or --history.", highlight=False)
        raise typer.Exit(EXIT_CONFIG)
    try:
        matcher = compile_trial(config, query_or_rule)
    except QueryError as exc:
        err.print(f"Bad query: {exc.render(query_or_rule)}", markup=False, highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    try:
        items = _trial_items(config, text=text, title=title, file=file, url=url, days=history)
    except (OSError, ValueError) as exc:
        err.print(f"Cannot read the items to test: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    found = evaluate(matcher, items)
    if as_json:
        print(json.dumps([m.to_json() for m in found], ensure_ascii=False, indent=2))
        return
    _print_trial(found, len(items))


def _trial_items(
    config: Config,
    *,
    text: str | None,
    title: str | None,
    file: Path | None,
    url: str | None,
    days: float | None,
) -> list[Item]:
    if file is not None:
        return items_from_document(file.read_bytes(), str(file))
    if url is not None:
        return items_from_document(asyncio.run(fetch_document(config, url)), url)
    if days is not None:
        with _open_store(config) as store:
            return store.history_since(datetime.now(UTC) - timedelta(days=days))
    return [Item("--text", "text", "text", title or "", text or "", None, None)]


def _marked(value: str, marks: Sequence[tuple[int, int]]) -> Text:
    shown = Text(value)
    for start, end in marks:
        shown.stylize("bold reverse", start, end)
    return shown


def _print_trial(found: Sequence[TrialMatch], tested: int) -> None:
    table = Table("source", "published", "title", "where it matched", show_lines=True)
    for match in found:
        item = match.item
        published = item.published.strftime("%Y-%m-%d %H:%M") if item.published else ""
        table.add_row(
            Text(item.feed),
            published,
            _marked(item.title, match.title_marks),
            _marked(match.snippet, match.snippet_marks),
        )
    if found:
        out.print(table)
    out.print(f"{len(found)} of {tested} item(s) match.", highlight=False)


def main() -> None:
    """Entry point of the `media-monitor` console script."""
    app()
