"""Poll one feed end to end (fetch → parse → match → decide → store), and `once` for all."""

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import aiohttp
import structlog

from monitor.decide import Decision, FeedPolicy, decide, to_be_matched
from monitor.extract import extract_article
from monitor.fetch import fetch
from monitor.items import Item
from monitor.notify import DeliveryReport, Notifier, deliver_due
from monitor.parse import FeedParseError, ParsedFeed, parse_feed
from monitor.rules.matcher import Matcher
from monitor.schema import Config, FeedSpec, Settings
from monitor.store import Store

log = structlog.get_logger(__name__)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time, aware UTC."""
    return datetime.now(UTC)


def forget_old(
    store: Store,
    settings: Settings,
    moment: datetime,
    stopping: Callable[[], bool] = lambda: False,
) -> dict[str, int]:
    """Prune the state as the settings say (item texts after `history_retention`; what alerting
    once no longer needs after `state_retention`, until `stopping()`), log what went, and
    return the counts."""
    removed = {
        "history": store.prune_history(moment - settings.history_retention),
        **store.prune_state(moment - settings.state_retention, stopping),
    }
    if any(removed.values()):
        log.info("state pruned", **removed)
    return removed


def http_session(config: Config) -> aiohttp.ClientSession:
    """The one HTTP session shared by every fetch."""
    settings = config.settings
    connector = aiohttp.TCPConnector(
        limit=settings.concurrency, limit_per_host=settings.connections_per_host
    )
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
        # Validators and redirects belong to the URL that produced them: a new URL starts afresh.
        current = state if state is not None and state.url == feed.url else None
        fetched = await fetch(
            self.session,
            (current.fetch_url if current else None) or feed.url,
            etag=current.etag if current else None,
            last_modified=current.last_modified if current else None,
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
        now = self.now()
        if parsed is not None and feed.full_text:
            wanted = to_be_matched(
                policy,
                parsed.items,
                seen_entries=seen_entries,
                seen_stories=seen_stories,
                now=now,
            )
            parsed = await self._with_article_texts(parsed, wanted)
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
            now=now,
            jitter=random.random(),  # noqa: S311 (spreading polls, not cryptography)
        )
        queued = self.store.apply(decision)
        if decision.moved_to:
            log.warning("feed moved permanently", feed=feed.name, new_url=decision.moved_to)
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

    async def poll_contained(self, feed: FeedSpec) -> Decision | None:
        """`poll`, except that a bug met on one feed is logged (None), not raised: it must not
        cost the other feeds their poll."""
        try:
            return await self.poll(feed)
        except Exception:
            log.exception("feed poll crashed", feed=feed.name)
            return None

    async def _with_article_texts(self, parsed: ParsedFeed, wanted: list[Item]) -> ParsedFeed:
        """`parsed` with the main text of each wanted item's article page added to its text;
        an item whose page cannot be fetched or read keeps the feed's text."""
        linked = [item for item in wanted if item.link]
        texts = await asyncio.gather(*(self._article_text(item.link or "") for item in linked))
        extra = {item.entry_key: text for item, text in zip(linked, texts, strict=True) if text}
        if not extra:
            return parsed
        items = [
            replace(i, text=f"{i.text}\n\n{extra[i.entry_key]}") if i.entry_key in extra else i
            for i in parsed.items
        ]
        return replace(parsed, items=items)

    async def _article_text(self, url: str) -> str | None:
        settings = self.config.settings
        page = await fetch(
            self.session,
            url,
            etag=None,
            last_modified=None,
            timeout=settings.timeout.total_seconds(),
            max_bytes=settings.max_feed_bytes,
        )
        if page.body is None:
            log.info("article page not fetched", url=url, error=page.error)
            return None
        article = await asyncio.to_thread(extract_article, page.body, page.url)
        if article is None:
            log.info("article page has no main text", url=url)
            return None
        return article.text


@dataclass
class OnceReport:
    """What `once` did."""

    feeds: int
    failed_feeds: int
    skipped_feeds: int  # gone (410) or held by a server's Retry-After
    new_items: int
    alerts_queued: int
    delivery: DeliveryReport


async def run_once(config: Config, now: Clock = utc_now) -> OnceReport:
    """Poll every feed once (bounded concurrency), except those gone (410) or held by a
    server's Retry-After; then deliver every due alert."""
    store = Store.open(config.settings.state_dir)
    try:
        states, start = store.feed_states(), now()
        active = []
        for feed in config.feeds.values():
            state = states.get(feed.name)
            reason = state.held(feed.url, start) if state is not None else None
            if reason is None:
                active.append(feed)
            else:
                log.info("feed not polled", feed=feed.name, reason=reason)
        async with http_session(config) as session:
            poller = Poller(config, store, config.matcher, session, now)
            limit = asyncio.Semaphore(config.settings.concurrency)

            async def poll(feed: FeedSpec) -> Decision | None:
                async with limit:
                    return await poller.poll_contained(feed)

            decisions = await asyncio.gather(*(poll(f) for f in active))
        notifier = Notifier(config.channels, config.settings.max_retry_age)
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
