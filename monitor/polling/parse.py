"""Feed bytes → `Item`s, with feedparser; HTML fields → plain text.

No sanitiser pass: items are plain text, and every output format escapes on render.

A DOCTYPE's internal subset is removed before parsing. It is where entities are declared, and
feeds have no use for them: feedparser's own DOCTYPE filter lets a billion-laughs document reach
expat (measured: 1 s of CPU and 66 MB per document, stopped only by expat's amplification
limit), and external entities are never resolved anyway. Documents in UTF-16/32, which the
byte pattern cannot see into, still have expat's limit (>= 2.4.1, checked at start-up by
`monitor.cli.options`).
"""

import calendar
import contextlib
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser
from lxml.etree import ParserError

from monitor.items import Item, canonical_link, entry_key, story_key
from monitor.model import ParsedFeed
from monitor.polling.hints import ttl
from monitor.polling.markup import html_to_text

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# The opening of a DOCTYPE with an internal subset. `<` is excluded from the name and external
# ID so that a failed attempt stops at the next tag: over hostile input (thousands of unclosed
# openings) the search stays linear, where `[^>]*` followed by `.*?` was quadratic.
_DOCTYPE_OPENING = re.compile(rb"<!DOCTYPE\s[^\[<>]*\[", re.IGNORECASE)
_SUBSET_END = re.compile(rb"\]\s*>")


def _without_internal_subset(body: bytes) -> bytes:
    """`body` with the first DOCTYPE's internal subset (`[ … ]`) removed: one search for its
    opening, one for its end."""
    opening = _DOCTYPE_OPENING.search(body)
    if opening is None:
        return body
    end = _SUBSET_END.search(body, opening.end())
    if end is None:
        return body
    return body[: opening.end() - 1] + b">" + body[end.end() :]


class FeedParseError(ValueError):
    """The document is not a feed that yields any entry."""


def _plain(value: str, content_type: str) -> str:
    if content_type in _HTML_TYPES and ("<" in value or "&" in value):
        # Not HTML after all: keep the text as it came.
        with contextlib.suppress(ParserError, ValueError):
            value = html_to_text(value)
    # Items are for matching and snippets: paragraphs and indentation carry no meaning there.
    return " ".join(unicodedata.normalize("NFC", value).split())


def _field_text(entry: Mapping[str, Any], name: str) -> str:
    detail = entry.get(f"{name}_detail") or {}
    return _plain(entry.get(name) or "", detail.get("type", "text/html"))


def _body(entry: Mapping[str, Any]) -> str:
    contents = entry.get("content") or []
    if contents:
        return "\n\n".join(_plain(c.get("value", ""), c.get("type", "text/html")) for c in contents)
    return _field_text(entry, "summary")


def _published(entry: Mapping[str, Any]) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def parse_feed(feed: str, body: bytes, url: str, headers: Mapping[str, str]) -> ParsedFeed:
    """Parse a feed document fetched from `url`; raises `FeedParseError` if it is not a feed."""
    response_headers = {k.lower(): v for k, v in headers.items()}
    response_headers.setdefault("content-location", url)
    body = _without_internal_subset(body)
    parsed = feedparser.parse(body, response_headers=response_headers, sanitize_html=False)
    warning = str(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    if not parsed.entries and not parsed.get("version"):
        raise FeedParseError(f"not a feed ({warning})" if warning else "not a feed")
    items = []
    for entry in parsed.entries:
        title = _field_text(entry, "title")
        text = _body(entry)
        link = entry.get("link")
        canonical = canonical_link(link)
        key = entry_key(
            entry.get("id"), link, title, entry.get("published") or entry.get("updated")
        )
        items.append(
            Item(
                feed=feed,
                entry_key=key,
                story_key=story_key(feed, key, canonical),
                title=title,
                text=text,
                link=link if canonical else None,
                published=_published(entry),
            )
        )
    return ParsedFeed(items, warning, ttl(parsed.feed.get("ttl")))
