"""Which words are specific to a set of items, against a background (pure): what near misses
and suggestions show (`rules/near_miss`, `rules/suggest`).

- An item's words are the rule language's own (`rules/text`): folded, so case and accents
  never split a word; in scripts without spaces, where a whole clause is one run, each pair of
  touching characters (`乌克`, `克兰`) is a word. Digits and single letters are left out.
- Arabic and Hebrew attach prefixes to words: a word is counted under a shorter form when the
  items hold that form too and the rule language would match the longer one with it
  (`rules/patterns.first_word_forms`): `وأوكرانيا` counts as `أوكرانيا`.
- Words that no rule should be built on are dropped: those in more than `STOP_SHARE` of the
  history's items of some language (the, и, de, 的…), among languages of at least
  `MIN_LANGUAGE_ITEMS` items; and, since a language of fewer items tells nothing by its
  frequencies, those that mostly occur in items of a language whose stop-word list (the
  `stop-words` package's, for 33 languages; in scripts without spaces its words are single
  characters, which no pair is) has them: a history of ten Spanish stories no longer suggests
  *es* or *la*. "Mostly" keeps a word two languages share: *war* is a German stop word
  ("was"), and a history of English war reports still suggests it.
- Specificity is the log-odds ratio of a word's document frequency in the items against the
  background, with ½ added to every count, divided by its standard error (Monroe, Colaresi and
  Quinn's z-score): frequent and specific words first, and a word seen once does not win on
  its ratio alone.
"""

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from stop_words import StopWordError, get_stop_words

from monitor.rules.patterns import first_word_forms
from monitor.rules.text import folded_words, starts_without_space, units

STOP_SHARE = 0.1
MIN_LANGUAGE_ITEMS = 20
MIN_ITEMS = 2  # a word must occur in at least this many of the items to be shown
_PREFIXED = range(1, 5)  # how many letters an attached prefix may have (و, وب, وبال…)


def item_words(title: str, text: str) -> set[str]:
    """The distinct words of an item, as near misses count them."""
    found: set[str] = set()
    for word in folded_words(title + "\n" + text):
        if starts_without_space(word):
            pieces = units(word)
            found.update(a + b for a, b in itertools.pairwise(pieces))
        elif len(word) > 1 and not word.isdigit():
            found.add(word)
    return found


@dataclass(frozen=True, slots=True)
class Background:
    """What the items are compared with: the number of items of each language, and of those
    how many hold each word."""

    items: Counter[str | None]
    counts: dict[str | None, Counter[str]]

    def pooled(self) -> "Background":
        """The same items, all languages counted as one (key None)."""
        counts: Counter[str] = Counter()
        for found in self.counts.values():
            counts.update(found)
        return Background(Counter({None: sum(self.items.values())}), {None: counts})

    @classmethod
    def of(cls, docs: Iterable[tuple[str | None, set[str]]]) -> "Background":
        """The background of these (language, words) items."""
        items: Counter[str | None] = Counter()
        counts: dict[str | None, Counter[str]] = defaultdict(Counter)
        for language, words in docs:
            items[language] += 1
            counts[language].update(words)
        return cls(items, dict(counts))

    def seen(self, word: str, language: str | None) -> int:
        """In how many items of `language` the word occurs, in any of its prefixed forms."""
        counts = self.counts.get(language)
        return sum(counts[form] for form in first_word_forms(word)) if counts else 0

    def common(self, word: str) -> bool:
        """Whether `word` is in more than `STOP_SHARE` of the items of some language, or is
        mostly in items of languages whose stop words it is among (see the module's
        docstring)."""
        held = listed = 0
        for language, total in self.items.items():
            seen = self.seen(word, language)
            if total >= MIN_LANGUAGE_ITEMS and seen > STOP_SHARE * total:
                return True
            held += seen
            if seen and word in stop_words(language):
                listed += seen
        return 2 * listed > held


@lru_cache(maxsize=64)
def stop_words(language: str | None) -> frozenset[str]:
    """The stop words of `language` (an ISO 639-1 code), as `item_words` counts words; none
    for a language the `stop-words` package does not list."""
    try:
        listed = get_stop_words(language) if language else []
    except StopWordError:
        listed = []
    return frozenset(word for written in listed for word in item_words(written, ""))


@dataclass(frozen=True, slots=True)
class Specific:
    """A word specific to some items: in how many of them it occurs, and its z-score."""

    word: str
    items: int
    score: float


def _stems(index: dict[str, set[int]]) -> dict[str, set[int]]:
    """`index` (word → the items holding it) with prefixed Arabic and Hebrew words counted
    under their shorter form, when that form occurs too."""
    merged = {word: set(found) for word, found in index.items()}
    for word in sorted(index, key=len, reverse=True):
        for cut in _PREFIXED:
            stem = word[cut:]
            if stem in merged and stem != word and word in first_word_forms(stem):
                merged[stem] |= merged.pop(word, set())
                break
    return merged


def _z(found: int, total: int, background: int, background_total: int) -> float:
    """Monroe et al.'s z-score of the log-odds ratio, every count plus ½."""
    a, b = found + 0.5, total - found + 0.5
    c, d = background + 0.5, max(background_total - background, 0) + 0.5
    return (math.log(a / b) - math.log(c / d)) / math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)


def specific_words(
    docs: Sequence[set[str]],
    language: str | None,
    background: Background,
    known: Callable[[str], bool],
    *,
    limit: int = 8,
    history: Background | None = None,
) -> list[Specific]:
    """The words most specific to `docs` (items of `language`) against the background's items
    of that language; words for which `known` is true (the rule's own) are left out, and those
    common in the `history` (by default, the background)."""
    common = (history or background).common
    index: dict[str, set[int]] = defaultdict(set)
    for number, words in enumerate(docs):
        for word in words:
            index[word].add(number)
    total = background.items.get(language, 0)
    ranked = []
    for word, found in _stems(index).items():
        if len(found) < MIN_ITEMS or known(word) or common(word):
            continue
        seen = background.seen(word, language)
        score = _z(len(found), len(docs), seen, total)
        if score > 0:
            ranked.append(Specific(word, len(found), score))
    ranked.sort(key=lambda s: (-s.score, s.word))
    return ranked[:limit]
