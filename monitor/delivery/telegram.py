"""Interactive Telegram: alerts sent through the Bot API directly, with inline buttons (mute the
alert's rule for 1 h or 24 h, "not relevant"), and the Bot API calls the chat listener makes.

Apprise's Telegram plugin sends no `reply_markup`, so an interactive channel's `tgram://` URLs
are sent here, with aiohttp and a hard deadline. The message is the one Apprise would send:
the plugin prepares it (`_build_send_calls`: the format converted to Telegram's HTML or
Markdown, the title blended into the body, long bodies split), and the buttons go on its last
piece. The bot token is only ever in the API's URL, never in a log line or an error.

A button's callback data names an action and an outbox id, signed with the bot's token
(`callback_data`): under Telegram's 64 bytes, and a chat cannot make one up for another alert.
"""

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
import apprise
from apprise.plugins.telegram import NotifyTelegram

Action = Literal["mute1h", "mute24h", "reject"]
_CODES: dict[str, Action] = {"m1": "mute1h", "m24": "mute24h", "nr": "reject"}
_SIGNATURE = 10  # hex characters of the HMAC kept: 40 bits, checked against a live alert id


class TelegramError(Exception):
    """The Bot API refused a call, or could not be reached (the token never in the message)."""


@dataclass(frozen=True, slots=True)
class Bot:
    """A Telegram bot as a `tgram://` URL names it: its token, its chats, the API's base."""

    token: str
    chats: frozenset[str]
    api: str  # NotifyTelegram.notify_url: "https://api.telegram.org/bot"
    plugin: NotifyTelegram

    @classmethod
    def from_url(cls, url: str) -> "Bot | None":
        """The bot of a `tgram://` URL; None for any other URL."""
        plugin = apprise.Apprise.instantiate(url)
        if not isinstance(plugin, NotifyTelegram):
            return None
        chats = frozenset(str(chat) for chat, _topic in plugin.targets)
        return cls(plugin.bot_token, chats, plugin.notify_url, plugin)

    async def call(
        self, session: aiohttp.ClientSession, method: str, payload: dict[str, Any], timeout: float
    ) -> Any:
        """One Bot API call; its `result`, or TelegramError saying what went wrong."""
        try:
            async with session.post(
                f"{self.api}{self.token}/{method}",
                json=payload,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as answer:
                body = await answer.json(content_type=None)
                status = answer.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # aiohttp's messages name the URL, and so the token: only the kind is kept.
            raise TelegramError(f"{method}: {type(exc).__name__}") from None
        if status != 200 or not isinstance(body, dict) or not body.get("ok"):
            described = body.get("description") if isinstance(body, dict) else None
            raise TelegramError(f"{method}: HTTP {status}: {described or 'refused'}")
        return body.get("result")


def callback_data(action: Action, alert_id: int, token: str) -> str:
    """A button's data: "m1:1234:5f3a9c0d1e" (action, outbox id, signature)."""
    code = next(c for c, a in _CODES.items() if a == action)
    return f"{code}:{alert_id}:{_sign(code, alert_id, token)}"


def read_callback(data: str, token: str) -> tuple[Action, int] | None:
    """The action and outbox id a button's data names; None if it is not ours or is forged."""
    code, _, rest = data.partition(":")
    number, _, signature = rest.partition(":")
    # ASCII digits only: `isdigit` is also true of "²", which `int` refuses.
    if code not in _CODES or not (number.isascii() and number.isdigit()) or len(number) > 18:
        return None
    alert_id = int(number)
    if not hmac.compare_digest(signature, _sign(code, alert_id, token)):
        return None
    return _CODES[code], alert_id


def _sign(code: str, alert_id: int, token: str) -> str:
    digest = hmac.new(token.encode(), f"{code}:{alert_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:_SIGNATURE]


_LABELS: tuple[tuple[Action, str], ...] = (
    ("mute1h", "Mute rule 1 h"),
    ("mute24h", "Mute rule 24 h"),
    ("reject", "Not relevant"),
)


def buttons(alert_id: int, token: str) -> dict[str, Any]:
    """The inline keyboard under an alert: one row of three buttons."""
    row = [
        {"text": label, "callback_data": callback_data(action, alert_id, token)}
        for action, label in _LABELS
    ]
    return {"inline_keyboard": [row]}


async def send_interactive(
    bot: Bot, message: tuple[str, str, str], alert_id: int | None, timeout: float
) -> list[tuple[str, bool, str]]:
    """Send `message` (title, body and body format, as Apprise would be handed them) to each of
    the bot's chats, the buttons of `alert_id` on it (none for a digest: `alert_id` None), each
    call within `timeout`: (chat, accepted, status) per chat."""
    plugin = bot.plugin
    title, body, body_format = message
    calls = plugin._build_send_calls(  # type: ignore[no-untyped-call]
        body=body, title=title, body_format=body_format
    )
    pieces = list(calls)
    verdicts = []
    async with aiohttp.ClientSession() as session:
        for chat in sorted(bot.chats):
            try:
                for number, piece in enumerate(pieces, 1):
                    markdown = piece["body_format"] == apprise.NotifyFormat.MARKDOWN
                    payload: dict[str, Any] = {
                        "chat_id": chat,
                        "text": piece["body"],
                        "parse_mode": plugin.markdown_ver if markdown else "HTML",
                        "disable_notification": plugin.silent,
                        "disable_web_page_preview": not plugin.preview,
                    }
                    if alert_id is not None and number == len(pieces):
                        payload["reply_markup"] = buttons(alert_id, bot.token)
                    await bot.call(session, "sendMessage", payload, timeout)
            except TelegramError as exc:
                verdicts.append((chat, False, str(exc)))
            else:
                verdicts.append((chat, True, "SUCCESS"))
    return verdicts
