"""Build an alert from a matched item and render it for a channel format (pure).

Everything that came from a feed is escaped for the format: a title such as
`<b>x</b> *y* [z](http://evil)` shows literally, never as markup or a link.
"""

import html
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from monitor.items import Item
from monitor.rules.matcher import Span
from monitor.rules.text import word_spans

Format = Literal["text", "markdown", "html"]
SNIPPET_BEFORE = 120
SNIPPET_AFTER = 240
ELLIPSIS = "…"
_WHITESPACE = str.maketrans(dict.fromkeys("\t\n\r\x0c\x0b\u2028\u2029", " "))
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


@dataclass(frozen=True, slots=True)
class Alert:
    """Everything a message about one story says; `highlights` are offsets into `snippet`."""

    rules: tuple[str, ...]
    title: str
    feed: str
    link: str | None
    published: datetime | None
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    actors: tuple[str, ...]

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready dict (stored in the outbox)."""
        payload = asdict(self)
        payload["published"] = self.published.isoformat() if self.published else None
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> "Alert":
        """The inverse of `to_payload`."""
        published = payload.get("published")
        return cls(
            rules=tuple(payload["rules"]),
            title=payload["title"],
            feed=payload["feed"],
            link=payload.get("link"),
            published=datetime.fromisoformat(published) if published else None,
            snippet=payload["snippet"],
            highlights=tuple((int(a), int(b)) for a, b in payload["highlights"]),
            actors=tuple(payload["actors"]),
        )


def snippet(text: str, spans: Sequence[Span]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of `text` around the first span in the text field, and the highlighted ranges.

    Without a span in the text (the match was in the title), the window is the text's start.
    """
    positions = word_spans(text)
    in_text = sorted(s for s in spans if s.field == "text" and s.end <= len(positions))
    anchor = positions[in_text[0].start][0] if in_text else 0
    start = max(0, anchor - SNIPPET_BEFORE)
    end = min(len(text), anchor + SNIPPET_AFTER)
    # Where the window cuts the text, cut at a word boundary, never inside a word.
    if start > 0:
        start = next((a for a, _b in positions if a >= start), start)
    if end < len(text):
        end = max((b for _a, b in positions if b <= end), default=end)
    lead = ELLIPSIS if start > 0 else ""
    window = lead + text[start:end].translate(_WHITESPACE) + (ELLIPSIS if end < len(text) else "")
    shift = len(lead) - start
    highlights = tuple(
        (positions[s.start][0] + shift, positions[s.end - 1][1] + shift)
        for s in in_text
        if positions[s.start][0] >= start and positions[s.end - 1][1] <= end
    )
    return window, merge_ranges(highlights)


def merge_ranges(ranges: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted character ranges with overlapping or touching ones merged."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return tuple(merged)


def build_alert(
    item: Item, rules: Sequence[str], spans: Sequence[Span], actors: Sequence[str]
) -> Alert:
    """The alert for `item`, matched by `rules` on `spans`."""
    text, highlights = snippet(item.text, spans)
    return Alert(
        rules=tuple(rules),
        title=item.title or "(untitled)",
        feed=item.feed,
        link=item.link,
        published=item.published,
        snippet=text,
        highlights=highlights,
        actors=tuple(actors),
    )


def test_alert(now: datetime) -> Alert:
    """The alert `notify-test` sends: it says what it is, and shows every part of a real one."""
    text = "If you can read this, the channel works. Matched words look like this."
    marked = text.index("Matched words")
    return Alert(
        rules=("notify-test",),
        title="media-monitor test alert",
        feed="media-monitor",
        link=None,
        published=now,
        snippet=text,
        highlights=((marked, marked + len("Matched words")),),
        actors=(),
    )


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for Apprise: title and body in the channel's format."""

    title: str
    body: str


def _escape(value: str, fmt: Format) -> str:
    if fmt == "html":
        return html.escape(value, quote=True)
    if fmt == "markdown":
        return _MARKDOWN_SPECIAL.sub(r"\\\1", value)
    return value


def _emphasise(value: str, fmt: Format) -> str:
    escaped = _escape(value, fmt)
    return {"html": f"<b>{escaped}</b>", "markdown": f"**{escaped}**", "text": f"«{value}»"}[fmt]


def _safe_link(link: str) -> str:
    # Percent-encode what could end a link early in Markdown or HTML.
    return quote(link, safe=":/?#@!$&'*+,;=%~-._")


def render(alert: Alert, fmt: Format, tz: ZoneInfo) -> Rendered:
    """Render `alert` for a channel of format `fmt`, times in `tz`."""
    parts, cursor = [], 0
    for a, b in alert.highlights:
        parts.append(_escape(alert.snippet[cursor:a], fmt))
        parts.append(_emphasise(alert.snippet[a:b], fmt))
        cursor = b
    parts.append(_escape(alert.snippet[cursor:], fmt))
    published = (
        alert.published.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
        if alert.published
        else "not given by the feed"
    )
    lines = [
        f"{_label('Story', fmt)} {_escape(alert.title, fmt)}",
        f"{_label('Source', fmt)} {_escape(alert.feed, fmt)}",
        f"{_label('Published', fmt)} {_escape(published, fmt)}",
        f"{_label('Rules', fmt)} {_escape(', '.join(alert.rules), fmt)}",
    ]
    if alert.actors:
        lines.append(f"{_label('Actors', fmt)} {_escape(', '.join(alert.actors), fmt)}")
    lines += ["", "".join(parts)]
    if alert.link:
        link = _safe_link(alert.link)
        lines += [
            "",
            f'<a href="{html.escape(link)}">{html.escape(link)}</a>'
            if fmt == "html"
            else f"<{link}>"
            if fmt == "markdown"
            else link,
        ]
    separator = "<br>\n" if fmt == "html" else "\n"
    title = f"[{', '.join(alert.rules)}] {alert.title}"
    return Rendered(title=_escape(title, fmt), body=separator.join(lines))


def _label(name: str, fmt: Format) -> str:
    return {"html": f"<b>{name}:</b>", "markdown": f"**{name}:**", "text": f"{name}:"}[fmt]
