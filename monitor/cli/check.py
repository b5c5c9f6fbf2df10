"""`check`: validate the config and show what it says."""

from typing import TYPE_CHECKING

import typer
from rich.table import Table

from monitor.cli.common import err, load, out, shown, state_place
from monitor.config.durations import format_duration
from monitor.rules.lint import operator_warnings

if TYPE_CHECKING:  # the config's model loads pydantic: not for `--help`
    from monitor.config.model import Config


def check(ctx: typer.Context) -> None:
    """Validate the config and print a summary; exit 2 listing every error."""
    config = load(ctx)
    out.print(
        shown(
            f"Config {config.directory}: {len(config.feeds)} feeds, {len(config.rules)} rules, "
            f"{len(config.channels)} channels — state in {state_place(config)}"
        ),
        highlight=False,
        soft_wrap=True,  # paths and the URL whole
    )
    # Every cell through `shown`: names, queries and URLs are the user's or an OPML's text.
    feeds = Table("feed", "url", "interval", "tags", title="Feeds")
    for feed in config.feeds.values():
        feeds.add_row(
            shown(feed.name),
            shown(feed.url),
            format_duration(config.interval(feed)),
            shown(" ".join(feed.tags)),
        )
    rules = Table("rule", "query", "channels", "feeds", title="Rules")
    for rule in config.rules.values():
        rules.add_row(
            shown(rule.name + ("" if rule.enabled else " (disabled)")),
            shown(rule.query),
            shown(", ".join(rule.channels)),
            shown(", ".join(rule.feeds) or "all"),
        )
    channels = Table("channel", "format", "pacing", "urls", title="Channels")
    for channel in config.channels.values():
        pacing = channel.pacing
        shown_pacing = [
            f"digest every {format_duration(pacing.digest)}" if pacing.digest else "at once"
        ]
        if pacing.quiet_hours is not None:
            shown_pacing.append(f"quiet {pacing.quiet_hours}")
        if channel.interactive:
            shown_pacing.append("interactive")
        channels.add_row(
            shown(channel.name + ("" if channel.enabled else " (disabled)")),
            channel.format,
            ", ".join(shown_pacing),
            shown("\n".join(channel.shown_urls)),
        )
    for table in (feeds, rules, channels):
        out.print(table)
    _show_templates(config)
    # Warnings, not errors: `a and b` may be meant (a phrase-like AND of three words).
    for rule in config.rules.values():
        for warning in operator_warnings(rule.query):
            err.print(
                f"warning: {rule.file}: rule '{rule.name}': {warning}",
                markup=False,
                highlight=False,
            )


def _show_templates(config: "Config") -> None:
    """Each channel template rendered with `notify-test`'s sample alert, as the channel's
    format writes it (loading the config rendered them already: they render)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from monitor.delivery.alerts import sample_alert
    from monitor.delivery.render import render

    sample = sample_alert(datetime.now(UTC))
    for channel in config.channels.values():
        if channel.template is None:
            continue
        tz = ZoneInfo(channel.timezone or config.settings.timezone)
        message = render(sample, channel.format, tz, template=channel.template)
        out.print(
            shown(
                f"\nChannel '{channel.name}': its template with a sample alert ({channel.format})"
            ),
            highlight=False,
        )
        out.print(shown(f"title: {message.title}"), highlight=False)
        out.print(shown(message.body), highlight=False)
