"""Delivery under faults, on loopback: a send whose recording fails (the disk full) is not sent
again, and `/healthz` says so; endpoints that answer a byte at a time hold their own threads,
not the other channels' sends; alerts for a renamed channel wait for it; a chat that refuses
an alert is retried alone, never the other chats of its URL."""

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from monitor.delivery.deliver import DeliveryReport, Unrecorded, deliver_due
from monitor.delivery.sender import Notifier, url_id
from monitor.service.health import HealthServer
from monitor.service.metrics import Metrics
from monitor.state.store import Store
from tests.support import faults
from tests.support.config import RULES, SEED, feeds_toml, once, write_config
from tests.support.daemon import free_port
from tests.support.feeds import rss
from tests.support.loopback import FeedServer
from tests.support.outbox import channel, queue
from tests.support.outbox import statuses as read_statuses
from tests.support.services import TELEGRAM_CHAT, TELEGRAM_TOKEN, FakeTelegram
from tests.support.state import failing, opened

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
DISK_FULL = sqlite3.OperationalError("database or disk is full")


def _at(moment: datetime) -> Callable[[], datetime]:
    """A clock stopped at `moment`."""
    return lambda: moment


def test_a_send_whose_recording_fails_is_not_sent_again_and_healthz_says_503(
    server: FeedServer, tmp_path: Path
) -> None:
    store = Store.open(tmp_path)
    queue(store, 1, ["desk"], NOW)
    notifier = Notifier({"desk": channel("desk", f"json://127.0.0.1:{server.port}/sink/desk")})
    unrecorded = Unrecorded()
    port = free_port()

    async def healthz() -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as answer,
        ):
            return answer.status

    async def scenario() -> tuple[list[DeliveryReport], list[int]]:
        health = HealthServer(Metrics(), store, lambda: NOW)
        await health.start("127.0.0.1", port)
        reports, answers = [], [await healthz()]
        try:
            with failing(store, "UPDATE outbox", DISK_FULL):
                # The delivery job's turns, every 5 s, for 45 s.
                for turn in range(10):
                    moment = NOW + timedelta(seconds=5 * turn)
                    reports.append(
                        await deliver_due(
                            store, notifier, UTC_ZONE, _at(moment), unrecorded=unrecorded
                        )
                    )
                answers.append(await healthz())
            # Room again: the next turn records the send, and sends nothing.
            later = NOW + timedelta(minutes=10)
            reports.append(
                await deliver_due(store, notifier, UTC_ZONE, lambda: later, unrecorded=unrecorded)
            )
            answers.append(await healthz())
        finally:
            await health.stop()
        return reports, answers

    try:
        reports, answers = asyncio.run(scenario())
        statuses = read_statuses(store)
    finally:
        store.close()

    assert len(server.posts) == 1  # sent once, not once per turn
    assert [r.sent for r in reports] == [1] + [0] * 10
    assert answers == [200, 503, 200]
    assert statuses == {"desk#0": "sent"}
    assert unrecorded.attempts == {}


def test_slow_drip_endpoints_do_not_starve_a_healthychannel(
    server: FeedServer, tmp_path: Path
) -> None:
    # More dripping URLs than Apprise's shared pools have threads on this machine's cores.
    slow_urls = [f"json://127.0.0.1:{server.port}/drip/{n}" for n in range(8)]
    for n in range(8):
        server.handlers[f"drip/{n}"] = faults.drip(20)
    store = Store.open(tmp_path)
    queue(store, 10, ["slow", "desk"], NOW)
    notifier = Notifier(
        {
            "slow": channel("slow", *slow_urls),
            "desk": channel("desk", f"json://127.0.0.1:{server.port}/sink/desk"),
        },
        send_timeout=1.0,
    )

    async def turns() -> list[DeliveryReport]:
        return [
            await deliver_due(store, notifier, UTC_ZONE, _at(NOW + timedelta(minutes=m)))
            for m in range(3)
        ]

    try:
        reports = asyncio.run(turns())
        senders = [t for t in threading.enumerate() if t.name == "send slow"]
    finally:
        store.close()

    assert len(server.posts) == 10  # every alert of the healthy channel went out
    assert reports[0].sent == 10
    assert reports[0].retrying == 10  # and the slow channel's wait to be retried
    assert len(senders) <= len(slow_urls)  # one abandoned send per dripping URL, no more


