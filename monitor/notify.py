"""Delivery: one Apprise object per channel, and the loop that drains the outbox.

An alert leaves the outbox only when its channel accepted it; failures are retried with
exponential backoff until `MAX_RETRY_AGE`, then marked failed and logged as errors.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import apprise
import structlog

import monitor.console  # noqa: F401  (registers console://)
from monitor.alerts import Alert, render
from monitor.schema import Channel
from monitor.store import OutboxRow, Store

log = structlog.get_logger(__name__)

RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX_DELAY = timedelta(hours=1)
MAX_RETRY_AGE = timedelta(hours=24)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the `attempts`-th failed attempt: 30 s, 1 min, 2 min … capped at 1 h."""
    return min(RETRY_FIRST * (1 << max(attempts - 1, 0)), RETRY_MAX_DELAY)


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


class Notifier:
    """Holds one Apprise object per channel, reused for every alert."""

    def __init__(self, channels: Mapping[str, Channel]) -> None:
        self.channels = channels
        self._apprise: dict[str, apprise.Apprise] = {}
        for name, channel in channels.items():
            apobj = apprise.Apprise()
            for url in channel.urls:
                apobj.add(url.get_secret_value())
            self._apprise[name] = apobj

    async def send(self, channel: str, alert: Alert, tz: ZoneInfo) -> str | None:
        """Send `alert` through `channel`; returns None on success, else what failed."""
        verdicts = await self.send_each(channel, alert, tz)
        if verdicts and all(accepted for _url, accepted, _status in verdicts):
            return None
        failures = [f"{url}: {status}" for url, accepted, status in verdicts if not accepted]
        return "; ".join(failures) or "no service was notified"

    async def send_each(
        self, channel: str, alert: Alert, tz: ZoneInfo
    ) -> list[tuple[str, bool, str]]:
        """Send `alert` through `channel`: (URL in privacy form, accepted?, status) per URL."""
        spec = self.channels[channel]
        message = render(alert, spec.format, tz)
        result = await self._apprise[channel].async_notify(
            body=message.body, title=message.title, body_format=spec.format
        )
        return [(r.url, bool(r), r.status.name) for r in result]


async def deliver_due(
    store: Store, notifier: Notifier, tz: ZoneInfo, now: Callable[[], datetime]
) -> DeliveryReport:
    """Send every due alert once; record each attempt. Never raises for a failed send."""
    report = DeliveryReport()
    for row in store.due_alerts(now()):
        error = await _attempt(notifier, row, tz)
        moment = now()
        if error is None:
            store.record_attempt(row.id, now=moment, error=None, retry_at=None)
            log.info("alert sent", channel=row.channel, rule=row.rules, item=row.story_key)
            report.sent += 1
        elif moment - row.created_at >= MAX_RETRY_AGE or row.channel not in notifier.channels:
            store.record_attempt(row.id, now=moment, error=error, retry_at=None)
            log.error("alert given up", channel=row.channel, item=row.story_key, error=error)
            report.failed += 1
        else:
            retry_at = moment + retry_delay(row.attempts + 1)
            store.record_attempt(row.id, now=moment, error=error, retry_at=retry_at)
            log.warning(
                "alert delivery failed; will retry",
                channel=row.channel,
                item=row.story_key,
                error=error,
                retry_at=retry_at.isoformat(),
            )
            report.retrying += 1
    return report


async def _attempt(notifier: Notifier, row: OutboxRow, tz: ZoneInfo) -> str | None:
    if row.channel not in notifier.channels:
        return f"channel '{row.channel}' is no longer configured"
    try:
        return await notifier.send(row.channel, Alert.from_payload(row.payload), tz)
    except Exception as exc:
        # One alert that cannot be rendered or sent must not hold up the others.
        log.exception("alert delivery crashed", channel=row.channel, item=row.story_key)
        return f"{type(exc).__name__}: {exc}"
