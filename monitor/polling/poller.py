"""Poll one feed end to end: fetch → parse → (article texts) → match → decide → store."""

import asyncio
import random
from dataclasses import dataclass, replace

import aiohttp
import structlog

from monitor.config.model import Config, FeedSpec
from monitor.items import Item
from monitor.model import Clock, Decision, FeedPolicy, ParsedFeed, state_for, utc_now
from monitor.polling.decide import decide, to_be_matched
from monitor.polling.extract import extract_article
from monitor.polling.fetch import fetch
from monitor.polling.parse import FeedParseError, parse_feed
from monitor.polling.story_stage import with_stories
from monitor.rules.matcher import Matcher
from monitor.state.store import Store

log = structlog.get_logger(__name__)


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
        current = state_for(state, feed.url)
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
            judged=self.store.judged(i.story_key for i in parsed.items) if parsed else None,
        )
        if parsed is not None:
            decision = with_stories(self.store, self.config, decision, parsed.items)
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
