"""`media-monitor once`: poll every feed once, deliver what is due, prune; and `forget_old`,
the prune that `once` and the daemon share."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import structlog

from monitor.config.model import Config, FeedSpec
from monitor.config.settings import Settings
from monitor.delivery.deliver import DeliveryReport, deliver_due
from monitor.delivery.sender import Notifier
from monitor.model import Clock, Decision, state_for, utc_now
from monitor.polling.poller import Poller, http_session
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

    feeds: int
    failed_feeds: int
    skipped_feeds: int  # gone (410) or held by a server's Retry-After
    new_items: int
    alerts_queued: int
    delivery: DeliveryReport


async def run_once(
    config: Config,
    now: Clock = utc_now,
    progress: Callable[[int, int], None] = lambda polled, to_poll: None,
) -> OnceReport:
    """Poll every feed once (bounded concurrency), except those gone (410) or held by a
    server's Retry-After; then deliver every due alert. `progress(polled, to_poll)` is told
    how many feeds are polled, at the start and after each feed."""
    settings = config.settings
    store = Store.open(settings.state_dir, settings.database_url.get_secret_value())
    try:
        states, start = store.feed_states(), now()
        active = []
        for feed in config.feeds.values():
            state = state_for(states.get(feed.name), feed.url)
            reason = state.held(start) if state is not None else None
            if reason is None:
                active.append(feed)
            else:
                log.info("feed not polled", feed=feed.name, reason=reason)
        async with http_session(config) as session:
            poller = Poller(config, store, config.matcher, session, now)
            limit = asyncio.Semaphore(config.settings.concurrency)
            polled = 0
            progress(polled, len(active))

            async def poll(feed: FeedSpec) -> Decision | None:
                nonlocal polled
                async with limit:
                    decision = await poller.poll_contained(feed)
                polled += 1
                progress(polled, len(active))
                return decision

            decisions = await asyncio.gather(*(poll(f) for f in active))
        notifier = Notifier.configured(config)
        delivery = await deliver_due(store, notifier, ZoneInfo(config.settings.timezone), now)
        forget_old(store, config.settings, now())
    finally:
        store.close()
    done = [d for d in decisions if d is not None]
    return OnceReport(
        feeds=len(decisions),
        skipped_feeds=len(config.feeds) - len(active),
        failed_feeds=len(decisions) - sum(1 for d in done if d.error is None),
        new_items=sum(len(d.entries) for d in done),
        alerts_queued=sum(d.alert_count for d in done),
        delivery=delivery,
    )
