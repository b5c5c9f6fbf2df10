"""The sender: one Apprise object per channel, each URL tagged with a stable id, so that a
message goes only to the URLs that have not taken it yet, and each URL's verdict is known.

Each URL is sent to in a thread of its own (`off_loop`), with a hard deadline, rather than in
Apprise's shared thread pools: a service that answers a byte at a time holds its own thread
past the deadline, never a pool slot that every other channel's sends queue behind (measured
before: a healthy channel delivered 0 of 10 while slow endpoints held the pool). A URL whose
abandoned send still hangs is not sent to again until that thread ends: a slow endpoint costs
one thread, however long it drips.

A URL that names several targets (Telegram chats, Slack channels, ntfy topics, email
recipients…) is split into one URL per target, each a URL of its own with its own id
(`per_target`): a target that refuses an alert is retried alone, and the targets that took it
never get it again. An alert recorded as taken by the whole URL (before the split) counts as
taken by each of its targets (`Notifier.accepted`).

An interactive channel's Telegram URLs are sent through the Bot API directly, with buttons
(`delivery/telegram`): Apprise's plugin cannot add them.
"""

import asyncio
import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import apprise
import structlog
from pydantic import SecretStr

import monitor.delivery.console_plugin  # noqa: F401  (registers console://)
from monitor.config.model import Channel, Config
from monitor.delivery.alerts import Alert
from monitor.delivery.render import Rendered, render, render_digest
from monitor.delivery.targets import Target, payload, target_of
from monitor.delivery.telegram import Bot, send_interactive
from monitor.delivery.templates import AlertTemplateError
from monitor.offload import off_loop

log = structlog.get_logger(__name__)

SEND_TIMEOUT = 30.0  # seconds: the hard deadline of one message to one URL
CONCURRENCY = 8  # sends at once, over all channels (`delivery_concurrency`)
TITLE_ROOM = 300  # characters of a service's body limit left for the title and its markup


@dataclass(frozen=True, slots=True)
class UrlVerdict:
    """How one URL of a channel took a message."""

    url_id: str  # see `url_id`
    url: str  # in Apprise's privacy form
    accepted: bool
    status: str


def url_id(url: SecretStr) -> str:
    """A channel URL's stable name: a short hash of it. The outbox records which URLs took an
    alert by these names, so a retry goes to the others even after a reload reorders the
    channel's URLs, and no secret is stored."""
    return hashlib.sha256(url.get_secret_value().encode()).hexdigest()[:16]


# The attributes in which Apprise's services keep the targets of a URL.
_TARGET_LISTS = ("targets", "channels", "topics", "rooms")


def per_target(url: SecretStr) -> list[tuple[SecretStr, str]]:
    """`url` as one URL per target it names, each with its `url_id`: itself alone if it names
    one target (or its service keeps them in a way not known here)."""
    whole = url.get_secret_value()
    plugin = apprise.Apprise.instantiate(whole)
    # An email's copies (cc, bcc) would get one message per recipient: such a URL stays whole.
    if (
        plugin is None
        or len(plugin) < 2
        or getattr(plugin, "cc", None)
        or getattr(plugin, "bcc", None)
    ):
        return [(url, url_id(url))]
    listed = next(
        (a for a in _TARGET_LISTS if len(getattr(plugin, a, None) or ()) == len(plugin)), None
    )
    if listed is None:
        return [(url, url_id(url))]
    parts = []
    for target in list(getattr(plugin, listed)):
        setattr(plugin, listed, [target])
        part = plugin.url(privacy=False)  # type: ignore[no-untyped-call]
        alone = apprise.Apprise.instantiate(part)
        if alone is None or len(alone) != 1:  # the service does not take it apart
            return [(url, url_id(url))]
        # Named by the whole URL and the target, not by Apprise's rendering of the part.
        parts.append((SecretStr(part), url_id(SecretStr(f"{whole}#{target!r}"))))
    return parts


def _url_tag(url_name: str) -> str:
    return f"url-{url_name}"


