"""Text normalisation shared by queries and items.

A *word* is a run of letters and digits in any script, with the combining marks that belong to
it (Arabic harakat, decomposed accents). Anything else separates words, so `Ukraine’s` yields
`Ukraine` + `s` and `non-combat` yields `non` + `combat`. Each word is folded: compatibility
decomposition, combining marks removed, case folded, so `Élysée`, `ELYSEE` and `elysée` are one
word. Folding happens per word, which keeps word *n* of the folded sequence aligned with word *n*
of the original text; that alignment is what lets a match be highlighted in the original.
"""

import unicodedata
from bisect import bisect_left
from itertools import accumulate
from typing import Literal

import regex

Field = Literal["title", "text"]
FIELDS: tuple[Field, ...] = ("title", "text")

_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}]*")
_NOT_WORD_CHAR = regex.compile(r"[^\p{L}\p{N}]+")
# Separates the title from the text in the scanned string. It is not a word character, so no
# pattern (built from folded words and single spaces) can contain it: phrases never span fields.
FIELD_SEPARATOR = "\n"
_FOLD_CACHE_LIMIT = 500_000


def fold_word(word: str) -> str:
    """Fold one word: NFKD, drop combining marks and other non-word characters, casefold."""
    decomposed = unicodedata.normalize("NFKD", word)
    folded = _NOT_WORD_CHAR.sub("", decomposed).casefold()
    # A word made only of characters that decompose to nothing wordlike keeps its own form.
    return folded or word.casefold()


class _FoldCache(dict[str, str]):
    """Memoises `fold_word`: news text repeats a small vocabulary, so most words are hits."""

    def __missing__(self, word: str) -> str:
        if len(self) >= _FOLD_CACHE_LIMIT:
            self.clear()
        folded = self[word] = fold_word(word)
        return folded


_fold_cache = _FoldCache()


def words(text: str) -> list[str]:
    """The words of `text`, as written."""
    return _WORD.findall(text)


def folded_words(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return list(map(_fold_cache.__getitem__, _WORD.findall(text)))


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character offsets (start, end) of each word of `text`, in order."""
    return [m.span() for m in _WORD.finditer(text)]


class NormalizedDoc:
    """An item's title and text as one scannable string of folded words.

    Layout: ``" " + title words + " \\n " + text words + " "``, words joined by single spaces,
    so every word is surrounded by spaces and a pattern ``" w1 w2 "`` matches whole words only.
    """

    __slots__ = ("_offsets", "scan", "text_base", "text_words", "title_words")

    def __init__(self, title_words: list[str], text_words: list[str]) -> None:
        self.title_words = title_words
        self.text_words = text_words
        head = " " + " ".join(title_words) + " " + FIELD_SEPARATOR
        self.scan = head + " " + " ".join(text_words) + " "
        self.text_base = len(head)  # index of the space in front of the text's first word
        self._offsets: tuple[list[int], list[int]] | None = None

    def locate(self, start: int) -> tuple[Field, int]:
        """Map the index of the space before a matched word to (field, word index in field)."""
        if self._offsets is None:
            # Built on the first hit only: most items hit nothing and never pay for it.
            self._offsets = (_space_offsets(self.title_words), _space_offsets(self.text_words))
        if start < self.text_base:
            return "title", bisect_left(self._offsets[0], start)
        return "text", bisect_left(self._offsets[1], start - self.text_base)


def _space_offsets(folded: list[str]) -> list[int]:
    """Offset of the space in front of each word, relative to the first one."""
    return list(accumulate((len(w) + 1 for w in folded[:-1]), initial=0))


def normalize(title: str, text: str) -> NormalizedDoc:
    """Fold an item's title and text into a `NormalizedDoc` for scanning."""
    return NormalizedDoc(folded_words(title), folded_words(text))
