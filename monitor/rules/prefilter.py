"""A cheap, exact test that an item holds none of some terms: what lets `suggest` and near
misses read 300,000 stored items in seconds, normalising (`rules/text`) only the few that may.

Each term is looked for by its longest folded word, as a substring of the item's text in
lower case: a substring test over-matches (`kyiv` is in `kyivstar`), never under-matches, as
long as the lower-case text spells each word as folding does. It does for almost every
character (ASCII, Cyrillic, Chinese…); the few that fold otherwise, such as accented letters
(`é` → `e`), `ß` (`ss`), `й` (`и`), Arabic `ة` (`ه`), combining marks and separators
(removed: that can only join words, making more substrings, never fewer), are replaced by
their fold first, only in items that hold them. Kana with a separate voicing mark are
composed first, as folding composes them.
"""

import unicodedata
from bisect import bisect
from collections.abc import Iterable, Sequence

import ahocorasick

from monitor.items import Item
from monitor.rules.nodes import Term
from monitor.rules.text import fold

_ASCII = bytes(range(0x80))
_CACHE_LIMIT = 100_000
FEW = 24
CHUNK = 512
_SEPARATOR = "\x00"


class _Folds(dict[str, str | None]):
    """For each non-ASCII character met: its fold when lower case does not spell it alike,
    else None."""

    def __missing__(self, char: str) -> str | None:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        folded = fold(char)
        found = self[char] = None if folded == char.lower() else folded
        return found


_folds = _Folds()
_stable: set[str] = set()  # the characters met whose fold lower case spells alike
_VOICING = ("\u3099", "\u309a")  # kana voicing marks, which folding composes


def _spelt(raw: str) -> str:
    """`raw` in lower case, spelt as folding spells its words (see the module's docstring)."""
    if raw.isascii():
        return raw.lower()
    if _VOICING[0] in raw or _VOICING[1] in raw:
        raw = unicodedata.normalize("NFC", raw)
    spelt = raw.lower()
    for char in set(raw.encode().translate(None, _ASCII).decode()).difference(_stable):
        folded = _folds[char]
        if folded is None:
            if len(_stable) < _CACHE_LIMIT:
                _stable.add(char)
        else:
            spelt = spelt.replace(char.lower(), folded)
    return spelt


class Prefilter:
    """Which items may hold one of `terms` (the others certainly hold none)."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self._probes = sorted({max(term.words, key=len) for term in terms})
        # A few words are found fastest one by one (`find` skips through a text in C); many,
        # in one pass of an automaton.
        self._automaton: ahocorasick.Automaton | None = None
        if len(self._probes) > FEW:
            self._automaton = ahocorasick.Automaton()
            for word in self._probes:
                self._automaton.add_word(word, len(word))
            self._automaton.make_automaton()

    def _hits(self, spelt: str) -> list[int]:
        """Where in `spelt` a probe starts."""
        if self._automaton is not None:
            return [end - length + 1 for end, length in self._automaton.iter(spelt)]
        starts = []
        for word in self._probes:
            at = spelt.find(word)
            while at >= 0:
                starts.append(at)
                at = spelt.find(word, at + 1)
        return starts

    def candidates(self, items: Sequence[Item]) -> list[int]:
        """The indexes of the items that may hold one of the terms, in order. Items are read
        `CHUNK` at a time, joined: the work per character then runs in C."""
        found: list[int] = []
        for first in range(0, len(items), CHUNK):
            chunk = items[first : first + CHUNK]
            raw = _SEPARATOR.join(f"{i.title}\n{i.text}" for i in chunk)
            if raw.count(_SEPARATOR) != len(chunk) - 1:  # an item holds the separator itself
                found += [
                    first + n
                    for n, i in enumerate(chunk)
                    if self._hits(_spelt(f"{i.title}\n{i.text}"))
                ]
                continue
            spelt = _spelt(raw)
            starts = self._hits(spelt)
            if starts:
                bounds = _bounds(spelt)
                found += sorted({first + bisect(bounds, at) for at in starts})
        return found


def _bounds(spelt: str) -> list[int]:
    """Where the separators between the joined items are."""
    bounds = []
    at = spelt.find(_SEPARATOR)
    while at >= 0:
        bounds.append(at)
        at = spelt.find(_SEPARATOR, at + 1)
    return bounds
