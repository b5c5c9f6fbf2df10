"""Which feed the daemon polls next, without reading every feed each second.

The state knows which feeds are due (`PollState.due_feeds`: one read of an index, the longest
overdue first); what it cannot say cheaply is kept here, in step with it: the configured feeds
whose stored state is not theirs (never polled, or their URL changed: polled at once), the
feeds a reload changed or added back (polled at once unless a server holds them), the stored
feeds no longer configured (parked by the daemon: never due until configured again), which
feeds lately brought new items and when they are next due, and the feeds whose last poll could
not even be recorded (retried after a backoff of their own, not at once). The one read of
every stored feed, a few flags each (`StoredFeed`), happens only at start and at a reload.

When more feeds are due than there are free polls (a cold start of thousands of feeds, a machine
that cannot keep up), the order is: feeds a reload changed; feeds already polled that are due
again, those that lately brought new items first (an alert from them waits on nothing else,
however many feeds are more overdue); then the feeds never polled.
"""

import heapq
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from monitor.config.model import FeedSpec

RECENT = timedelta(hours=6)  # a feed that brought new items this long ago goes first
# A poll that could not be recorded (the state refused even its failure) is retried after
# this, doubled at each time it happens again, up to the ceiling: at once, a feed whose
# failure cannot be written would be fetched again in a tight loop.
UNRECORDED_RETRY = timedelta(seconds=10)
UNRECORDED_RETRY_MAX = timedelta(minutes=10)


class StoredFeed(NamedTuple):
    """What the schedule needs of a configured feed's stored row (`DueFeeds.stored`)."""

    own: bool  # the row is the feed's as configured now (`belongs_to`: same URL)
    parked: bool  # not due until configured again (`PollState.park_feeds`)
    held: bool  # gone, or held by its server, when it was read (`FeedState.held`)


@dataclass
class Schedule:
    """The daemon's in-memory part of the schedule."""

    fresh: dict[str, None] = field(default_factory=dict)  # ordered set: never polled here
    forced: dict[str, None] = field(default_factory=dict)  # changed or added by a reload
    due: list[str] = field(default_factory=list)  # the tick's last page of due feeds
    page_full: bool = False  # that page may not have held every due feed
    recent: dict[str, datetime] = field(default_factory=dict)  # feed → last new items
    # The recent feeds' next polls (as their last poll decided), soonest first; an entry is
    # stale once its feed is polled again (`_recent_next` then holds another time).
    _recent_queue: list[tuple[datetime, str]] = field(default_factory=list)
    _recent_next: dict[str, datetime] = field(default_factory=dict)
    ready: dict[str, None] = field(default_factory=dict)  # recent feeds whose time has come
    # Feeds whose last poll went unrecorded → (not before, times in a row).
    retrying: dict[str, tuple[datetime, int]] = field(default_factory=dict)

    def configured(
        self,
        feeds: Mapping[str, FeedSpec],
        stored: Mapping[str, StoredFeed],
        changed: Collection[str] = (),
    ) -> None:
        """Take in a config (at start, or reloaded: `changed` are the feeds it added or
        changed) and what is stored of its feeds."""
        self.fresh = {name: None for name in feeds if name not in stored or not stored[name].own}
        # Configured again after being parked as an orphan: due at once (its time was lost).
        parked = [name for name, row in stored.items() if name in feeds and row.parked]
        self.forced |= {
            name: None
            for name in [*changed, *parked]
            if name not in self.fresh and not stored[name].held
        }
        self.forced = {name: None for name in self.forced if name in feeds}
        self.due = [name for name in self.due if name in feeds]
        for known in (self.recent, self._recent_next, self.ready, self.retrying):
            for name in [name for name in known if name not in feeds]:
                del known[name]

    def due_recent(self, now: datetime, limit: int) -> list[str]:
        """Up to `limit` feeds with recent news whose next poll has come, as far as their
        last poll said (the state confirms them: `confirmed`). Costs what is due, not what
        is known."""
        since = now - RECENT
        queue = self._recent_queue
        while queue and queue[0][0] <= now:
            at, name = heapq.heappop(queue)
            if self._recent_next.get(name) == at and self.recent.get(name, since) > since:
                self.ready[name] = None
        return list(self.ready)[:limit]

    def confirmed(self, asked: Collection[str], due: Collection[str]) -> None:
        """Of the recent feeds `asked` about, the state found only `due` due: the others
        were moved by something else than this daemon's polls, and wait for their page."""
        for name in set(asked) - set(due):
            self.ready.pop(name, None)

    def page(
        self,
        names: list[str],
        limit: int,
        feeds: Mapping[str, FeedSpec],
        now: datetime,
        recent_due: Collection[str] = (),
    ) -> None:
        """The tick's page of due feeds (at most `limit` asked, the longest overdue first),
        recent ones first; `recent_due` are due feeds with recent news the page may not hold."""
        self.page_full = len(names) >= limit
        since = now - RECENT
        due = [name for name in recent_due if name in feeds]
        due += [name for name in dict.fromkeys(names) if name in feeds and name not in due]
        # Stable: among equals the state's order (the longest overdue first) stays.
        self.due = sorted(due, key=lambda name: self.recent.get(name, since) <= since)

    def next(self, busy: Collection[str], now: datetime) -> str | None:
        """The feed to poll next at `now`, none of `busy`; None if nothing waits."""

        def free(name: str) -> bool:
            return name not in busy and (name not in self.retrying or self.retrying[name][0] <= now)

        forced = next((name for name in self.forced if free(name)), None)
        if forced is not None:
            del self.forced[forced]
            return forced
        while self.due:
            name = self.due.pop(0)
            if free(name):
                return name
        return next((name for name in self.fresh if free(name)), None)

    def landed(
        self,
        name: str,
        recorded: bool,
        new_items: int,
        now: datetime,
        next_poll_at: datetime | None = None,
    ) -> None:
        """A poll of `name` ended: its row is written (`recorded`) with `new_items` and its
        next poll due at `next_poll_at`; or it is not, and the feed waits out a backoff."""
        if not recorded:
            times = self.retrying.get(name, (now, 0))[1] + 1
            wait = min(UNRECORDED_RETRY * 2 ** min(times - 1, 16), UNRECORDED_RETRY_MAX)
            self.retrying[name] = (now + wait, times)
            return  # still unknown to the state: polled again as it was, after the wait
        self.retrying.pop(name, None)
        self.ready.pop(name, None)
        if new_items and name not in self.fresh:  # a first poll's items are not news
            self.recent[name] = now
        self.fresh.pop(name, None)
        news = self.recent.get(name)
        if news is not None and news <= now - RECENT:
            del self.recent[name]
            news = None
        if news is None or next_poll_at is None:
            self._recent_next.pop(name, None)
            return
        self._recent_next[name] = next_poll_at
        heapq.heappush(self._recent_queue, (next_poll_at, name))
