"""`history` and `feeds`: what the state says about alerts and feeds, as tables or JSON. Both
send nothing, so they run without the channels' secrets."""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Column, Table
from rich.text import Text

from monitor.cli.common import err, load, open_store, out, shown, when
from monitor.config.durations import parse_duration

if TYPE_CHECKING:
    from monitor.config.model import Config

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def alert_history(
    ctx: typer.Context,
    since: Annotated[str, typer.Option(help="How far back, e.g. 2d or 12h.")] = "2d",
    rule: Annotated[str | None, typer.Option(help="Only alerts naming this rule.")] = None,
    as_json: JsonOption = False,
    reject: Annotated[
        int | None,
        typer.Option(
            help="Mark alert ID (the id column) not relevant; `suggest` learns from it, "
            "`test-rule --history` shows it.",
            min=1,
        ),
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why, with --reject.")] = None,
) -> None:
    """Recent alerts: when, rule(s), story, channel and delivery status. With --reject ID,
    mark one not relevant instead."""
    config = load(ctx, sending=False)
    if reject is not None:
        _reject(config, reject, reason)
        return
    try:
        start = datetime.now(UTC) - parse_duration(since)
    except ValueError as exc:  # not a duration, or longer than dates go back
        raise typer.BadParameter(str(exc), param_hint="--since") from None
    with open_store(config) as store:
        alerts = [
            _redacted(a) for a in store.alerts_since(start) if rule is None or rule in a["rules"]
        ]
    if as_json:
        print(json.dumps(alerts, default=str, ensure_ascii=False, indent=2))
        return
    table = Table("id", "queued", "rules", "story", "channel", "status")
    for alert in alerts:
        status = alert["status"] + (
            f" ({alert['attempts']} attempts)" if alert["attempts"] > 1 else ""
        )
        if alert["last_error"] and alert["status"] != "sent":
            status += f": {alert['last_error']}"
        table.add_row(
            str(alert["id"]),
            when(alert["created_at"]),
            shown(", ".join(alert["rules"])),
            shown(f"{alert['title']} — {alert['feed']}" + _also(alert["sources"])),
            shown(alert["channel"]),
            shown(status),
        )
    out.print(table)
    out.print(f"{len(alerts)} alert(s) since {when(start)}.", highlight=False)


def _reject(config: "Config", alert_id: int, reason: str | None) -> None:
    """`history --reject ID`: the story of alert ID marked not relevant."""
    with open_store(config) as store:
        rejection = store.reject(alert_id, now=datetime.now(UTC), source="cli", reason=reason)
    if rejection is None:
        err.print(f"No alert {alert_id}: `media-monitor history` shows their ids.", highlight=False)
        raise typer.Exit(1)
    out.print(
        shown(f"Alert {alert_id} ({', '.join(rejection.rules)}) marked not relevant."),
        highlight=False,
    )


def _also(sources: list[str]) -> str:
    """The "(+2 sources: Le Monde, AFP)" after a story that other outlets carried too."""
    from monitor.delivery.alerts import sources_line

    return f" ({sources_line(sources)})" if sources else ""


def feed_rows(config: "Config", health: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per configured feed, in config order: what the state knows of it (`health`, by
    feed name), or the values of a feed never polled."""
    never_polled = dict.fromkeys(
        (
            "last_poll_at",
            "last_ok_at",
            "last_error",
            "last_warning",
            "next_poll_at",
            "fetch_url",
            "gone_at",
            "polled_by",
        )
    )
    return [
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


def _problem(row: Mapping[str, Any]) -> Text:
    """The feed's last error; else what was wrong with it when last read, though it was."""
    if row.get("last_error"):
        return shown(row["last_error"])
    if row.get("last_warning"):
        warning = shown(f"warning: {row['last_warning']}")
        warning.stylize("yellow")
        return warning
    return Text("")


def feed_table(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Feed health: last success, last error (or warning), consecutive failures, items seen,
    next poll (and the node that polled it last, when several share a PostgreSQL state)."""
    config = load(ctx, sending=False)
    with open_store(config) as store:
        rows = [_redacted(row) for row in feed_rows(config, store.feed_health())]
    if as_json:
        print(json.dumps(rows, default=str, ensure_ascii=False, indent=2))
        return
    table = Table(
        "feed",
        Column("last success", no_wrap=True),
        Column("last error or warning", ratio=1),  # the one column that wraps when narrow
        Column("failures", no_wrap=True),
        Column("items", no_wrap=True),
        Column("next poll", no_wrap=True),
    )
    nodes = any(row.get("polled_by") for row in rows)  # several nodes share a PostgreSQL state
    if nodes:
        table.add_column("polled by", no_wrap=True)
    for row in rows:
        cells: list[Text | str] = [
            shown(row["feed"]),
            when(row.get("last_ok_at"))
            or ("never" if row.get("last_poll_at") else "not polled yet"),
            _problem(row),
            str(row.get("consecutive_failures") or 0),
            str(row.get("items_seen") or 0),
            "stopped (410)" if row.get("gone_at") else when(row.get("next_poll_at")),
        ]
        table.add_row(*cells, *([shown(row.get("polled_by") or "")] if nodes else []))
    out.print(table)
    for row in rows:
        if row.get("fetch_url"):
            out.print(shown(f"{row['feed']} moved permanently to {row['fetch_url']}"))


def _redacted(row: Mapping[str, Any]) -> dict[str, Any]:
    """`row` as it may be shown, table or JSON: feed URLs' credentials and every secret
    masked, control characters escaped (see `monitor.log.redact_text`)."""
    from monitor.log import redact_text

    return {k: redact_text(v) if isinstance(v, str) else v for k, v in row.items()}
