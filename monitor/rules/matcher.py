"""All rules compiled into one Aho-Corasick automaton plus a per-rule boolean evaluation.

Every distinct term (word, prefix or phrase, folded) of every rule and every actor/topic alias is
one pattern in a single automaton over the `NormalizedDoc` scan string. Scanning an item once
yields every occurrence of every term; which field and word it is in is worked out only for the
terms of rules that are candidates.

Presearch, as Lucene Monitor does it: an *anchor set* of a rule is a set of terms one of which
occurs in every item the rule matches (`A AND (B OR C)` has {A} and {B, C}; `NOT x` has none).
A rule is indexed under its two most selective anchor sets and is evaluated only for items that
hit both (a rule with one set is indexed under it twice). Rules with no anchor set are evaluated
for every item.

Each pattern's value in the automaton is its `Pattern`: the term and the rules it anchors. So the
scan hands back, in C, everything the presearch needs: no per-occurrence Python code and no index
look-ups, which at 10,000 rules were most of the time spent after normalisation.
"""

import difflib
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from types import CodeType, FunctionType
from typing import NamedTuple

import ahocorasick

from monitor.rules.query import And, InField, Near, Node, Not, Or, QueryError, Ref, Term, refs
from monitor.rules.text import Field, NormalizedDoc, normalize


class Span(NamedTuple):
    """Words `start` to `end` (exclusive) of `field` made a rule true (a tuple: made per hit)."""

    field: Field
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Named alias lists that `@Name` refers to: actors (shown in alerts) and topics."""

    actors: Mapping[str, Sequence[Term]] = field(default_factory=dict)
    topics: Mapping[str, Sequence[Term]] = field(default_factory=dict)

    def aliases(self, name: str) -> Sequence[Term] | None:
        """The aliases of actor or topic `name`, or None if neither exists."""
        found = self.actors.get(name)
        return found if found is not None else self.topics.get(name)

    def unknown(self, node: Node) -> QueryError | None:
        """An error for the first `@Name` in `node` that names no actor or topic."""
        for ref in refs(node):
            if self.aliases(ref.name) is None:
                close = difflib.get_close_matches(ref.name, [*self.actors, *self.topics], n=1)
                hint = f" (did you mean @{close[0]}?)" if close else ""
                return QueryError(f"unknown @{ref.name}{hint}", ref.pos)
        return None


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """Rule `rule` matched; `spans` are the words that made it true, sorted."""

    rule: str
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What one item matched: the rules and the actors mentioned anywhere in it."""

    matches: tuple[RuleMatch, ...]
    actors: tuple[str, ...]

    def spans(self) -> tuple[Span, ...]:
        """The union of all matched spans, sorted."""
        return tuple(sorted({s for m in self.matches for s in m.spans}))


# Compiled evaluation nodes: plain tuples keep evaluation fast and the code small.
# ("t", term_id, field|None) | ("and", kids) | ("or", kids) | ("not", kid) | ("near", n, kids)
_Compiled = tuple[object, ...]
_Predicate = Callable[["Hits"], bool]


class Pattern(NamedTuple):
    """What the automaton yields for a term: its id, and the rules it is an anchor for, under
    their first and their second anchor set."""

    term_id: int
    first: tuple[int, ...]
    second: tuple[int, ...]


# Pattern fields by position: itemgetter runs in C, so map() over hits stays in C.
_TERM_ID, _FIRST, _SECOND = (itemgetter(i) for i in range(3))
_VALUE = itemgetter(1)  # of the automaton's (end index, value) pairs


