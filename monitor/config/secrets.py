"""Channel URLs made usable: each `${NAME}` replaced by its secret, from the environment, else
from the file NAME in systemd's credentials directory (`$CREDENTIALS_DIRECTORY`), never from the
config files; then the URL checked by Apprise."""

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from pydantic import SecretStr

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Our own target, always valid and shown as written: `check` need not load every Apprise plugin
# (a third of a second) to know that. Any other URL, options included, goes through Apprise.
_CONSOLE = "console://"
_URL_PARTS = re.compile(r"[/:@?&=#,;]+")


def read_secret(name: str) -> str | None:
    """The value of `${NAME}`: the environment, else the file NAME among systemd's credentials;
    None if neither has it."""
    if name in os.environ:
        return os.environ[name]
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    if credentials:
        path = Path(credentials) / name
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
    return None


@dataclass(frozen=True, slots=True)
class Expanded:
    """A URL template with its `${NAME}`s replaced, or the names that are not set."""

    url: str
    secrets: tuple[str, ...]  # the values put in, so that logs can redact them
    missing: tuple[str, ...]  # names neither the environment nor the credentials have


def expand(template: str) -> Expanded:
    """`template` with every `${NAME}` replaced by its secret (see `read_secret`); a name that
    is not set is listed in `missing` and left empty in `url`."""
    values = {name: read_secret(name) for name in _VARIABLE.findall(template)}
    return Expanded(
        url=_VARIABLE.sub(lambda m: values[m.group(1)] or "", template),
        secrets=tuple(value for value in values.values() if value),
        missing=tuple(name for name, value in values.items() if value is None),
    )


def usable_urls(
    where: str, templates: tuple[str, ...], secrets: list[str], errors: list[str]
) -> tuple[tuple[SecretStr, ...], tuple[str, ...]]:
    """A channel's URLs with their secrets expanded (each added to `secrets`), and their privacy
    forms; a URL that cannot be used is an error (prefixed by `where`) instead."""
    urls, shown = [], []
    for number, template in enumerate(templates, 1):
        expanded = expand(template)
        if expanded.missing:
            names = ", ".join(f"${{{v}}}" for v in expanded.missing)
            errors.append(
                f"{where}: URL {number}: {names} not set "
                "(set it in the environment or as a file in $CREDENTIALS_DIRECTORY)"
            )
            continue
        secrets.extend(expanded.secrets)
        private = _private_form(expanded.url)
        if private is None:
            scheme = template.partition("://")[0]
            errors.append(f"{where}: URL {number} ({scheme}://…) is not a valid Apprise URL")
            continue
        secrets.extend(hidden_parts(expanded.url, private))
        urls.append(SecretStr(expanded.url))
        shown.append(private)
    return tuple(urls), tuple(shown)


def hidden_parts(url: str, private: str) -> list[str]:
    """The parts of `url` that its privacy form `private` hides: the tokens and passwords
    written in the config itself, not through `${NAME}`, which logs must redact too."""
    shown = unquote(private)
    parts = {unquote(part) for part in _URL_PARTS.split(url.partition("://")[2])}
    return sorted(part for part in parts if len(part) >= 4 and part not in shown)


def _private_form(url: str) -> str | None:
    """`url` as Apprise shows it with its secrets masked, or None if Apprise refuses it."""
    if url == _CONSOLE:
        return url
    # Imported here: only a config that will send needs Apprise and its plugins.
    import apprise  # noqa: PLC0415

    import monitor.delivery.console_plugin  # noqa: F401, PLC0415  (registers console:// first)

    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    return None if plugin is None else str(plugin.url(privacy=True))  # type: ignore[no-untyped-call]
