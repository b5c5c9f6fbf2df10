"""`run`'s pieces driven in this process, on a real state database and the loopback server, for
moments a subprocess cannot be steered into: a delivery woken while one is under way, a reload
asked for during a reload, a reload that crashes, `/healthz` while the state cannot be written."""

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import event

from monitor.config.load import load_config
from monitor.config.model import Config
from monitor.polling.poller import http_session
from monitor.service.daemon import Daemon
from monitor.service.health import HealthServer
from monitor.service.metrics import Metrics
from monitor.state.store import Store
from tests.support.config import SEED, desk_config, feeds_toml
from tests.support.daemon import free_port
from tests.support.feeds import Entry, rss
from tests.support.logs import json_log
from tests.support.loopback import FeedServer
from tests.support.state import failing, stored_feeds

WEATHER = Entry(guid="weather-1", title="Weather warning: snow storm over Kyiv tonight")
WEATHER_RULE = '[[rules]]\nname = "weather"\nquery = "weather AND @Ukraine"\nchannels = ["desk"]\n'
KREMLIN = Entry(guid="kremlin-1", title="Kremlin warns Kyiv again", link="https://x.org/k")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def until(condition: Callable[[], object], what: str, seconds: float = 10) -> None:
    """Wait, without blocking the loop, until `condition()` holds; fail naming `what`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {what}")
        await asyncio.sleep(0.01)


@asynccontextmanager
async def daemon_on(config: Config) -> AsyncIterator[Daemon]:
    """A `Daemon` over `config`'s state, its scheduler not started: the test runs its jobs."""
    store = Store.open(config.settings.state_dir)
    try:
        async with http_session(config) as session:
            yield Daemon(config, store, session)
    finally:
        store.close()


def held_sink(server: FeedServer, released: threading.Event) -> None:
    """The desk channel's sink records each post at once and answers once `released` is set."""

    async def handler(request: web.Request) -> web.Response:
        server.posts.append(await request.json())
        while not released.is_set():
            await asyncio.sleep(0.01)
        return web.Response(text="{}")

    server.handlers["sink/desk"] = handler


def test_alerts_queued_during_a_delivery_go_out_before_it_ends(
    server: FeedServer, tmp_path: Path
) -> None:
    released = threading.Event()
    held_sink(server, released)
    server.feeds["wire.xml"] = rss(SEED)
    config = load_config(desk_config(server, tmp_path, "wire.xml"))
    feed = config.feeds["wire.xml"]

    async def scenario() -> None:
        async with daemon_on(config) as daemon:
            await daemon.poller.poll(feed)
            delivering = asyncio.create_task(daemon.deliver())
            await until(lambda: server.posts, "the first alert to reach the sink")
            server.feeds["wire.xml"] = rss(SEED, KREMLIN)
            await daemon.poller.poll(feed)
            daemon.wake_delivery()  # what a poll that queued alerts does
            released.set()
            await asyncio.wait_for(delivering, 10)

    asyncio.run(scenario())

    assert [post["title"] for post in server.posts] == [
        f"[france-troops-ukraine, russia-warns] {SEED.title}",
        f"[russia-warns] {KREMLIN.title}",
    ]


