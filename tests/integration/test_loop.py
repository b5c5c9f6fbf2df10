"""The event loop only waits: a poison feed (a flood of matching entries) is parsed, matched and
written in a thread and cut to the entry budget, and a write lock held by another process makes
the poll wait, not the loop. "The loop ran" is counted by a ticker task, never timed."""

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from monitor.config.load import load_config
from monitor.model import Decision
from monitor.polling.poller import Poller, http_session
from monitor.rules.matcher import Matcher, MatchResult
from monitor.state.store import Store
from monitor.state.tables import entries
from tests.support.config import desk_config
from tests.support.feeds import Entry, rss
from tests.support.logs import json_log
from tests.support.loopback import FeedServer

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _flood(count: int) -> bytes:
    """A feed of `count` stories that all match `russia-warns`, newest first."""
    return rss(
        *(
            Entry(
                f"flood-{n}",
                f"Kremlin warns Kyiv, bulletin {n}",
                "Moscow repeats its warning.",
                link=f"https://news.example.org/flood/{n}",
                published=NOW - timedelta(seconds=n),
            )
            for n in range(count)
        )
    )


class Ticker:
    """A task that counts the event loop's turns (one every 10 ms when the loop is free)."""

    def __init__(self) -> None:
        self.ticks = 0

    async def run(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.ticks += 1


async def _with_ticker(ticker: Ticker, work: Awaitable[Any]) -> Any:
    task = asyncio.create_task(ticker.run())
    try:
        return await work
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class CountingMatcher:
    """The config's matcher, noting the ticker's count at each call."""

    def __init__(self, matcher: Matcher, ticker: Ticker) -> None:
        self.matcher, self.ticker = matcher, ticker
        self.ticks_seen: list[int] = []

    def match(self, *args: Any, **kwargs: Any) -> MatchResult:
        self.ticks_seen.append(self.ticker.ticks)
        return self.matcher.match(*args, **kwargs)


def test_a_poison_feed_is_cut_to_its_budget_and_matched_while_the_loop_runs(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["poison.xml"] = _flood(3000)
    config = load_config(
        desk_config(server, tmp_path, "poison.xml", settings="max_entries_per_poll = 500\n")
    )
    ticker = Ticker()
    matcher = CountingMatcher(config.matcher, ticker)

    async def poll() -> Decision:
        async with http_session(config) as session:
            poller = Poller(config, store, matcher, session, lambda: NOW)  # type: ignore[arg-type]
            return await poller.poll(config.feeds["poison.xml"])

    store = Store.open(config.settings.state_dir)
    try:
        with json_log() as log:
            decision = asyncio.run(_with_ticker(ticker, poll()))
        with store.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(entries)).scalar_one()
    finally:
        store.close()

    assert decision.error is None
    # All 500 entries read are recorded and matched; the storm guard lets 25 alert, and tells
    # of the other 475 in one summary.
    assert (stored, decision.alert_count, len(matcher.ticks_seen)) == (500, 25 + 1, 500)
    # The loop kept turning while the flood was matched (on the loop, it could not).
    assert matcher.ticks_seen[-1] > matcher.ticks_seen[0]
    # The cut is the feed's warning: logged, and kept for `feeds`.
    assert decision.warning == "only the first 500 entries read (max_entries_per_poll)"
    (polled,) = log.logged("feed polled")
    assert (polled["level"], polled["warning"]) == ("warning", decision.warning)
    assert polled["alerts"] == 25 + 1


def test_a_write_lock_held_elsewhere_makes_the_poll_wait_not_the_loop(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = _flood(3)
    config = load_config(desk_config(server, tmp_path, "wire.xml"))
    store = Store.open(config.settings.state_dir)
    other = sqlite3.connect(Store.database(config.settings.state_dir), isolation_level=None)

    async def scenario(ticker: Ticker) -> tuple[int, Decision]:
        other.execute("BEGIN IMMEDIATE")  # another process takes the write lock and keeps it
        async with http_session(config) as session:
            poller = Poller(config, store, config.matcher, session, lambda: NOW)
            poll = asyncio.create_task(poller.poll(config.feeds["wire.xml"]))
            while not server.requests:  # fetched: now it parses, then waits for the lock
                await asyncio.sleep(0.01)
            start = ticker.ticks
            while ticker.ticks < start + 50:
                await asyncio.sleep(0.01)
                assert not poll.done()
            turned = ticker.ticks - start
            other.execute("ROLLBACK")
            return turned, await poll

    try:
        ticker = Ticker()
        turned, decision = asyncio.run(_with_ticker(ticker, scenario(ticker)))
        with store.engine.connect() as conn:
            stored = conn.execute(select(func.count()).select_from(entries)).scalar_one()
    finally:
        other.close()
        store.close()

    assert turned >= 50  # the loop kept turning while the poll waited
    assert decision.error is None
    assert stored == 3  # and the poll wrote once the lock was let go
