"""Read, merge and validate the configuration directory.

Every `*.toml` file in the directory is read; their sections are merged (`[monitor]`,
`[channels.NAME]`, `[[feeds]]`, `[actors.NAME]`, `[topics.NAME]`, `[[rules]]`). Every problem is
collected, named by file and object, and raised together as one `ConfigError`.
"""

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from monitor.config.database_url import resolve_database_url
from monitor.config.entries import Entry, describe, validate_named
from monitor.config.feed_urls import resolve_feed_url
from monitor.config.files import UnreadableFileError, read_toml_pieces
from monitor.config.model import (
    Channel,
    ChannelSpec,
    Config,
    FeedEntry,
    FeedSpec,
)
from monitor.config.rule_set import checked_rules, failed_examples, read_vocabulary
from monitor.config.secrets import usable_urls
from monitor.config.settings import Settings
from monitor.delivery.render import template_problems
from monitor.display import url_secrets
from monitor.rules.matcher import Matcher

_SECTIONS = ("monitor", "channels", "feeds", "actors", "topics", "rules")


class ConfigError(Exception):
    """The configuration has errors; `errors` lists every one, each naming file and object."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class _Merged:
    monitor: dict[str, tuple[str, Any]]
    tables: dict[str, dict[str, Entry]]
    arrays: dict[str, list[Entry]]
    # Feeds are validated as each piece of a file is read (`files.read_toml_pieces`).
    feeds: dict[str, tuple[FeedSpec, Entry]]
    numbered: dict[str, int]  # section → its entries so far in the file being read


def load_config(directory: Path, *, channel_urls: bool = True) -> Config:
    """Read and validate the config directory; raises `ConfigError` listing every problem.

    Secrets (`${NAME}`) and `MONITOR_*` overrides come from the process environment. A relative
    `state_dir` in the files (and the default, `state`) is relative to the config directory,
    wherever the command runs; `MONITOR_STATE_DIR`, typed in a shell, is relative to the
    current directory; `$STATE_DIRECTORY` (systemd) beats both.

    `channel_urls=False` is for commands that send nothing (`history`, `feeds`, `test-rule`):
    channel URLs are then neither expanded nor checked, so no secret need be set, and every
    channel has no URLs.
    """
    errors: list[str] = []
    secrets: list[str] = []
    merged = _read_directory(directory, errors)
    settings = _settings(merged, directory, secrets, errors)
    feeds = {
        name: (resolve_feed_url(feed, directory, f"{entry.file}: feed '{name}'", errors), entry)
        for name, (feed, entry) in merged.feeds.items()
    }
    secrets.extend(secret for feed, _entry in feeds.values() for secret in url_secrets(feed.url))
    timezone = settings.timezone if settings is not None else "UTC"
    channels = _channels(
        merged.tables["channels"], secrets if channel_urls else None, timezone, errors
    )
    vocabulary = read_vocabulary(merged.tables, errors)
    rules = checked_rules(merged.arrays["rules"], feeds, channels, vocabulary, errors)
    if errors or settings is None:
        raise ConfigError(errors)
    enabled = {name: rule for name, rule in rules.items() if rule.enabled}
    matcher = Matcher({name: rule.node for name, rule in enabled.items()}, vocabulary)
    failures = failed_examples(enabled, matcher)
    if failures:
        raise ConfigError(failures)
    return Config(
        directory=directory,
        settings=settings,
        feeds={name: feed for name, (feed, _entry) in feeds.items()},
        channels=channels,
        vocabulary=vocabulary,
        rules=rules,
        matcher=matcher,
        secrets=tuple(secrets),
    )


def _read_directory(directory: Path, errors: list[str]) -> _Merged:
    merged = _Merged(
        {}, {"channels": {}, "actors": {}, "topics": {}}, {"feeds": [], "rules": []}, {}, {}
    )
    if not directory.is_dir():
        errors.append(f"{directory}: config directory not found")
        return merged
    files = sorted(directory.glob("*.toml"))
    if not files:
        errors.append(f"{directory}: no *.toml files in the config directory")
    for path in files:
        merged.numbered = {}
        try:
            for document in read_toml_pieces(path):
                for section, value in document.items():
                    _merge_section(merged, str(path), section, value, errors)
                feeds = merged.arrays["feeds"]
                validate_named(feeds, "feed", FeedEntry, errors, FeedEntry.spec, valid=merged.feeds)
                merged.arrays["feeds"] = []
        except UnreadableFileError as exc:
            errors.append(str(exc))
    return merged


def _merge_section(merged: _Merged, file: str, section: str, value: Any, errors: list[str]) -> None:
    if section not in _SECTIONS:
        expected = ", ".join(_SECTIONS)
        errors.append(f"{file}: unknown section [{section}] (expected one of: {expected})")
    elif section == "monitor":
        if not isinstance(value, dict):
            errors.append(f"{file}: [monitor] must be a table")
            return
        for key, item in value.items():
            if key in merged.monitor:
                errors.append(f"{file}: [monitor] {key} is also set in {merged.monitor[key][0]}")
            merged.monitor[key] = (file, item)
    elif section in merged.tables:
        if not isinstance(value, dict):
            errors.append(f"{file}: [{section}] must hold tables like [{section}.NAME]")
            return
        for name, body in value.items():
            earlier = merged.tables[section].get(name)
            if earlier is not None:
                errors.append(f"{file}: {section[:-1]} '{name}' is also defined in {earlier.file}")
            merged.tables[section][name] = Entry(file, name, body)
    elif not isinstance(value, list):
        errors.append(f"{file}: {section} must be written as [[{section}]] entries")
    else:
        first = merged.numbered.get(section, 0) + 1
        for index, body in enumerate(value, first):
            name = body.get("name") if isinstance(body, dict) else None
            label = name if isinstance(name, str) else f"#{index}"
            merged.arrays[section].append(Entry(file, label, body))
        merged.numbered[section] = first - 1 + len(value)


def _settings(
    merged: _Merged, directory: Path, secrets: list[str], errors: list[str]
) -> Settings | None:
    values = {key: item for key, (_file, item) in merged.monitor.items()}
    files = sorted({file for file, _item in merged.monitor.values()}) or ["[monitor]"]
    # Resolved here, before MONITOR_STATE_DIR (which beats the files) is read: a relative path
    # from the files means the config directory, one from the environment the current one.
    state_dir = values.get("state_dir", Settings.model_fields["state_dir"].default)
    if isinstance(state_dir, str | Path):
        values["state_dir"] = directory / state_dir
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        errors.extend(_settings_error(exc, files))
        return None
    variable = "MONITOR_DATABASE_URL"
    where = f"environment {variable}" if variable in os.environ else ", ".join(files)
    url = resolve_database_url(settings.database_url.get_secret_value(), where, secrets, errors)
    settings = settings.model_copy(update={"database_url": SecretStr(url)})
    state_directory = os.environ.get("STATE_DIRECTORY")
    if state_directory:
        # systemd's StateDirectory= wins: it is the one place the service may write.
        settings = settings.model_copy(update={"state_dir": Path(state_directory.split(":")[0])})
    elif isinstance(state_dir, str | Path) and settings.state_dir == directory / state_dir:
        left = _state_left_behind(Path(state_dir), settings.state_dir)
        if left is not None:
            errors.append(f"{', '.join(files)}: [monitor] state_dir {str(state_dir)!r}: {left}")
    return settings


def _settings_error(exc: ValidationError, files: list[str]) -> list[str]:
    """Each error named by where its value came from: `MONITOR_<KEY>` if the environment set
    it (the environment beats the files), else the files."""
    out = []
    for err, message in zip(exc.errors(), describe(exc), strict=True):
        variable = f"MONITOR_{str(err['loc'][0]).upper()}" if err["loc"] else ""
        where = f"environment {variable}" if variable in os.environ else ", ".join(files)
        out.append(f"{where}: [monitor] {message}")
    return out


def _state_left_behind(written: Path, resolved: Path) -> str | None:
    """Why `state_dir` cannot be used as written, if an earlier version (which read a relative
    `state_dir` against the current directory) left the state at `written` and there is none
    at `resolved` yet: starting afresh there would alert again on every recent story."""
    old, new = written / "monitor.db", resolved / "monitor.db"
    # (Were `written` the config directory itself, `new` would be `old`, and exist.)
    if written.is_absolute() or new.exists() or not old.is_file():
        return None
    return (
        f"a relative state_dir is now relative to the config directory ({resolved}), but the "
        f"state is in {written.resolve()}, where earlier versions kept it: move that folder to "
        f"{resolved}, or set state_dir to its absolute path"
    )


def _channels(
    entries: dict[str, Entry], secrets: list[str] | None, timezone: str, errors: list[str]
) -> dict[str, Channel]:
    """The channels; with `secrets` None, without their URLs (see `load_config`), else with
    every URL expanded and checked, and the secrets it holds added to `secrets`; templates
    rendered once, times in `timezone` unless the channel has its own."""
    channels = {}
    for name, entry in entries.items():
        where = f"{entry.file}: channel '{name}'"
        try:
            spec = ChannelSpec.model_validate(entry.body)
        except ValidationError as exc:
            errors.extend(f"{where}: {m}" for m in describe(exc))
            continue
        urls, shown = (
            usable_urls(where, spec.urls, secrets, errors) if secrets is not None else ((), ())
        )
        template = spec.template.value if spec.template else None
        problems = template_problems(template, spec.format, spec.timezone or timezone)
        errors.extend(f"{where}: template {problem}" for problem in problems)
        if spec.interactive and not any(u.startswith("tgram://") for u in spec.urls):
            errors.append(f"{where}: interactive needs a Telegram URL (tgram://…)")
        channels[name] = Channel(
            name,
            urls,
            shown,
            spec.format,
            spec.pacing,
            template,
            spec.timezone,
            spec.enabled,
            spec.interactive,
        )
    return channels
