"""The shape of the configuration: pydantic models of what the TOML files may say, and the
validated values the rest of the program uses (`Config`, `Channel`, `Rule`)."""

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from monitor.config.durations import format_duration, parse_duration
from monitor.delivery.pacing import Pacing, QuietHours
from monitor.items import MAX_CLOCK_SKEW
from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.query import Node

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def known_timezone(value: str) -> str:
    """`value` if it is an IANA time zone name, else a ValueError saying so."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
    return value


class Settings(BaseSettings):
    """`[monitor]`: global settings; each can be overridden by `MONITOR_<KEY>` in the env."""

    model_config = SettingsConfigDict(env_prefix="MONITOR_", extra="forbid")

    state_dir: Path = Path("state")
    poll_interval: Duration = timedelta(minutes=10)
    max_item_age: Duration = timedelta(hours=24)
    timeout: Duration = timedelta(seconds=20)
    concurrency: int = Field(default=20, ge=1, le=1000)
    connections_per_host: int = Field(default=4, ge=1, le=100)  # politeness toward publishers
    max_feed_bytes: int = Field(default=10_000_000, ge=1024)
    timezone: str = "UTC"
    history_retention: Duration = timedelta(days=30)  # items kept for `test-rule --history`
    max_retry_age: Duration = timedelta(hours=24)  # failed deliveries are retried this long
    # Entries feeds no longer list, stories and finished alerts are forgotten after this long.
    state_retention: Duration = timedelta(days=90)
    status_interval: Duration = timedelta(minutes=5)  # `run` logs a status summary this often
    http: str | None = None  # `run` serves /healthz and /metrics here ("127.0.0.1:9464")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)

    @field_validator("state_retention")
    @classmethod
    def _outlives_fresh_items(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        # A forgotten item that comes back must be too old to alert again, even if its date
        # was off by the clock skew we tolerate.
        item_age = info.data.get("max_item_age")
        if item_age is not None and value <= item_age + MAX_CLOCK_SKEW:
            raise ValueError(
                f"must be longer than max_item_age + {format_duration(MAX_CLOCK_SKEW)} "
                f"({format_duration(item_age + MAX_CLOCK_SKEW)}), or forgotten items could "
                "alert again"
            )
        return value

    @field_validator("http")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        if value is not None:
            host, _, port = value.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f'{value!r} is not "HOST:PORT" (e.g. "127.0.0.1:9464")')
        return value

    @property
    def http_address(self) -> tuple[str, int] | None:
        """`http` as (host, port); IPv6 hosts lose their brackets."""
        if self.http is None:
            return None
        host, _, port = self.http.rpartition(":")
        return host.strip("[]"), int(port)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment beats the file: that is what makes MONITOR_* an override.
        return env_settings, init_settings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedSpec(_Strict):
    """One `[[feeds]]` entry."""

    name: str = Field(min_length=1)
    url: str = Field(min_length=1)
    interval: Duration | None = None
    tags: tuple[str, ...] = ()
    full_text: bool = False
    # The zone of the feed's dates that name none (an IANA name); None: UTC.
    timezone: str | None = None
    # An HTTP proxy for this feed and its article pages ("http://proxy.example:3128").
    proxy: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        return None if value is None else known_timezone(value)

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f'{value!r} is not a proxy URL (e.g. "http://proxy:3128")')
        return value


class ChannelSpec(_Strict):
    """One `[channels.NAME]` table, URLs still holding their `${NAME}` placeholders."""

    urls: tuple[str, ...] = Field(min_length=1)
    format: Literal["text", "markdown", "html"] = "text"
    digest: Duration = timedelta(0)
    quiet_hours: str | None = None

    @field_validator("digest")
    @classmethod
    def _whole_seconds(cls, value: timedelta) -> timedelta:
        if value and value < timedelta(minutes=1):
            raise ValueError('a digest period is at least "1m" ("0": one alert per story)')
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _time_range(cls, value: str | None) -> str | None:
        if value is not None:
            QuietHours.parse(value)
        return value

    @property
    def pacing(self) -> Pacing:
        """The digest period and quiet hours, parsed."""
        quiet = QuietHours.parse(self.quiet_hours) if self.quiet_hours else None
        return Pacing(self.digest, quiet)


class ActorSpec(_Strict):
    """One `[actors.NAME]` table."""

    aliases: tuple[str, ...] = Field(min_length=1)

    @property
    def words(self) -> tuple[str, ...]:
        """What `@Name` matches."""
        return self.aliases


class TopicSpec(_Strict):
    """One `[topics.NAME]` table."""

    terms: tuple[str, ...] = Field(min_length=1)

    @property
    def words(self) -> tuple[str, ...]:
        """What `@Name` matches."""
        return self.terms


class ExampleSpec(_Strict):
    """An example story for a rule's `must_match` / `must_not_match`."""

    title: str = ""
    text: str = ""


class RuleSpec(_Strict):
    """One `[[rules]]` entry."""

    name: str = Field(min_length=1)
    query: str
    channels: tuple[str, ...] = Field(min_length=1)
    feeds: tuple[str, ...] = ()
    # A plain string is the example's text; a table gives title and text.
    must_match: tuple[str | ExampleSpec, ...] = ()
    must_not_match: tuple[str | ExampleSpec, ...] = ()

    def examples(self) -> list[tuple[bool, int, ExampleSpec]]:
        """(should it match?, its number in its list, example) for every example."""
        return [
            (expected, number, ExampleSpec(text=e) if isinstance(e, str) else e)
            for expected, written in ((True, self.must_match), (False, self.must_not_match))
            for number, e in enumerate(written, 1)
        ]


@dataclass(frozen=True)
class Channel:
    """A channel ready to use: secrets expanded, plus each URL's privacy form for display."""

    name: str
    urls: tuple[SecretStr, ...]
    shown_urls: tuple[str, ...]
    format: Literal["text", "markdown", "html"]
    pacing: Pacing = field(default_factory=Pacing)


@dataclass(frozen=True)
class Rule:
    """A validated rule: its parsed query and where it applies."""

    name: str
    query: str
    node: Node
    channels: tuple[str, ...]
    feeds: tuple[str, ...]
    file: str
    examples: tuple[tuple[bool, int, ExampleSpec], ...] = ()

    def applies_to(self, feed: FeedSpec) -> bool:
        """Whether this rule matches items of `feed` (no `feeds` list: every feed)."""
        if not self.feeds:
            return True
        return any(
            scope == feed.name or (scope.startswith("tag:") and scope[4:] in feed.tags)
            for scope in self.feeds
        )


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    directory: Path
    settings: Settings
    feeds: Mapping[str, FeedSpec]
    channels: Mapping[str, Channel]
    vocabulary: Vocabulary
    rules: Mapping[str, Rule]
    matcher: Matcher
    secrets: tuple[str, ...] = ()  # expanded ${NAME} values, for log redaction

    def interval(self, feed: FeedSpec) -> timedelta:
        """How often `feed` is polled."""
        return feed.interval or self.settings.poll_interval
