"""The sender: one Apprise object per channel, each URL tagged with a stable id, so that a
message goes only to the URLs that have not taken it yet, and each URL's verdict is known."""

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import apprise
from pydantic import SecretStr

import monitor.delivery.console_plugin  # noqa: F401  (registers console://)
from monitor.config.model import Channel
from monitor.delivery.alerts import Alert, Rendered, render, render_digest

SEND_TIMEOUT = 60  # seconds: Apprise's deadline for one message to every URL of a channel
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


def _url_tag(url_name: str) -> str:
    return f"url-{url_name}"


class Notifier:
    """Holds one Apprise object per channel, reused for every alert; each URL is tagged with its
    `url_id`, so that a retry goes only to the URLs that failed."""

    def __init__(
        self, channels: Mapping[str, Channel], max_retry_age: timedelta = timedelta(hours=24)
    ) -> None:
        self.channels = channels
        self.max_retry_age = max_retry_age
        self.pacing = {name: channel.pacing for name, channel in channels.items()}
        self._apprise: dict[str, apprise.Apprise] = {}
        self._limits: dict[str, int | None] = {}
        self.url_ids: dict[str, tuple[str, ...]] = {}
        for name, channel in channels.items():
            apobj = apprise.Apprise()
            self.url_ids[name] = tuple(url_id(url) for url in channel.urls)
            for url, url_name in zip(channel.urls, self.url_ids[name], strict=True):
                apobj.add(url.get_secret_value(), tag=_url_tag(url_name))
            self._apprise[name] = apobj
            # The smallest body any of the channel's services takes, less room for the title
            # (Telegram, for one, counts the title in its body).
            limits = [plugin.body_maxlen for plugin in apobj if plugin.body_maxlen > 0]
            self._limits[name] = min(limits) - TITLE_ROOM if limits else None

    def render(self, channel: str, alerts: Sequence[Alert], tz: ZoneInfo) -> Rendered:
        """The message for one alert, or the digest of several, in the channel's format and
        within the length its services take."""
        fmt, limit = self.channels[channel].format, self._limits[channel]
        if len(alerts) == 1:
            return render(alerts[0], fmt, tz, limit)
        return render_digest(alerts, fmt, tz, limit)

    async def send_each(
        self, channel: str, message: Rendered, only: Collection[str] | None = None
    ) -> list[UrlVerdict]:
        """Send `message` through `channel` (only to the URLs named in `only`, if given)."""
        names = self.url_ids[channel] if only is None else sorted(only)
        result = await self._apprise[channel].async_notify(
            body=message.body,
            title=message.title,
            body_format=self.channels[channel].format,
            tag=[_url_tag(n) for n in names],
            timeout=SEND_TIMEOUT,
        )
        tag_name = {_url_tag(n): n for n in names}
        return [
            UrlVerdict(tag_name[r.tag[0]], r.url, bool(r), r.status.name)
            for r in result.results
            if r.tag and r.tag[0] in tag_name
        ]
