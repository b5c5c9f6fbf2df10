"""Interactive Telegram on a fake Bot API (loopback): alerts carry buttons, and the chat
listener applies a press (mute the rule, not relevant) from a configured chat, refuses the
others, and answers each."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from monitor.config.load import load_config
from monitor.delivery.telegram import callback_data
from monitor.feedback import Mute
from monitor.polling.poller import http_session
from monitor.service.chat import ChatListener
from monitor.service.daemon import Daemon
from monitor.state.store import Store
from monitor.state.tables import outbox
from tests.support.config import SEED, feeds_toml, once, write_config
from tests.support.feeds import rss
from tests.support.logs import json_log
from tests.support.loopback import FeedServer
from tests.support.services import TELEGRAM_CHAT, TELEGRAM_TOKEN, FakeTelegram
from tests.support.state import opened

RULE = """
[[rules]]
name = "france-troops-ukraine"
query = "@France AND @Ukraine AND @troops"
channels = ["tg", "plain"]
"""
OTHER_CHAT = "515151"
STRANGER = "999999"


def channels(telegram: FakeTelegram) -> str:
    return (
        f'[channels.tg]\nurls = ["{telegram.url}"]\nformat = "html"\ninteractive = true\n\n'
        f'[channels.plain]\nurls = ["tgram://{TELEGRAM_TOKEN}/{OTHER_CHAT}"]\nformat = "html"\n'
    )


def test_buttons_are_pressed_applied_answered_and_refused_from_elsewhere(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram = FakeTelegram(server, monkeypatch)
    server.feeds["wire.xml"] = rss(SEED)
    config_dir = write_config(
        tmp_path / "config",
        tmp_path / "state",
        feeds_toml(server, "wire.xml"),
        RULE,
        channels(telegram),
    )
    once(config_dir)
    sent = {str(m["chat_id"]): m for m in telegram.messages}
    alert = sent[TELEGRAM_CHAT]
    config = load_config(config_dir)
    with opened(tmp_path / "state") as store:
        with store.engine.connect() as conn:
            rows = conn.execute(select(outbox.c.channel, outbox.c.id, outbox.c.story_key)).all()
        ids = {name: number for name, number, _key in rows}
        telegram.press(alert, 0)  # mute 1 h
        telegram.press(alert, 2)  # not relevant
        telegram.press(alert, 1, chat=STRANGER)  # a chat not configured
        # The signature of another alert's button: refused as made up.
        signature = alert["reply_markup"]["inline_keyboard"][0][2]["callback_data"].split(":")[2]
        telegram.press_data(f"nr:{ids['tg'] + 1}:{signature}", message_id=1)
        # Signed right, but for the alert that went to the other (not interactive) chat.
        telegram.press_data(callback_data("reject", ids["plain"], TELEGRAM_TOKEN), message_id=1)
        now = datetime.now(UTC)
        listener = ChatListener(lambda: config, store, lambda: now, lambda: False, long_poll=1)
        asyncio.run(listener.poll())
        asyncio.run(listener.poll())  # the presses were confirmed: none is applied again
        mutes = store.active_mutes(now)
        rejections = store.rejections_since(now - timedelta(minutes=1))

    # The interactive alert is the message Apprise sends, with the buttons under it.
    assert set(sent) == {TELEGRAM_CHAT, OTHER_CHAT}
    plain = sent[OTHER_CHAT]
    assert (alert["text"], alert["parse_mode"]) == (plain["text"], plain["parse_mode"])
    assert "reply_markup" not in plain
    labels = [b["text"] for b in alert["reply_markup"]["inline_keyboard"][0]]
    assert labels == ["Mute rule 1 h", "Mute rule 24 h", "Not relevant"]

    assert [(m.kind, m.name, m.until, m.source) for m in mutes] == [
        ("rule", "france-troops-ukraine", now + timedelta(hours=1), "chat")
    ]
    assert [(r.story_key, r.rules, r.source) for r in rejections] == [
        (rows[0].story_key, ("france-troops-ukraine",), "chat")
    ]
    answers = [a["text"] for a in telegram.answers]
    assert answers[0].startswith("Muted rule 'france-troops-ukraine' for 1 h, until")
    assert answers[1] == "Marked not relevant"
    assert answers[2:] == [
        "Refused: this chat is not one of the channel's.",
        "Refused: this button is not one of media-monitor's.",
        "Refused: that alert did not go to this chat.",
    ]
    replies = [m for m in telegram.messages if "reply_to_message_id" in m]
    number = telegram.messages.index(alert) + 1
    assert [(str(m["chat_id"]), m["reply_to_message_id"]) for m in replies] == [
        (TELEGRAM_CHAT, number),
        (TELEGRAM_CHAT, number),
    ]
    assert replies[1]["text"].startswith("Marked not relevant (")


def test_run_listens_for_presses_without_a_reload(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram = FakeTelegram(server, monkeypatch)
    server.feeds["wire.xml"] = rss(SEED)
    config = load_config(
        write_config(
            tmp_path / "config",
            tmp_path / "state",
            feeds_toml(server, "wire.xml"),
            RULE,
            channels(telegram),
        )
    )

    async def scenario() -> list[Mute]:
        store = Store.open(config.settings.state_dir)
        try:
            async with http_session(config) as session:
                daemon = Daemon(config, store, session)
                serving = asyncio.create_task(daemon.serve())
                await until(lambda: any("reply_markup" in m for m in telegram.messages))
                alert = next(m for m in telegram.messages if "reply_markup" in m)
                telegram.press(alert, 1)  # mute 24 h
                await until(lambda: bool(telegram.answers))
                mutes = store.active_mutes(datetime.now(UTC))
                daemon.request_stop("SIGTERM")
                await asyncio.wait_for(serving, 10)
                return mutes
        finally:
            store.close()

    mutes = asyncio.run(scenario())

    assert [(m.kind, m.name, m.source) for m in mutes] == [
        ("rule", "france-troops-ukraine", "chat")
    ]
    assert telegram.answers[0]["text"].startswith("Muted rule 'france-troops-ukraine' for 24 h")


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Wait, without blocking the loop, until `condition()` holds; fail if it does not."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_the_listener_outlives_an_outage_of_the_bot_api(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("monitor.service.chat.RETRY", 0.05)
    telegram = FakeTelegram(server, monkeypatch)
    telegram.outage = 2
    server.feeds["wire.xml"] = rss(SEED)
    config_dir = write_config(
        tmp_path / "config",
        tmp_path / "state",
        feeds_toml(server, "wire.xml"),
        RULE,
        channels(telegram),
    )
    once(config_dir)
    config = load_config(config_dir)
    alert = next(m for m in telegram.messages if "reply_markup" in m)
    telegram.press(alert, 2)  # not relevant

    async def scenario(store: Store) -> None:
        listener = ChatListener(lambda: config, store, lambda: datetime.now(UTC), lambda: False)
        listening = asyncio.create_task(listener.listen())
        await until(lambda: bool(telegram.answers))
        listening.cancel()

    with opened(tmp_path / "state") as store:
        with json_log() as log:
            asyncio.run(scenario(store))
        rejected = store.rejections_since(datetime.now(UTC) - timedelta(minutes=1))

    assert telegram.outage == 0
    assert [a["text"] for a in telegram.answers] == ["Marked not relevant"]
    assert len(rejected) == 1
    failures = log.logged("chat actions: listening failed; trying again")
    assert [f["error"] for f in failures] == ["getUpdates: HTTP 502: Bad Gateway"] * 2
    # (The fake Bot API's own access log, in this process too, names its URLs.)
    ours = [line for line in log.stream.getvalue().splitlines() if "aiohttp.access" not in line]
    assert TELEGRAM_TOKEN not in "\n".join(ours)


OTHER_TOKEN = "987654321:ZZyyXXwwVVuuTTssRRqqPPooNNmmLLkkJJ"


def _listened(
    server: FeedServer, tmp_path: Path, channels_toml: str
) -> tuple[Path, Callable[[Store], ChatListener]]:
    """A config of the rule and `channels_toml`, polled once; a listener of it for a state."""
    server.feeds["wire.xml"] = rss(SEED)
    config_dir = write_config(
        tmp_path / "config",
        tmp_path / "state",
        feeds_toml(server, "wire.xml"),
        RULE.replace('["tg", "plain"]', '["tg"]'),
        channels_toml,
    )
    once(config_dir)
    config = load_config(config_dir)
    now = datetime.now(UTC)
    return config_dir, lambda store: ChatListener(
        lambda: config, store, lambda: now, lambda: False, long_poll=1
    )


def test_a_malformed_press_is_refused_alone_and_the_next_press_applied(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram = FakeTelegram(server, monkeypatch)
    tg = f'[channels.tg]\nurls = ["{telegram.url}"]\nformat = "html"\ninteractive = true\n'
    _, listener = _listened(server, tmp_path, tg)
    alert = telegram.messages[0]
    telegram.press_data("m1:\u00b2:0000000000", message_id=1)  # "²".isdigit(), int("²") fails
    telegram.press_data(
        alert["reply_markup"]["inline_keyboard"][0][1]["callback_data"], message_id=1
    )
    telegram.updates[-1]["callback_query"]["from"] = "not an object"  # raises in the press
    telegram.press(alert, 0)  # then a real press: mute 1 h
    with opened(tmp_path / "state") as store:
        listening = listener(store)
        with json_log() as log:
            for _ in range(3):  # three rounds: none raises, and each press is read once
                asyncio.run(listening.poll())
        mutes = store.active_mutes(datetime.now(UTC))

    assert [m.name for m in mutes] == ["france-troops-ukraine"]
    assert [m.until - m.muted_at for m in mutes if m.until] == [timedelta(hours=1)]  # not 24 h
    assert [a["callback_query_id"] for a in telegram.answers] == ["press-1", "press-2", "press-3"]
    assert [a["text"].split(":")[0] for a in telegram.answers[:2]] == ["Refused"] * 2
    assert len(log.logged("chat action crashed; refused")) == 1


def test_a_failing_bot_does_not_stop_the_presses_of_the_others(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram = FakeTelegram(server, monkeypatch)

    async def conflict(_request: web.Request) -> web.Response:  # another getUpdates consumer
        return web.json_response(
            {"ok": False, "description": "Conflict: terminated by other getUpdates request"},
            status=409,
        )

    server.handlers[f"bot{OTHER_TOKEN}/getUpdates"] = conflict
    tg = (
        f'[channels.tg]\nurls = ["{telegram.url}"]\nformat = "html"\ninteractive = true\n\n'
        f'[channels.other]\nurls = ["tgram://{OTHER_TOKEN}/5555"]\nformat = "html"\n'
        "interactive = true\n"
    )
    _, listener = _listened(server, tmp_path, tg)
    telegram.press(telegram.messages[0], 0)  # mute 1 h, on the healthy bot
    with opened(tmp_path / "state") as store:
        listening = listener(store)
        with json_log() as log:
            for _ in range(3):  # the failing bot rests; the healthy one answers once
                asyncio.run(listening.poll())
        mutes = store.active_mutes(datetime.now(UTC))

    assert [m.name for m in mutes] == ["france-troops-ukraine"]
    assert len(telegram.answers) == 1
    failures = log.logged("chat actions: listening failed; trying again")
    assert [f["error"] for f in failures] == [
        "getUpdates: HTTP 409: Conflict: terminated by other getUpdates request"
    ]


def test_a_chat_named_by_its_username_may_press(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram = FakeTelegram(server, monkeypatch)
    url = f"tgram://{TELEGRAM_TOKEN}/@NewsDesk"
    tg = f'[channels.tg]\nurls = ["{url}"]\nformat = "html"\ninteractive = true\n'
    _, listener = _listened(server, tmp_path, tg)
    alert = telegram.messages[0]
    telegram.press(alert, 0, chat="-1001234", username="newsdesk")  # its id is not in the URL
    telegram.press(alert, 2, chat="-1009999", username="elsewhere")
    with opened(tmp_path / "state") as store:
        asyncio.run(listener(store).poll())
        mutes = store.active_mutes(datetime.now(UTC))

    assert alert["chat_id"] == "@NewsDesk"
    assert [m.name for m in mutes] == ["france-troops-ukraine"]
    assert [a["text"].split(" ")[0] for a in telegram.answers] == ["Muted", "Refused:"]
