"""Near misses: stored items that satisfy all but one required part of a rule (pure).

A rule's *required parts* are the operands of its top-level AND other than `NOT …` and
`lang:`, which are its *conditions* (`@France AND @Ukraine AND @troops -sport` has three parts
and one condition). A near miss meets every condition and all parts but one; near misses are
grouped by the part they miss, and each group shows, per language present, the words most
specific to it (`rules/words`) that the rule's own terms do not already match: the words the
rule's author did not think of ("contingent", "instructors", "военных" for `@troops`).

Words are counted over the whole group, all languages together (a name such as `AFAD` is
written alike in many), against the history likewise, and each is shown under the language
of most of the items that hold it.

`scan` reads the items once: those that hold none of the rule's terms are passed over by a
cheap exact test (`rules/prefilter`), the others matched against a matcher of the parts;
words are worked out only for near misses, for the matched items, and for a sample of at
most `SAMPLE` items, the background that specificity is measured against.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from monitor.items import Item
from monitor.rules.language import language_of
from monitor.rules.lint import matches_without_terms
from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.nodes import And, AtLeast, InField, Lang, Near, Node, Not, Or, Ref, Term
from monitor.rules.patterns import first_word_forms
from monitor.rules.prefilter import Prefilter
from monitor.rules.text import starts_without_space
from monitor.rules.words import Background, Specific, item_words, specific_words

SAMPLE = 3_000
GUARD = "conditions"


def split(node: Node) -> tuple[list[Node], list[Node]]:
    """A rule's required parts and its conditions (`NOT …`, `lang:`), in query order."""
    if isinstance(node, And):
        parts: list[Node] = []
        conditions: list[Node] = []
        for kid in node.children:
            more_parts, more_conditions = split(kid)
            parts += more_parts
            conditions += more_conditions
        return parts, conditions
    if isinstance(node, Not | Lang):
        return [], [node]
    return [node], []


def terms(node: Node, vocabulary: Vocabulary) -> list[Term]:
    """Every term a query names, its `@Name`s' aliases included, outside `NOT`."""
    match node:
        case Term():
            return [node]
        case Ref(name=name):
            return list(vocabulary.aliases(name) or ())
        case InField(child=child) | AtLeast(child=child):
            return terms(child, vocabulary)
        case And(children=kids) | Or(children=kids) | Near(children=kids):
            return [t for kid in kids for t in terms(kid, vocabulary)]
    return []


def known_words(rule_terms: Iterable[Term]) -> Callable[[str], bool]:
    """Whether a word (as `rules/words` counts them) is one the terms already match."""
    words: set[str] = set()
    prefixes: list[str] = []
    runs: list[str] = []
    for term in rule_terms:
        for word in term.words:
            words.update(first_word_forms(word))
            if starts_without_space(word) or (len(word) > 1 and starts_without_space(word[-1])):
                runs.append(word)
        if term.prefix:
            prefixes.append(term.words[-1])
    starts = tuple(prefixes)
    return lambda word: word in words or word.startswith(starts) or any(word in r for r in runs)


@dataclass
class Scan:
    """A rule against stored items: those it matches, its near misses by the part they miss
    (index into `parts`), and a background sample of (language, words)."""

    parts: list[Node]
    matched: list[Item] = field(default_factory=list)
    near: dict[int, list[Item]] = field(default_factory=dict)
    sample: list[tuple[str | None, set[str]]] = field(default_factory=list)
    total: int = 0

    @cached_property
    def history(self) -> Background:
        """The sample's words by language (what is common in a language is no suggestion)."""
        return Background.of(self.sample)

    @cached_property
    def pooled(self) -> Background:
        """The sample's words, all languages together: what specificity is measured against."""
        return self.history.pooled()


def scan(node: Node, vocabulary: Vocabulary, items: Sequence[Item], sample: int = SAMPLE) -> Scan:
    """Judge every item against the rule's parts: matched, near miss, or neither."""
    parts, conditions = split(node)
    by_part = Matcher({str(i): part for i, part in enumerate(parts)}, vocabulary)
    guard = Matcher({GUARD: And(tuple(conditions), node.pos)}, vocabulary) if conditions else None
    found = Scan(parts, total=len(items))
    for item in items[:: max(1, -(-len(items) // sample))]:  # a systematic sample
        language = language_of(item.title, item.text, item.language)
        found.sample.append((language, item_words(item.title, item.text)))
    # An item none of whose parts can hold without their terms needs one of the terms.
    needs_terms = not any(matches_without_terms(part) for part in parts)
    prefilter = Prefilter(terms(node, vocabulary))
    for item in map(items.__getitem__, prefilter.candidates(items)) if needs_terms else items:
        held = by_part.match(item.title, item.text, language=item.language).matches
        if len(held) < len(parts) - 1 or (not held and len(parts) < 2):
            continue
        if (
            guard is not None
            and not guard.match(item.title, item.text, language=item.language).matches
        ):
            continue
        if len(held) == len(parts):
            found.matched.append(item)
        elif len(parts) > 1:
            missing = set(range(len(parts))) - {int(m.rule) for m in held}
            found.near.setdefault(missing.pop(), []).append(item)
    return found


@dataclass(frozen=True, slots=True)
class Group:
    """The near misses that lack one part: how many, in which languages, and the words most
    specific to them in each language."""

    part: int
    items: tuple[Item, ...]
    languages: tuple[tuple[str | None, int], ...]
    words: dict[str | None, list[Specific]]


def specific_to(
    items: Sequence[Item], found: Scan, known: Callable[[str], bool], limit: int
) -> tuple[Counter[str | None], dict[str | None, list[Specific]]]:
    """The languages of `items`, and the words most specific to them against the scan's
    history, each under the language of most of the items holding it, best first."""
    languages = [language_of(i.title, i.text, i.language) for i in items]
    docs = [item_words(i.title, i.text) for i in items]
    ranked = specific_words(docs, None, found.pooled, known, limit=limit, history=found.history)
    words: dict[str | None, list[Specific]] = {}
    for specific in ranked:
        holders = Counter(
            lang for lang, d in zip(languages, docs, strict=True) if specific.word in d
        )
        main = holders.most_common(1)[0][0] if holders else None
        words.setdefault(main, []).append(specific)
    return Counter(languages), words


def groups(found: Scan, known: Callable[[str], bool], limit: int = 8) -> list[Group]:
    """The near-miss groups of a scan, largest first."""
    shown = []
    for part, items in found.near.items():
        languages, words = specific_to(items, found, known, limit)
        shown.append(Group(part, tuple(items), tuple(languages.most_common()), words))
    shown.sort(key=lambda g: (-len(g.items), g.part))
    return shown
