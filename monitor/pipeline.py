"""Poll one feed end to end (fetch → parse → match → decide → store), and `once` for all."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import aiohttp
import structlog

from monitor.decide import Decision, FeedPolicy, decide
from monitor.fetch import fetch
from monitor.notify import DeliveryReport, Notifier, deliver_due
from monitor.parse import FeedParseError, ParsedFeed, parse_feed
from monitor.rules.matcher import Matcher
from monitor.schema import Config, FeedSpec
from monitor.store import Store

log = structlog.get_logger(__name__)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


def http_session(config: Config) -> aiohttp.ClientSession:
    """The one HTTP session shared by every fetch."""
    connector = aiohttp.TCPConnector(limit=config.settings.concurrency, limit_per_host=4)
    return aiohttp.ClientSession(connector=connector, auto_decompress=True)


@dataclass
class Poller:
    """Everything a poll needs, built once per config."""

    config: Config
    store: Store
    matcher: Matcher
    session: aiohttp.ClientSession
    now: Clock = utc_now

    async def poll(self, feed: FeedSpec) -> Decision:
        """Poll `feed` once and write what it yields; never raises for a feed's problems."""
        settings = self.config.settings
        state = self.store.feed_state(feed.name)
        # Validators belong to the URL that sent them: a changed URL starts afresh.
        cached = state if state is not None and state.url == feed.url else None
        fetched = await fetch(
            self.session,
            feed.url,
            etag=cached.etag if cached else None,
            last_modified=cached.last_modified if cached else None,
            timeout=settings.timeout.total_seconds(),
            max_bytes=settings.max_feed_bytes,
        )
        parsed: ParsedFeed | None = None
        if fetched.body is not None and fetched.error is None:
            try:
                # feedparser is CPU-bound; a thread keeps other feeds' deadlines honest.
                parsed = await asyncio.to_thread(
                    parse_feed, feed.name, fetched.body, fetched.url, fetched.headers
                )
            except FeedParseError as exc:
                fetched = replace(fetched, error=str(exc))
        seen_entries, seen_stories = (
            self.store.seen(
                feed.name, (i.entry_key for i in parsed.items), (i.story_key for i in parsed.items)
            )
            if parsed is not None
            else (set(), set())
        )
        rules = [r for r in self.config.rules.values() if r.applies_to(feed)]
        policy = FeedPolicy(
            name=feed.name,
            url=feed.url,
            interval=self.config.interval(feed),
            max_item_age=settings.max_item_age,
            channels_of_rule={r.name: r.channels for r in rules},
            keep_history=bool(settings.history_retention),
        )
        # None means every rule: cheaper than testing membership for each candidate.
        names = None if len(rules) == len(self.config.rules) else frozenset(r.name for r in rules)
        decision = decide(
            policy,
            state=state,
            fetched=fetched,
            parsed=parsed,
            seen_entries=seen_entries,
            seen_stories=seen_stories,
            match=lambda item: self.matcher.match(item.title, item.text, only=names),
            now=self.now(),
        )
        queued = self.store.apply(decision)
        if decision.error:
            log.warning("feed failed", feed=feed.name, error=decision.error)
        else:
            extra = {"warning": decision.warning} if decision.warning else {}
            log.info(
                "feed polled",
                feed=feed.name,
                status=fetched.status,
                new_items=len(decision.entries),
                alerts=queued,
                **extra,
            )
        return decision


@dataclass
class OnceReport:
    """What `once` did."""

    feeds: int
    failed_feeds: int
    new_items: int
    alerts_queued: int
    delivery: DeliveryReport


async def run_once(config: Config, now: Clock = utc_now) -> OnceReport:
    """Poll every feed once (bounded concurrency), then deliver every due alert."""
    store = Store.open(config.settings.state_dir)
    try:
        async with http_session(config) as session:
            poller = Poller(config, store, config.matcher, session, now)
            limit = asyncio.Semaphore(config.settings.concurrency)

            async def poll(feed: FeedSpec) -> Decision | None:
                async with limit:
                    try:
                        return await poller.poll(feed)
                    except Exception:
                        # A bug met on one feed must not cost the others their poll.
                        log.exception("feed poll crashed", feed=feed.name)
                        return None

            decisions = await asyncio.gather(*(poll(f) for f in config.feeds.values()))
        notifier = Notifier(config.channels)
        delivery = await deliver_due(store, notifier, ZoneInfo(config.settings.timezone), now)
        store.prune_history(now() - config.settings.history_retention)
    finally:
        store.close()
    done = [d for d in decisions if d is not None]
    return OnceReport(
        feeds=len(decisions),
        failed_feeds=len(decisions) - sum(1 for d in done if d.error is None),
        new_items=sum(len(d.entries) for d in done),
        alerts_queued=sum(d.alert_count for d in done),
        delivery=delivery,
    )
