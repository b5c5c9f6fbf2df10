"""`import-opml`: read an OPML subscription list (listparser) and append its feeds to the
config's `feeds.toml` (tomlkit, so the user's comments and layout survive).

Deciding what to add is pure (`plan_import`); reading the OPML and writing the file are the two
edges. A feed whose URL is already configured, under any name and in any config file, is skipped;
so is one whose URL is not http(s), and, unless the user vouches for the list
(`--allow-private`), one whose URL points inward: credentials, a loopback, private or link-local
address, a local-only name. A configured feed may be fetched wherever it is, so a list from
elsewhere must not configure one aimed at the user's own network.
"""

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import listparser
import tomlkit

from monitor.config.files import read_toml
from monitor.display import visible
from monitor.polling.addresses import inward
from monitor.polling.links import clean_link


class OpmlError(ValueError):
    """The file is not an OPML subscription list."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One feed of an OPML file: its URL, its title (maybe empty) and its folders as tags."""

    url: str
    title: str
    tags: tuple[str, ...] = ()


@dataclass
class ImportPlan:
    """What an import adds, and what it skips with the reason."""

    added: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url, why)


def read_opml(document: bytes) -> list[OpmlFeed]:
    """The feeds listed in an OPML document; raises `OpmlError` if it is not one."""
    # Bytes, never a path or URL: listparser would open or fetch those itself.
    parsed = listparser.parse(document)
    if not parsed.get("version") and not parsed.feeds:
        problem = parsed.get("bozo_exception")
        raise OpmlError(f"not an OPML file ({problem})" if problem else "not an OPML file")
    return [
        OpmlFeed(
            url=str(feed.get("url", "")).strip(),
            # Control and bidi characters as escapes: names may not hold them (see `check`).
            title=visible(" ".join(str(feed.get("title") or "").split())),
            tags=tuple(dict.fromkeys(visible(str(t).strip()) for t in feed.get("tags", ()) if t)),
        )
        for feed in parsed.feeds
    ]


def _same_url_key(url: str) -> str:
    return clean_link(url) or url


def plan_import(
    listed: Iterable[OpmlFeed], known: Iterable[tuple[str, str]], *, allow_private: bool = False
) -> ImportPlan:
    """Which of `listed` to add to a config that has `known` (name, url) feeds; new names are
    the OPML titles (else the host), made unique with a number. URLs that point inward are
    skipped unless `allow_private`."""
    known = list(known)
    names = {name.casefold() for name, _url in known}
    urls = {_same_url_key(url) for _name, url in known}
    plan = ImportPlan()
    for feed in listed:
        if urlsplit(feed.url).scheme.lower() not in ("http", "https"):
            plan.skipped.append((feed.url, "not an http(s) URL"))
            continue
        why = inward(feed.url)
        if why is not None and not allow_private:
            plan.skipped.append((feed.url, f"{why} (--allow-private imports it)"))
            continue
        key = _same_url_key(feed.url)
        if key in urls:
            plan.skipped.append((feed.url, "already configured"))
            continue
        base = feed.title or urlsplit(feed.url).hostname or feed.url
        name, number = base, 1
        while name.casefold() in names:
            number += 1
            name = f"{base} ({number})"
        names.add(name.casefold())
        urls.add(key)
        entry: dict[str, Any] = {"name": name, "url": feed.url}
        if feed.tags:
            entry["tags"] = list(feed.tags)
        plan.added.append(entry)
    return plan


def configured_feeds(directory: Path) -> list[tuple[str, str]]:
    """(name, url) of every `[[feeds]]` entry in the config directory's TOML files.

    Read from the files alone, so an import works while secrets are not set in this shell;
    raises `UnreadableFileError` naming a file that is not TOML.
    """
    found = []
    for path in sorted(directory.glob("*.toml")):
        for feed in read_toml(path).get("feeds", ()):
            if isinstance(feed, dict):
                found.append((str(feed.get("name", "")), str(feed.get("url", ""))))
    return found


def append_feeds(path: Path, added: Iterable[dict[str, Any]]) -> None:
    """Append `[[feeds]]` entries to the TOML file at `path` (created if missing), atomically:
    a crash leaves the old file or the new one, never half of it."""
    text = path.read_text(encoding="utf-8-sig") if path.exists() else ""
    document = tomlkit.parse(text)
    entries = document.get("feeds")
    if entries is None:
        entries = tomlkit.aot()
        document.append("feeds", entries)
    for feed in added:
        table = tomlkit.table()
        table.update(feed)
        table.add(tomlkit.nl())  # a blank line between entries, as people write them
        entries.append(table)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(tomlkit.dumps(document))
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
