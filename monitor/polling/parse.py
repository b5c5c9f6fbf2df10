"""Feed bytes → `Item`s: RSS and Atom with feedparser, JSON Feed (`polling/jsonfeed`); HTML
fields → plain text.

feedparser is called without the work whose results nothing reads (its `sanitize_html` and
`resolve_relative_uris` off, unless a caller turns them on to compare): an item's text is made
from the markup by `polling/markup` (every tag and attribute dropped, scripts and styles with
their content), and every output format escapes it on render, so neither feedparser's sanitiser
nor its resolving of the links inside the markup reaches anything shown. An entry's own links
are resolved either way, against the document's address when it has any that it could change
(`polling/base_address`).

An item's text is what the entry is: its main content (HTML, XHTML or plain text), else its
description or summary, else what its media says it is about; never a picture's caption
(`polling/captions`), and an empty content (as the Google Cloud blog sends) is no content.

Before feedparser sees an XML document it is re-encoded as UTF-8 (`polling/encoding`), which
also lets the guards see into UTF-16 documents, its DOCTYPE's internal subset is removed and it
is cut after the poll's `max_entries` (`polling/xml_guard`; a JSON Feed is cut by its items), and
its character references that name no character are mended (`polling/char_refs`).
Each item's link is the best one the entry gives (FeedBurner's `origLink` before its proxy
link), cleaned for display and folded for the story key (`polling/links`); its date is read by
`polling/dates`.
"""

import contextlib
import re
import unicodedata
import xml.sax
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
from lxml.etree import ParserError

from monitor.items import Item, entry_key, story_key
from monitor.model import ParsedFeed
from monitor.polling.base_address import needs_address
from monitor.polling.captions import MEDIA_ABOUT, captions_apart
from monitor.polling.char_refs import with_valid_char_refs
from monitor.polling.dates import entry_date
from monitor.polling.encoding import to_utf8
from monitor.polling.hints import ttl
from monitor.polling.jsonfeed import NotJsonFeedError, looks_like_json, read_json_feed
from monitor.polling.links import best_link, clean_link, folded_link
from monitor.polling.markup import html_to_text
from monitor.polling.xml_guard import MAX_ENTRIES, capped_entries, without_internal_subset

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# The content types that are an article's text (not a picture, nor data).
_TEXT_TYPES = (*_HTML_TYPES, "text/plain")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")
_CHARSET = re.compile(r";\s*charset\s*=[^;]*", re.IGNORECASE)
# expat's words for a document that stops before its end.
_CUT_SHORT = ("no element found", "unclosed token")


class FeedParseError(ValueError):
    """The document is not a feed that yields any entry."""


@dataclass(frozen=True, slots=True)
class _Document:
    entries: list[Any]
    language: str | None
    ttl: timedelta | None
    warnings: list[str]


def _plain(value: str, content_type: str) -> str:
    if content_type in _HTML_TYPES and ("<" in value or "&" in value):
        # Not HTML after all: keep the text as it came.
        with contextlib.suppress(ParserError, ValueError):
            value = html_to_text(value)
    # Items are for matching and snippets: paragraphs and indentation carry no meaning there.
    return " ".join(unicodedata.normalize("NFC", value).split())


def _field_text(entry: dict[str, Any], name: str) -> str:
    detail = dict.get(entry, f"{name}_detail") or {}
    return _plain(dict.get(entry, name) or "", dict.get(detail, "type", "text/html"))


def _body(entry: dict[str, Any]) -> str:
    """The entry's text: its first content that is text and not empty, else its summary, else
    what its media is about (a video feed's only text)."""
    for content in dict.get(entry, "content") or ():
        kind = dict.get(content, "type", "text/html")
        if kind in _TEXT_TYPES and (text := _plain(dict.get(content, "value") or "", kind)):
            return text
    return _field_text(entry, "summary") or _plain(dict.get(entry, MEDIA_ABOUT) or "", "text/html")


def language_tag(value: Any) -> str | None:
    """A declared language as a lower-case tag (`pt_BR` → `pt-br`); None if it is not one."""
    if not isinstance(value, str):
        return None
    tag = value.strip().lower().replace("_", "-")
    return tag if _LANGUAGE.fullmatch(tag) else None


def _entry_language(entry: dict[str, Any]) -> str | None:
    """The language an entry declares itself (Atom's xml:lang, JSON Feed's `language`)."""
    # dict.get: feedparser's own `get` maps names, which is slow here and needs none.
    details = [dict.get(entry, "title_detail"), *(dict.get(entry, "content") or [])]
    declared = [dict.get(entry, "language"), *(dict.get(d, "language") for d in details if d)]
    return next((tag for tag in map(language_tag, declared) if tag), None)


