"""The plain values handed between the stages: a feed's stored state, what a fetch and a parse
produced, what one poll decided to write, and an alert waiting in the outbox.

This module is the bottom of the house: it imports nothing of the project's but `items`, and no
library that does I/O, so every stage (pure or not) can use these values.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.items import Item

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware UTC (the production `Clock`)."""
    return datetime.now(UTC)


def belongs_to(stored_url: str | None, configured_url: str) -> bool:
    """Does state stored for a feed at `stored_url` belong to the feed as configured now?
    Validators, redirects, failures and holds belong to the URL that produced them: a feed
    whose configured URL changed starts afresh. (The one place this rule is written.)"""
    return stored_url == configured_url


# Stories a fingerprint band is followed for, at most (stored, and within a poll): a band of
# very common shingles ("of the", "moscow warns") is shared by many unrelated stories and tells
# nothing, and following it would make finding candidates quadratic.
BAND_CAP = 20


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
    gone_at: datetime | None = None  # when a 410 Gone was confirmed
    last_error: str | None = None  # why the last poll failed (None if it did not)
    last_ok_at: datetime | None = None  # the last good poll; None before the first
    items_seen: int = 0  # entries first seen in this feed, over all its polls

    def held(self, now: datetime) -> str | None:
        """Why the feed must not be polled at `now`; None if it may be."""
        if self.gone_at is not None:
            return f"gone (HTTP 410) since {self.gone_at:%Y-%m-%d %H:%M} UTC"
        if self.hold_until is not None and self.hold_until > now:
            gone = (self.last_error or "").startswith("HTTP 410")
            why = "a 410 Gone is checked again at" if gone else "the server asked us to wait until"
            return f"{why} {self.hold_until:%Y-%m-%d %H:%M:%S} UTC"
        return None


def state_for(state: FeedState | None, configured_url: str) -> FeedState | None:
    """`state` if it belongs to the feed configured at `configured_url`, else None."""
    if state is None or not belongs_to(state.url, configured_url):
        return None
    return state


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch produced: a body, a 304, or an error (`error` set, `body` None)."""

    url: str
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    moved_to: str | None = None  # where a permanent redirect pointed

    @property
    def gone(self) -> bool:
        """The server answered 410: the feed is gone for good."""
        return self.status == 410


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed: its items and, for ill-formed feeds that still parsed, the problem."""

    items: list[Item]
    warning: str | None
    ttl: timedelta | None = None  # RSS <ttl>: how long the publisher says the feed stays fresh


@dataclass(frozen=True, slots=True)
class MinProminence:
    """A rule's `min_prominence`: its matches that score below `score` (`rules/prominence`)
    are passing mentions, which alert in digests only, or with `drop` not at all."""

    score: int
    drop: bool = False


@dataclass(frozen=True, slots=True)
class FeedPolicy:
    """How a feed is polled and which of its items may alert."""

    name: str
    url: str
    interval: timedelta
    max_item_age: timedelta
    channels_of_rule: Mapping[str, Sequence[str]]
    keep_history: bool = False
    min_prominence: Mapping[str, MinProminence] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GoodPoll:
    """What the feed's last good poll left for the next: the validators to send, where a
    permanent redirect moved the feed, and when it was."""

    etag: str | None
    last_modified: str | None
    fetch_url: str | None
    at: datetime | None


# A feed whose configured URL changed keeps nothing of the old URL's last good poll.
NO_GOOD_POLL = GoodPoll(None, None, None, None)


