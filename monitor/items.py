"""The `Item` value and the keys that identify entries and stories."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

# Feeds' clocks and time zones are often off by hours; beyond this, a date is simply wrong.
MAX_CLOCK_SKEW = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Item:
    """One feed entry as plain text.

    `link` is an absolute http(s) URL or None (other schemes, such as `javascript:`, are
    dropped). `published` is aware UTC, or None when the feed gave no usable date. `language`
    is the language the feed declares for it (a lower-case tag such as `fr` or `pt-br`), or None.
    """

    feed: str
    entry_key: str
    story_key: str
    title: str
    text: str
    link: str | None
    published: datetime | None
    language: str | None = None


def entry_key(entry_id: str | None, link: str | None, title: str, published: str | None) -> str:
    """An entry's identity within its feed: its id, else its link, else a hash of title+date."""
    if entry_id and entry_id.strip():
        return entry_id.strip()
    if link:
        return link
    digest = hashlib.sha256(f"{title}\x00{published or ''}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def story_key(feed: str, key: str, canonical: str | None) -> str:
    """A story's identity across feeds: its link in the folded form of
    `monitor.polling.links.story_key_link`, else the feed's own entry key."""
    return canonical if canonical else f"{feed}#{key}"
