"""Which feed the daemon polls next, without reading every feed each second.

The state knows which feeds are due (`PollState.due_feeds`: one read of an index, the longest
overdue first); what it cannot say cheaply is kept here, in step with it: the configured feeds
whose stored state is not theirs (never polled, or their URL changed: polled at once), the
feeds a reload changed (polled at once unless a server holds them), the stored feeds no longer
configured (never due again), and which feeds lately brought new items. The full read of every
feed's state happens only at start and at a reload.

When more feeds are due than there are free polls (a cold start of thousands of feeds, a machine
that cannot keep up), the order is: feeds a reload changed; feeds already polled that are due
again, those that lately brought new items first (an alert from them waits on nothing else);
then the feeds never polled.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.config.model import FeedSpec
from monitor.model import FeedState, belongs_to

RECENT = timedelta(hours=6)  # a feed that brought new items this long ago goes first


@dataclass
class Schedule:
    """The daemon's in-memory part of the schedule."""

    fresh: dict[str, None] = field(default_factory=dict)  # ordered set: never polled here
    forced: dict[str, None] = field(default_factory=dict)  # changed by a reload
    orphans: set[str] = field(default_factory=set)  # stored, no longer configured
    due: list[str] = field(default_factory=list)  # the tick's last page of due feeds
    page_full: bool = False  # that page may not have held every due feed
    recent: dict[str, datetime] = field(default_factory=dict)  # feed → last new items

    def configured(
        self,
        feeds: Mapping[str, FeedSpec],
        states: Mapping[str, FeedState],
        now: datetime,
        changed: Collection[str] = (),
    ) -> None:
        """Take in a config (at start, or reloaded: `changed` are the feeds it added or
        changed) and every feed's stored state."""
        self.fresh = {
            name: None
            for name, feed in feeds.items()
            if not belongs_to(states[name].url if name in states else None, feed.url)
        }
        self.orphans = set(states) - set(feeds)
        self.forced |= {
            name: None
            for name in changed
            if name not in self.fresh and states[name].held(now) is None
        }
        self.forced = {name: None for name in self.forced if name in feeds}
        self.due = [name for name in self.due if name in feeds]

    def page(
        self, names: list[str], limit: int, feeds: Mapping[str, FeedSpec], now: datetime
    ) -> None:
        """The tick's page of due feeds (at most `limit` asked), recent ones first."""
        self.page_full = len(names) >= limit
        since = now - RECENT
        due = [name for name in names if name in feeds]
        # Stable: among equals the state's order (the longest overdue first) stays.
        self.due = sorted(due, key=lambda name: self.recent.get(name, since) <= since)

    def next(self, busy: Collection[str]) -> str | None:
        """The feed to poll next, none of `busy`; None if nothing waits."""
        forced = next((name for name in self.forced if name not in busy), None)
        if forced is not None:
            del self.forced[forced]
            return forced
        while self.due:
            name = self.due.pop(0)
            if name not in busy:
                return name
        return next((name for name in self.fresh if name not in busy), None)

    def landed(self, name: str, recorded: bool, new_items: int, now: datetime) -> None:
        """A poll of `name` ended: its row is written (`recorded`), with `new_items`."""
        if not recorded:
            return  # still unknown to the state: polled again as it was
        if new_items and name not in self.fresh:  # a first poll's items are not news
            self.recent[name] = now
        self.fresh.pop(name, None)
