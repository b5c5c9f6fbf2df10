"""What one poll writes, decided without I/O: given the feed's stored state, the fetch result,
the parsed items, the keys already seen, the matcher and `now`, produce a `Decision` that
`store.apply` writes in one transaction.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from monitor.alerts import build_alert
from monitor.fetch import FetchResult
from monitor.items import Item
from monitor.parse import ParsedFeed
from monitor.rules.matcher import MatchResult

MAX_BACKOFF = timedelta(hours=6)
# Feeds' clocks and time zones are often off by hours; beyond this, a date is simply wrong.
MAX_CLOCK_SKEW = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class FeedState:
    """A feed's stored state, as the previous poll left it."""

    url: str
    etag: str | None
    last_modified: str | None
    consecutive_failures: int


@dataclass(frozen=True, slots=True)
class FeedPolicy:
    """How a feed is polled and which of its items may alert."""

    name: str
    url: str
    interval: timedelta
    max_item_age: timedelta
    channels_of_rule: Mapping[str, Sequence[str]]
    keep_history: bool = False


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry seen for the first time in this feed."""

    entry_key: str
    story_key: str


@dataclass(frozen=True, slots=True)
class QueuedAlert:
    """One outbox row: the alert about a story for one channel."""

    channel: str
    rules: list[str]
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewStory:
    """A story seen for the first time anywhere, with the alerts it raises (maybe none)."""

    story_key: str
    title: str
    alerts: tuple[QueuedAlert, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """Everything one poll writes; `feed_update` holds the `feeds` columns to set."""

    feed: str
    feed_url: str
    polled_at: datetime
    feed_update: dict[str, Any]
    entries: tuple[NewEntry, ...] = ()
    stories: tuple[NewStory, ...] = ()
    history: tuple[Item, ...] = ()  # new items kept for back-testing rules
    error: str | None = None
    warning: str | None = field(default=None)

    @property
    def alert_count(self) -> int:
        """How many outbox rows this decision adds."""
        return sum(len(s.alerts) for s in self.stories)


def _failed(policy: FeedPolicy, state: FeedState | None, error: str, now: datetime) -> Decision:
    failures = (state.consecutive_failures if state else 0) + 1
    backoff = min(policy.interval * 2 ** (failures - 1), max(policy.interval, MAX_BACKOFF))
    return Decision(
        feed=policy.name,
        feed_url=policy.url,
        polled_at=now,
        feed_update={
            "consecutive_failures": failures,
            "last_error": error,
            "next_poll_at": now + backoff,
        },
        error=error,
    )


def _alerts(item: Item, result: MatchResult, policy: FeedPolicy) -> tuple[QueuedAlert, ...]:
    """One alert per channel, naming every rule that matched and sends to that channel."""
    rules_by_channel: dict[str, list[str]] = {}
    for match in result.matches:
        for channel in policy.channels_of_rule.get(match.rule, ()):
            rules_by_channel.setdefault(channel, []).append(match.rule)
    alerts = []
    for channel, rules in rules_by_channel.items():
        spans = [s for m in result.matches if m.rule in rules for s in m.spans]
        alert = build_alert(item, rules, spans, result.actors)
        alerts.append(QueuedAlert(channel, rules, alert.to_payload()))
    return tuple(alerts)


def _with_sane_date(item: Item, now: datetime) -> Item:
    """A date in the future (beyond clock skew) is wrong: the item counts from first sight."""
    if item.published is not None and item.published > now + MAX_CLOCK_SKEW:
        return replace(item, published=now)
    return item


def decide(
    policy: FeedPolicy,
    *,
    state: FeedState | None,
    fetched: FetchResult,
    parsed: ParsedFeed | None,
    seen_entries: set[str],
    seen_stories: set[str],
    match: Callable[[Item], MatchResult],
    now: datetime,
) -> Decision:
    """Decide what a poll writes. `parsed` is None when the fetch failed or was a 304;
    a fetched body that is not a feed arrives as `fetched` with `error` set."""
    if fetched.error is not None:
        return _failed(policy, state, fetched.error, now)
    update: dict[str, Any] = {
        "consecutive_failures": 0,
        "last_error": None,
        "last_ok_at": now,
        "next_poll_at": now + policy.interval,
        "etag": fetched.etag,
        "last_modified": fetched.last_modified,
    }
    if parsed is None:
        return Decision(policy.name, policy.url, now, update)
    oldest = now - policy.max_item_age
    new_entries: dict[str, NewEntry] = {}
    new_stories: dict[str, NewStory] = {}
    history: list[Item] = []
    for entry in parsed.items:
        item = _with_sane_date(entry, now)
        if item.entry_key in seen_entries or item.entry_key in new_entries:
            continue
        new_entries[item.entry_key] = NewEntry(item.entry_key, item.story_key)
        if policy.keep_history:
            history.append(item)
        if item.story_key in seen_stories or item.story_key in new_stories:
            continue  # the story alerted (or was judged) when first seen, in whichever feed
        fresh = item.published is None or item.published >= oldest
        alerts = _alerts(item, match(item), policy) if fresh else ()
        new_stories[item.story_key] = NewStory(item.story_key, item.title, alerts)
    return Decision(
        feed=policy.name,
        feed_url=policy.url,
        polled_at=now,
        feed_update=update,
        entries=tuple(new_entries.values()),
        stories=tuple(new_stories.values()),
        history=tuple(history),
        warning=parsed.warning,
    )
