"""Crash safety of delivery: `run` is SIGKILLed at random moments while it delivers a fixed set of
alerts, and restarted, again and again. In the end every alert has arrived, and duplicates are
bounded by the kills (Telegram and Slack have no idempotency key, so a kill between a service's
accept and our commit repeats that one alert).

CI makes `CRASH_KILLS` kills (default 8); `CRASH_KILLS=200 pytest tests/integration/test_crash.py
-s` is the full run whose figures docs/performance.md gives.
"""

import asyncio
import os
import random
import time
from collections import Counter
from functools import partial
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.config import desk_config
from tests.support.daemon import Services
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer

KILLS = int(os.environ.get("CRASH_KILLS", "8"))
STORIES = max(60, 10 * KILLS)  # enough that the outbox never empties before the last kill
# Each wait has its own bound, and together they stay under the test's timeout: a slow machine
# fails one wait with its name, never the whole test by pytest's timeout. An idle machine needs
# about 3 s a kill.
START = 20.0  # a fresh `run`: interpreter, imports, state, its first delivery
KILLED = 5.0  # the SIGKILLed process to be reaped
SURVIVOR = 60.0  # the last `run` to deliver what is left
STOP = 10.0  # SIGTERM to exit
TIMEOUT = KILLS * (START + KILLED + STOP) + SURVIVOR + STOP + 30


def accepting_sink(server: FeedServer, seconds: float) -> None:
    """The channel's service: takes each message at once, answers `seconds` later (the window
    in which a kill makes a duplicate)."""

    async def handler(request: web.Request) -> web.Response:
        server.posts.append(await request.json())
        await asyncio.sleep(seconds)
        return web.Response(text="{}")

    server.handlers["sink/desk"] = handler


def delivered_since(server: FeedServer, count: int) -> bool:
    return len(server.posts) > count


@pytest.mark.timeout(TIMEOUT)
def test_sigkill_during_delivery_loses_nothing(
    server: FeedServer, services: Services, tmp_path: Path
) -> None:
    stories = [
        Entry(guid=f"k{n}", title=f"Kremlin warns, bulletin {n}", link=f"https://x.org/k/{n}")
        for n in range(STORIES)
    ]
    server.feeds["wire.xml"] = rss(*stories)
    accepting_sink(server, 0.01)
    # The storm guard would otherwise summarise most of them: this test wants every one.
    caps = f"feed_alerts_per_poll = {STORIES}\nrule_alerts_per_poll = {STORIES}\n"
    config = desk_config(server, tmp_path, "wire.xml", interval="1h", settings=caps)
    chance = random.Random(os.environ.get("CRASH_SEED", "7"))
    kills = 0
    while kills < KILLS and len({p["title"] for p in server.posts}) < STORIES:
        before = len(server.posts)
        service = services.start(config, measured=False)  # the code the daemon tests measure
        service.wait_for(partial(delivered_since, server, before), START, "a delivery in this run")
        time.sleep(chance.uniform(0, 0.15))
        service.kill(KILLED)
        kills += 1
    survivor = services.start(config, measured=False)
    survivor.wait_for(
        lambda: len({p["title"] for p in server.posts}) == STORIES, SURVIVOR, "every alert"
    )
    code = survivor.stop(STOP)

    received = Counter(p["title"] for p in server.posts)
    duplicates = sum(received.values()) - len(received)
    print(f"\n{kills} kills, {STORIES} alerts, {duplicates} duplicates")
    assert code == 0
    assert kills == KILLS
    assert set(received) == {f"[russia-warns] {s.title}" for s in stories}
    assert duplicates <= kills
