"""The `[monitor]` section: `Settings` (pydantic-settings, so that `MONITOR_<KEY>` overrides
the file), and the value types the config's sections share (durations, names, time zones)."""

import ipaddress
import re
import zoneinfo
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from monitor.config.durations import format_duration, parse_duration, positive
from monitor.display import visible
from monitor.items import MAX_CLOCK_SKEW
from monitor.polling.addresses import hosts_and_networks

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
# An interval, timeout or age: 0 would mean polling without pause, or giving up at once.
PositiveDuration = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(positive)]


def _no_controls(value: str) -> str:
    # A name is shown in alerts, tables and logs: a control character there is never meant.
    if visible(value) != value:
        raise ValueError(f"{value!r} holds a control character")
    return value


Name = Annotated[str, Field(min_length=1), AfterValidator(_no_controls)]


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
    # "" keeps the state in the SQLite file in `state_dir`; a PostgreSQL URL puts it there
    # (`${NAME}`s expanded as in channel URLs: see config/database_url.py).
    database_url: SecretStr = SecretStr("")
    # This process's name among the `run` nodes sharing a PostgreSQL state (`feeds` and
    # /metrics show it); "" is "HOST:PID".
    node_name: str = Field(default="", max_length=100)
    # How long a node's claim on a feed's poll or an alert's send lasts (PostgreSQL nodes): a
    # node that dies has its work taken over after this. It must outlast a poll and a send.
    claim_lease: PositiveDuration = timedelta(minutes=2)
    poll_interval: PositiveDuration = timedelta(minutes=10)
    max_item_age: PositiveDuration = timedelta(hours=24)
    timeout: PositiveDuration = timedelta(seconds=20)
    concurrency: int = Field(default=20, ge=1, le=1000)
    connections_per_host: int = Field(default=4, ge=1, le=100)  # politeness toward publishers
    max_feed_bytes: int = Field(default=10_000_000, ge=1024, le=1_000_000_000)
    # A poll reads at most this many entries of a feed (the first ones, newest by convention).
    max_entries_per_poll: int = Field(default=2000, ge=1, le=1_000_000)
    # A poll's parse and matching may take this much CPU time; over it the poll is abandoned
    # and recorded as the feed's failure (the parse is stopped in its worker process).
    max_poll_cpu_seconds: float = Field(default=20.0, gt=0, le=3600)
    # Processes that parse feeds (0: in the polls' threads, on one core); unset: one per core.
    parse_processes: int | None = Field(default=None, ge=0, le=64)
    timezone: str = "UTC"
    history_retention: Duration = timedelta(days=30)  # items kept for `test-rule --history`
    # Sends in flight at once, over every channel and URL (each URL still gets one at a time).
    delivery_concurrency: int = Field(default=8, ge=1, le=100)
    max_retry_age: PositiveDuration = timedelta(hours=24)  # failed deliveries are retried this long
    # Entries feeds no longer list, stories and finished alerts are forgotten after this long.
    state_retention: Duration = timedelta(days=90)
    # `run` logs a status summary this often.
    status_interval: PositiveDuration = timedelta(minutes=5)
    http_public: bool = False  # `http` may be an address other than loopback
    http: str | None = None  # `run` serves /healthz and /metrics here ("127.0.0.1:9464")
    # Non-public hosts and networks that article pages and redirects may reach (none by
    # default: links in feeds are third-party input); configured feed URLs need no entry.
    allow_private: tuple[str, ...] = ()
    # The storm guard: at most this many stories alert per feed and per rule, in one poll and
    # in any hour; the rest are recorded and told in one summary alert per channel.
    feed_alerts_per_poll: int = Field(default=25, ge=1, le=1_000_000)
    feed_alerts_per_hour: int = Field(default=100, ge=1, le=1_000_000)
    rule_alerts_per_poll: int = Field(default=25, ge=1, le=1_000_000)
    rule_alerts_per_hour: int = Field(default=100, ge=1, le=1_000_000)
    # Matched items from any feed are grouped into stories over this sliding window.
    story_window: PositiveDuration = timedelta(hours=48)

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

    @field_validator("story_window")
    @classmethod
    def _within_retention(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        # Stories are forgotten after `state_retention`: a longer window would silently be that.
        retention = info.data.get("state_retention")
        if retention is not None and value > retention:
            raise ValueError(
                f"must not be longer than state_retention ({format_duration(retention)}), "
                "after which stories are forgotten"
            )
        return value

    @field_validator("http")
    @classmethod
    def _host_and_port(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            host, _, port = value.rpartition(":")
            name = host.removeprefix("[").removesuffix("]")
            if not _HOST.fullmatch(name) or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f'{value!r} is not "HOST:PORT" (e.g. "127.0.0.1:9464")')
            # /healthz and /metrics have no authentication: reachable from elsewhere, they
            # tell anyone what is monitored and how often.
            if not info.data.get("http_public") and not _is_loopback(name):
                raise ValueError(
                    f"{value!r} is not a loopback address (127.0.0.1, ::1, localhost): "
                    "/healthz and /metrics have no authentication; set http_public = true to "
                    "serve them there anyway"
                )
        return value

    @field_validator("allow_private")
    @classmethod
    def _hosts_or_networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        hosts_and_networks(value)
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


# What `run` reads once, at its start (the HTTP session, the database, the server and the parse
# workers are built once): a reload that changes them says they wait for a restart.
RESTART_ONLY = (
    "state_dir",
    "database_url",
    "node_name",
    "claim_lease",
    "concurrency",
    "connections_per_host",
    "http",
    "allow_private",
    "parse_processes",
)

_HOST = re.compile(r"[A-Za-z0-9.\-]+|[0-9A-Fa-f:.]+")  # a host name, an IPv4 or IPv6 address


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # any other name could resolve anywhere
