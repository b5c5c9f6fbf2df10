"""Fake Telegram, Slack, Discord, ntfy and Matrix APIs on the loopback feed server, and a real
SMTP server (aiosmtpd), for Apprise's own plugins to talk to. Only each plugin's base URL class
attribute is patched (ntfy and Matrix need none: their URLs name the server)."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from apprise.plugins.discord import NotifyDiscord
from apprise.plugins.slack import NotifySlack
from apprise.plugins.telegram import NotifyTelegram

from tests.support.daemon import free_port
from tests.support.loopback import FeedServer

TELEGRAM_TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ"
TELEGRAM_CHAT = "424242"
SLACK_TOKENS = "T1ABCDEFG/B1ABCDEFG/abcdefghijklmnopqrstuvwx"
DISCORD_WEBHOOK = "4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js"


class FakeTelegram:
    """The Bot API: `sendMessage` records each message (with its `reply_markup`, if any);
    `failing` makes it answer 500. `getUpdates` hands out the updates `press` queues, from the
    offset asked (holding an empty answer a moment, as the long poll does), after answering
    502 to the first `outage` calls;
    `answerCallbackQuery` records each answer."""

    def __init__(self, server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.messages: list[dict[str, Any]] = []
        self.answers: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.failing = False
        self.outage = 0
        base = f"bot{TELEGRAM_TOKEN}"
        server.handlers[f"{base}/sendMessage"] = self._send_message
        server.handlers[f"{base}/getUpdates"] = self._get_updates
        server.handlers[f"{base}/answerCallbackQuery"] = self._answer
        monkeypatch.setattr(NotifyTelegram, "notify_url", server.url("bot"))
        self.url = f"tgram://{TELEGRAM_TOKEN}/{TELEGRAM_CHAT}"

    def press(
        self,
        message: dict[str, Any],
        button: int,
        chat: str = TELEGRAM_CHAT,
        username: str | None = None,
    ) -> None:
        """Queue a press of the `button`-th button under `message` (one `messages` holds), as
        seen in `chat` (another chat than the message's: a forged press), a public chat if it
        has a `username`."""
        data = message["reply_markup"]["inline_keyboard"][0][button]["callback_data"]
        message_id = self.messages.index(message) + 1
        self.press_data(data, message_id=message_id, chat=chat, username=username)

    def press_data(
        self, data: str, *, message_id: int, chat: str = TELEGRAM_CHAT, username: str | None = None
    ) -> None:
        """Queue a press carrying `data`, as if from a button under message `message_id`."""
        number = len(self.updates) + 1
        seen_in: dict[str, Any] = {"id": int(chat)}
        if username is not None:
            seen_in["username"] = username
        self.updates.append(
            {
                "update_id": 1000 + number,
                "callback_query": {
                    "id": f"press-{number}",
                    "from": {"id": 77, "username": "desk_editor"},
                    "message": {"message_id": message_id, "chat": seen_in},
                    "data": data,
                },
            }
        )

    async def _send_message(self, request: web.Request) -> web.Response:
        if self.failing:
            return web.json_response({"ok": False, "description": "Internal"}, status=500)
        self.messages.append(await request.json())
        return web.json_response({"ok": True, "result": {"message_id": len(self.messages)}})

    async def _get_updates(self, request: web.Request) -> web.Response:
        if self.outage:
            self.outage -= 1
            return web.json_response({"ok": False, "description": "Bad Gateway"}, status=502)
        offset = (await request.json()).get("offset", 0)
        waiting = [u for u in self.updates if u["update_id"] >= offset]
        if not waiting:
            await asyncio.sleep(0.1)
        return web.json_response({"ok": True, "result": waiting})

    async def _answer(self, request: web.Request) -> web.Response:
        self.answers.append(await request.json())
        return web.json_response({"ok": True, "result": True})


class FakeSlack:
    """An incoming webhook: records each payload."""

    def __init__(self, server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.payloads: list[dict[str, Any]] = []
        server.handlers[f"services/{SLACK_TOKENS}"] = self._webhook
        monkeypatch.setattr(NotifySlack, "webhook_url", server.url("services"))
        self.url = f"slack://{SLACK_TOKENS}"

    async def _webhook(self, request: web.Request) -> web.Response:
        self.payloads.append(await request.json())
        return web.Response(text="ok")


class FakeDiscord:
    """A Discord webhook: records each payload."""

    def __init__(self, server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.payloads: list[dict[str, Any]] = []
        server.handlers[f"discord/{DISCORD_WEBHOOK}"] = self._webhook
        monkeypatch.setattr(NotifyDiscord, "notify_url", server.url("discord"))
        self.url = f"discord://{DISCORD_WEBHOOK}"

    async def _webhook(self, request: web.Request) -> web.Response:
        self.payloads.append(await request.json())
        return web.Response(status=204)


class FakeNtfy:
    """An ntfy server's publish endpoint (JSON to `/`): records each message and its headers."""

    def __init__(self, server: FeedServer) -> None:
        self.messages: list[tuple[dict[str, Any], dict[str, str]]] = []
        server.handlers[""] = self._publish
        self.url = f"ntfy://127.0.0.1:{server.port}/alerts"

    async def _publish(self, request: web.Request) -> web.Response:
        self.messages.append((await request.json(), dict(request.headers)))
        return web.json_response({"id": str(len(self.messages)), "topic": "alerts"})


class FakeMatrix:
    """A Matrix homeserver's client API, as far as a bot with an access token uses it: who am
    I, join the room, send to it. Records each message event's content."""

    ROOM = "!alerts:localhost"

    def __init__(self, server: FeedServer) -> None:
        self.events: list[dict[str, Any]] = []
        api = "_matrix/client/v3"
        server.handlers[f"{api}/account/whoami"] = self._whoami
        server.handlers[f"{api}/join/{self.ROOM}"] = self._join
        server.handlers[f"{api}/rooms/{self.ROOM}/send/m.room.message/*"] = self._send
        self.url = f"matrix://:bot-access-token@127.0.0.1:{server.port}/{self.ROOM}"

    async def _whoami(self, _request: web.Request) -> web.Response:
        return web.json_response({"user_id": "@bot:localhost"})

    async def _join(self, _request: web.Request) -> web.Response:
        return web.json_response({"room_id": self.ROOM})

    async def _send(self, request: web.Request) -> web.Response:
        self.events.append(await request.json())
        return web.json_response({"event_id": f"${len(self.events)}"})


class Mailbox:
    """aiosmtpd's handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        assert isinstance(envelope.content, bytes)
        self.messages.append(envelope.content)
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, str]]:
    """A running SMTP server on 127.0.0.1, and an Apprise URL that sends to it."""
    port = free_port()  # aiosmtpd needs a port number up front
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, f"mailto://127.0.0.1:{port}?from=monitor@example.org&to=desk@example.org"
    finally:
        controller.stop()
