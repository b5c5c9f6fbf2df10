"""A deliberately naive rule evaluator: the yardstick the compiled matcher is tested against
(and benchmarked against in bench/match.py).

Each term is a regular expression over the folded words of one field; the query tree is
evaluated directly, rule by rule, and NEAR tries every combination of occurrences.
"""

import itertools
from collections.abc import Mapping
from functools import cache

import regex

from monitor.rules.matcher import Vocabulary
from monitor.rules.query import And, InField, Near, Node, Not, Or, Ref, Term
from monitor.rules.text import Field, folded_words

Occurrence = tuple[Field, int, int]


@cache
def _pattern(words: tuple[str, ...], prefix: bool) -> "regex.Pattern[str]":
    body = regex.escape(" ".join(words)) + (r"\S*" if prefix else "")
    return regex.compile(f" ({body})(?= )")


def _occurrences(term: Term, fields: Mapping[Field, str], only: Field | None) -> list[Occurrence]:
    found = []
    for name, text in fields.items():
        if only not in (None, name):
            continue
        for m in _pattern(term.words, term.prefix).finditer(text, overlapped=True):
            start = text.count(" ", 0, m.start())
            found.append((name, start, start + len(term.words)))
    return found


def _atoms(
    node: Node, vocab: Vocabulary, fields: Mapping[Field, str], only: Field | None
) -> list[Occurrence]:
    match node:
        case Term():
            return _occurrences(node, fields, only)
        case Ref(name=name):
            return [o for t in vocab.aliases(name) or () for o in _occurrences(t, fields, only)]
        case Or(children=kids):
            return [o for k in kids for o in _atoms(k, vocab, fields, only)]
    raise AssertionError(f"not a NEAR operand: {node}")


def _true(node: Node, vocab: Vocabulary, fields: Mapping[Field, str], only: Field | None) -> bool:
    match node:
        case Term() | Ref():
            return bool(_atoms(node, vocab, fields, only))
        case InField(field=field, child=child):
            return _true(child, vocab, fields, field)
        case Not(child=child):
            return not _true(child, vocab, fields, only)
        case And(children=kids):
            return all(_true(k, vocab, fields, only) for k in kids)
        case Or(children=kids):
            return any(_true(k, vocab, fields, only) for k in kids)
        case Near(distance=n, children=kids):
            options = [_atoms(k, vocab, fields, only) for k in kids]
            return any(
                len({o[0] for o in combo}) == 1
                and max(o[1] for o in combo) - min(o[2] for o in combo) <= n
                for combo in itertools.product(*options)
            )
    raise AssertionError(node)


def reference_fields(title: str, text: str) -> dict[Field, str]:
    """The folded words of each field, space-separated and space-framed."""
    return {
        "title": " " + " ".join(folded_words(title)) + " ",
        "text": " " + " ".join(folded_words(text)) + " ",
    }


def reference_true(node: Node, vocab: Vocabulary, fields: Mapping[Field, str]) -> bool:
    """Whether the query `node` matches an item already split by `reference_fields`."""
    return _true(node, vocab, fields, None)


def reference_match(node: Node, vocab: Vocabulary, title: str, text: str) -> bool:
    """Whether the query `node` matches an item with this title and text."""
    return reference_true(node, vocab, reference_fields(title, text))
