"""A deliberately naive rule evaluator: the yardstick the compiled matcher is tested against
(and benchmarked against in bench/match.py).

Each field is its units (words, and characters of scripts written without spaces) separated by
spaces, or by `RUN` between touching characters of one run; each term is a regular expression
over it; the query tree is evaluated directly, rule by rule, and NEAR tries every combination
of occurrences. It shares
with the matcher only the folding and the list of Arabic and Hebrew prefixes
(`first_word_forms`), not how terms become automaton patterns.
"""

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import regex

from monitor.rules.lead import lead_units
from monitor.rules.matcher import Vocabulary
from monitor.rules.nodes import (
    And,
    AtLeast,
    InField,
    Lang,
    Near,
    Node,
    Not,
    Or,
    QueryField,
    Ref,
    Term,
)
from monitor.rules.patterns import first_word_forms
from monitor.rules.text import Field, fold, fold_cased, units

Occurrence = tuple[Field, int, int]
RUN = "\x01"  # between two units of one run of a script without spaces


@dataclass(frozen=True)
class Words:
    """One field: its units framed by spaces, `RUN` between touching ones; and their case;
    how many of its first units are in the lead (all of a title's)."""

    joined: str
    cased: list[str]
    lead: int


def _joined(words: list[str]) -> str:
    return " ".join(RUN.join(units(word)) for word in words)


@cache
def _pattern(words: tuple[str, ...], prefix: bool) -> "regex.Pattern[str]":
    first, *rest = words
    forms = "|".join(regex.escape(_joined([form, *rest])) for form in first_word_forms(first))
    # A unit starts after a space, or after RUN inside a run: a term whose first unit is not
    # of such a run can only start after a space (RUN is never next to one of its words).
    tail = r"[^ \x01]*" if prefix else ""
    return regex.compile(f"(?<=[ {RUN}])(?:{forms}){tail}(?=[ {RUN}])")


def _same_case(found: list[str], term: Term) -> bool:
    exact = term.exact or ()
    last = found[-1].startswith(exact[-1]) if term.prefix else found[-1] == exact[-1]
    return list(found[:-1]) == list(exact[:-1]) and last


def _occurrences(
    term: Term, fields: Mapping[Field, Words], only: QueryField | None
) -> list[Occurrence]:
    n_words = len(units(" ".join(term.words)))
    found = []
    for name, words in fields.items():
        if only not in (None, name, "lead"):
            continue
        for m in _pattern(term.words, term.prefix).finditer(words.joined, overlapped=True):
            start = words.joined.count(" ", 0, m.start()) + words.joined.count(RUN, 0, m.start())
            start -= 1  # the field starts with a space
            if only == "lead" and start >= words.lead:
                continue
            if term.exact is None or _same_case(words.cased[start : start + n_words], term):
                found.append((name, start, start + n_words))
    return found


def _atoms(
    node: Node, vocab: Vocabulary, fields: Mapping[Field, Words], only: QueryField | None
) -> list[Occurrence]:
    match node:
        case Term():
            return _occurrences(node, fields, only)
        case Ref(name=name):
            return [o for t in vocab.aliases(name) or () for o in _occurrences(t, fields, only)]
        case Or(children=kids):
            return [o for k in kids for o in _atoms(k, vocab, fields, only)]
    raise AssertionError(f"not a NEAR operand: {node}")


@dataclass(frozen=True)
class _Story:
    fields: Mapping[Field, Words]
    language: str | None


def _true(node: Node, vocab: Vocabulary, story: _Story, only: QueryField | None) -> bool:
    match node:
        case Term() | Ref():
            return bool(_atoms(node, vocab, story.fields, only))
        case InField(field=field, child=child):
            return _true(child, vocab, story, field)
        case Lang(codes=codes):
            return story.language in codes
        case Not(child=child):
            return not _true(child, vocab, story, only)
        case And(children=kids):
            return all(_true(k, vocab, story, only) for k in kids)
        case Or(children=kids):
            return any(_true(k, vocab, story, only) for k in kids)
        case Near(distance=n, children=kids):
            options = [_atoms(k, vocab, story.fields, only) for k in kids]
            return any(
                len({o[0] for o in combo}) == 1
                and max(o[1] for o in combo) - min(o[2] for o in combo) <= n
                for combo in itertools.product(*options)
            )
        case AtLeast(count=n, child=child):
            return len({o[:2] for o in _atoms(child, vocab, story.fields, only)}) >= n
    raise AssertionError(node)


def _words(value: str, lead: int) -> Words:
    return Words(" " + _joined(fold(value).split()) + " ", units(fold_cased(value)), lead)


def reference_fields(title: str, text: str) -> dict[Field, Words]:
    """The words of each field."""
    return {"title": _words(title, len(units(fold(title)))), "text": _words(text, lead_units(text))}


def reference_true(
    node: Node, vocab: Vocabulary, fields: Mapping[Field, Words], language: str | None = None
) -> bool:
    """Whether the query `node` matches an item already split by `reference_fields`, whose
    language is `language`."""
    return _true(node, vocab, _Story(fields, language), None)


def reference_match(
    node: Node, vocab: Vocabulary, title: str, text: str, language: str | None = None
) -> bool:
    """Whether the query `node` matches an item with this title, text and language."""
    return reference_true(node, vocab, reference_fields(title, text), language)
