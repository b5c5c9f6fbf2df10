"""A poll's budget of entries: a feed document cut to its first `limit` entries before feedparser
sees it (pure: bytes in, bytes out).

feedparser cannot be stopped once started, and its time grows with the entries (measured: ~0.4
ms of CPU each, so a 9.5 MB feed of 200,000 entries costs over a minute). Cutting the bytes
first bounds a poll's CPU time by `max_entries_per_poll` as well as by `max_feed_bytes`. Feeds
list their newest entries first, so the first ones are kept; a feed that lists the oldest first
loses nothing new to a cut that only a feed that size can meet.

The cut keeps the document well formed: the entries from the (`limit`+1)-th opening tag to the
end of the last entry are removed, and the channel's closing elements stay.
"""

import re
from dataclasses import dataclass

# An entry's opening and closing tags: RSS/RDF `<item>`, Atom `<entry>`, with or without a
# namespace prefix. A lookalike inside CDATA only makes the feed cut itself shorter.
_OPENING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]")
_CLOSING = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>")
_SELF_CLOSED = re.compile(rb"\s*/\s*>")


@dataclass(frozen=True, slots=True)
class Cut:
    """A document within the budget, and how many entries it had before (None: not cut)."""

    body: bytes
    entries_before: int | None = None


def within_budget(body: bytes, limit: int) -> Cut:
    """`body` with the entries after the first `limit` removed (see the module's doc)."""
    openings = _OPENING.finditer(body)
    cut_at = None
    count = 0
    for count, match in enumerate(openings, start=1):
        if count == limit + 1:
            cut_at = match.start()
    if cut_at is None:
        return Cut(body)
    tail = _end_of_last_entry(body, cut_at)
    if tail is None:
        return Cut(body[:cut_at], count)  # the last entry never closes: feedparser copes
    return Cut(body[:cut_at] + body[tail:], count)


def _end_of_last_entry(body: bytes, after: int) -> int | None:
    """Where the last entry ends (its closing tag, or its own `/>`), searched after `after`."""
    last = None
    for last in _CLOSING.finditer(body, after):  # noqa: B007 (the last one is wanted)
        pass
    opening = None
    for opening in _OPENING.finditer(body, after):  # noqa: B007 (the last one is wanted)
        pass
    end = last.end() if last is not None else None
    if opening is not None and (end is None or opening.start() > end):
        # `<item/>` after every closing tag: it ends at its own `/>`.
        closed = _SELF_CLOSED.match(body, opening.end() - 1)
        if closed is not None:
            end = closed.end()
    return end