def test_a_reload_that_crashes_keeps_the_old_config_running(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    directory = desk_config(server, tmp_path, "wire.xml")
    config = load_config(directory)
    (directory / "rules.toml").write_text("", encoding="utf-8")  # what the reload would read

    def crash(_directory: Path) -> Config:
        raise RuntimeError("a bug in loading")

    monkeypatch.setattr("monitor.service.reload.load_config", crash)

    async def scenario() -> tuple[Config, int]:
        async with daemon_on(config) as daemon:
            await daemon.reload()
            decision = await daemon.poller.poll(config.feeds["wire.xml"])
            return daemon.config, decision.alert_count

    with json_log() as log:
        kept, alerts = asyncio.run(scenario())

    assert kept is config
    assert alerts == 1  # the old rules still match
    (crashed,) = log.logged("config reload crashed; the old config keeps running")
    assert "RuntimeError: a bug in loading" in str(crashed["exception"])
    assert not log.logged("config reloaded")


def test_a_reload_requested_during_a_reload_loads_once_more(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.feeds["wire.xml"] = rss(WEATHER)
    directory = desk_config(server, tmp_path, "wire.xml")
    config = load_config(directory)
    loaded: list[Config] = []

    async def scenario() -> tuple[Config, int]:
        async with daemon_on(config) as daemon:
            loop = asyncio.get_running_loop()

            def load_then_edit(path: Path) -> Config:
                """The reload's read; after the first, the rules change and a SIGHUP comes."""
                loaded.append(load_config(path))
                if len(loaded) == 1:
                    with (path / "rules.toml").open("a", encoding="utf-8") as rules:
                        rules.write(WEATHER_RULE)
                    loop.call_soon_threadsafe(daemon.request_reload)
                return loaded[-1]

            monkeypatch.setattr("monitor.service.reload.load_config", load_then_edit)
            daemon.request_reload()
            await until(lambda: "weather" in daemon.config.rules, "the second reload")
            decision = await daemon.poller.poll(config.feeds["wire.xml"])
            return daemon.config, decision.alert_count

    with json_log() as log:
        current, alerts = asyncio.run(scenario())

    assert ["weather" in c.rules for c in loaded] == [False, True]
    assert len(log.logged("config reloaded")) == 2
    assert current is loaded[1]
    assert alerts == 1


def test_a_reload_compiles_the_rules_off_the_loop_while_the_jobs_go_on(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Compiling a large rule set takes seconds (100,000 rules: ~8 s): the reload's whole read,
    # validation and compilation (`load_config`) must leave the loop free meanwhile.
    server.feeds["wire.xml"] = rss(WEATHER)
    directory = desk_config(server, tmp_path, "wire.xml")
    config = load_config(directory)
    compiling, ticked = threading.Event(), threading.Event()  # ticked: a job ran

    def slow_load(path: Path) -> Config:
        compiling.set()
        assert ticked.wait(10), "the loop was blocked by the reload's compilation"
        return load_config(path)

    async def scenario() -> None:
        async with daemon_on(config) as daemon:
            monkeypatch.setattr("monitor.service.reload.load_config", slow_load)
            daemon.request_reload()
            await until(compiling.is_set, "the reload to start compiling")
            await daemon.status()  # a job on the loop, while the compilation waits for it
            ticked.set()
            await until(lambda: daemon.config is not config, "the reload")

    with json_log() as log:
        asyncio.run(scenario())

    assert log.logged("config reloaded")
    assert not log.logged("config reload crashed; the old config keeps running")


def impatient(store: Store) -> None:
    """Make `store` give up on a lock another connection holds after 0.1 s (not 30 s)."""

    @event.listens_for(store.engine, "connect")
    def _short_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=100")

    store.engine.dispose()  # the pooled connections were made without it


def test_healthz_answers_503_while_the_state_cannot_be_written(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/healthz"

    async def scenario() -> list[tuple[int, dict[str, Any]]]:
        store = Store.open(tmp_path)
        impatient(store)
        health = HealthServer(Metrics(), store, lambda: NOW)
        await health.start("127.0.0.1", port)
        answers = []
        try:
            async with aiohttp.ClientSession() as session:

                async def ask() -> None:
                    async with session.get(url) as answer:
                        answers.append((answer.status, await answer.json()))

                await ask()
                # Another process holds the write lock and does not let go.
                with contextlib.closing(sqlite3.connect(tmp_path / "monitor.db")) as other:
                    other.isolation_level = None
                    other.execute("BEGIN IMMEDIATE")
                    await ask()
                    other.execute("ROLLBACK")
                await ask()
        finally:
            await health.stop()
            store.close()
        return answers

    (ok, locked, recovered) = asyncio.run(scenario())

    assert ok == (200, {"now": NOW.isoformat(), "last_poll_at": None, "status": "ok"})
    assert locked[0] == 503
    assert locked[1]["status"] == "error"
    assert locked[1]["error"].startswith(
        "state not writable: (sqlite3.OperationalError) database is locked"
    )
    assert recovered[0] == 200


def test_a_damaged_state_is_logged_once_and_healthz_answers_503(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    config = load_config(desk_config(server, tmp_path, "wire.xml"))
    port = free_port()
    damaged = sqlite3.DatabaseError("database disk image is malformed")

    async def scenario() -> tuple[int, dict[str, Any], int]:
        async with daemon_on(config) as daemon:
            health = HealthServer(daemon.metrics, daemon.store, lambda: NOW)
            await health.start("127.0.0.1", port)
            try:
                with failing(daemon.store, "SELECT", damaged):
                    # A poll meets the damage first (and contains it).
                    assert await daemon.poller.poll_contained(config.feeds["wire.xml"]) is None
                    deliver, tick = daemon.guard(daemon.deliver), daemon.guard(daemon.tick)
                    for _turn in range(3):  # the jobs' turns, every 5 s and every second
                        await deliver()
                        await tick()
                    polling = len(daemon._in_flight)
                async with (
                    aiohttp.ClientSession() as session,
                    session.get(f"http://127.0.0.1:{port}/healthz") as answer,
                ):
                    return answer.status, await answer.json(), polling
            finally:
                await health.stop()

    with json_log() as log:
        status, body, polling = asyncio.run(scenario())

    assert status == 503
    assert polling == 0  # no poll is started on a damaged state, to crash on it again
    assert body["error"] == "state damaged: DatabaseError: database disk image is malformed"
    (logged,) = log.logged("the state cannot be used; /healthz answers 503 until it can")
    assert logged["error"] == body["error"]
    assert "exception" not in logged  # a clear line, not a traceback every turn


def test_a_feed_whose_poll_cannot_be_recorded_is_not_fetched_again_at_once(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    config = load_config(desk_config(server, tmp_path, "wire.xml"))
    full = sqlite3.OperationalError("database or disk is full")

    async def scenario() -> None:
        async with daemon_on(config) as daemon:
            with failing(daemon.store, "INSERT", full):  # not even its failure is written
                await daemon.tick()
                await until(lambda: not daemon._in_flight, "the first poll to end")
                for _turn in range(3):  # the next ticks, a second apart
                    await daemon.tick()
                    await asyncio.sleep(0.3)

    asyncio.run(scenario())

    assert [path for path, _ in server.requests].count("wire.xml") == 1


def test_a_feed_a_reload_drops_is_parked_and_polled_at_once_when_it_comes_back(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = server.feeds["old.xml"] = rss(SEED)
    directory = desk_config(server, tmp_path, "wire.xml", "old.xml")
    config = load_config(directory)

    async def reload_with(daemon: Daemon, *paths: str) -> None:
        (directory / "feeds.toml").write_text(feeds_toml(server, *paths), encoding="utf-8")
        await daemon.reload()

    async def scenario() -> None:
        async with daemon_on(config) as daemon:
            for feed in config.feeds.values():
                await daemon.poller.poll(feed)
            await reload_with(daemon, "wire.xml")
            parked.update(stored_feeds(tmp_path / "state")["old.xml"])
            await reload_with(daemon, "wire.xml", "old.xml")
            await daemon.tick()
            await until(lambda: not daemon._in_flight, "the poll of the feed back in the config")
            daemon.unchanged.flush()  # it answered 304: a batch the next tick would write

    parked: dict[str, object] = {}
    asyncio.run(scenario())

    assert parked["next_poll_at"] is None
    assert [path for path, _ in server.requests].count("old.xml") == 2
    assert stored_feeds(tmp_path / "state")["old.xml"]["next_poll_at"] is not None
