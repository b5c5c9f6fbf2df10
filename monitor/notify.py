"""Delivery: one Apprise object per channel, and the loop that drains the outbox.

An alert leaves the outbox only when its channel accepted it; failures are retried with
exponential backoff until they are `max_retry_age` old (24 h unless configured), then marked
failed and logged as errors.
"""

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import apprise
import structlog
from pydantic import SecretStr

import monitor.console  # noqa: F401  (registers console://)
from monitor.alerts import Alert, Rendered, render, render_digest
from monitor.batching import Batch, newest_first, plan_delivery
from monitor.schema import Channel
from monitor.store import OutboxRow, Store

log = structlog.get_logger(__name__)

RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX_DELAY = timedelta(hours=1)
SEND_TIMEOUT = 60  # seconds: Apprise's deadline for one message to every URL of a channel
TITLE_ROOM = 300  # characters of a service's body limit left for the title and its markup


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the `attempts`-th failed attempt: 30 s, 1 min, 2 min … capped at 1 h."""
    return min(RETRY_FIRST * (1 << max(attempts - 1, 0)), RETRY_MAX_DELAY)


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)  # queued → sent, seconds, per alert


@dataclass(frozen=True, slots=True)
class UrlVerdict:
    """How one URL of a channel took a message."""

    url_id: str  # see `url_id`
    url: str  # in Apprise's privacy form
    accepted: bool
    status: str


def url_id(url: SecretStr) -> str:
    """A channel URL's stable name: a short hash of it. The outbox records which URLs took an
    alert by these names, so a retry goes to the others even after a reload reorders the
    channel's URLs, and no secret is stored."""
    return hashlib.sha256(url.get_secret_value().encode()).hexdigest()[:16]


def _url_tag(url_name: str) -> str:
    return f"url-{url_name}"


class Notifier:
    """Holds one Apprise object per channel, reused for every alert; each URL is tagged with its
    `url_id`, so that a retry goes only to the URLs that failed."""

    def __init__(
        self, channels: Mapping[str, Channel], max_retry_age: timedelta = timedelta(hours=24)
    ) -> None:
        self.channels = channels
        self.max_retry_age = max_retry_age
        self.pacing = {name: channel.pacing for name, channel in channels.items()}
        self._apprise: dict[str, apprise.Apprise] = {}
        self._limits: dict[str, int | None] = {}
        self.url_ids: dict[str, tuple[str, ...]] = {}
        for name, channel in channels.items():
            apobj = apprise.Apprise()
            self.url_ids[name] = tuple(url_id(url) for url in channel.urls)
            for url, url_name in zip(channel.urls, self.url_ids[name], strict=True):
                apobj.add(url.get_secret_value(), tag=_url_tag(url_name))
            self._apprise[name] = apobj
            # The smallest body any of the channel's services takes, less room for the title
            # (Telegram, for one, counts the title in its body).
            limits = [plugin.body_maxlen for plugin in apobj if plugin.body_maxlen > 0]
            self._limits[name] = min(limits) - TITLE_ROOM if limits else None

    def render(self, channel: str, alerts: Sequence[Alert], tz: ZoneInfo) -> Rendered:
        """The message for one alert, or the digest of several, in the channel's format and
        within the length its services take."""
        fmt, limit = self.channels[channel].format, self._limits[channel]
        if len(alerts) == 1:
            return render(alerts[0], fmt, tz, limit)
        return render_digest(alerts, fmt, tz, limit)

    async def send_each(
        self, channel: str, message: Rendered, only: Collection[str] | None = None
    ) -> list[UrlVerdict]:
        """Send `message` through `channel` (only to the URLs named in `only`, if given)."""
        names = self.url_ids[channel] if only is None else sorted(only)
        result = await self._apprise[channel].async_notify(
            body=message.body,
            title=message.title,
            body_format=self.channels[channel].format,
            tag=[_url_tag(n) for n in names],
            timeout=SEND_TIMEOUT,
        )
        tag_name = {_url_tag(n): n for n in names}
        return [
            UrlVerdict(tag_name[r.tag[0]], r.url, bool(r), r.status.name)
            for r in result.results
            if r.tag and r.tag[0] in tag_name
        ]


