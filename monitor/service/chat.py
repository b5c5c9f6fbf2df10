"""The chat job of `run`: buttons pressed under interactive Telegram alerts, applied.

For each bot of the interactive channels (`interactive = true`), the job long-polls the Bot
API's `getUpdates` (no public URL needed), and for each button pressed checks, in this order,
that the chat is one configured on an interactive channel of that bot (by its id, or by its
"@username" for a public chat or channel), that the button's data
is ours (signed with the bot's token, see `delivery/telegram`), and that its alert exists and
went to a channel that sends to that chat. Then it mutes the alert's rules for 1 h or 24 h, or
records the alert as not relevant (`Store.reject`, for the rules' review), acknowledges the
press (`answerCallbackQuery`) and says in the chat what it did. A press that fails a check is
refused, answered as refused, and logged; nothing is changed.

Telegram keeps an update until a later `getUpdates` confirms it (its offset): a restart may
see a press again, and applying it again changes nothing (a mute replaces the same mute, a
rejection the same rejection).
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import structlog
from sqlalchemy.exc import SQLAlchemyError

from monitor.config.model import Config
from monitor.delivery.telegram import Action, Bot, TelegramError, read_callback
from monitor.feedback import Mute
from monitor.model import Clock
from monitor.offload import off_loop
from monitor.state.store import Store

log = structlog.get_logger(__name__)

LONG_POLL = 25.0  # seconds Telegram holds a `getUpdates` open when no button is pressed
IDLE = 5.0  # seconds between looks at the config while no channel is interactive
RETRY = 10.0  # seconds after a failed round (Telegram unreachable, another node polling)
CALL_TIMEOUT = 10.0  # seconds for an answer or a reply
MUTES = {"mute1h": timedelta(hours=1), "mute24h": timedelta(hours=24)}


@dataclass
class _Listened:
    """One bot, and for each channel that sends through it interactively, its chats."""

    bot: Bot
    channels: dict[str, frozenset[str]] = field(default_factory=dict)

    def chats(self) -> frozenset[str]:
        return frozenset().union(*self.channels.values())


def _names(message: dict[str, Any]) -> frozenset[str]:
    """The names a `tgram://` URL may give the chat of `message`: its numeric id, and
    "@username" (lower case, as `interactive_bots` keeps them) for a public one."""
    chat = message.get("chat") or {}
    names = {str(chat.get("id", ""))}
    if isinstance(chat.get("username"), str):
        names.add(f"@{chat['username'].lower()}")
    return frozenset(names)


def interactive_bots(config: Config) -> dict[str, _Listened]:
    """The bots of the interactive channels, by token."""
    bots: dict[str, _Listened] = {}
    for channel in config.channels.values():
        if not channel.interactive:
            continue
        for url in channel.urls:
            bot = Bot.from_url(url.get_secret_value())
            if bot is not None:
                listened = bots.setdefault(bot.token, _Listened(bot))
                chats = frozenset(chat.lower() for chat in bot.chats)  # "@Name" any case
                listened.channels[channel.name] = chats | listened.channels.get(
                    channel.name, frozenset()
                )
    return bots


class ChatListener:
    """Reads presses of the interactive channels' buttons and applies them (see the module)."""

    def __init__(
        self,
        config: Callable[[], Config],
        store: Store,
        now: Clock,
        stopping: Callable[[], bool],
        *,
        long_poll: float = LONG_POLL,
    ) -> None:
        self.config = config  # read at each round: a reload changes the channels
        self.store = store
        self.now = now
        self.stopping = stopping
        self.long_poll = long_poll
        self._offsets: dict[str, int] = {}  # bot token → the next update to ask for
        self._resting: dict[str, datetime] = {}  # bot token → when to ask again, after a failure

    async def listen(self) -> None:
        """Round after round until the stop; a failed round is logged and tried again later."""
        while not self.stopping():
            try:
                if await self.poll():
                    continue
                pause = self._idle()
            except (TelegramError, SQLAlchemyError, OSError) as exc:
                log.warning("chat actions: listening failed; trying again", error=str(exc))
                pause = RETRY
            except Exception:  # a bug, or an update not as documented: the job must go on
                log.exception("chat actions: listening crashed; trying again")
                pause = RETRY
            await asyncio.sleep(pause)

    async def poll(self) -> bool:
        """One round: one `getUpdates` per bot, and the presses it brings applied. False when
        there was nothing to listen to (no interactive channel, or only bots resting after a
        failure). A bot whose round fails is logged and rests `RETRY` seconds: the others go
        on."""
        now = self.now()
        bots = {
            token: listened
            for token, listened in interactive_bots(self.config()).items()
            if self._resting.get(token, now) <= now
        }
        if not bots:
            return False
        async with aiohttp.ClientSession() as session:
            rounds = [self._round(session, listened) for listened in bots.values()]
            outcomes = await asyncio.gather(*rounds, return_exceptions=True)
        for token, outcome in zip(bots, outcomes, strict=True):
            if not isinstance(outcome, BaseException):
                continue
            if not isinstance(outcome, Exception):  # a cancellation, an exit: not ours
                raise outcome
            self._resting[token] = now + timedelta(seconds=RETRY)
            if isinstance(outcome, TelegramError | SQLAlchemyError | OSError):
                log.warning("chat actions: listening failed; trying again", error=str(outcome))
            else:  # a bug, or an update not as documented: the other bots must go on
                log.error("chat actions: listening crashed; trying again", exc_info=outcome)
        return True

    def _idle(self) -> float:
        """Seconds to wait when no bot was asked: `IDLE`, or less if a resting bot is due
        sooner."""
        now = self.now()
        due = [(until - now).total_seconds() for until in self._resting.values() if until > now]
        return min([IDLE, *due])

    async def _round(self, session: aiohttp.ClientSession, listened: _Listened) -> None:
        bot = listened.bot
        updates = await bot.call(
            session,
            "getUpdates",
            {
                "offset": self._offsets.get(bot.token, 0),
                "timeout": int(self.long_poll),
                "allowed_updates": ["callback_query"],
            },
            self.long_poll + CALL_TIMEOUT,
        )
        for update in updates or ():
            press = update.get("callback_query")
            if isinstance(press, dict) and not self.stopping():
                try:
                    await self._press(session, listened, press)
                except (SQLAlchemyError, OSError):
                    raise  # the state could not take it: the press comes again
                except Exception:  # this press only (malformed, a bug): the others go on
                    log.exception("chat action crashed; refused")
                    await self._answer(session, bot, press, "Refused: this press failed.")
            # Confirmed once applied or refused: a press the state could not take comes again.
            self._offsets[bot.token] = update["update_id"] + 1

    async def _press(
        self, session: aiohttp.ClientSession, listened: _Listened, press: dict[str, Any]
    ) -> None:
        message = press.get("message") or {}
        chat = str((message.get("chat") or {}).get("id", ""))
        who = (press.get("from") or {}).get("username") or (press.get("from") or {}).get("id")
        verdict = await self._verdict(listened, _names(message), str(press.get("data", "")))
        if isinstance(verdict, str):
            log.warning("chat action refused", chat=chat, user=who, reason=verdict)
            await self._answer(session, listened.bot, press, f"Refused: {verdict}.")
            return
        action, alert_id, rules, title = verdict
        done = await off_loop(self._apply, action, alert_id, rules, f"Telegram, {who}", name="chat")
        log.info("chat action", chat=chat, user=who, action=action, alert=alert_id, rule=rules)
        await self._answer(session, listened.bot, press, done)
        reply = f"{done} ({title})" if action == "reject" else done
        await self._say(session, listened.bot, chat, message.get("message_id"), reply)

    async def _verdict(
        self, listened: _Listened, chat: frozenset[str], data: str
    ) -> str | tuple[Action, int, list[str], str]:
        """What a press asks, checked; else why it is refused. `chat`: the names of the chat
        pressed in (`_names`)."""
        if not chat & listened.chats():
            return "this chat is not one of the channel's"
        asked = read_callback(data, listened.bot.token)
        if asked is None:
            return "this button is not one of media-monitor's"
        action, alert_id = asked
        row = await off_loop(self.store.alert, alert_id, name="chat")
        if row is None:
            return "that alert is no longer known"
        if not chat & listened.channels.get(row.channel, frozenset()):
            return "that alert did not go to this chat"
        return action, alert_id, row.rules, str(row.payload.get("title", row.story_key))

    def _apply(self, action: Action, alert_id: int, rules: list[str], source: str) -> str:
        """Mute or reject, in the state; what was done, as the chat is told."""
        now: datetime = self.now()
        if action == "reject":
            self.store.reject(alert_id, now=now, source="chat", reason=f"from {source}")
            return "Marked not relevant"
        period = MUTES[action]
        for rule in rules:
            self.store.mute(Mute("rule", rule, now + period, f"from {source}", now, "chat"))
        named = ", ".join(f"'{r}'" for r in rules)
        hours = int(period.total_seconds() // 3600)
        return (
            f"Muted rule {named} for {hours} h, until {now + period:%Y-%m-%d %H:%M} UTC: "
            "its alerts are recorded, not sent"
        )

    async def _answer(
        self, session: aiohttp.ClientSession, bot: Bot, press: dict[str, Any], text: str
    ) -> None:
        # The button's spinner stops once answered; a failed answer changes nothing done.
        try:
            payload = {"callback_query_id": press.get("id"), "text": text[:200]}
            await bot.call(session, "answerCallbackQuery", payload, CALL_TIMEOUT)
        except TelegramError as exc:
            log.warning("chat action: the answer failed", error=str(exc))

    async def _say(
        self, session: aiohttp.ClientSession, bot: Bot, chat: str, reply_to: Any, text: str
    ) -> None:
        payload: dict[str, Any] = {"chat_id": chat, "text": text}
        if isinstance(reply_to, int):
            payload["reply_to_message_id"] = reply_to
        try:
            await bot.call(session, "sendMessage", payload, CALL_TIMEOUT)
        except TelegramError as exc:
            log.warning("chat action: the reply failed", error=str(exc))