def test_alerts_for_a_renamed_channel_wait_for_it(server: FeedServer, tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    queue(store, 1, ["old-desk"], NOW)
    renamed = Notifier({"desk": channel("desk", f"json://127.0.0.1:{server.port}/sink/desk")})
    back = Notifier({"old-desk": channel("old-desk", f"json://127.0.0.1:{server.port}/sink/o")})

    async def turns() -> list[DeliveryReport]:
        first = await deliver_due(store, renamed, UTC_ZONE, lambda: NOW)
        waiting = read_statuses(store)
        # A reload brings the channel back an hour later: the alert goes out then.
        second = await deliver_due(store, back, UTC_ZONE, lambda: NOW + timedelta(hours=1))
        assert waiting == {"old-desk#0": "pending"}
        return [first, second]

    try:
        first, second = asyncio.run(turns())
        statuses = read_statuses(store)
    finally:
        store.close()

    assert (first.sent, first.retrying, first.failed) == (0, 1, 0)
    assert (second.sent, second.failed) == (1, 0)
    assert statuses == {"old-desk#0": "sent"}
    assert [p["path"] for p in server.posts] == ["sink/o"]


def test_alerts_for_a_channel_gone_longer_than_max_retry_age_are_given_up(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path)
    queue(store, 1, ["gone"], NOW)
    notifier = Notifier({}, max_retry_age=timedelta(hours=2))

    try:
        report = asyncio.run(
            deliver_due(store, notifier, UTC_ZONE, lambda: NOW + timedelta(hours=3))
        )
        statuses = read_statuses(store)
    finally:
        store.close()

    assert (report.retrying, report.failed) == (0, 1)
    assert statuses == {"gone#0": "failed"}


def test_unrecorded_attempts_filling_a_page_do_not_hide_the_alerts_after_them(
    server: FeedServer, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr("monitor.delivery.deliver.DUE_PAGE", 2)
    store = Store.open(tmp_path)
    queue(store, 5, ["desk"], NOW)
    notifier = Notifier({"desk": channel("desk", f"json://127.0.0.1:{server.port}/sink/desk")})
    unrecorded = Unrecorded()

    async def scenario() -> DeliveryReport:
        with failing(store, "UPDATE outbox", DISK_FULL):
            # A first pass sends the two oldest, and cannot record them; it is stopped there.
            await deliver_due(
                store,
                notifier,
                UTC_ZONE,
                _at(NOW),
                lambda: len(server.posts) >= 2,
                unrecorded=unrecorded,
            )
            # The next pass: a whole page of the outbox is those two, waiting in memory.
            return await deliver_due(store, notifier, UTC_ZONE, _at(NOW), unrecorded=unrecorded)

    try:
        report = asyncio.run(scenario())
    finally:
        store.close()

    assert report.sent == 3
    titles = [post["title"] for post in server.posts]
    assert sorted(titles) == [f"[russia-warns] Kremlin warns Kyiv, bulletin {n}" for n in range(5)]


def _kicked_from(server: FeedServer, chat: str) -> list[str]:
    """The Bot API's `sendMessage` refusing `chat` (the bot was removed from it); the chats
    of the messages it took."""
    received: list[str] = []

    async def send(request: web.Request) -> web.Response:
        to = str((await request.json())["chat_id"])
        if to == chat:
            return web.json_response(
                {"ok": False, "description": "Forbidden: bot was kicked"}, status=403
            )
        received.append(to)
        return web.json_response({"ok": True, "result": {"message_id": len(received)}})

    server.handlers[f"bot{TELEGRAM_TOKEN}/sendMessage"] = send
    return received


@pytest.mark.parametrize("interactive", ["false", "true"])
def test_a_refused_chat_does_not_resend_to_the_other_chats_of_its_url(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interactive: str
) -> None:
    FakeTelegram(server, monkeypatch)
    received = _kicked_from(server, "666")
    server.feeds["wire.xml"] = rss(SEED)
    channels = (
        f'[channels.tg]\nurls = ["tgram://{TELEGRAM_TOKEN}/{TELEGRAM_CHAT}/666"]\n'
        f'format = "html"\ninteractive = {interactive}\n'
    )
    rules = RULES.replace('channels = ["desk"]', 'channels = ["tg"]')
    config_dir = write_config(
        tmp_path / "config", tmp_path / "state", feeds_toml(server, "wire.xml"), rules, channels
    )
    start = datetime.now(UTC)
    for minutes in (0, 2, 5, 10):  # `once` by a timer: the retries of chat 666 fall due
        once(config_dir, start + timedelta(minutes=minutes))
    with opened(tmp_path / "state") as store:
        pending = read_statuses(store)

    assert received == [TELEGRAM_CHAT]
    assert set(pending.values()) == {"pending"}  # chat 666 is still retried


def test_an_alert_a_whole_url_took_before_the_split_is_not_sent_to_its_chats_again(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    FakeTelegram(server, monkeypatch)
    received = _kicked_from(server, "none")
    url = f"tgram://{TELEGRAM_TOKEN}/{TELEGRAM_CHAT}/555"
    store = Store.open(tmp_path)
    queue(store, 2, ["tg"], NOW)
    # Story 0 was taken by the whole URL before the upgrade (its id recorded); story 1 was not.
    first = store.due_alerts(NOW)[0].id
    store.add_delivered([first], url_id(SecretStr(url)))
    notifier = Notifier({"tg": channel("tg", url)})
    try:
        report = asyncio.run(deliver_due(store, notifier, UTC_ZONE, lambda: NOW))
        statuses = read_statuses(store)
    finally:
        store.close()

    assert len(notifier.url_ids["tg"]) == 2  # one target per chat
    assert report.sent == 2
    assert statuses == {"tg#0": "sent", "tg#1": "sent"}
    assert sorted(received) == sorted([TELEGRAM_CHAT, "555"])  # story 1 only, to each chat