async def deliver_due(
    store: Store,
    notifier: Notifier,
    tz: ZoneInfo,
    now: Callable[[], datetime],
    stopping: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """Send every alert whose time has come, as single messages or digests (see `batching`);
    hold the others until their release; record each attempt. Never raises for a failed send.
    When `stopping()` turns true, the message being sent is finished and the rest wait."""
    report = DeliveryReport()
    start = now()
    plan = plan_delivery(store.due_alerts(start), notifier.pacing, start, tz)
    for release, ids in plan.held.items():
        store.hold(ids, until=release)
    for batch in plan.batches:
        if stopping():
            break
        error, accepted = await _attempt(notifier, batch, tz)
        moment = now()
        for row in batch.rows:
            _record(
                store, notifier, row, error=error, accepted=accepted, moment=moment, report=report
            )
        if error is None and batch.digest:
            log.info("digest sent", channel=batch.channel, alerts=len(batch.rows))
    return report


def _record(
    store: Store,
    notifier: Notifier,
    row: OutboxRow,
    *,
    error: str | None,
    accepted: Collection[str],
    moment: datetime,
    report: DeliveryReport,
) -> None:
    """Record how one row's attempt went, and count it in `report`."""
    delivered = sorted(_accepted_before(row, notifier.url_ids.get(row.channel, ())) | {*accepted})
    if error is None:
        store.record_attempt(row.id, now=moment, error=None, retry_at=None, delivered=delivered)
        log.info("alert sent", channel=row.channel, rule=row.rules, item=row.story_key)
        report.sent += 1
        report.latencies.append((moment - row.created_at).total_seconds())
    elif moment - row.created_at >= notifier.max_retry_age or row.channel not in notifier.channels:
        store.record_attempt(row.id, now=moment, error=error, retry_at=None, delivered=delivered)
        log.error("alert given up", channel=row.channel, item=row.story_key, error=error)
        report.failed += 1
    else:
        retry_at = moment + retry_delay(row.attempts + 1)
        store.record_attempt(
            row.id, now=moment, error=error, retry_at=retry_at, delivered=delivered
        )
        log.warning(
            "alert delivery failed; will retry",
            channel=row.channel,
            item=row.story_key,
            error=error,
            retry_at=retry_at.isoformat(),
        )
        report.retrying += 1


def _accepted_before(row: OutboxRow, url_ids: Sequence[str]) -> set[str]:
    """The URLs (by `url_id`) that took `row` in earlier attempts. Versions before URL ids
    recorded positions in the channel's `urls`: those name the URL at that position now."""
    return {
        url_ids[d] if isinstance(d, int) else d
        for d in row.delivered
        if not isinstance(d, int) or d < len(url_ids)
    }


async def _attempt(notifier: Notifier, batch: Batch, tz: ZoneInfo) -> tuple[str | None, list[str]]:
    """Send `batch` to the URLs of its channel that have not accepted all of it yet: (what
    failed, or None; the URLs, by `url_id`, that accepted it now)."""
    if batch.channel not in notifier.channels:
        return f"channel '{batch.channel}' is no longer configured", []
    url_ids = notifier.url_ids[batch.channel]
    before = [_accepted_before(r, url_ids) for r in batch.rows]
    waiting = [u for u in url_ids if any(u not in took for took in before)]
    try:
        alerts = [Alert.from_payload(r.payload) for r in newest_first(batch.rows)]
        verdicts = await notifier.send_each(
            batch.channel, notifier.render(batch.channel, alerts, tz), only=waiting
        )
    except Exception as exc:
        # One alert that cannot be rendered or sent must not hold up the others.
        log.exception("alert delivery crashed", channel=batch.channel)
        return f"{type(exc).__name__}: {exc}", []
    accepted = [v.url_id for v in verdicts if v.accepted]
    if set(accepted) >= set(waiting):
        return None, accepted
    failures = [f"{v.url}: {v.status}" for v in verdicts if not v.accepted]
    return "; ".join(failures) or "no service was notified", accepted
