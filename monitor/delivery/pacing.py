"""When queued alerts may go out, and which go out together (pure: `now` is passed in).

- An immediate channel (`digest = "0"`) sends each alert on its own as soon as it is queued.
- A digest channel (`digest = "15m"`, `"1h"`, `"1d"`…) holds each alert until the end of the
  digest period it was queued in, then sends everything released in one message. Periods are
  aligned to midnight in the configured time zone, so a `"1d"` digest goes out at midnight and a
  `"6h"` one at 00:00, 06:00, 12:00 and 18:00.
- Quiet hours (`quiet_hours = "22:00-07:00"`, local time) hold every alert that would go out
  inside them until they end; on an immediate channel, the alerts they held go out together as
  one digest.
- A rule's priority (`monitor/stories/signals`), carried in the alert: "high" goes out at once,
  alone, through digests and quiet hours; "low" is digest only: a channel that sends at once
  gathers low alerts into a digest every `LOW_DIGEST`.
- Mutes (`mute`, the chat's buttons, `enabled = false` on a channel): an alert whose channel is
  muted, or every rule of which is, does not go out; it is recorded as muted (`muted`), and not
  sent late when the mute ends.
"""

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.feedback import Mute
from monitor.model import OutboxRow

LOW_DIGEST = timedelta(hours=1)
_CLOCK_RANGE = re.compile(r"\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window of local time, possibly across midnight (`start` > `end`)."""

    start: time
    end: time

    @classmethod
    def parse(cls, value: str) -> "QuietHours":
        """Read "HH:MM-HH:MM"; raises ValueError saying what is expected."""
        match = _CLOCK_RANGE.fullmatch(value)
        if match is None:
            raise ValueError(f'{value!r} is not a time range: write e.g. "22:00-07:00"')
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if (h1, m1) == (h2, m2):
            raise ValueError(f"{value!r} is empty: start and end are the same time")
        return cls(time(h1, m1), time(h2, m2))

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: datetime, tz: ZoneInfo) -> bool:
        """Is `moment` inside the window?"""
        local = moment.astimezone(tz).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """The first end of the window after `moment`."""
        local = moment.astimezone(tz)
        end = datetime.combine(local.date(), self.end, tz)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tz)
        return end


@dataclass(frozen=True, slots=True)
class Pacing:
    """How one channel paces its alerts."""

    digest: timedelta = timedelta(0)
    quiet_hours: QuietHours | None = None


def period_end(moment: datetime, period: timedelta, tz: ZoneInfo) -> datetime:
    """The end of the digest period holding `moment`: periods count from local midnight."""
    local = moment.astimezone(tz)
    midnight = datetime.combine(local.date(), time(0), tz)
    elapsed = local - midnight
    return midnight + period * (elapsed // period + 1)


def release_time(
    queued_at: datetime, pacing: Pacing, tz: ZoneInfo, priority: str = "normal"
) -> datetime:
    """When an alert queued at `queued_at` may go out."""
    if priority == "high":
        return queued_at
    release = queued_at
    if pacing.digest or priority == "low":
        release = period_end(queued_at, pacing.digest or LOW_DIGEST, tz)
    quiet = pacing.quiet_hours
    if quiet is not None and quiet.contains(release, tz):
        release = quiet.end_after(release, tz)
    return release


@dataclass(frozen=True, slots=True)
class Batch:
    """One message to send: a single alert, or a digest of several."""

    channel: str
    rows: tuple[OutboxRow, ...]
    digest: bool


@dataclass
class DeliveryPlan:
    """What to send now, and which rows wait until when."""

    batches: list[Batch] = field(default_factory=list)
    held: dict[datetime, list[int]] = field(default_factory=dict)  # release time → row ids


def plan_delivery(
    rows: Iterable[OutboxRow], pacing: Mapping[str, Pacing], now: datetime, tz: ZoneInfo
) -> DeliveryPlan:
    """Group the due `rows` into the messages to send `now` (in row order), and hold the ones
    whose time has not come. Rows of channels no longer configured go out alone (delivery
    then keeps them waiting for the channel, until `max_retry_age`)."""
    plan = DeliveryPlan()
    released: dict[str, list[OutboxRow]] = {}
    for row in rows:
        channel = pacing.get(row.channel, Pacing())
        priority = _priority(row)
        release = release_time(row.created_at, channel, tz, priority)
        quiet = channel.quiet_hours
        if priority != "high" and quiet is not None and quiet.contains(now, tz):
            release = max(release, quiet.end_after(now, tz))
        if release > now:
            plan.held.setdefault(release, []).append(row.id)
        elif priority == "high":
            plan.batches.append(Batch(row.channel, (row,), digest=False))
        else:
            released.setdefault(row.channel, []).append(row)
    for name, due in released.items():
        channel = pacing.get(name, Pacing())
        quiet = channel.quiet_hours
        if channel.digest:
            plan.batches.append(Batch(name, tuple(due), digest=True))
            continue
        low = tuple(r for r in due if _priority(r) == "low")
        if low:
            plan.batches.append(Batch(name, low, digest=True))
        ready = [r for r in due if _priority(r) != "low"]
        held = [r for r in ready if quiet is not None and quiet.contains(r.created_at, tz)]
        if len(held) < 2:  # one alert held by quiet hours is just late, not a digest
            held = []
        else:
            plan.batches.append(Batch(name, tuple(held), digest=True))
        held_ids = {r.id for r in held}
        plan.batches.extend(Batch(name, (r,), digest=False) for r in ready if r.id not in held_ids)
    return plan


def _priority(row: OutboxRow) -> str:
    return str(row.payload.get("priority", "normal"))


def newest_first(rows: Sequence[OutboxRow]) -> list[OutboxRow]:
    """Rows ordered for a digest: newest first."""
    return sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)


def muted(
    rows: Iterable[OutboxRow], mutes: Iterable[Mute], disabled: Collection[str], now: datetime
) -> dict[int, str]:
    """The rows that must not go out, by id, each with why: its channel is disabled (`disabled`)
    or muted, or every rule it names is muted. An alert one of whose rules is still heard goes
    out: that rule alone would have sent it."""
    active = {(m.kind, m.name): m for m in mutes if m.active(now)}
    reasons = {}
    for row in rows:
        if row.channel in disabled:
            reasons[row.id] = f"channel '{row.channel}' is disabled"
            continue
        found = active.get(("channel", row.channel))
        if found is None and row.rules and all(("rule", r) in active for r in row.rules):
            found = active[("rule", row.rules[0])]
        if found is not None:
            until = f" until {found.until:%Y-%m-%d %H:%M} UTC" if found.until else ""
            why = f" ({found.reason})" if found.reason else ""
            reasons[row.id] = f"{found.kind} '{found.name}' muted{until}{why}"
    return reasons