class Notifier:
    """Holds one Apprise object per channel, reused for every alert; each URL is tagged with its
    `url_id`, so that a retry goes only to the URLs that failed."""

    def __init__(
        self,
        channels: Mapping[str, Channel],
        max_retry_age: timedelta = timedelta(hours=24),
        *,
        send_timeout: float = SEND_TIMEOUT,
        hanging: dict[str, "asyncio.Future[Any]"] | None = None,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.channels = channels
        self.max_retry_age = max_retry_age
        self.send_timeout = send_timeout
        self.concurrency = concurrency
        self.disabled = frozenset(name for name, channel in channels.items() if not channel.enabled)
        self._bots: dict[str, Bot] = {}  # url_id → the bot of an interactive channel's tgram://
        # Sends abandoned at their deadline whose thread still runs, by `url_id`. The daemon
        # hands the same dict to the notifier of each reload: the threads outlive the config.
        self.hanging: dict[str, asyncio.Future[Any]] = {} if hanging is None else hanging
        self.pacing = {name: channel.pacing for name, channel in channels.items()}
        self._apprise: dict[str, apprise.Apprise] = {}
        self._limits: dict[str, int | None] = {}
        self._shown: dict[str, str] = {}  # url_id → the URL in Apprise's privacy form
        self.url_ids: dict[str, tuple[str, ...]] = {}  # of each target, see `per_target`
        self._whole: dict[str, tuple[str, ...]] = {}  # channel → the id of each of its URLs
        self._parts: dict[str, tuple[str, ...]] = {}  # a split URL's id → its targets' ids
        # (channel, url_id) → how that URL's service takes the channel's messages
        self._targets: dict[tuple[str, str], Target] = {}
        # No deadline of Apprise's own: with one, it runs each send in its shared pool.
        asset = apprise.AppriseAsset(service_timeout=0)
        for name, channel in channels.items():
            apobj = apprise.Apprise(asset=asset)
            self._whole[name] = tuple(url_id(url) for url in channel.urls)
            split = [per_target(url) for url in channel.urls]
            self.url_ids[name] = tuple(part_id for parts in split for _, part_id in parts)
            for whole, parts in zip(self._whole[name], split, strict=True):
                self._parts[whole] = tuple(part_id for _, part_id in parts)
            for url, url_name in (part for parts in split for part in parts):
                apobj.add(url.get_secret_value(), tag=_url_tag(url_name))
                bot = Bot.from_url(url.get_secret_value()) if channel.interactive else None
                if bot is not None:
                    self._bots[url_name] = bot
            self._apprise[name] = apobj
            for plugin in apobj:
                for tag in plugin.tags:
                    self._shown[str(tag).removeprefix("url-")] = plugin.url(privacy=True)  # type: ignore[no-untyped-call]
                    target = target_of(plugin, channel.format)
                    self._targets[name, str(tag).removeprefix("url-")] = target
            # The smallest body any of the channel's services takes, less room for the title
            # (Telegram, for one, counts the title in its body).
            limits = [plugin.body_maxlen for plugin in apobj if plugin.body_maxlen > 0]
            self._limits[name] = min(limits) - TITLE_ROOM if limits else None

    @classmethod
    def configured(
        cls, config: Config, hanging: dict[str, "asyncio.Future[Any]"] | None = None
    ) -> "Notifier":
        """The notifier of `config`'s channels and delivery settings."""
        settings = config.settings
        return cls(
            config.channels,
            settings.max_retry_age,
            hanging=hanging,
            concurrency=settings.delivery_concurrency,
        )

    def accepted(self, channel: str, delivered: Iterable[str | int]) -> set[str]:
        """The targets (by `url_id`) that an outbox row's `delivered` says took it. Versions
        before URL ids recorded positions in the channel's `urls`; versions before the split
        the id of a whole URL: each names every target of that URL (all of them took it)."""
        whole = self._whole.get(channel, ())
        named = {
            whole[d] if isinstance(d, int) else d
            for d in delivered
            if not isinstance(d, int) or d < len(whole)
        }
        return {part for d in named for part in self._parts.get(d, (d,))}

    def shown_url(self, name: str) -> str:
        """A URL (by `url_id`) in Apprise's privacy form, as logs and errors show it."""
        return self._shown.get(name, name)

    def render(self, channel: str, alerts: Sequence[Alert], tz: ZoneInfo) -> Rendered:
        """The message for one alert, or the digest of several, in the channel's format, its
        template and time zone (`tz` unless it has its own), within the length its services
        take."""
        settings, limit = self.channels[channel], self._limits[channel]
        fmt, tz = settings.format, ZoneInfo(settings.timezone) if settings.timezone else tz
        if len(alerts) != 1:
            return render_digest(alerts, fmt, tz, limit)
        try:
            return render(alerts[0], fmt, tz, limit, settings.template)
        except AlertTemplateError as exc:
            # It rendered the sample alert when the config was loaded, but not this one (a
            # value the sample has and this alert lacks): the alert goes out in the default
            # layout rather than wait for a fix.
            log.warning(
                "channel template failed: the default one was used", channel=channel, error=str(exc)
            )
            return render(alerts[0], fmt, tz, limit)

    async def send_each(
        self, channel: str, message: Rendered, only: Collection[str] | None = None
    ) -> list[UrlVerdict]:
        """Send `message` through `channel` (only to the URLs named in `only`, if given), to
        each URL at once, each within `send_timeout`."""
        names = self.url_ids[channel] if only is None else sorted(only)
        verdicts = await asyncio.gather(*(self.send_to(channel, n, message) for n in names))
        return [verdict for sent in verdicts for verdict in sent]

    async def send_to(
        self, channel: str, name: str, message: Rendered, alert_id: int | None = None
    ) -> list[UrlVerdict]:
        """Send `message` to one URL of `channel` (by `url_id`) within `send_timeout`; on an
        interactive Telegram URL, with the buttons of the alert `alert_id` (None: a digest)."""
        shown = self.shown_url(name)
        bot = self._bots.get(name)
        if bot is not None:
            return await self._send_interactive(bot, channel, name, message, alert_id)
        hung = self.hanging.get(name)
        if hung is not None and not hung.done():
            return [UrlVerdict(name, shown, False, "HUNG: an earlier send to it still hangs")]
        self.hanging.pop(name, None)
        title, body, body_format = payload(
            self._targets[channel, name], message, self.channels[channel].format
        )
        send = partial(
            self._apprise[channel].notify,
            body=body,
            title=title,
            body_format=body_format,
            tag=[_url_tag(name)],
        )
        future = off_loop(send, name=f"send {channel}")
        try:
            # Shielded: the deadline stops the waiting, and `hanging` watches the thread.
            result = await asyncio.wait_for(asyncio.shield(future), self.send_timeout)
        except TimeoutError:
            self.hanging[name] = future
            future.add_done_callback(_quietly)
            return [UrlVerdict(name, shown, False, f"TIMEOUT after {self.send_timeout:g}s")]
        except asyncio.CancelledError:  # a stop: the thread is left to finish on its own
            future.add_done_callback(_quietly)
            raise
        tag = _url_tag(name)
        return [
            UrlVerdict(name, r.url, bool(r), r.status.name)
            for r in result.results
            if r.tag and r.tag[0] == tag
        ]

    async def _send_interactive(
        self, bot: Bot, channel: str, name: str, message: Rendered, alert_id: int | None
    ) -> list[UrlVerdict]:
        shown = self.shown_url(name)
        handed = payload(self._targets[channel, name], message, self.channels[channel].format)
        try:
            chats = await asyncio.wait_for(
                send_interactive(bot, handed, alert_id, self.send_timeout),
                self.send_timeout,
            )
        except TimeoutError:
            return [UrlVerdict(name, shown, False, f"TIMEOUT after {self.send_timeout:g}s")]
        refused = [f"chat {chat}: {status}" for chat, accepted, status in chats if not accepted]
        return [UrlVerdict(name, shown, not refused, "; ".join(refused) or "SUCCESS")]


def _quietly(future: "asyncio.Future[Any]") -> None:
    """An abandoned send's outcome, read so that asyncio does not log it as never retrieved."""
    if not future.cancelled():
        future.exception()