def _links(entry: dict[str, Any]) -> Iterator[str | None]:
    """The entry's links, best first: FeedBurner's original, the main one, the others."""
    yield dict.get(entry, "feedburner_origlink")
    yield dict.get(entry, "link")
    for link in dict.get(entry, "links") or ():
        yield dict.get(link, "href") if isinstance(link, dict) else None


def _item(feed: str, entry: dict[str, Any], zone: ZoneInfo | None, language: str | None) -> Item:
    title = _field_text(entry, "title")
    link = clean_link(best_link(_links(entry)))
    # dict.get throughout: none of these names is one that feedparser's own `get` maps.
    date = dict.get(entry, "published") or dict.get(entry, "updated")
    key = entry_key(dict.get(entry, "id"), dict.get(entry, "link"), title, date)
    language = _entry_language(entry) or language
    return Item(
        feed=feed,
        entry_key=key,
        story_key=story_key(feed, key, folded_link(link) if link else None),
        title=title,
        text=_body(entry),
        link=link,
        published=entry_date(entry, zone, language),
        language=language,
    )


def _problem(parsed: Any) -> str | None:
    """What is wrong with a document feedparser read anyway; None for what does not matter
    (a media type, an encoding override: the body reached it as UTF-8)."""
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is None or isinstance(problem, feedparser.ThingsNobodyCaresAboutButMe):
        return None
    if isinstance(problem, xml.sax.SAXParseException):
        message = problem.getMessage()
        cut = " (truncated?)" if message in _CUT_SHORT else ""
        return f"ill-formed XML{cut} at line {problem.getLineNumber()}: {message}"
    return str(problem)


def _with_utf8(content_type: str | None) -> str:
    return _CHARSET.sub("", content_type or "application/xml") + "; charset=utf-8"


def _xml(
    body: bytes, headers: dict[str, str], max_entries: int, options: Mapping[str, bool]
) -> _Document:
    utf8, _codec = to_utf8(body, headers.get("content-type"))
    utf8, cut = capped_entries(without_internal_subset(utf8), max_entries)
    utf8 = with_valid_char_refs(utf8)
    utf8 = captions_apart(utf8)
    headers = headers | {"content-type": _with_utf8(headers.get("content-type"))}
    if not (options["resolve_relative_uris"] or needs_address(utf8)):
        headers.pop("content-location", None)  # it would change nothing read, and costs a fifth
    parsed = feedparser.parse(utf8, response_headers=headers, **options)
    problem = _problem(parsed)
    if not parsed.entries and not parsed.get("version"):
        raise FeedParseError(f"not a feed ({problem})" if problem else "not a feed")
    warnings = [problem] if problem else []
    if cut:
        warnings.append(f"only the first {max_entries:,} entries read (max_entries_per_poll)")
    return _Document(
        parsed.entries,
        language_tag(parsed.feed.get("language")),
        ttl(parsed.feed.get("ttl")),
        warnings,
    )


def parse_feed(
    feed: str,
    body: bytes,
    url: str,
    headers: Mapping[str, str],
    *,
    timezone: str | None = None,
    max_entries: int = MAX_ENTRIES,
    resolve_relative_uris: bool = False,
    sanitize_html: bool = False,
) -> ParsedFeed:
    """Parse a feed document fetched from `url`; raises `FeedParseError` if it is not a feed.
    `timezone` (an IANA name) is the zone of dates that name none; UTC if not given. Only the
    first `max_entries` entries are read (feeds list the newest first), and a warning says so:
    feedparser cannot be stopped once started, so the cut bounds a poll's CPU time.
    `resolve_relative_uris` and `sanitize_html` are feedparser's options, off: nothing reads
    their work (the bench and the differential test turn them on)."""
    response_headers = {k.lower(): v for k, v in headers.items()}
    response_headers.setdefault("content-location", url)
    if looks_like_json(body):
        try:
            found = read_json_feed(body, max_entries)
        except NotJsonFeedError as exc:
            raise FeedParseError(str(exc)) from None
        document = _Document(found.entries, language_tag(found.language), None, found.warnings)
    else:
        options = {"resolve_relative_uris": resolve_relative_uris, "sanitize_html": sanitize_html}
        document = _xml(body, response_headers, max_entries, options)
    zone = ZoneInfo(timezone) if timezone else None
    header_language = language_tag(response_headers.get("content-language"))
    language = document.language or header_language
    items = [_item(feed, entry, zone, language) for entry in document.entries]
    return ParsedFeed(items, "; ".join(document.warnings) or None, document.ttl)
