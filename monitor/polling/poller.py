"""Poll one feed end to end: fetch → parse → (article texts) → match → decide → store."""

import asyncio
import random
from dataclasses import dataclass, replace
from functools import partial

import aiohttp
import structlog

from monitor.config.model import Config, FeedSpec
from monitor.items import Item
from monitor.model import Clock, Decision, FeedPolicy, ParsedFeed, state_for, utc_now
from monitor.polling.decide import decide, to_be_matched
from monitor.polling.extract import extract_article
from monitor.polling.fetch import fetch
from monitor.polling.links import canonical_story_key
from monitor.polling.parse import FeedParseError, parse_feed
from monitor.rules.matcher import Matcher
from monitor.state.store import Store

log = structlog.get_logger(__name__)


def http_session(config: Config) -> aiohttp.ClientSession:
    """The one HTTP session shared by every fetch."""
    settings = config.settings
    connector = aiohttp.TCPConnector(
        limit=settings.concurrency, limit_per_host=settings.connections_per_host
    )
    # trust_env: the standard proxy variables (HTTPS_PROXY, NO_PROXY…) apply.
    return aiohttp.ClientSession(connector=connector, auto_decompress=True, trust_env=True)


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
            proxy=feed.proxy,
        )
        parsed: ParsedFeed | None = None
        if fetched.body is not None and fetched.error is None:
            try:
                # feedparser is CPU-bound; a thread keeps other feeds' deadlines honest.
                parsed = await asyncio.to_thread(
                    partial(parse_feed, timezone=feed.timezone),
                    feed.name,
                    fetched.body,
                    fetched.url,
                    fetched.headers,
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
                state=state,
            )
            parsed = await self._with_article_texts(parsed, wanted, feed.proxy)
            # Canonical links may name stories already seen elsewhere.
            seen_stories |= self.store.seen(feed.name, (), (i.story_key for i in parsed.items))[1]
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
            # A feed read with a problem (ill-formed, cut, emptied) is a warning, not a success.
            warned = partial(log.warning, warning=decision.warning)
            (warned if decision.warning else log.info)(
                "feed polled",
                feed=feed.name,
                status=fetched.status,
                new_items=len(decision.entries),
                alerts=queued,
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

    async def _with_article_texts(
        self, parsed: ParsedFeed, wanted: list[Item], proxy: str | None
    ) -> ParsedFeed:
        """`parsed` with the main text of each wanted item's article page added to its text,
        and the page's canonical link as its story key; an item whose page cannot be fetched or
        read keeps the feed's text and key."""
        linked = [item for item in wanted if item.link]
        pages = await asyncio.gather(*(self._article(item.link or "", proxy) for item in linked))
        found = {item.entry_key: page for item, page in zip(linked, pages, strict=True) if page}
        if not found:
            return parsed
        items = [
            replace(
                i,
                text=f"{i.text}\n\n{found[i.entry_key][0]}",
                story_key=found[i.entry_key][1] or i.story_key,
            )
            if i.entry_key in found
            else i
            for i in parsed.items
        ]
        return replace(parsed, items=items)

    async def _article(self, url: str, proxy: str | None) -> tuple[str, str | None] | None:
        """An article page's main text and the story key its canonical link gives."""
        settings = self.config.settings
        page = await fetch(
            self.session,
            url,
            etag=None,
            last_modified=None,
            timeout=settings.timeout.total_seconds(),
            max_bytes=settings.max_feed_bytes,
            proxy=proxy,
        )
        if page.body is None:
            log.info("article page not fetched", url=url, error=page.error)
            return None
        article = await asyncio.to_thread(extract_article, page.body, page.url)
        if article is None:
            log.info("article page has no main text", url=url)
            return None
        return article.text, canonical_story_key(article.canonical, page.url)
