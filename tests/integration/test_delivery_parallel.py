"""Delivery in parallel, on loopback: every channel, and each URL of a channel, on its own, so
that an endpoint that never answers or answers slowly holds back nothing else; order kept
within a channel; at most `delivery_concurrency` sends at once."""

import asyncio
import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from monitor.delivery.deliver import DeliveryReport, deliver_due
from monitor.delivery.sender import Notifier, url_id
from monitor.state.store import Store
from monitor.state.tables import outbox
from tests.support import faults
from tests.support.loopback import FeedServer
from tests.support.outbox import channel, queue, statuses

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
BOUND = 2.0  # seconds: how long a healthy channel's alert may take to arrive here


async def within(seconds: float, condition: Callable[[], bool]) -> bool:
    """Wait until `condition()` holds, for at most `seconds`; whether it came to hold."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def silent_mail(port: int) -> str:
    return f"mailto://127.0.0.1:{port}?from=monitor@example.org&to=desk@example.org"


async def stopped(task: "asyncio.Task[DeliveryReport]") -> None:
    """Cancel a pass as a stop past its grace does, and let it end."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def test_a_channel_that_never_answers_does_not_hold_back_another(
    server: FeedServer, tmp_path: Path
) -> None:
    store = Store.open(tmp_path)
    queue(store, 1, ["mail", "desk"], NOW)

    async def scenario(port: int) -> tuple[bool, bool, dict[str, str]]:
        notifier = Notifier(
            {
                "mail": channel("mail", silent_mail(port)),
                "desk": channel("desk", f"json://127.0.0.1:{server.port}/sink/desk"),
            }
        )
        task = asyncio.create_task(deliver_due(store, notifier, UTC_ZONE, lambda: NOW))
        arrived = await within(
            BOUND, lambda: len(server.posts) == 1 and statuses(store)["desk#1"] == "sent"
        )
        waiting = not task.done()  # the mail server has not answered yet
        recorded = statuses(store)
        await stopped(task)
        return arrived, waiting, recorded

    try:
        with faults.silent_port() as port:
            arrived, waiting, recorded = asyncio.run(scenario(port))
    finally:
        store.close()

    assert arrived
    assert waiting
    assert recorded == {"mail#0": "pending", "desk#1": "sent"}
    assert [p["path"] for p in server.posts] == ["sink/desk"]


def test_an_alert_queued_while_an_endpoint_hangs_goes_out_at_once(
    server: FeedServer, tmp_path: Path
) -> None:
    store = Store.open(tmp_path)
    queue(store, 1, ["mail", "desk"], NOW)

    async def scenario(port: int) -> tuple[bool, bool]:
        notifier = Notifier(
            {
                "mail": channel("mail", silent_mail(port)),
                "desk": channel("desk", f"json://127.0.0.1:{server.port}/sink/desk"),
            }
        )
        task = asyncio.create_task(deliver_due(store, notifier, UTC_ZONE, lambda: NOW))
        first = await within(BOUND, lambda: len(server.posts) == 1)
        # A poll queues another story while the pass still waits for the mail server.
        await asyncio.to_thread(queue, store, 1, ["desk"], NOW, 1)
        second = await within(BOUND, lambda: len(server.posts) == 2)
        second = second and not task.done()
        await stopped(task)
        return first, second

    try:
        with faults.silent_port() as port:
            first, second = asyncio.run(scenario(port))
    finally:
        store.close()

    assert first
    assert second
    assert [p["title"] for p in server.posts] == [
        f"[russia-warns] Kremlin warns Kyiv, bulletin {n}" for n in range(2)
    ]


def test_a_url_that_never_answers_does_not_hold_back_the_others_of_its_channel(
    server: FeedServer, tmp_path: Path
) -> None:
    store = Store.open(tmp_path)
    queue(store, 3, ["desk"], NOW)
    sink = f"json://127.0.0.1:{server.port}/sink/desk"

    async def scenario(port: int) -> tuple[bool, list[list[str]]]:
        dead = silent_mail(port)
        notifier = Notifier({"desk": channel("desk", dead, sink)})
        task = asyncio.create_task(deliver_due(store, notifier, UTC_ZONE, lambda: NOW))
        arrived = await within(BOUND, lambda: len(server.posts) == 3)
        # What the state says the sink took, while the attempts wait for the mail server.
        await within(BOUND, lambda: all(delivered(store)))
        took = delivered(store)
        await stopped(task)
        return arrived, took

    try:
        with faults.silent_port() as port:
            arrived, took = asyncio.run(scenario(port))
        still = statuses(store)
    finally:
        store.close()

    assert arrived
    assert [p["title"] for p in server.posts] == [
        f"[russia-warns] Kremlin warns Kyiv, bulletin {n}" for n in range(3)
    ]
    # Recorded before the attempts are: a crash now would not send them to the sink again.
    assert took == [[url_id(SecretStr(sink))]] * 3
    assert set(still.values()) == {"pending"}


