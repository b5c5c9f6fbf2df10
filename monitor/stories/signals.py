"""A rule's story settings, and the follow-up signals they raise (pure: counts in, decisions
out, the time passed in): a story spreading to many publishers, a rule's matches spiking above
their usual rate, and the cooldowns that keep a busy day from flooding a channel."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Priority = Literal["high", "normal", "low"]
# Match counts are kept per bucket of this length: the spike's windows are whole buckets.
BUCKET = timedelta(minutes=10)
DEFAULT_COOLDOWN = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Spread:
    """Alert once when a story reaches `sources` distinct publishers within `within` of its
    first item."""

    sources: int
    within: timedelta


@dataclass(frozen=True, slots=True)
class Spike:
    """Alert when a rule's matches in the last `window` reach `min` and `factor` times what
    its rate over the `baseline` before predicts."""

    factor: float
    min: int
    window: timedelta
    baseline: timedelta


@dataclass(frozen=True, slots=True)
class StoryRule:
    """What one rule asks of stories and pacing."""

    priority: Priority = "normal"
    cooldown: timedelta | None = None  # at most one alert per period; the rest to a digest
    spread: Spread | None = None
    spike: Spike | None = None
    follow_up_cooldown: timedelta = DEFAULT_COOLDOWN  # between spread or spike alerts


def bucket(moment: datetime) -> datetime:
    """The start of the count bucket holding `moment`."""
    epoch = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return epoch + BUCKET * ((moment - epoch) // BUCKET)


def cooled(last: datetime | None, cooldown: timedelta | None, now: datetime) -> bool:
    """May a rule alert again at `now`, its last alert of the kind being at `last`?"""
    return last is None or cooldown is None or now - last >= cooldown


def spreads(
    hosts: int, first_seen_at: datetime, spread_at: datetime | None, rule: Spread, now: datetime
) -> bool:
    """Has a story just reached the rule's spread: enough publishers, soon enough, and not
    alerted for it before?"""
    return spread_at is None and hosts >= rule.sources and now - first_seen_at <= rule.within


@dataclass(frozen=True, slots=True)
class Surge:
    """A spike: the matches in the window, and what the baseline predicted for it."""

    recent: int
    expected: float


def spike(counts: Mapping[datetime, int], rule: Spike, now: datetime) -> Surge | None:
    """The spike in `counts` (matches by bucket start) at `now`, or None. The window is the
    buckets that started within `rule.window`; the baseline, the ones before it back to
    `rule.baseline`. A baseline below one match per window counts as one, so that a quiet rule
    needs `max(min, factor)` matches to spike."""
    start = bucket(now) - (rule.window - BUCKET)
    recent = sum(n for b, n in counts.items() if b >= start)
    before = sum(n for b, n in counts.items() if now - rule.baseline <= b < start)
    span = rule.baseline - rule.window
    expected = before * (rule.window / span) if span > timedelta(0) else 0.0
    if recent >= rule.min and recent >= rule.factor * max(expected, 1.0):
        return Surge(recent, expected)
    return None


def priority_of(rules: Mapping[str, StoryRule], names: list[str]) -> Priority:
    """An alert's priority: high if any of its rules is, low if all are, else normal."""
    levels = {rules[n].priority if n in rules else "normal" for n in names}
    if "high" in levels:
        return "high"
    return "low" if levels == {"low"} else "normal"
