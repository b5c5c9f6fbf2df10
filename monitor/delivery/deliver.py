"""Delivery's pass over the outbox: an alert leaves it only when its channel accepted it;
failures are retried with exponential backoff until they are `max_retry_age` old (24 h unless
configured), then marked failed and logged as errors."""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import structlog

from monitor.delivery.alerts import Alert
from monitor.delivery.pacing import Batch, newest_first, plan_delivery
from monitor.delivery.sender import Notifier
from monitor.model import OutboxRow
from monitor.state.store import Store

log = structlog.get_logger(__name__)

RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX_DELAY = timedelta(hours=1)
DUE_PAGE = 500  # due alerts read at a time; a pass goes on until none is left


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


async def deliver_due(
    store: Store,
    notifier: Notifier,
    tz: ZoneInfo,
    now: Callable[[], datetime],
    stopping: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """Send every alert whose time has come (all of them, a page at a time), as single messages
    or digests (see `pacing`); hold the others until their release; record each attempt.
    Never raises for a failed send.
    When `stopping()` turns true, the message being sent is finished and the rest wait."""
    report = DeliveryReport()
    start = now()
    handled: set[int] = set()
    # Page by page: a row handled leaves the due set (sent, failed, held, or retried after
    # `start`); one met again all the same ends the pass rather than loop on it.
    while True:
        page = store.due_alerts(start, limit=DUE_PAGE)
        rows = [row for row in page if row.id not in handled]
        if not rows:
            break
        handled.update(row.id for row in rows)
        plan = plan_delivery(rows, notifier.pacing, start, tz)
        for release, ids in plan.held.items():
            store.hold(ids, until=release)
        for batch in plan.batches:
            if stopping():
                return report
            error, accepted = await _attempt(notifier, batch, tz)
            moment = now()
            for row in batch.rows:
                _record(
                    store,
                    notifier,
                    row,
                    error=error,
                    accepted=accepted,
                    moment=moment,
                    report=report,
                )
            if error is None and batch.digest:
                log.info("digest sent", channel=batch.channel, alerts=len(batch.rows))
        if len(page) < DUE_PAGE:
            break
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
