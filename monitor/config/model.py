"""The shape of the configuration: pydantic models of what the TOML files may say, and the
validated values the rest of the program uses (`Config`, `FeedSpec`, `Channel`, `Rule`)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)

from monitor.config.durations import format_duration
from monitor.config.settings import Duration, Name, PositiveDuration, Settings, known_timezone
from monitor.delivery.escaping import Format
from monitor.delivery.pacing import Pacing, QuietHours
from monitor.delivery.templates import Template
from monitor.model import MinProminence
from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.nodes import Node
from monitor.stories.signals import DEFAULT_COOLDOWN, Priority, Spike, Spread, StoryRule

TimeZoneName = Annotated[str, AfterValidator(known_timezone)]  # an IANA name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedEntry(_Strict):
    """One `[[feeds]]` entry, as validated (`spec` is what the program keeps of it)."""

    name: Name
    url: str = Field(min_length=1)
    interval: PositiveDuration | None = None
    tags: tuple[Name, ...] = ()
    full_text: bool = False
    # The zone of the feed's dates that name none (an IANA name); None: UTC.
    timezone: TimeZoneName | None = None
    # An HTTP proxy for this feed and its article pages ("http://proxy.example:3128").
    proxy: str | None = None

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f'{value!r} is not a proxy URL (e.g. "http://proxy:3128")')
        return value

    def spec(self) -> "FeedSpec":
        """The feed as the program keeps it."""
        return FeedSpec(
            self.name,
            self.url,
            self.interval,
            self.tags,
            self.full_text,
            self.timezone,
            self.proxy,
        )


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """A configured feed (see `FeedEntry`): a plain slotted value, as every feed has one for
    the program's life (its pydantic model kept ~480 bytes a feed more: 24 MB at 50,000 feeds,
    by `bench/config_memory.py`)."""

    name: str
    url: str
    interval: timedelta | None = None
    tags: tuple[str, ...] = ()
    full_text: bool = False
    timezone: str | None = None  # of the feed's dates that name none (IANA); None: UTC
    proxy: str | None = None  # an HTTP proxy for this feed and its article pages


class TemplateSpec(_Strict):
    """A channel's `template`: Jinja2 sources of the title and the body (README, "Templates")."""

    title: str | None = Field(default=None, min_length=1)
    body: str | None = Field(default=None, min_length=1)

    @property
    def value(self) -> Template:
        """The template, as rendering takes it."""
        return Template(self.title, self.body)


class ChannelSpec(_Strict):
    """One `[channels.NAME]` table, URLs still holding their `${NAME}` placeholders."""

    urls: tuple[str, ...] = Field(min_length=1)
    format: Format = "text"
    digest: Duration = timedelta(0)
    quiet_hours: str | None = None
    # Times in this channel's messages; None: the [monitor] timezone.
    timezone: TimeZoneName | None = None
    template: TemplateSpec | None = None
    # false: nothing is sent through it; its alerts are recorded in `history` as muted.
    enabled: bool = True
    # Telegram: each alert carries buttons to mute its rule or mark it not relevant.
    interactive: bool = False

    @field_validator("template", mode="before")
    @classmethod
    def _body_alone(cls, value: object) -> object:
        # `template = """…"""`, a string: the body, with the default title.
        return {"body": value} if isinstance(value, str) else value

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


class SpreadSpec(_Strict):
    """A rule's `spread = { sources = 5, within = "2h" }`."""

    sources: int = Field(ge=2, le=1000)
    within: Duration = timedelta(hours=2)


class SpikeSpec(_Strict):
    """A rule's `spike = { factor = 3, min = 5, window = "2h", baseline = "7d" }`."""

    factor: float = Field(default=3.0, ge=1.0, le=1000.0)
    min: int = Field(default=5, ge=1)
    window: Duration = timedelta(hours=2)
    baseline: Duration = timedelta(days=7)

    @field_validator("baseline")
    @classmethod
    def _longer_than_window(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        window = info.data.get("window")
        if window is not None and value <= window:
            raise ValueError(f"must be longer than the window ({format_duration(window)})")
        return value


class RuleSpec(_Strict):
    """One `[[rules]]` entry."""

    name: Name
    query: str
    channels: tuple[str, ...] = Field(min_length=1)
    feeds: tuple[str, ...] = ()
    # A plain string is the example's text; a table gives title and text.
    must_match: tuple[str | ExampleSpec, ...] = ()
    must_not_match: tuple[str | ExampleSpec, ...] = ()
    # Stories and pacing (`monitor/stories`): see docs/rules.md.
    priority: Priority = "normal"
    cooldown: Duration | None = None
    spread: SpreadSpec | None = None
    spike: SpikeSpec | None = None
    follow_up_cooldown: Duration = DEFAULT_COOLDOWN
    # false: the rule is checked and listed, but not matched (as if commented out).
    enabled: bool = True
    # Passing mentions (`rules/prominence`): below this score, digest only, or no alert.
    min_prominence: int | None = Field(default=None, ge=0, le=100)
    below_min_prominence: Literal["digest", "drop"] = "digest"

    @property
    def floor(self) -> MinProminence | None:
        """The rule's `min_prominence` and what happens below it; None without one."""
        if self.min_prominence is None:
            return None
        return MinProminence(self.min_prominence, self.below_min_prominence == "drop")

    @property
    def story_rule(self) -> StoryRule:
        """The rule's story settings, as the stories stage reads them."""
        spread = Spread(self.spread.sources, self.spread.within) if self.spread else None
        spike = (
            Spike(self.spike.factor, self.spike.min, self.spike.window, self.spike.baseline)
            if self.spike
            else None
        )
        return StoryRule(self.priority, self.cooldown, spread, spike, self.follow_up_cooldown)

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
    format: Format
    pacing: Pacing = field(default_factory=Pacing)
    template: Template | None = None  # None: the default
    timezone: str | None = None  # None: the [monitor] timezone
    enabled: bool = True
    interactive: bool = False


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
    story: StoryRule = field(default_factory=StoryRule)
    enabled: bool = True
    min_prominence: MinProminence | None = None

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
