"""`test-rule`: evaluate one query (or configured rule) against a text, a document, a web page
or the items stored in the state, and say what matched where.

The feed parser, article extraction and the HTTP client are imported by the functions that use
them: testing a sentence needs none of them.
"""

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from monitor.config.model import Config
from monitor.delivery.alerts import merge_ranges, snippet
from monitor.feedback import Rejection
from monitor.items import Item
from monitor.rules.language import language_of
from monitor.rules.lint import matches_without_terms, never_matches
from monitor.rules.matcher import Matcher
from monitor.rules.nodes import Node
from monitor.rules.query import parse
from monitor.rules.text import word_spans

QUERY_RULE = "query"


@dataclass(frozen=True, slots=True)
class FoundItem:
    """An item the query matched, with the matched words located for display, and the user's
    "not relevant" mark on its story's alert, if any."""

    item: Item
    title_marks: tuple[tuple[int, int], ...]
    snippet: str
    snippet_marks: tuple[tuple[int, int], ...]
    actors: tuple[str, ...]
    language: str | None
    prominence: int
    rejected: Rejection | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (offsets are into `title` and `snippet`)."""
        return {
            "feed": self.item.feed,
            "title": self.item.title,
            "link": self.item.link,
            "published": self.item.published.isoformat() if self.item.published else None,
            "title_highlights": [list(r) for r in self.title_marks],
            "snippet": self.snippet,
            "snippet_highlights": [list(r) for r in self.snippet_marks],
            "actors": list(self.actors),
            "language": self.language,
            "prominence": self.prominence,
            "rejected": _rejection_json(self.rejected),
        }


def _rejection_json(rejection: Rejection | None) -> dict[str, Any] | None:
    if rejection is None:
        return None
    return {
        "rejected_at": rejection.rejected_at.isoformat(),
        "source": rejection.source,
        "rules": list(rejection.rules),
        "reason": rejection.reason,
    }


@dataclass(frozen=True, slots=True)
class Tested:
    """What is tested: the query's tree and its matcher, and what the user should be told."""

    node: Node
    matcher: Matcher
    meant: str | None  # the configured rule whose name the argument nearly is
    never: bool  # no story can match the query


def compile_query(config: Config, query_or_rule: str) -> Tested:
    """One configured rule (by name) or one query, compiled; raises `QueryError` (from
    `monitor.rules.query`) for a query that does not parse, names an unknown @Name, or would
    match stories that contain none of its words."""
    rule = config.rules.get(query_or_rule)
    node = rule.node if rule is not None else parse(query_or_rule)
    refused = config.vocabulary.unknown(node) or matches_without_terms(node)
    if refused is not None:
        raise refused
    close = difflib.get_close_matches(query_or_rule, list(config.rules), n=1, cutoff=0.8)
    meant = close[0] if rule is None and close else None
    matcher = Matcher({QUERY_RULE: node}, config.vocabulary)
    return Tested(node, matcher, meant, never_matches(node))


def evaluate(
    matcher: Matcher, items: Sequence[Item], rejected: Mapping[str, Rejection]
) -> list[FoundItem]:
    """The items the query's matcher matches, in the order given, each with the rejection of
    its story (`rejected`, by story key) if the user marked its alert not relevant."""
    found = []
    for item in items:
        result = matcher.match(item.title, item.text, language=item.language)
        if not result.matches:
            continue
        spans = result.spans()
        title_words = word_spans(item.title)
        title_marks = merge_ranges(
            [
                (title_words[s.start][0], title_words[s.end - 1][1])
                for s in spans
                if s.field == "title"
            ]
        )
        window, marks = snippet(item.text, spans)
        language = language_of(item.title, item.text, item.language)
        score = result.matches[0].prominence
        found.append(
            FoundItem(
                item,
                title_marks,
                window,
                marks,
                result.actors,
                language,
                score,
                rejected.get(item.story_key),
            )
        )
    return found


def items_from_document(body: bytes, source: str) -> list[Item]:
    """The items of a feed document, or the one article of an HTML page."""
    from monitor.polling.extract import extract_article
    from monitor.polling.parse import FeedParseError, parse_feed

    try:
        return parse_feed(source, body, source, {}).items
    except FeedParseError:
        article = extract_article(body, source if "://" in source else None)
    if article is None:
        raise ValueError(f"{source}: neither a feed nor a page with readable text")
    return [Item(source, source, source, article.title, article.text, None, None)]


async def fetch_document(config: Config, url: str) -> bytes:
    """Fetch `url` with the same limits as feeds; raises ValueError saying why it failed."""
    import aiohttp

    from monitor.polling.fetch import fetch

    settings = config.settings
    async with aiohttp.ClientSession() as session:
        result = await fetch(
            session,
            url,
            etag=None,
            last_modified=None,
            timeout=settings.timeout.total_seconds(),
            max_bytes=settings.max_feed_bytes,
        )
    if result.error is not None or result.body is None:
        raise ValueError(f"{url}: {result.error or 'no content'}")
    return result.body