class Matcher:
    """Rules compiled for matching; build once per config, use for every item."""

    def __init__(self, rules: Mapping[str, Node], vocabulary: Vocabulary) -> None:
        self._term_ids: dict[tuple[tuple[str, ...], bool], int] = {}
        self._terms: list[tuple[tuple[str, ...], bool]] = []
        self._rules: list[tuple[str, _Compiled, _Predicate]] = []
        # Presearch indexes: term id → rules for which that term is in the first (second)
        # anchor set.
        first: defaultdict[int, list[int]] = defaultdict(list)
        second: defaultdict[int, list[int]] = defaultdict(list)
        self._always: list[int] = []
        for name, node in rules.items():
            error = vocabulary.unknown(node)
            if error is not None:
                raise error
            index = len(self._rules)
            compiled = self._compile(node, None, vocabulary)
            self._rules.append((name, compiled, _predicate(compiled)))
            anchors = sorted(self._anchor_sets(compiled), key=self._expected_hits)[:2]
            if not anchors:
                self._always.append(index)
            # The rule is a candidate when both sets were hit: it is in what the first index
            # yields and in what the second yields. With one set, both indexes hold it.
            if len(anchors) == 1:
                anchors *= 2
            for which, anchor_set in zip((first, second), anchors, strict=False):
                for term_id in anchor_set:
                    which[term_id].append(index)
        self._predicates = [is_true for _name, _compiled, is_true in self._rules]
        self._actor_terms = {
            name: [self._intern(t) for t in aliases] for name, aliases in vocabulary.actors.items()
        }
        self._automaton = ahocorasick.Automaton()
        self._shapes: list[tuple[int, int]] = []
        for term_id, (words, prefix) in enumerate(self._terms):
            pattern = " " + " ".join(words) + ("" if prefix else " ")
            # Two terms can share a pattern only if identical; _intern prevents that.
            entry = Pattern(term_id, tuple(first[term_id]), tuple(second[term_id]))
            self._automaton.add_word(pattern, entry)
            self._shapes.append((len(pattern), len(words)))
        if self._terms:
            self._automaton.make_automaton()

    def _intern(self, term: Term) -> int:
        key = (term.words, term.prefix)
        term_id = self._term_ids.get(key)
        if term_id is None:
            term_id = self._term_ids[key] = len(self._terms)
            self._terms.append(key)
        return term_id

    def _compile(self, node: Node, in_field: Field | None, vocab: Vocabulary) -> _Compiled:
        match node:
            case Term():
                return ("t", self._intern(node), in_field)
            case Ref(name=name):
                aliases = vocab.aliases(name) or ()
                return ("or", tuple(("t", self._intern(a), in_field) for a in aliases))
            case InField(field=f, child=child):
                return self._compile(child, f, vocab)
            case Not(child=child):
                return ("not", self._compile(child, in_field, vocab))
            case And(children=kids):
                return ("and", tuple(self._compile(k, in_field, vocab) for k in kids))
            case Or(children=kids):
                return ("or", tuple(self._compile(k, in_field, vocab) for k in kids))
            case Near(distance=n, children=kids):
                return ("near", n, tuple(self._compile(k, in_field, vocab) for k in kids))

    def _anchor_sets(self, node: _Compiled) -> list[frozenset[int]]:
        """Sets of terms such that, whenever `node` is true, each set has a term that occurs."""
        kind = node[0]
        if kind == "t":
            return [frozenset((node[1],))]  # type: ignore[arg-type]
        if kind == "not":
            return []
        if kind == "or":
            best = []
            for kid in node[1]:  # type: ignore[attr-defined]
                sets = self._anchor_sets(kid)
                if not sets:
                    return []  # one alternative needs no term, so the OR needs none
                best.append(min(sets, key=self._expected_hits))
            return [frozenset().union(*best)]
        kids = node[1] if kind == "and" else node[2]
        return [s for kid in kids for s in self._anchor_sets(kid)]  # type: ignore[attr-defined]

    def _expected_hits(self, anchors: frozenset[int]) -> float:
        """A guess at how often one of `anchors` occurs: long words and phrases are rarer."""
        total = 0.0
        for term_id in anchors:
            words, prefix = self._terms[term_id]
            total += 1 / (sum(map(len, words)) + 4 * (len(words) - 1) - (3 if prefix else 0) + 4)
        return total

    def match(self, title: str, text: str, only: Collection[str] | None = None) -> MatchResult:
        """Match an item against the rules: all of them, or only those named in `only` (pass a
        set: it is consulted once per candidate rule)."""
        doc = normalize(title, text)
        # list() drains the automaton in C: no Python code runs per occurrence.
        found = list(self._automaton.iter(doc.scan)) if self._terms else []
        # Presearch: rules in both what the hits' first and second anchor sets yield.
        candidates = set(chain.from_iterable(map(_FIRST, map(_VALUE, found))))
        if candidates:
            candidates.intersection_update(chain.from_iterable(map(_SECOND, map(_VALUE, found))))
        candidates.update(self._always)
        if not candidates:
            return _NO_MATCH  # most items, at no further cost
        hits = Hits(doc, found, self._shapes)
        predicates = self._predicates
        matched = [i for i in candidates if predicates[i](hits)]
        matches = []
        for index in sorted(matched):
            name, compiled, _is_true = self._rules[index]
            if only is None or name in only:
                spans = _evaluate(compiled, hits) or []
                matches.append(RuleMatch(name, tuple(sorted(set(spans)))))
        actors: tuple[str, ...] = ()
        if matches:
            actors = tuple(n for n, ids in self._actor_terms.items() if any(i in hits for i in ids))
        return MatchResult(tuple(matches), actors)


_NO_MATCH = MatchResult((), ())


