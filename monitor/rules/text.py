"""Text normalisation shared by queries and items.

Folding a text: compatibility decomposition (NFKD), case folding, combining marks removed, and
every character that is not a letter or a digit (in any script) turned into a separator. A
*word* is a run of what remains. So `Élysée`, `ELYSEE` and `elysée` are one word, `Ukraine’s`
is `ukraine` + `s`, `non-combat` is `non` + `combat`, and Arabic harakat disappear.

The folded text is computed with a few whole-string operations (the hot path of matching);
`word_spans` recovers, for highlighting, which characters of the original each word came from.
Both agree because every step above acts on one character at a time: folding a text equals
concatenating the folds of its characters.
"""

import re
import unicodedata
from typing import Literal

import regex

Field = Literal["title", "text"]
FIELDS: tuple[Field, ...] = ("title", "text")

_MARKS = regex.compile(r"\p{M}+")
_NON_ASCII_SEPARATORS = regex.compile(r"[^\x00-\x7f\p{L}\p{N}]+")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# Byte table: ASCII letters lower-cased, digits kept, other ASCII turned into a space; bytes of
# non-ASCII characters (all >= 0x80 in UTF-8) pass through untouched.
_ASCII_FOLD = bytes(
    b if b >= 0x80 else ord(chr(b).lower()) if chr(b).isalnum() else 0x20 for b in range(256)
)
_RUN_CACHE_LIMIT = 100_000
# Separates the title from the text in the scanned string. No pattern (folded words joined by
# single spaces) can contain it, so phrases never span fields.
FIELD_SEPARATOR = "\n"


def _fold_non_ascii(text: str) -> str:
    """Decompose, case-fold, drop marks; non-ASCII separators become spaces (ASCII left as is)."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    return _NON_ASCII_SEPARATORS.sub(" ", _MARKS.sub("", folded))


class _RunCache(dict[str, str]):
    """Folded form of each non-ASCII run (an accented name, a curly quote): they repeat."""

    def __missing__(self, run: str) -> str:
        if len(self) >= _RUN_CACHE_LIMIT:
            self.clear()
        folded = self[run] = _fold_non_ascii(run)
        return folded


_run_cache = _RunCache()


def _cached_run(match: re.Match[str]) -> str:
    return _run_cache[match.group()]


def _fold_separated(text: str) -> str:
    """`text` folded, separators as spaces (possibly several in a row)."""
    if not text.isascii():
        # Mostly ASCII (English news with a few accents and quotes): fold the non-ASCII runs
        # alone, from a cache. Mostly not (Cyrillic, Arabic…): fold the whole string.
        mostly_ascii = len(text.encode()) < 1.25 * len(text)
        text = _NON_ASCII_RUN.sub(_cached_run, text) if mostly_ascii else _fold_non_ascii(text)
    return text.encode().translate(_ASCII_FOLD).decode()


def fold(text: str) -> str:
    """The folded words of `text`, joined by single spaces."""
    return " ".join(_fold_separated(text).split())


def folded_words(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return _fold_separated(text).split()


def word_spans(text: str) -> list[tuple[int, int]]:
    """For each folded word of `text`, the (start, end) offsets of the characters it came from."""
    pieces = [_fold_separated(char) for char in text]
    owners = [index for index, piece in enumerate(pieces) for _ in piece]
    folded = "".join(pieces)
    spans = []
    start = None
    for position, char in enumerate(folded + " "):
        if char != " " and start is None:
            start = position
        elif char == " " and start is not None:
            spans.append((owners[start], owners[position - 1] + 1))
            start = None
    return spans


class NormalizedDoc:
    """An item's title and text as one scannable string of folded words.

    Layout: ``" " + title words + " \\\\n " + text words + " "``, words joined by single spaces,
    so every word is surrounded by spaces and a pattern ``" w1 w2 "`` matches whole words only.
    """

    __slots__ = ("scan", "text_base")

    def __init__(self, title: str, text: str) -> None:
        head = " " + fold(title) + " " + FIELD_SEPARATOR
        self.scan = head + " " + fold(text) + " "
        self.text_base = len(head)  # index of the space in front of the text's first word

    def locate(self, start: int) -> tuple[Field, int]:
        """Map the index of the space before a matched word to (field, word index in field)."""
        # Counting spaces runs in C; items have few hits, so this beats building an index.
        if start < self.text_base:
            return "title", self.scan.count(" ", 0, start)
        return "text", self.scan.count(" ", self.text_base, start)


def normalize(title: str, text: str) -> NormalizedDoc:
    """Fold an item's title and text into a `NormalizedDoc` for scanning."""
    return NormalizedDoc(title, text)
