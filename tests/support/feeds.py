"""Builders for feed documents used by the tests."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape


def _just_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Entry:
    """One RSS item to put in a generated feed: dated when it is made, as news is (an undated
    item on a feed's first poll is a backlog, and never alerts); `published=None` for none."""

    guid: str
    title: str
    description: str = ""
    link: str | None = None
    published: datetime | None = field(default_factory=_just_now)


def rss(*entries: Entry, title: str = "Test feed") -> bytes:
    """An RSS 2.0 document holding `entries`."""
    items = []
    for e in entries:
        parts = [
            f'<guid isPermaLink="false">{escape(e.guid)}</guid>',
            f"<title>{escape(e.title)}</title>",
        ]
        if e.description:
            parts.append(f"<description>{escape(e.description)}</description>")
        if e.link:
            parts.append(f"<link>{escape(e.link)}</link>")
        if e.published:
            parts.append(f"<pubDate>{format_datetime(e.published)}</pubDate>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.org/</link>"
        f"<description>test</description>{''.join(items)}</channel></rss>"
    ).encode()