def delivered(store: Store) -> list[list[str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.delivered).order_by(outbox.c.id)).scalars().all()
    return [json.loads(r or "[]") for r in rows]


def test_a_burst_to_six_channels_one_of_them_slow(server: FeedServer, tmp_path: Path) -> None:
    names = [f"ch{n}" for n in range(6)]
    slow_posts: list[dict[str, Any]] = []
    server.handlers["slow/ch5"] = faults.slow_sink(0.5, slow_posts, [0, 0])
    store = Store.open(tmp_path)
    queue(store, 13, names, NOW)
    paths = {name: f"sink/{name}" for name in names[:5]} | {"ch5": "slow/ch5"}
    notifier = Notifier(
        {n: channel(n, f"json://127.0.0.1:{server.port}/{paths[n]}") for n in names}
    )

    async def scenario() -> tuple[bool, bool, DeliveryReport]:
        task = asyncio.create_task(deliver_due(store, notifier, UTC_ZONE, lambda: NOW))
        healthy = await within(3 * BOUND, lambda: len(server.posts) == 5 * 13)
        slow_pending = len(slow_posts) < 13
        return healthy, slow_pending, await task

    try:
        healthy, slow_pending, report = asyncio.run(scenario())
    finally:
        store.close()

    assert healthy
    assert slow_pending  # the healthy channels did not wait for the slow one
    assert (report.sent, report.retrying) == (78, 0)
    by_path: dict[str, list[str]] = {}
    for post in [*server.posts, *slow_posts]:
        by_path.setdefault(post["path"], []).append(post["title"])
    in_order = [f"[russia-warns] Kremlin warns Kyiv, bulletin {n}" for n in range(13)]
    assert by_path == dict.fromkeys(paths.values(), in_order)


def test_no_more_sends_at_once_than_delivery_concurrency(
    server: FeedServer, tmp_path: Path
) -> None:
    posts: list[dict[str, Any]] = []
    busy = [0, 0]
    names = [f"ch{n}" for n in range(6)]
    for name in names:
        server.handlers[f"slow/{name}"] = faults.slow_sink(0.1, posts, busy)
    store = Store.open(tmp_path)
    queue(store, 2, names, NOW)
    notifier = Notifier(
        {n: channel(n, f"json://127.0.0.1:{server.port}/slow/{n}") for n in names},
        concurrency=2,
    )

    try:
        report = asyncio.run(deliver_due(store, notifier, UTC_ZONE, lambda: NOW))
    finally:
        store.close()

    assert report.sent == 12
    assert len(posts) == 12
    assert busy[1] == 2


def test_the_outbox_read_again_during_a_pass_sends_nothing_twice(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read again at every moment while a slow channel keeps the pass open, as the fast
    # channel's attempts are recorded: a reading that began before a recording sees its row
    # still pending.
    monkeypatch.setattr("monitor.delivery.deliver.RESCAN", timedelta(0))
    slow_posts: list[dict[str, Any]] = []
    server.handlers["slow/late"] = faults.slow_sink(2.0, slow_posts, [0, 0])
    store = Store.open(tmp_path)
    queue(store, 1, ["late"], NOW)
    queue(store, 150, ["desk"], NOW, first=1)
    notifier = Notifier(
        {
            "late": channel("late", f"json://127.0.0.1:{server.port}/slow/late"),
            "desk": channel("desk", f"json://127.0.0.1:{server.port}/sink/desk"),
        }
    )

    try:
        report = asyncio.run(deliver_due(store, notifier, UTC_ZONE, lambda: NOW))
    finally:
        store.close()

    titles = [p["title"] for p in server.posts]
    assert len(titles) == len(set(titles)) == 150
    assert (report.sent, len(slow_posts)) == (151, 1)
