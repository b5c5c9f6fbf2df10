"""JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), read into entries of the shape
feedparser gives, so that one path turns every kind of feed into `Item`s.

The same limits as XML feeds: the body is already capped in size by the fetch, only the
poll's `max_entries` items are read, and anything of the wrong type is ignored rather than
trusted.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.polling.char_refs import has_surrogate_escapes, without_lone_surrogates
from monitor.polling.xml_guard import MAX_ENTRIES

_VERSION_PREFIX = "https://jsonfeed.org/version/"


class NotJsonFeedError(ValueError):
    """JSON that is not a JSON Feed."""


@dataclass(frozen=True, slots=True)
class JsonFeed:
    """A JSON Feed's entries (in feedparser's shape) and what it says of itself."""

    entries: list[dict[str, Any]]
    language: str | None
    warnings: list[str] = field(default_factory=list)


def looks_like_json(body: bytes) -> bool:
    """Does `body` open like a JSON object (and so cannot be XML)?"""
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _date(value: Any) -> tuple[str | None, Any]:
    """An RFC 3339 date as feedparser gives one: the text and a UTC `struct_time`."""
    text = _text(value)
    if text is None:
        return None, None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return text, None  # left to the multilingual fallback
    if when.tzinfo is None:
        return text, None  # no zone: the feed's own, which the fallback applies
    try:
        return text, when.astimezone(UTC).timetuple()
    except OverflowError:  # found by `make fuzz`: 9999-12-31T23:59:59-23:59 is past year 9999
        return text, None


def _entry(item: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "title": _text(item.get("title")) or "",
        "title_detail": {"type": "text/plain"},
        "link": _text(item.get("url")) or _text(item.get("external_url")),
        "language": _text(item.get("language")),
    }
    identifier = item.get("id")
    if isinstance(identifier, str | int) and not isinstance(identifier, bool):
        entry["id"] = str(identifier)
    if html := _text(item.get("content_html")):
        entry["content"] = [{"value": html, "type": "text/html"}]
    elif plain := _text(item.get("content_text")):
        entry["content"] = [{"value": plain, "type": "text/plain"}]
    if summary := _text(item.get("summary")):
        entry["summary"], entry["summary_detail"] = summary, {"type": "text/plain"}
    for name, key in (("published", "date_published"), ("updated", "date_modified")):
        entry[name], entry[f"{name}_parsed"] = _date(item.get(key))
    return entry


def read_json_feed(body: bytes, max_entries: int = MAX_ENTRIES) -> JsonFeed:
    """The entries of a JSON Feed; raises `NotJsonFeedError` for anything else."""
    try:
        text = body.decode("utf-8-sig")
        document = json.loads(text)
        if has_surrogate_escapes(text):
            document = without_lone_surrogates(document)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise NotJsonFeedError(f"not a feed (invalid JSON: {exc})") from None
    version = document.get("version") if isinstance(document, dict) else None
    items = document.get("items") if isinstance(document, dict) else None
    if not (isinstance(version, str) and version.startswith(_VERSION_PREFIX)):
        raise NotJsonFeedError("not a feed (JSON, but not a JSON Feed)")
    if not isinstance(items, list):
        raise NotJsonFeedError("not a feed (a JSON Feed without items)")
    warnings = []
    if len(items) > max_entries:
        warnings.append(
            f"only the first {max_entries:,} of {len(items):,} items read (max_entries_per_poll)"
        )
    entries = [_entry(item) for item in items[:max_entries] if isinstance(item, dict)]
    return JsonFeed(entries, _text(document.get("language")), warnings)
