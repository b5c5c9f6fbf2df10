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
from collections.abc import Iterable

import ahocorasick

from monitor.rules.nodes import Term
from monitor.rules.text import fold

_ASCII = bytes(range(0x80))
_CACHE_LIMIT = 100_000
FEW = 24


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


class Prefilter:
    """Whether an item may hold one of `terms` (False: it certainly holds none)."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self._probes = sorted({max(term.words, key=len) for term in terms})
        # A few words are found fastest one by one (`in` skips through a text in C); many,
        # in one pass of an automaton.
        self._automaton: ahocorasick.Automaton | None = None
        if len(self._probes) > FEW:
            self._automaton = ahocorasick.Automaton()
            for word in self._probes:
                self._automaton.add_word(word, word)
            self._automaton.make_automaton()

    def may_hold(self, title: str, text: str) -> bool:
        """Whether the item with this title and text may hold one of the terms."""
        raw = title + "\n" + text
        if raw.isascii():
            spelt = raw.lower()
        else:
            if _VOICING[0] in raw or _VOICING[1] in raw:
                raw = unicodedata.normalize("NFC", raw)
            spelt = raw.lower()
            chars = set(raw.encode().translate(None, _ASCII).decode())
            for char in chars.difference(_stable):
                folded = _folds[char]
                if folded is None:
                    if len(_stable) < _CACHE_LIMIT:
                        _stable.add(char)
                else:
                    spelt = spelt.replace(char.lower(), folded)
        if self._automaton is None:
            return any(word in spelt for word in self._probes)
        return next(self._automaton.iter(spelt), None) is not None
