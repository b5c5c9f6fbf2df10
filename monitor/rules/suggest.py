"""Suggestions for a rule, each with its effect on the stored items (pure); nothing applied.

- **Add a term to a part**: for a rule of several required parts (`rules/near_miss`), the words
  most specific to the near misses that lack that part; adding one to the part turns exactly
  the near misses that hold it into matches. For a rule of one part, the words most specific
  to the items it matches; adding one matches the other items that hold it.
- **Exclude a word**: the words most specific to the matched items the user rejected ("not
  relevant"), against the matched items kept; `-word` removes every matched item that holds
  it, rejected or not.

Each suggestion says how many alerts it adds or removes over the items scanned, and how many of
those were rejected. `apply` writes accepted suggestions into the query (the bench accepts
some; the command only shows them).
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from monitor.items import Item
from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.near_miss import Scan, groups, known_words, specific_to, split, terms
from monitor.rules.nodes import And, Node, Not, Or, Term, to_string
from monitor.rules.patterns import first_word_forms
from monitor.rules.prefilter import Prefilter
from monitor.rules.query import parse_alias
from monitor.rules.words import Background, item_words, specific_words

PER_PART = 5  # term suggestions per part
EXCLUSIONS = 3


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Add `term` to required part `part` (an index into the rule's parts), or with `part`
    None exclude it; the effect: `alerts` more (fewer, if negative), `rejected` of them
    rejected by the user."""

    term: Term
    part: int | None
    alerts: int
    rejected: int
    score: float


def _holds(word: str) -> Callable[[set[str]], bool]:
    """Whether an item's words (`rules/words.item_words`) hold `word` as a term would match it."""
    forms = set(first_word_forms(word))
    return lambda words: not forms.isdisjoint(words)


def additions(
    node: Node,
    vocabulary: Vocabulary,
    found: Scan,
    items: Sequence[Item],
    rejected: Collection[str],
) -> list[Suggestion]:
    """Terms to add to the rule's parts; `items` are the items `found` scanned (a rule of one
    part is measured against all of them), `rejected` the story keys the user rejected."""
    known = known_words(terms(node, vocabulary))
    suggestions = []
    if len(found.parts) > 1:
        for group in groups(found, known, PER_PART):
            docs = [item_words(i.title, i.text) for i in group.items]
            ranked = sorted(
                {s.word: s.score for ws in group.words.values() for s in ws}.items(),
                key=lambda pair: -pair[1],
            )[:PER_PART]
            for word, score in ranked:
                holds = _holds(word)
                hit = [i for i, d in zip(group.items, docs, strict=True) if holds(d)]
                suggestions.append(_suggestion(word, group.part, hit, rejected, score))
        return suggestions
    _languages, words = specific_to(found.matched, found, known, PER_PART)
    ranked = sorted(((s.word, s.score) for ws in words.values() for s in ws), key=lambda p: -p[1])
    if not ranked:
        return []
    # One more pass over the items, with the rule as each suggestion would make it.
    added = {word: Suggestion(parse_alias(word), 0, 0, 0, score) for word, score in ranked}
    probe = Matcher({w: apply(node, [s]) for w, s in added.items()}, vocabulary)
    prefilter = Prefilter(s.term for s in added.values())  # a new match holds a new term
    matched = {i.story_key for i in found.matched}
    hits: dict[str, list[Item]] = {word: [] for word in added}
    for item in map(items.__getitem__, prefilter.candidates(items)):
        if item.story_key in matched:
            continue
        for match in probe.match(item.title, item.text, language=item.language).matches:
            hits[match.rule].append(item)
    return [_suggestion(w, 0, hits[w], rejected, score) for w, score in ranked]


def _suggestion(
    word: str, part: int | None, hit: Sequence[Item], rejected: Collection[str], score: float
) -> Suggestion:
    count = len({i.story_key for i in hit})
    refused = len({i.story_key for i in hit if i.story_key in rejected})
    return Suggestion(
        parse_alias(word), part, count if part is not None else -count, refused, score
    )


def exclusions(
    node: Node, vocabulary: Vocabulary, found: Scan, rejected: Collection[str]
) -> list[Suggestion]:
    """Words to exclude (`-word`) that remove the matched items the user rejected."""
    refused = [i for i in found.matched if i.story_key in rejected]
    if not refused:
        return []
    kept = [i for i in found.matched if i.story_key not in rejected]
    known = known_words(terms(node, vocabulary))
    kept_words = [item_words(i.title, i.text) for i in kept]
    background = Background.of((None, words) for words in kept_words)
    refused_words = [item_words(i.title, i.text) for i in refused]
    out = []
    for specific in specific_words(
        refused_words, None, background, known, limit=EXCLUSIONS, history=found.history
    ):
        holds = _holds(specific.word)
        hit = [i for i in found.matched if holds(item_words(i.title, i.text))]
        out.append(_suggestion(specific.word, None, hit, rejected, specific.score))
    return out


def apply(node: Node, suggestions: Sequence[Suggestion]) -> Node:
    """The query with these suggestions written in: terms OR-ed into their parts, exclusions
    AND-ed as `NOT term`."""
    parts, conditions = split(node)
    for suggestion in suggestions:
        if suggestion.part is None:
            conditions.append(Not(suggestion.term, node.pos))
        else:
            part = parts[suggestion.part]
            kids = part.children if isinstance(part, Or) else (part,)
            parts[suggestion.part] = Or((*kids, suggestion.term), part.pos)
    operands = (*parts, *conditions)
    return operands[0] if len(operands) == 1 else And(operands, node.pos)


def described(suggestion: Suggestion, node: Node) -> str:
    """What the suggestion changes, in the query's own words."""
    word = to_string(suggestion.term)
    if suggestion.part is None:
        return f"exclude {word}: add -{word}"
    part = to_string(split(node)[0][suggestion.part])
    return f"add {word} to {part}: ({part} OR {word})"