class Hits(set[int]):
    """The ids of the terms that occur in one document. Where they occur is worked out only
    when asked, which is for the few rules that are candidates or matched."""

    __slots__ = ("_found", "_shapes", "_spans", "doc")

    def __init__(
        self,
        doc: NormalizedDoc,
        found: list[tuple[int, Pattern]],
        shapes: Sequence[tuple[int, int]],
    ) -> None:
        super().__init__(map(_TERM_ID, map(_VALUE, found)))
        self.doc = doc
        self._found = found  # (index of the pattern's last character, pattern), as scanned
        self._shapes = shapes  # term id → (pattern length, word count)
        self._spans: dict[int, list[Span]] = {}

    def spans(self, term_id: int) -> list[Span]:
        """Where term `term_id` occurs, in words (empty if nowhere)."""
        spans = self._spans.get(term_id)
        if spans is None:
            length, n_words = self._shapes[term_id]
            ends = [end for end, pattern in self._found if pattern.term_id == term_id]
            where = map(self.doc.locate, [end - length + 1 for end in ends])
            spans = self._spans[term_id] = [Span(f, word, word + n_words) for f, word in where]
        return spans


def _predicate(node: _Compiled) -> _Predicate:
    """A fast yes/no for `node`: one flat function per rule, such as
    ``lambda h, t0=3, t1=5: t0 in h and (t1 in h or …)``, so that deciding a candidate rule
    costs one call. Spans are worked out (by `_evaluate`) only on a yes.

    The code object depends only on the query's shape, so rules of the same shape share one
    compiled code object and differ in their default arguments (the term ids).
    """
    values: list[object] = []
    source = _predicate_source(node, values)
    params = ", ".join(f"v{i}" for i in range(len(values)))
    code = _PREDICATE_CODE.get(source)
    if code is None:
        function = eval(f"lambda h, {params}: {source}" if values else f"lambda h: {source}")  # noqa: S307
        code = _PREDICATE_CODE[source] = function.__code__
    return FunctionType(code, _PREDICATE_GLOBALS, "rule", tuple(values))


def _predicate_source(node: _Compiled, values: list[object]) -> str:
    """The expression for `node`, its term ids and NEAR nodes appended to `values`."""
    kind = node[0]
    if kind == "t":
        values.append(node[1])
        term = f"v{len(values) - 1}"
        if node[2] is None:
            return f"({term} in h)"
        values.append(node[2])
        return f"_in_field(h, {term}, v{len(values) - 1})"
    if kind == "not":
        return f"(not {_predicate_source(node[1], values)})"  # type: ignore[arg-type]
    if kind == "near":
        values.append(node)
        return f"_near_true(h, v{len(values) - 1})"
    parts = [_predicate_source(kid, values) for kid in node[1]]  # type: ignore[attr-defined]
    joined = f" {kind} ".join(parts)
    return f"({joined})" if parts else ("True" if kind == "and" else "False")


def _in_field(hits: "Hits", term_id: int, in_field: Field) -> bool:
    return any(span.field == in_field for span in hits.spans(term_id))


def _near_true(hits: "Hits", node: _Compiled) -> bool:
    return _evaluate(node, hits) is not None


_PREDICATE_GLOBALS = {"_in_field": _in_field, "_near_true": _near_true, "__builtins__": {}}
_PREDICATE_CODE: dict[str, CodeType] = {}


def _evaluate(node: _Compiled, hits: Hits) -> list[Span] | None:
    """The spans that make `node` true, or None when it is false. `NOT x` is true with no span."""
    kind = node[0]
    if kind == "t":
        _, term_id, in_field = node
        found = hits.spans(term_id)  # type: ignore[arg-type]
        if not found:
            return None
        if in_field is None:
            return list(found)
        spans = [s for s in found if s.field == in_field]
        return spans or None
    if kind == "and":
        spans = []
        for kid in node[1]:  # type: ignore[attr-defined]
            got = _evaluate(kid, hits)
            if got is None:
                return None
            spans.extend(got)
        return spans
    if kind == "or":
        spans = []
        true = False
        for kid in node[1]:  # type: ignore[attr-defined]
            got = _evaluate(kid, hits)
            if got is not None:
                true = True
                spans.extend(got)
        return spans if true else None
    if kind == "not":
        return None if _evaluate(node[1], hits) is not None else []  # type: ignore[arg-type]
    _, distance, kids = node
    operands = [_evaluate(k, hits) for k in kids]  # type: ignore[attr-defined]
    if any(not spans for spans in operands):
        return None
    return _near(distance, operands)  # type: ignore[arg-type]


def _near(distance: int, operands: list[list[Span]]) -> list[Span] | None:
    """One occurrence per operand, all in one field, with at most `distance` words between the
    earliest-ending occurrence and the latest-starting one; None if there is no such choice.

    Each occurrence `x` is tried as the earliest-ending one: every operand then needs an
    occurrence that ends no earlier than `x` and starts within `distance` words of its end.
    """
    for spans in operands:
        for x in spans:
            chosen = []
            for other in operands:
                pick = next(
                    (
                        o
                        for o in other
                        if o.field == x.field and o.end >= x.end and o.start - x.end <= distance
                    ),
                    None,
                )
                if pick is None:
                    break
                chosen.append(pick)
            else:
                return chosen
    return None
