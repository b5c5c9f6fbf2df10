"""Poll one feed end to end: fetch → parse → (article texts) → match → decide → store."""

import random
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

import aiohttp
import structlog

from monitor.config.model import Config, FeedSpec
from monitor.items import Item
from monitor.model import (
    Clock,
    Decision,
    FeedPolicy,
    FeedState,
    FetchResult,
    ParsedFeed,
    state_for,
    utc_now,
)
from monitor.offload import off_loop
from monitor.polling.articles import with_article_texts
from monitor.polling.decide import decide, to_be_matched
from monitor.polling.fetch import fetch
from monitor.polling.outbound import GuardedConnector, OutboundPolicy
from monitor.polling.parse import FeedParseError, parse_feed
from monitor.polling.parse_pool import OverBudgetError, ParsePool, over_budget
from monitor.polling.storm import RecentAlerts, StormLimits, guard
from monitor.polling.story_stage import with_stories
from monitor.polling.unchanged import UnchangedPolls
from monitor.rules.matcher import Matcher, MatchResult
from monitor.state.polls import LostClaimError
from monitor.state.store import Store

log = structlog.get_logger(__name__)

# Held by a poll from its stories stage to its commit (see `Poller._decide`).
_STORIES_AND_WRITE = threading.Lock()


@dataclass
class _Read:
    """What a poll read before deciding: the fetch, the parsed feed, the keys the state knows,
    the items whose article pages are wanted (`full_text`)."""

    fetched: FetchResult
    parsed: ParsedFeed | None
    seen_entries: set[str]
    seen_stories: set[str]
    wanted: list[Item]
    cpu_seconds: float  # the poll's CPU time in its worker threads
    queued: int = 0  # alerts the poll wrote to the outbox
    # Entry key → key of the feed's own title and text, for items given their article's text.
    own_text_keys: dict[str, str] = field(default_factory=dict)


