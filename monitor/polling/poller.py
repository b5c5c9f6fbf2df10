"""Poll one feed end to end: fetch → parse → (article texts) → match → decide → store."""

import asyncio
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import aiohttp
import structlog

from monitor.config.model import Config, FeedSpec, Rule
from monitor.items import Item
from monitor.model import (
    Clock,
    Decision,
    FeedPolicy,
    FetchResult,
    ParsedFeed,
    state_for,
    utc_now,
)
from monitor.polling.addresses import link_refusal
from monitor.polling.decide import decide, to_be_matched
from monitor.polling.extract import extract_article
from monitor.polling.fetch import fetch
from monitor.polling.outbound import GuardedConnector, OutboundPolicy
from monitor.polling.parse import FeedParseError, parse_feed
from monitor.polling.storm import RecentAlerts, StormLimits, guard
from monitor.rules.matcher import Matcher, MatchResult
from monitor.state.store import Store

log = structlog.get_logger(__name__)


def http_session(config: Config) -> aiohttp.ClientSession:
    """The one HTTP session shared by every fetch, reaching only public addresses unless the
    operator said otherwise (see `outbound`)."""
    settings = config.settings
    connector = GuardedConnector(
        OutboundPolicy.allowing(settings.allow_private),
        limit=settings.concurrency,
        limit_per_host=settings.connections_per_host,
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
        current = state_for(state, feed.url)
        fetched = await fetch(
            self.session,
            (current.fetch_url if current else None) or feed.url,
            etag=current.etag if current else None,
            last_modified=current.last_modified if current else None,
            timeout=settings.timeout.total_seconds(),
            max_bytes=settings.max_feed_bytes,
            configured_url=feed.url,
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
        policy = self._policy(feed, rules)
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
        if decision.alert_count:
            decision = self._within_limits(decision, now)
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
        """`poll`, except that a bug met on one feed is logged and recorded as that feed's
        failure, with its backoff, not raised: it must not cost the other feeds their poll, nor
        leave the feed due again at once (a retry every tick). None if even that failed."""
        try:
            return await self.poll(feed)
        except Exception as exc:
            log.exception("feed poll crashed", feed=feed.name)
            crash = f"crashed: {type(exc).__name__}: {exc}".rstrip(": ")
        try:
            return self._record_failure(feed, crash)
        except Exception:
            log.exception("feed failure not recorded", feed=feed.name)
            return None

    def _within_limits(self, decision: Decision, now: datetime) -> Decision:
        """`decision` with the storm guard's caps applied (see `storm`), counting what the
        outbox took over the last hour."""
        settings = self.config.settings
        limits = StormLimits(
            settings.feed_alerts_per_poll,
            settings.feed_alerts_per_hour,
            settings.rule_alerts_per_poll,
            settings.rule_alerts_per_hour,
        )
        recent = RecentAlerts(*self.store.alerted_since(now - timedelta(hours=1)))
        guarded, held = guard(decision, limits, recent)
        for channel, count in held.items():
            log.warning("alert storm held back", feed=decision.feed, channel=channel, held=count)
        return guarded

    def _record_failure(self, feed: FeedSpec, error: str) -> Decision:
        """Record `error` as the outcome of a poll of `feed`, as `decide` records failures."""
        rules = [r for r in self.config.rules.values() if r.applies_to(feed)]
        decision = decide(
            self._policy(feed, rules),
            state=self.store.feed_state(feed.name),
            fetched=FetchResult(feed.url, error=error),
            parsed=None,
            seen_entries=set(),
            seen_stories=set(),
            match=lambda item: MatchResult((), ()),  # a failure matches nothing
            now=self.now(),
            jitter=random.random(),  # noqa: S311 (spreading polls, not cryptography)
        )
        self.store.apply(decision)
        return decision

    def _policy(self, feed: FeedSpec, rules: list[Rule]) -> FeedPolicy:
        """How `feed` is polled, and which channels the `rules` that apply to it send to."""
        settings = self.config.settings
        return FeedPolicy(
            name=feed.name,
            url=feed.url,
            interval=self.config.interval(feed),
            max_item_age=settings.max_item_age,
            channels_of_rule={r.name: r.channels for r in rules},
            keep_history=bool(settings.history_retention),
        )

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
        refused = link_refusal(url)
        if refused is not None:
            log.warning("article page not fetched", url=url, error=refused)
            return None
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
