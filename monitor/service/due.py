"""What the daemon asks the state about the feeds to poll: what the schedule needs of every
configured feed's stored row (at start and at a reload, the stored feeds no longer configured
parked), and each tick's page of due feeds with, beside it, the feeds with recent news that the
schedule knows to be due (read, or on PostgreSQL claimed, in the tick's thread, never on the
loop)."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import product

import structlog

from monitor.config.model import FeedSpec
from monitor.model import belongs_to
from monitor.polling.unchanged import UnchangedPolls
from monitor.service.node import Node
from monitor.service.scheduler import StoredFeed
from monitor.state.store import Store

log = structlog.get_logger(__name__)

# Every feed's flags are one of these eight values, shared: not a tuple per feed.
_STORED = {flags: StoredFeed(*flags) for flags in product((False, True), repeat=3)}


@dataclass
class DueFeeds:
    """The state's side of the daemon's schedule (`service/scheduler` is the memory's)."""

    store: Store
    unchanged: UnchangedPolls  # 304s held back: written before any read of the schedule
    node: Node | None  # one of several `run`s on a PostgreSQL state: due feeds are claimed

    def stored(self, configured: Mapping[str, FeedSpec], now: datetime) -> dict[str, StoredFeed]:
        """What the schedule needs of each `configured` feed's stored row, at `now` (the 304s
        held back written first, or a later poll's row would be read stale); the stored feeds
        no longer configured parked: never due, so that no tick has to name them to skip
        them. Flags, not states: at 50,000 feeds, every full state read at once took ~60 MB."""
        self.unchanged.flush()
        stored, parking = {}, []
        for name, url, scheduled, parked, held in self.store.schedule_rows(now):
            feed = configured.get(name)
            if feed is not None:
                stored[feed.name] = _STORED[belongs_to(url, feed.url), bool(parked), bool(held)]
            elif scheduled:
                parking.append(name)
        if parking:
            self.store.park_feeds(parking)
            log.info("feeds no longer configured are not polled", feeds=len(parking))
        return stored

    def page(
        self, now: datetime, limit: int, busy: Collection[str], recent: Collection[str]
    ) -> tuple[list[str], list[str]]:
        """Up to `limit` due feeds, none of `busy`, the longest overdue first; and which of
        `recent` (with recent news, due as far as the schedule knows) are due: those go first
        even when the page cannot hold them. A node claims both, within the one limit."""
        self.unchanged.flush()
        if self.node is not None:
            recent_due = self.node.claim(now, limit, busy, among=recent) if recent else []
            rest = self.node.claim(now, limit - len(recent_due), {*busy, *recent_due})
            return rest, recent_due
        due = self.store.due_feeds(now, limit, busy)
        recent_due = self.store.due_feeds(now, limit, busy, among=recent) if recent else []
        return due, recent_due