def http_session(config: Config) -> aiohttp.ClientSession:
    """The one HTTP session shared by every fetch, reaching only public addresses unless the
    operator said otherwise (see `outbound`)."""
    settings = config.settings
    connector = GuardedConnector(
        OutboundPolicy.allowing(settings.allow_private),
        limit=settings.concurrency,
        limit_per_host=settings.connections_per_host,
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
    # Parsing in worker processes (None: in the poll's thread), and 304s written in batches
    # (None: each in its own transaction). Both outlive a reload's Poller.
    parsers: ParsePool | None = None
    unchanged: UnchangedPolls | None = None

    async def poll(self, feed: FeedSpec) -> Decision:
        """Poll `feed` once and write what it yields; never raises for a feed's problems.

        Only the waiting happens on the event loop: the state's reads and writes (which may wait
        for another process's write lock), parsing, matching and deciding run in a thread of
        their own (`off_loop`), so no feed, however large, holds up the others, the tick, the
        watchdog's ping or `/healthz`."""
        state = await off_loop(self.store.feed_state, feed.name, name=f"poll {feed.name}")
        current = state_for(state, feed.url)
        fetched = await fetch(
            self.session,
            (current.fetch_url if current else None) or feed.url,
            etag=current.etag if current else None,
            last_modified=current.last_modified if current else None,
            timeout=self.config.settings.timeout.total_seconds(),
            max_bytes=self.config.settings.max_feed_bytes,
            configured_url=feed.url,
            proxy=feed.proxy,
        )
        read = await off_loop(self._read, feed, state, fetched, name=f"poll {feed.name}")
        if read.parsed is not None and feed.full_text:
            parsed, own_keys = await with_article_texts(
                self.session, self.config.settings, read.parsed, read.wanted, feed.proxy
            )
            read = replace(read, parsed=parsed, own_text_keys=own_keys)
        try:
            decision = await off_loop(self._decide, feed, state, read, name=f"poll {feed.name}")
        except OverBudgetError as exc:  # its matching used up what its parse left of the budget
            decision = await off_loop(self._record_failure, feed, str(exc), name="poll")
            read = replace(read, fetched=replace(read.fetched, error=str(exc)))
        self._log(feed, decision, read)
        return decision

    def _parse(self, feed: FeedSpec, fetched: FetchResult, body: bytes) -> tuple[ParsedFeed, float]:
        """The document parsed, and the CPU seconds it took elsewhere: in a worker process if
        there is a pool (held to the CPU budget there), else here (and abandoned afterwards if
        it went over the budget)."""
        settings = self.config.settings
        zone, most = feed.timezone, settings.max_entries_per_poll
        if self.parsers is not None:
            return self.parsers.parse(
                feed.name,
                body,
                fetched.url,
                fetched.headers,
                timezone=zone,
                max_entries=most,
                budget=settings.max_poll_cpu_seconds,
            )
        started = time.thread_time()
        parsed = parse_feed(
            feed.name, body, fetched.url, fetched.headers, timezone=zone, max_entries=most
        )
        if time.thread_time() - started > settings.max_poll_cpu_seconds:
            raise OverBudgetError(over_budget(settings.max_poll_cpu_seconds))
        return parsed, 0.0  # this thread's own clock counted it

    def _read(self, feed: FeedSpec, state: FeedState | None, fetched: FetchResult) -> "_Read":
        """In a worker thread: the fetched document parsed (its first `max_entries_per_poll`
        entries), and which of its entries and stories the state knows."""
        started = time.thread_time()
        parsed: ParsedFeed | None = None
        if fetched.body is not None and fetched.error is None:
            try:
                parsed, elsewhere = self._parse(feed, fetched, fetched.body)
                started -= elsewhere  # a worker's CPU for the parse counts as the poll's
            except (FeedParseError, OverBudgetError) as exc:
                fetched = replace(fetched, error=str(exc))
        if parsed is None:
            return _Read(fetched, None, set(), set(), [], time.thread_time() - started)
        seen_entries, seen_stories = self.store.seen(
            feed.name, (i.entry_key for i in parsed.items), (i.story_key for i in parsed.items)
        )
        wanted = []
        if feed.full_text:
            # Entries seen before are wanted again only if the feed edited them since their
            # story was judged without a match: this tells which (one indexed query).
            again = (i.entry_key for i in parsed.items if i.entry_key in seen_entries)
            wanted = to_be_matched(
                self._policy(feed),
                parsed.items,
                seen_entries=seen_entries,
                seen_stories=seen_stories,
                now=self.now(),
                state=state,
                judged_entries=self.store.judged_entries(feed.name, again),
            )
        cpu = time.thread_time() - started
        return _Read(fetched, parsed, seen_entries, seen_stories, wanted, cpu)

    def _policy(self, feed: FeedSpec) -> FeedPolicy:
        settings = self.config.settings
        rules = [r for r in self.config.rules.values() if r.applies_to(feed)]
        return FeedPolicy(
            name=feed.name,
            url=feed.url,
            interval=self.config.interval(feed),
            max_item_age=settings.max_item_age,
            channels_of_rule={r.name: r.channels for r in rules},
            keep_history=bool(settings.history_retention),
            min_prominence={r.name: r.min_prominence for r in rules if r.min_prominence},
        )

    def _decide(self, feed: FeedSpec, state: FeedState | None, read: "_Read") -> Decision:
        """In a worker thread: match, decide and write the poll (one transaction)."""
        started = time.thread_time()
        policy = self._policy(feed)
        now = self.now()
        seen_stories = read.seen_stories
        if read.parsed is not None and feed.full_text:
            # Canonical links (from the article pages) may name stories already seen elsewhere.
            keys = (i.story_key for i in read.parsed.items)
            seen_stories = seen_stories | self.store.seen(feed.name, (), keys)[1]
        # None means every rule: cheaper than testing membership for each candidate.
        rules = policy.channels_of_rule
        names = None if len(rules) == len(self.config.rules) else frozenset(rules)
        decision = decide(
            policy,
            state=state,
            fetched=read.fetched,
            parsed=read.parsed,
            seen_entries=read.seen_entries,
            seen_stories=seen_stories,
            match=partial(self._match, names, started - read.cpu_seconds),
            now=now,
            jitter=random.random(),  # noqa: S311 (spreading polls, not cryptography)
            judged=(
                self.store.judged(i.story_key for i in read.parsed.items) if read.parsed else None
            ),
            own_text_keys=read.own_text_keys,
        )
        if decision.not_modified and self.unchanged is not None:
            self.unchanged.add(decision)  # a 304: written with others (see `unchanged`)
            return decision
        # One poll at a time from here to its commit: the stories a matched item may join and
        # the storm guard's hourly counts are read, then written, and a poll in another thread
        # must see what this one wrote (else two outlets' copies could each start a story).
        with _STORIES_AND_WRITE:
            if read.parsed is not None:
                decision = with_stories(self.store, self.config, decision, read.parsed.items)
            if decision.alert_count:
                decision = self._within_limits(decision, now)
            read.queued = self.store.apply(decision)
        decision = replace(decision, queued=read.queued)
        read.cpu_seconds += time.thread_time() - started
        return decision

    def _match(self, names: frozenset[str] | None, since: float, item: Item) -> MatchResult:
        """The rules `item` matches; `OverBudgetError` once the poll has used more CPU than its
        budget (`since`: this thread's CPU clock at the poll's start, its parse counted)."""
        budget = self.config.settings.max_poll_cpu_seconds
        if time.thread_time() - since > budget:
            raise OverBudgetError(over_budget(budget))
        return self.matcher.match(item.title, item.text, only=names, language=item.language)

    def _log(self, feed: FeedSpec, decision: Decision, read: "_Read") -> None:
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
                status=read.fetched.status,
                new_items=len(decision.entries),
                alerts=read.queued,
                cpu_seconds=round(read.cpu_seconds, 3),
            )

    async def poll_contained(self, feed: FeedSpec) -> Decision | None:
        """`poll`, except that a bug met on one feed is logged and recorded as that feed's
        failure, with its backoff, not raised: it must not cost the other feeds their poll, nor
        leave the feed due again at once (a retry every tick). None if even that failed, or if
        another node took the feed's poll over (its claim ran out: `state/claims`)."""
        try:
            return await self.poll(feed)
        except LostClaimError:
            # Several nodes: this poll outlived its claim and another node polls the feed now.
            log.warning("feed poll taken over by another node; not written", feed=feed.name)
            return None
        except Exception as exc:
            log.exception("feed poll crashed", feed=feed.name)
            crash = f"crashed: {type(exc).__name__}: {exc}".rstrip(": ")
        try:
            return await off_loop(self._record_failure, feed, crash, name=f"poll {feed.name}")
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
        decision = decide(
            self._policy(feed),
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
