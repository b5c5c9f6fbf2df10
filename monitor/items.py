"""The `Item` value and the keys that identify entries and stories."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urldefrag, urlsplit

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


def canonical_link(link: str | None) -> str | None:
    """The link a story is known by across feeds, or None for a missing or non-http(s) link.

    courlan normalises it (scheme and host lower-cased, default port dropped, query sorted,
    tracking parameters such as `utm_*`, `fbclid`, `gclid` and `mc_cid` removed); the fragment
    is dropped too, since it never names a different story.
    """
    if not link or urlsplit(link).scheme.lower() not in ("http", "https"):
        return None
    # courlan (and urllib3 under it) costs a fifth of a second to import: here, only a command
    # that reads feeds pays it, not every module that handles an `Item`.
    from courlan import normalize_url  # noqa: PLC0415

    try:
        return urldefrag(normalize_url(link)).url
    except ValueError:
        return None


def entry_key(entry_id: str | None, link: str | None, title: str, published: str | None) -> str:
    """An entry's identity within its feed: its id, else its link, else a hash of title+date."""
    if entry_id and entry_id.strip():
        return entry_id.strip()
    if link:
        return link
    digest = hashlib.sha256(f"{title}\x00{published or ''}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def story_key(feed: str, key: str, canonical: str | None) -> str:
    """A story's identity across feeds: its canonical link, else the feed's own entry key."""
    return canonical if canonical else f"{feed}#{key}"