@dataclass(frozen=True, slots=True)
class FeedUpdate:
    """The feed's stored state after a poll: what every poll sets, and the last good poll."""

    consecutive_failures: int
    last_error: str | None
    next_poll_at: datetime | None
    hold_until: datetime | None = None
    gone_at: datetime | None = None
    # None keeps the stored one: a failed poll of the same URL leaves it as it was (another
    # poller may have written a newer one meanwhile).
    good: GoodPoll | None = None

    def columns(self) -> dict[str, Any]:
        """The `feeds` columns to write."""
        values = {
            "consecutive_failures": self.consecutive_failures,
            "last_error": self.last_error,
            "next_poll_at": self.next_poll_at,
            "hold_until": self.hold_until,
            "gone_at": self.gone_at,
        }
        if self.good is not None:
            values |= {
                "etag": self.good.etag,
                "last_modified": self.good.last_modified,
                "fetch_url": self.good.fetch_url,
                "last_ok_at": self.good.at,
            }
        return values


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
    # The key of the text it was judged on without a match (`stories.fingerprint.text_key`):
    # another text of it is judged again. None once it alerted.
    judged: str | None = None
    again: bool = False  # a story already stored, judged again on a different text


@dataclass(frozen=True, slots=True)
class KnownStory:
    """A story (a cluster of matched items across outlets) as the state holds it: what deciding
    whether a new item belongs to it, and what that brings, needs."""

    key: str  # the story key of its first item
    title: str
    first_seen_at: datetime
    rules: frozenset[str]  # every rule its items matched
    hosts: frozenset[str]  # the publishers (link hosts) that carried it
    sources: tuple[str, ...]  # the feeds of its later items, in order
    signatures: tuple[bytes, ...]  # its items' content fingerprints
    spread_at: datetime | None = None  # when its spreading alert was raised
    feed: str = ""  # the feed of its first item


@dataclass(frozen=True, slots=True)
class StoryMember:
    """A matched item recorded on a story: the first (`story == story_key`) or a later one."""

    story_key: str
    story: str  # the story (cluster) key it belongs to
    feed: str
    host: str
    title: str
    signature: bytes
    bands: tuple[int, ...]
    rules: tuple[str, ...]  # the rules it matched
    story_rules: tuple[str, ...] = ()  # every rule the story has matched, this item's too


@dataclass(frozen=True, slots=True)
class StoryChanges:
    """What one poll changes of the stories: members, spreading alerts raised, per-rule
    match counts (by time bucket) and the last alert of each (rule, kind)."""

    members: tuple[StoryMember, ...] = ()
    spread: tuple[str, ...] = ()  # story keys whose spreading alert this poll raised
    counts: tuple[tuple[str, datetime, int], ...] = ()  # (rule, bucket, matches to add)
    marks: tuple[tuple[str, str], ...] = ()  # (rule, kind) alerted at the poll's time


@dataclass(frozen=True, slots=True)
class Decision:
    """Everything one poll writes."""

    feed: str
    feed_url: str
    polled_at: datetime
    feed_update: FeedUpdate
    entries: tuple[NewEntry, ...] = ()
    stories: tuple[NewStory, ...] = ()
    history: tuple[Item, ...] = ()  # new items kept for back-testing rules
    error: str | None = None
    warning: str | None = None
    moved_to: str | None = None  # a permanent redirect, remembered by this poll
    not_modified: bool = False  # the server answered 304
    # The entry keys the feed lists now; None keeps the stored list (no feed read, or an empty
    # one, which is more likely a publisher's glitch than a feed with nothing left in it).
    listed: tuple[str, ...] | None = None
    # The outbox rows the write really added, once written: fewer than decided when another
    # feed's poll, in a thread of its own, queued the same story for a channel first.
    queued: int | None = None
    story_changes: StoryChanges | None = None  # set by the stories stage of the poll

    @property
    def alert_count(self) -> int:
        """How many outbox rows this decision adds (added, once it is written)."""
        if self.queued is not None:
            return self.queued
        return sum(len(s.alerts) for s in self.stories)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One alert waiting for (or done with) delivery to one channel."""

    id: int
    story_key: str
    channel: str
    rules: list[str]
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    # The channel's URLs (by `delivery.sender.url_id`) that have accepted it; an int is a URL's
    # position, as versions before URL ids wrote it.
    delivered: list[str | int]
