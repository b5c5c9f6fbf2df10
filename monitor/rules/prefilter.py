"""A cheap, exact test that an item holds none of some terms: what lets `suggest` and near
misses read 300,000 stored items in seconds, normalising (`rules/text`) only the few that may.

Each term is looked for by its longest folded word, as a substring of the item's text
case-folded: a substring test over-matches (`kyiv` is in `kyivstar`), never under-matches,
as long as the case-folded text spells each word as folding does. It does for almost every
character (ASCII, Cyrillic, Chinese…), and separators do not matter (they can only split a
word, never make one); the few that fold otherwise, such as accented letters (`é` → `e`), `й`
(`и`), Arabic `ة` (`ه`) or combining marks (removed), are replaced by their fold first, only
in items that hold them (composed first: `e` + U+0301 is `é`).
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
    """For each non-ASCII character met: its fold when case folding does not spell it alike,
    else None. (A separator's fold is "": removing it can only join words, which makes more
    substrings, never fewer.)"""

    def __missing__(self, char: str) -> str | None:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        folded = fold(char)
        found = self[char] = None if folded == char.casefold() else folded
        return found


_folds = _Folds()
_stable: set[str] = set()  # the characters met whose fold case folding spells alike


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
            # Composed first, as folding composes kana with their voicing marks.
            raw = unicodedata.normalize("NFC", raw)
            spelt = raw.casefold()
            chars = set(raw.encode().translate(None, _ASCII).decode())
            for char in chars.difference(_stable):
                folded = _folds[char]
                if folded is None:
                    if len(_stable) < _CACHE_LIMIT:
                        _stable.add(char)
                else:
                    spelt = spelt.replace(char.casefold(), folded)
        if self._automaton is None:
            return any(word in spelt for word in self._probes)
        return next(self._automaton.iter(spelt), None) is not None
