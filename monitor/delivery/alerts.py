"""Build an alert from a matched item and render it for a channel format (pure).

Everything that came from a feed is escaped for the format: a title such as
`<b>x</b> *y* [z](http://evil)` shows literally, never as markup or a link, and control or
bidi-override characters (NUL, ESC, U+202E) show as escapes, in the subject too.
"""

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from monitor.display import visible
from monitor.items import Item
from monitor.rules.evaluation import Span
from monitor.rules.language import language_of
from monitor.rules.text import word_spans

Format = Literal["text", "markdown", "html"]
SNIPPET_BEFORE = 120
SNIPPET_AFTER = 240
ELLIPSIS = "…"
TITLE_MAX = 250  # feed titles can run to paragraphs; services cut or refuse long ones
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
    language: str | None = None  # ISO 639 code (absent from alerts queued before it was shown)
    # Stories across outlets (`monitor/stories`): the other feeds that carried the story, the
    # story a later item belongs to, and how the alert is paced ("high", "normal", "low").
    sources: tuple[str, ...] = ()
    story: str | None = None
    priority: str = "normal"
    # Where and how often the rules' words occur, 0-100 (`rules/prominence`); None: not known.
    prominence: int | None = None

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
            language=payload.get("language"),
            sources=tuple(payload.get("sources", ())),
            story=payload.get("story"),
            priority=payload.get("priority", "normal"),
            prominence=payload.get("prominence"),
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


def cut(value: str, limit: int) -> str:
    """`value` in at most `limit` characters, cut at a word boundary with an ellipsis."""
    if len(value) <= limit:
        return value
    head = value[: limit - len(ELLIPSIS)]
    space = head.rfind(" ")
    if space > limit // 2:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def build_alert(
    item: Item,
    rules: Sequence[str],
    spans: Sequence[Span],
    actors: Sequence[str],
    prominence: int | None = None,
) -> Alert:
    """The alert for `item`, matched by `rules` on `spans` with this `prominence`."""
    text, highlights = snippet(item.text, spans)
    return Alert(
        rules=tuple(rules),
        title=cut(item.title, TITLE_MAX) or "(untitled)",
        feed=item.feed,
        link=item.link,
        published=item.published,
        snippet=text,
        highlights=highlights,
        actors=tuple(actors),
        language=language_of(item.title, item.text, item.language),
        prominence=prominence,
    )


def sample_alert(now: datetime) -> Alert:
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
    value = visible(value)
    if fmt == "html":
        return html.escape(value, quote=True)
    if fmt == "markdown":
        return _MARKDOWN_SPECIAL.sub(r"\\\1", value)
    return value


def _emphasise(value: str, fmt: Format) -> str:
    escaped = _escape(value, fmt)
    return {"html": f"<b>{escaped}</b>", "markdown": f"**{escaped}**", "text": f"«{escaped}»"}[fmt]


def _safe_link(link: str) -> str:
    # Percent-encode what could end a link early in Markdown or HTML.
    return quote(link, safe=":/?#@!$&'*+,;=%~-._")


def _link(link: str, fmt: Format) -> str:
    safe = _safe_link(link)
    if fmt == "html":
        return f'<a href="{html.escape(safe)}">{html.escape(safe)}</a>'
    return f"<{safe}>" if fmt == "markdown" else safe


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return "not given by the feed"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def _fit(
    lines: Sequence[str], separator: str, limit: int | None, more: Callable[[int], str]
) -> str:
    """`lines` joined, dropping whole lines from the end (and saying so with the line
    `more(how many were dropped)`) until the text fits in `limit` characters. Whole lines, so
    that markup is never cut in half."""
    text = separator.join(lines)
    if limit is None or len(text) <= limit:
        return text
    kept = list(lines)
    while kept and len(separator.join([*kept, more(len(lines) - len(kept))])) > limit:
        kept.pop()
    return separator.join([*kept, more(len(lines) - len(kept))])


def render(alert: Alert, fmt: Format, tz: ZoneInfo, limit: int | None = None) -> Rendered:
    """Render `alert` for a channel of format `fmt`, times in `tz`, the body in at most `limit`
    characters."""
    parts, cursor = [], 0
    for a, b in alert.highlights:
        parts.append(_escape(alert.snippet[cursor:a], fmt))
        parts.append(_emphasise(alert.snippet[a:b], fmt))
        cursor = b
    parts.append(_escape(alert.snippet[cursor:], fmt))
    lines = [
        f"{_label('Story', fmt)} {_escape(alert.title, fmt)}",
        f"{_label('Source', fmt)} {_escape(alert.feed, fmt)}",
        f"{_label('Published', fmt)} {_escape(_when(alert.published, tz), fmt)}",
        f"{_label('Rules', fmt)} {_escape(', '.join(alert.rules), fmt)}",
    ]
    if alert.actors:
        lines.append(f"{_label('Actors', fmt)} {_escape(', '.join(alert.actors), fmt)}")
    if alert.language:
        lines.append(f"{_label('Language', fmt)} {_escape(alert.language, fmt)}")
    if alert.prominence is not None:
        lines.append(f"{_label('Prominence', fmt)} {alert.prominence}/100")
    if alert.story:
        lines.append(f"{_label('Part of', fmt)} {_escape(alert.story, fmt)}")
    if alert.sources:
        lines.append(f"{_label('Also in', fmt)} {_escape(sources_line(alert.sources), fmt)}")
    if alert.link:
        lines.append(f"{_label('Link', fmt)} {_link(alert.link, fmt)}")
    lines += ["", "".join(parts)]
    separator = "<br>\n" if fmt == "html" else "\n"
    title = f"[{', '.join(alert.rules)}] {alert.title}"
    return Rendered(
        title=_escape(title, fmt), body=_fit(lines, separator, limit, lambda _n: ELLIPSIS)
    )


def render_digest(
    alerts: Sequence[Alert], fmt: Format, tz: ZoneInfo, limit: int | None = None
) -> Rendered:
    """One message listing `alerts` (given newest first), grouped by the rules that matched."""
    groups: dict[tuple[str, ...], list[Alert]] = {}
    for alert in alerts:
        groups.setdefault(alert.rules, []).append(alert)
    lines: list[str] = []
    for rules, group in groups.items():
        if lines:
            lines.append("")
        lines.append(_label(f"{', '.join(rules)} ({len(group)})", fmt))
        for alert in group:
            also = f" ({sources_line(alert.sources)})" if alert.sources else ""
            entry = (
                f"• {_escape(alert.title, fmt)} — {_escape(alert.feed + also, fmt)}, "
                f"{_escape(_when(alert.published, tz), fmt)}"
            )
            lines.append(f"{entry} {_link(alert.link, fmt)}" if alert.link else entry)
    separator = "<br>\n" if fmt == "html" else "\n"

    def more(dropped: int) -> str:
        return _escape(f"… and {dropped} more lines: see `media-monitor history`", fmt)

    count = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    return Rendered(
        title=_escape(f"[digest] {count}", fmt), body=_fit(lines, separator, limit, more)
    )


def sources_line(sources: Sequence[str], shown: int = 5) -> str:
    """ "+N sources: A, B, …": the other outlets that carried a story, the first few named."""
    names = ", ".join(sources[:shown]) + (f", {ELLIPSIS}" if len(sources) > shown else "")
    return f"+{len(sources)} source{'s' if len(sources) != 1 else ''}: {names}"


def _label(name: str, fmt: Format) -> str:
    shown = _escape(name, fmt)
    return {"html": f"<b>{shown}:</b>", "markdown": f"**{shown}:**", "text": f"{shown}:"}[fmt]
