"""What a feed document may not bring to the XML parser: a DOCTYPE's internal subset, and more
entries than any feed needs.

The internal subset is where entities are declared, and feeds have no use for them:
feedparser's own DOCTYPE filter lets a billion-laughs document reach expat (1 s of CPU and
66 MB per document, stopped only by expat's amplification limit; a 9 MB one reached 1 GB). It
is found as expat finds it, in the prolog (after the XML declaration, comments and processing
instructions), so a decoy DOCTYPE inside a comment does not hide the real one; its end is found
with quoted literals and comments skipped. Every search is a single forward scan: hostile
input stays linear. A prolog that cannot be read to its end is cut there: the document is not
read, rather than read unsafely.

feedparser keeps every entry in memory as a dictionary (1.4 million empty `<item/>`: 661 MB and
127 s), so a document is cut after the entries a poll reads (`max_entries_per_poll`; at most
`MAX_ENTRIES` when no limit is given), before parsing.
"""

import re

# Far more than any real feed lists (large ones list a few thousand), far fewer than it takes to
# exhaust memory.
MAX_ENTRIES = 10_000

_SPACE = re.compile(rb"\s*")
_PLAIN = re.compile(rb"[^\"'<\]]+")
_SUBSET_END = re.compile(rb"\]\s*>")
_ENTRY_OPENING = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)[\s/>]")
_ENTRY_END = re.compile(
    rb"</(?:[\w.-]+:)?(?:item|entry)\s*>|<(?:[\w.-]+:)?(?:item|entry)\b[^<>]*/>"
)
_CLOSING_TAGS = re.compile(rb"(?:\s*</[\w.:-]+\s*>)*\s*")


def _skip(body: bytes, start: int, opening: bytes, closing: bytes) -> int:
    """The position after a construct (`opening` … `closing`) at `start`; -1 if unterminated."""
    end = body.find(closing, start + len(opening))
    return -1 if end < 0 else end + len(closing)


def _doctype_start(body: bytes) -> int:
    """Where the prolog's DOCTYPE starts, or -1 when expat would meet none."""
    position = 0
    while True:
        position = _SPACE.match(body, position).end()  # type: ignore[union-attr]
        if body.startswith(b"<?", position):
            position = _skip(body, position, b"<?", b"?>")
        elif body.startswith(b"<!--", position):
            position = _skip(body, position, b"<!--", b"-->")
        elif body[position : position + 9].upper() == b"<!DOCTYPE":
            return position
        else:
            return -1  # an element or text: a DOCTYPE after it is not one to expat
        if position < 0:
            return -1  # an unterminated comment: expat stops there


def _subset_bounds(body: bytes, doctype: int) -> tuple[int, int] | None:
    """(start of `[`, end of `]>`) of the DOCTYPE's internal subset; None if it has none; end
    -1 if the subset cannot be read to its end."""
    position = doctype + 9
    while position < len(body):
        char = body[position : position + 1]
        if char in (b'"', b"'"):
            position = _skip(body, position, char, char)
            if position < 0:
                return None  # an unterminated literal: expat never reaches a subset
        elif char == b">":
            return None
        elif char == b"[":
            return position, _subset_end(body, position + 1)
        else:
            position += 1
    return None


def _subset_end(body: bytes, position: int) -> int:
    while position < len(body):
        plain = _PLAIN.match(body, position)
        if plain is not None:
            position = plain.end()
            continue
        char = body[position : position + 1]
        if char in (b'"', b"'"):
            position = _skip(body, position, char, char)
        elif body.startswith(b"<!--", position):
            position = _skip(body, position, b"<!--", b"-->")
        elif body.startswith(b"<?", position):
            position = _skip(body, position, b"<?", b"?>")
        elif char == b"]" and (end := _SUBSET_END.match(body, position)) is not None:
            return end.end()
        else:
            position += 1
        if position < 0:
            return -1
    return -1


def without_internal_subset(body: bytes) -> bytes:
    """`body` with its DOCTYPE's internal subset (`[ … ]`) removed (the DOCTYPE itself kept);
    cut before the subset when it does not end."""
    doctype = _doctype_start(body)
    if doctype < 0:
        return body
    bounds = _subset_bounds(body, doctype)
    if bounds is None:
        return body
    start, end = bounds
    return body[:start] + b">" + (body[end:] if end >= 0 else b"")


def _closing(body: bytes) -> bytes:
    """The closing tags after the document's last entry (`</channel></rss>`); empty if what
    follows it is anything else (a truncated document: the parser's fallback reads it)."""
    window = body[-4096:]
    last = None
    for last in _ENTRY_END.finditer(window):  # noqa: B007 (the last one is wanted)
        pass
    tail = window[last.end() :] if last is not None else b""
    return tail if _CLOSING_TAGS.fullmatch(tail) else b""


def capped_entries(body: bytes, limit: int = MAX_ENTRIES) -> tuple[bytes, bool]:
    """`body` cut before its entry number `limit + 1` and closed with the document's own closing
    tags (so that it stays well-formed), and whether it was cut."""
    if body.count(b"<item") + body.count(b"<entry") + body.count(b":item") <= limit:
        return body, False  # the common case: counted in C, no regular expression run
    for number, opening in enumerate(_ENTRY_OPENING.finditer(body)):
        if number == limit:
            return body[: opening.start()] + _closing(body), True
    return body, False
