"""`media-monitor once`: poll every feed once, deliver what is due, prune; and `forget_old`,
the prune that `once` and the daemon share."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import structlog

from monitor.config.model import Config
from monitor.config.settings import Settings
from monitor.delivery.deliver import DeliveryReport, deliver_due
from monitor.delivery.sender import Notifier
from monitor.model import Clock, Decision, state_for, utc_now
from monitor.polling.parse_pool import parse_pool
from monitor.polling.poller import Poller, http_session
from monitor.polling.unchanged import UnchangedPolls
from monitor.state.store import Store

log = structlog.get_logger(__name__)


def forget_old(
    store: Store,
    settings: Settings,
    moment: datetime,
    stopping: Callable[[], bool] = lambda: False,
) -> dict[str, int]:
    """Prune the state as the settings say (item texts after `history_retention`; what alerting
    once no longer needs after `state_retention`, until `stopping()`; stories' fingerprint
    bands after `story_window`), log what went, and return the counts."""
    removed = {
        "history": store.prune_history(moment - settings.history_retention),
        **store.prune_state(moment - settings.state_retention, stopping),
        **store.prune_stories(moment - settings.state_retention, stopping),
        "story_bands": store.prune_story_bands(moment - settings.story_window),
    }
    if any(removed.values()):
        log.info("state pruned", **removed)
    return removed


@dataclass
class OnceReport:
    """What `once` did."""

    feeds: int = 0
    failed_feeds: int = 0
    skipped_feeds: int = 0  # gone (410) or held by a server's Retry-After
    new_items: int = 0
    alerts_queued: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    def count(self, decision: Decision | None) -> None:
        """Count one poll (None: its failure could not even be recorded). Counts, not the
        decisions: memory follows the polls in flight, not the number of feeds."""
        self.feeds += 1
        if decision is None or decision.error is not None:
            self.failed_feeds += 1
        if decision is not None:
            self.new_items += len(decision.entries)
            self.alerts_queued += decision.alert_count


async def run_once(
    config: Config,
    now: Clock = utc_now,
    progress: Callable[[int, int], None] = lambda polled, to_poll: None,
) -> OnceReport:
    """Poll every feed once (`concurrency` at a time), except those gone (410) or held by a
    server's Retry-After; then deliver every due alert. `progress(polled, to_poll)` is told
    how many feeds are polled, at the start and after each feed."""
    settings = config.settings
    store = Store.open(settings.state_dir, settings.database_url.get_secret_value())
    parsers = parse_pool(settings)
    report = OnceReport()
    try:
        start = now()
        held = store.feed_states(held_at=start)  # not every feed's state: only these matter
        active = []
        for feed in config.feeds.values():
            state = state_for(held.get(feed.name), feed.url)
            reason = state.held(start) if state is not None else None
            if reason is None:
                active.append(feed)
            else:
                log.info("feed not polled", feed=feed.name, reason=reason)
        report.skipped_feeds = len(config.feeds) - len(active)
        unchanged = UnchangedPolls(store)
        async with http_session(config) as session:
            poller = Poller(config, store, config.matcher, session, now, parsers, unchanged)
            to_poll = iter(active)
            progress(0, len(active))

            async def polling() -> None:
                for feed in to_poll:  # shared: each feed goes to one of the pollers
                    report.count(await poller.poll_contained(feed))
                    progress(report.feeds, len(active))

            await asyncio.gather(*(polling() for _ in range(config.settings.concurrency)))
        unchanged.flush()
        notifier = Notifier.configured(config)
        report.delivery = await deliver_due(
            store, notifier, ZoneInfo(config.settings.timezone), now
        )
        forget_old(store, config.settings, now())
    finally:
        if parsers is not None:
            parsers.close()
        store.close()
    return report
