"""The alert value: what a message about one story says, built from a matched item (pure).

Rendering it for a channel is `delivery/render`'s job.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from monitor.items import Item
from monitor.rules.evaluation import Span
from monitor.rules.language import language_of
from monitor.rules.text import word_spans

SNIPPET_BEFORE = 120
SNIPPET_AFTER = 240
ELLIPSIS = "…"
TITLE_MAX = 250  # feed titles can run to paragraphs; services cut or refuse long ones
_WHITESPACE = str.maketrans(dict.fromkeys("\t\n\r\x0c\x0b\u2028\u2029", " "))


@dataclass(frozen=True, slots=True)
class Alert:
    """Everything a message about one story says; `highlights` are offsets into `snippet`,
    `title_highlights` into `title`."""

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
    title_highlights: tuple[tuple[int, int], ...] = ()  # absent from alerts queued before
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
            title_highlights=tuple(
                (int(a), int(b)) for a, b in payload.get("title_highlights", ())
            ),
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
    title = cut(item.title, TITLE_MAX) or "(untitled)"
    return Alert(
        rules=tuple(rules),
        title=title,
        feed=item.feed,
        link=item.link,
        published=item.published,
        snippet=text,
        highlights=highlights,
        actors=tuple(actors),
        language=language_of(item.title, item.text, item.language),
        title_highlights=title_highlights(title, spans),
        prominence=prominence,
    )


def title_highlights(title: str, spans: Sequence[Span]) -> tuple[tuple[int, int], ...]:
    """The character ranges of `title` that the title's `spans` matched (a title cut short
    keeps those before the cut)."""
    positions = word_spans(title)
    ranges = (
        (positions[s.start][0], positions[s.end - 1][1])
        for s in spans
        if s.field == "title" and s.start < s.end <= len(positions)
    )
    return merge_ranges([(a, b) for a, b in ranges if b <= len(title)])


def sample_alert(now: datetime) -> Alert:
    """The alert `notify-test` sends, and `check` renders templates with: it says what it
    is, and has every part of a real one."""
    text = "If you can read this, the channel works. Matched words look like this."
    marked = text.index("Matched words")
    title = "media-monitor test alert: matched words in a title look like this"
    in_title = title.index("matched words")
    return Alert(
        rules=("notify-test",),
        title=title,
        feed="media-monitor",
        link="https://example.org/media-monitor/notify-test",
        published=now,
        snippet=text,
        highlights=((marked, marked + len("Matched words")),),
        actors=("Example actor",),
        language="en",
        sources=("Example outlet",),
        story="media-monitor test story",
        title_highlights=((in_title, in_title + len("matched words")),),
    )


def sources_line(sources: Sequence[str], shown: int = 5) -> str:
    """ "+N sources: A, B, …": the other outlets that carried a story, the first few named."""
    names = ", ".join(sources[:shown]) + (f", {ELLIPSIS}" if len(sources) > shown else "")
    return f"+{len(sources)} source{'s' if len(sources) != 1 else ''}: {names}"
