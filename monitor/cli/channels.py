"""`notify-test`: send a sample alert through one channel and show each URL's verdict."""

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from monitor.cli.common import EXIT_CONFIG, err, load, out


def notify_test(
    ctx: typer.Context,
    channel: Annotated[str, typer.Argument(help="The name of a configured channel.")],
) -> None:
    """Send a test alert through CHANNEL and say whether each of its URLs accepted it."""
    import asyncio

    from monitor.delivery.alerts import sample_alert
    from monitor.delivery.sender import Notifier

    config = load(ctx)
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
