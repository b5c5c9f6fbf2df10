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

import unicodedata
from typing import Literal

import regex

Field = Literal["title", "text"]
FIELDS: tuple[Field, ...] = ("title", "text")

_MARKS = regex.compile(r"\p{M}+")
_NON_ASCII_SEPARATORS = regex.compile(r"[^\x00-\x7f\p{L}\p{N}]+")
_ASCII_BYTES = bytes(range(0x80))
# Byte table: ASCII letters lower-cased, digits kept, other ASCII turned into a space; bytes of
# non-ASCII characters (all >= 0x80 in UTF-8) pass through untouched.
_ASCII_FOLD = bytes(
    b if b >= 0x80 else ord(chr(b).lower()) if chr(b).isalnum() else 0x20 for b in range(256)
)
_CHAR_CACHE_LIMIT = 100_000
# Separates the title from the text in the scanned string. No pattern (folded words joined by
# single spaces) can contain it, so phrases never span fields.
FIELD_SEPARATOR = "\n"


def _fold_non_ascii(text: str) -> str:
    """Decompose, case-fold, drop marks; non-ASCII separators become spaces (ASCII left as is)."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    return _NON_ASCII_SEPARATORS.sub(" ", _MARKS.sub("", folded))


class _CharCache(dict[str, str]):
    """The folded form of each non-ASCII character met so far."""

    def __missing__(self, char: str) -> str:
        if len(self) >= _CHAR_CACHE_LIMIT:
            self.clear()
        folded = self[char] = _fold_non_ascii(char)
        return folded


_char_cache = _CharCache()


def _fold_bytes(text: str) -> bytes:
    """`text` folded as UTF-8, separators as spaces (possibly several in a row)."""
    raw = text.encode()
    if len(raw) != len(text):
        if len(raw) < 1.25 * len(text):
            # Mostly ASCII (news in English with a few accents, quotes and dashes): replace
            # each distinct non-ASCII character by its fold. All of this runs in C.
            for char in set(raw.translate(None, _ASCII_BYTES).decode()):
                text = text.replace(char, _char_cache[char])
        else:  # Cyrillic, Greek, Arabic…: fold the whole string at once
            text = _fold_non_ascii(text)
        raw = text.encode()
    return raw.translate(_ASCII_FOLD)


def fold(text: str) -> str:
    """The folded words of `text`, joined by single spaces."""
    return b" ".join(_fold_bytes(text).split()).decode()


def folded_words(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return fold(text).split()


def _fold_separated(text: str) -> str:
    """`text` folded, separators as spaces (possibly several in a row)."""
    return _fold_bytes(text).decode()


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
