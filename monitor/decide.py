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
from monitor.hints import max_age, retry_after
from monitor.items import MAX_CLOCK_SKEW, Item
from monitor.parse import ParsedFeed
from monitor.rules.matcher import MatchResult

MAX_BACKOFF = timedelta(hours=6)
# Servers' hints (Retry-After, Cache-Control, <ttl>) may push a poll out this far, no further.
MAX_HINTED_DELAY = timedelta(hours=6)
# Polls come up to this share of the delay early, so feeds added together drift apart.
INTERVAL_SPREAD = 0.1
BACKOFF_SPREAD = 0.5


@dataclass(frozen=True, slots=True)
class FeedState:
    """A feed's stored state, as the previous poll left it."""

    url: str  # the configured URL this state belongs to
    etag: str | None
    last_modified: str | None
    consecutive_failures: int
    fetch_url: str | None = None  # where a permanent redirect moved the feed
    next_poll_at: datetime | None = None
    hold_until: datetime | None = None  # a server's Retry-After
    gone_at: datetime | None = None  # when the server said 410 Gone

    def held(self, url: str, now: datetime) -> str | None:
        """Why the feed, configured at `url`, must not be polled at `now`; None if it may be."""
        if self.url != url:
            return None  # a new URL starts afresh
        if self.gone_at is not None:
            return f"gone (HTTP 410) since {self.gone_at:%Y-%m-%d %H:%M} UTC"
        if self.hold_until is not None and self.hold_until > now:
            return f"the server asked us to wait until {self.hold_until:%Y-%m-%d %H:%M:%S} UTC"
        return None


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
    moved_to: str | None = None  # a permanent redirect, remembered by this poll
    not_modified: bool = False  # the server answered 304
    # The entry keys the feed lists now; None keeps the stored list (no feed read, or an empty
    # one, which is more likely a publisher's glitch than a feed with nothing left in it).
    listed: tuple[str, ...] | None = None

    @property
    def alert_count(self) -> int:
        """How many outbox rows this decision adds."""
        return sum(len(s.alerts) for s in self.stories)


def _delay(base: timedelta, spread: float, jitter: float, hint: timedelta | None) -> timedelta:
    """`base`, up to `spread` of it earlier by `jitter` (0..1), but never before a server's hint
    (itself capped)."""
    delay = base * (1 - spread * jitter)
    if hint is not None:
        delay = max(delay, min(hint, MAX_HINTED_DELAY))
    return delay


def _failed(
    policy: FeedPolicy,
    state: FeedState | None,
    fetched: FetchResult,
    now: datetime,
    jitter: float,
) -> Decision:
    error = fetched.error or "failed"
    failures = (state.consecutive_failures if state else 0) + 1
    update: dict[str, Any] = {
        "consecutive_failures": failures,
        "last_error": error,
        "hold_until": None,
        "gone_at": None,
    }
    if fetched.gone:
        # Polling stops until the configured URL changes; `feeds` shows why.
        update |= {"gone_at": now, "next_poll_at": None}
        error = f"{error}: polling stopped (change the feed's URL to resume)"
        update["last_error"] = error
    else:
        backoff = min(policy.interval * 2 ** (failures - 1), max(policy.interval, MAX_BACKOFF))
        asked = None
        if fetched.status in (429, 503):
            asked = retry_after(fetched.headers.get("Retry-After"), now)
        delay = _delay(backoff, BACKOFF_SPREAD, jitter, asked)
        update["next_poll_at"] = now + delay
        if asked is not None:
            update["hold_until"] = now + min(asked, MAX_HINTED_DELAY)
    return Decision(
        feed=policy.name, feed_url=policy.url, polled_at=now, feed_update=update, error=error
    )


def _freshness(fetched: FetchResult, parsed: ParsedFeed | None) -> timedelta | None:
    """How long the server says the feed stays fresh: Cache-Control max-age or RSS <ttl>."""
    hints = [max_age(fetched.headers.get("Cache-Control"))]
    if parsed is not None:
        hints.append(parsed.ttl)
    known = [h for h in hints if h is not None]
    return max(known) if known else None


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


def _fresh(item: Item, policy: FeedPolicy, now: datetime) -> bool:
    """Recent enough to alert (an undated item counts as published when first seen)."""
    return item.published is None or item.published >= now - policy.max_item_age


def to_be_matched(
    policy: FeedPolicy,
    items: Sequence[Item],
    *,
    seen_entries: set[str],
    seen_stories: set[str],
    now: datetime,
) -> list[Item]:
    """The items `decide` will match: new entries of unseen stories, recent enough to alert.
    (A feed with `full_text` fetches the article pages of exactly these.)"""
    return [
        item
        for item in (_with_sane_date(i, now) for i in items)
        if item.entry_key not in seen_entries
        and item.story_key not in seen_stories
        and _fresh(item, policy, now)
    ]


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
    jitter: float = 0.0,
) -> Decision:
    """Decide what a poll writes. `parsed` is None when the fetch failed or was a 304;
    a fetched body that is not a feed arrives as `fetched` with `error` set. `jitter` (0..1,
    random in production) spreads the next poll."""
    if fetched.error is not None:
        return _failed(policy, state, fetched, now, jitter)
    # A permanent redirect is remembered only now that its target has answered well.
    known_home = state.fetch_url if state is not None and state.url == policy.url else None
    update: dict[str, Any] = {
        "consecutive_failures": 0,
        "last_error": None,
        "last_ok_at": now,
        "next_poll_at": now
        + _delay(policy.interval, INTERVAL_SPREAD, jitter, _freshness(fetched, parsed)),
        "hold_until": None,
        "gone_at": None,
        "fetch_url": fetched.moved_to or known_home,
        "etag": fetched.etag,
        "last_modified": fetched.last_modified,
    }
    moved_to = fetched.moved_to if fetched.moved_to != known_home else None
    if parsed is None:
        return Decision(policy.name, policy.url, now, update, moved_to=moved_to, not_modified=True)
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
        alerts = _alerts(item, match(item), policy) if _fresh(item, policy, now) else ()
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
        moved_to=moved_to,
        listed=tuple(dict.fromkeys(i.entry_key for i in parsed.items)) or None,
    )
