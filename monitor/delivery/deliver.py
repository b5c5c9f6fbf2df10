"""Delivery's pass over the outbox: an alert leaves it only when its channel accepted it, or
when a mute kept it back (`pacing.muted`: recorded as muted, never sent late);
failures are retried with exponential backoff until they are `max_retry_age` old (24 h unless
configured), then marked failed and logged as errors. An alert for a channel the config no
longer has (renamed, removed) waits for it the same way, with a warning each time.

An attempt that was made but could not be recorded (the disk full, the state locked or damaged)
is remembered in `Unrecorded`, never sent again on the strength of the stale row: the recording
is retried with its own backoff, and the row stays out of the sends meanwhile. The state's
reads and writes run off the event loop.

Channels are sent to at once, and each URL of a channel in a lane of its own (`lanes`): one
dead or throttled endpoint holds back nothing else. At most `delivery_concurrency` sends run
at once; each URL takes its channel's messages in order.
"""

import asyncio
import contextlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.exc import SQLAlchemyError

from monitor.delivery.alerts import Alert
from monitor.delivery.lanes import Lanes, Message
from monitor.delivery.pacing import Batch, muted, newest_first, plan_delivery
from monitor.delivery.sender import Notifier
from monitor.model import OutboxRow
from monitor.offload import off_loop
from monitor.state.store import Store

log = structlog.get_logger(__name__)

RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX_DELAY = timedelta(hours=1)
DUE_PAGE = 500  # due alerts read at a time; a pass goes on until none is left
RESCAN = timedelta(seconds=1)  # the outbox read again while a lane is busy
RECORD_RETRY_FIRST = timedelta(seconds=5)
RECORD_RETRY_MAX_DELAY = timedelta(minutes=5)


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the `attempts`-th failed attempt: 30 s, 1 min, 2 min … capped at 1 h."""
    return min(RETRY_FIRST * (1 << max(attempts - 1, 0)), RETRY_MAX_DELAY)


@dataclass
class _Attempt:
    """An attempt's record, waiting to be written: `record_attempt`'s arguments."""

    alert_id: int
    values: dict[str, Any]
    tries: int = 0
    retry_at: datetime | None = None  # when to try writing it again


@dataclass
class Unrecorded:
    """Attempts made but not recorded yet, by alert id (in memory: the state could not take
    them). Their rows are not sent again while they are here."""

    attempts: dict[int, _Attempt] = field(default_factory=dict)

    def flush(self, store: Store, now: datetime) -> None:
        """Write the attempts whose retry is due; stop at the first failure (the state is
        still unwritable), backing its retry off."""
        for attempt in list(self.attempts.values()):
            if attempt.retry_at is not None and attempt.retry_at > now:
                continue
            if not self.record(store, attempt, now):
                return

    def record(self, store: Store, attempt: _Attempt, now: datetime) -> bool:
        """Write `attempt`; if the state refuses it, keep it here with a backoff (False)."""
        try:
            store.record_attempt(attempt.alert_id, **attempt.values)
        except (SQLAlchemyError, OSError) as exc:
            attempt.tries += 1
            delay = min(RECORD_RETRY_FIRST * (1 << (attempt.tries - 1)), RECORD_RETRY_MAX_DELAY)
            attempt.retry_at = now + delay
            if attempt.alert_id not in self.attempts:
                log.error(
                    "delivery attempt not recorded: the alert will not be sent again, and its "
                    "recording is retried",
                    alert=attempt.alert_id,
                    error=str(getattr(exc, "orig", None) or exc),
                    retry_at=attempt.retry_at.isoformat(),
                )
            self.attempts[attempt.alert_id] = attempt
            return False
        if self.attempts.pop(attempt.alert_id, None) is not None:
            log.info("delivery attempt recorded after all", alert=attempt.alert_id)
        return True


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    muted: int = 0  # recorded as muted, not sent
    latencies: list[float] = field(default_factory=list)  # queued → sent, seconds, per alert


async def deliver_due(
    store: Store,
    notifier: Notifier,
    tz: ZoneInfo,
    now: Callable[[], datetime],
    stopping: Callable[[], bool] = lambda: False,
    *,
    unrecorded: Unrecorded | None = None,
) -> DeliveryReport:
    """Send every alert whose time has come, as single messages or digests (see `pacing`);
    hold the others until their release; record the muted ones as such, and each attempt
    (what cannot be recorded is kept in `unrecorded`, and its row not sent again). Never
    raises for a failed send.

    Each URL sends in its own lane (`lanes`); while any is busy (a slow endpoint), the outbox
    is read again every `RESCAN`, so that alerts queued meanwhile go out at once on the other
    lanes. The pass ends when every lane is done. When `stopping()` turns true, the messages
    being sent are finished and the rest wait."""
    memory = Unrecorded() if unrecorded is None else unrecorded
    report = DeliveryReport()
    # Rows handed to the lanes in this pass, done or not: never handed again in it (a reading
    # of the outbox begun before an attempt was recorded still sees the row pending).
    handled: set[int] = set()

    async def done(batch: Batch, error: str | None, accepted: list[str]) -> None:
        moment = now()
        attempts = [
            _outcome(notifier, r, error=error, accepted=accepted, moment=moment, report=report)
            for r in batch.rows
        ]
        for attempt in attempts:
            await off_loop(memory.record, store, attempt, moment, name="delivery")
        if error is None and batch.digest:
            log.info("digest sent", channel=batch.channel, alerts=len(batch.rows))

    async def took(batch: Batch, url: str) -> None:
        # Only narrows a crash's window: the attempt's record says it all again.
        with contextlib.suppress(SQLAlchemyError, OSError):
            ids = [r.id for r in batch.rows]
            await off_loop(store.add_delivered, ids, url, name="delivery")

    lanes = Lanes(notifier, stopping=stopping, done=done, took=took)
    await off_loop(memory.flush, store, now(), name="delivery")
    try:
        while not stopping():
            await _dispatch_due(store, lanes, tz, now, memory, handled, report)
            if not lanes.busy():
                break
            await lanes.wait(RESCAN.total_seconds())
        await lanes.wait()
    except asyncio.CancelledError:  # a stop past its grace: no lane starts another send
        lanes.cancel()
        raise
    return report


async def _dispatch_due(  # noqa: PLR0917 (the pass's context, passed on)
    store: Store,
    lanes: Lanes,
    tz: ZoneInfo,
    now: Callable[[], datetime],
    memory: Unrecorded,
    handled: set[int],
    report: DeliveryReport,
) -> None:
    """Every due row not handled yet in this pass nor unrecorded: muted, held, or handed to
    the lanes."""
    start = now()
    # Page by page, in id order: no row is met twice in a reading, and rows skipped (handled,
    # or their last attempt still unrecorded) cannot fill a page and hide the newer ones
    # behind them.
    after = 0
    while True:
        page = await off_loop(
            partial(store.due_alerts, start, limit=DUE_PAGE, after=after), name="delivery"
        )
        if not page:
            return
        after = page[-1].id
        rows = [row for row in page if row.id not in memory.attempts and row.id not in handled]
        if rows:
            await _dispatch_page(rows, store, lanes, tz, start, handled, report)
        if len(page) < DUE_PAGE:
            return


async def _dispatch_page(  # noqa: PLR0917 (the pass's context, passed on)
    rows: list[OutboxRow],
    store: Store,
    lanes: Lanes,
    tz: ZoneInfo,
    start: datetime,
    handled: set[int],
    report: DeliveryReport,
) -> None:
    """Due rows: the muted ones recorded as such, the others planned, held or rendered and
    handed to their channel's lanes."""
    notifier = lanes.notifier
    mutes = await off_loop(store.active_mutes, start, name="delivery")
    silenced = muted(rows, mutes, notifier.disabled, start)
    if silenced:
        await off_loop(store.record_muted, silenced, name="delivery")
        log.info("alerts muted", alerts=len(silenced))
        report.muted += len(silenced)
        rows = [row for row in rows if row.id not in silenced]
    plan = plan_delivery(rows, notifier.pacing, start, tz)
    for release, ids in plan.held.items():
        # A hold not written only costs planning it again next pass: it must not stop the sends.
        with contextlib.suppress(SQLAlchemyError, OSError):
            await off_loop(partial(store.hold, ids, until=release), name="delivery")
    for batch in plan.batches:
        handled.update(row.id for row in batch.rows)
        if batch.channel not in notifier.channels:
            # Renamed or removed: its alerts wait for it (a reload may bring it back) until
            # `max_retry_age`, like any failed send.
            error = f"channel '{batch.channel}' is not configured; its alerts wait for it"
            await lanes.done(batch, error, [])
            continue
        url_ids = notifier.url_ids[batch.channel]
        before = [notifier.accepted(r.channel, r.delivered) for r in batch.rows]
        waiting = [u for u in url_ids if any(u not in taken for taken in before)]
        try:
            alerts = [Alert.from_payload(r.payload) for r in newest_first(batch.rows)]
            # Off the loop: a template's work, bounded as it is, holds no other lane.
            rendered = await off_loop(notifier.render, batch.channel, alerts, tz, name="render")
        except Exception as exc:
            # One alert that cannot be rendered must not hold up the others.
            log.exception("alert delivery crashed", channel=batch.channel)
            await lanes.done(batch, f"{type(exc).__name__}: {exc}", [])
            continue
        await lanes.push(batch.channel, Message(batch, rendered, waiting))


def _outcome(
    notifier: Notifier,
    row: OutboxRow,
    *,
    error: str | None,
    accepted: Collection[str],
    moment: datetime,
    report: DeliveryReport,
) -> _Attempt:
    """How one row's attempt went: logged, counted in `report`, and the record to write."""
    delivered = sorted(notifier.accepted(row.channel, row.delivered) | {*accepted})
    values: dict[str, Any] = {"now": moment, "error": error, "delivered": delivered}
    if error is None:
        log.info("alert sent", channel=row.channel, rule=row.rules, item=row.story_key)
        report.sent += 1
        report.latencies.append((moment - row.created_at).total_seconds())
        return _Attempt(row.id, {**values, "retry_at": None})
    if moment - row.created_at >= notifier.max_retry_age:
        log.error("alert given up", channel=row.channel, item=row.story_key, error=error)
        report.failed += 1
        return _Attempt(row.id, {**values, "retry_at": None})
    retry_at = moment + retry_delay(row.attempts + 1)
    log.warning(
        "alert delivery failed; will retry",
        channel=row.channel,
        item=row.story_key,
        error=error,
        retry_at=retry_at.isoformat(),
    )
    report.retrying += 1
    return _Attempt(row.id, {**values, "retry_at": retry_at})
