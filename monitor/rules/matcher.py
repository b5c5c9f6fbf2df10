"""All rules compiled into one Aho-Corasick automaton plus a per-rule boolean evaluation.

Every distinct term (word, prefix or phrase, folded) of every rule and every actor/topic alias is
one or more patterns (`rules/patterns.py`: one per attached Arabic or Hebrew prefix) in a single
automaton over the `NormalizedDoc` scan string. Scanning an item once yields every occurrence of
every term; which field and word it is in is worked out only for the terms of rules that are
candidates. An exact-case term is its case-folded twin in the automaton, checked for case only
where that occurs; `lang:` costs nothing until a candidate rule's other conditions hold.

Presearch, as Lucene Monitor does it: an *anchor set* of a rule is a set of terms one of which
occurs in every item the rule matches (`A AND (B OR C)` has {A} and {B, C}; `NOT x` has none).
A rule is indexed under its two most selective anchor sets and is evaluated only for items that
hit both (a rule with one set is indexed under it twice). Rules with no anchor set (which the
config refuses, `rules/lint.py`, but a library caller may build) are evaluated for every item.

Each pattern's value in the automaton is its `Pattern`: the term and the rules it anchors. So the
scan hands back, in C, everything the presearch needs: no per-occurrence Python code and no index
look-ups, which at 10,000 rules were most of the time spent after normalisation.
"""

import difflib
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain

import ahocorasick

from monitor.rules.evaluation import (
    ALSO,
    EDGE,
    FIRST,
    SECOND,
    VALUE,
    Compiled,
    Hits,
    Pattern,
    Predicate,
    Span,
    evaluate,
    predicate,
)
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
    refs,
)
from monitor.rules.patterns import patterns, word_count
from monitor.rules.prominence import prominence
from monitor.rules.query import QueryError
from monitor.rules.text import followed_by_mark, normalize, takes_marks


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
    """Rule `rule` matched; `spans` are the words that made it true, sorted; `prominence`
    (0–100) is where and how often they occur (`rules/prominence`)."""

    rule: str
    spans: tuple[Span, ...]
    prominence: int = 0


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What one item matched: the rules and the actors mentioned anywhere in it."""

    matches: tuple[RuleMatch, ...]
    actors: tuple[str, ...]

    def spans(self) -> tuple[Span, ...]:
        """The union of all matched spans, sorted."""
        return tuple(sorted({s for m in self.matches for s in m.spans}))


class Matcher:
    """Rules compiled for matching; build once per config, use for every item."""

    def __init__(self, rules: Mapping[str, Node], vocabulary: Vocabulary) -> None:
        self._term_ids: dict[tuple[tuple[str, ...], bool], int] = {}
        self._terms: list[tuple[tuple[str, ...], bool]] = []
        self._rules: list[tuple[str, Compiled, Predicate]] = []
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
            self._rules.append((name, compiled, predicate(compiled)))
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
        self._build_automata(first, second)

    def _build_automata(
        self, first: Mapping[int, list[int]], second: Mapping[int, list[int]]
    ) -> None:
        """Every term's patterns in the automata, each with the rules it anchors."""
        # Patterns that start inside a run of a script without spaces go in an automaton of
        # their own, scanned only over stories with such runs: in the main one, whose patterns
        # all start with a space, a letter outside a pattern costs one look-up (the root has one
        # child); with hundreds of Chinese first characters beside it, it cost hundreds. For the
        # same reason that one reads UTF-16 code units as two letters (`_by_halves`): its root
        # then has one child per first character's high byte, not one per first character.
        self._automaton = ahocorasick.Automaton()
        self._runs = ahocorasick.Automaton()
        self._word_counts: list[int] = []
        # Terms by pattern: two terms share one only through an attached prefix (the Arabic
        # terms `وأوكرانيا`, and `أوكرانيا` with و); the pattern's entry names both.
        owners: defaultdict[str, list[int]] = defaultdict(list)
        edges = []
        for term_id, (words, prefix) in enumerate(self._terms):
            edges.append(takes_marks(words[-1]) and not prefix)
            for pattern in patterns(words, prefix):
                owners[pattern].append(term_id)
            self._word_counts.append(word_count(words))
        self._edges = any(edges)  # whether some term must not end where the text adds a mark
        self._shared = False
        for pattern, (term_id, *also) in owners.items():
            ids = (term_id, *also)
            entry = Pattern(
                term_id,
                tuple(chain.from_iterable(first[i] for i in ids)),
                tuple(chain.from_iterable(second[i] for i in ids)),
                len(pattern) - 1,
                edges[term_id],
                tuple(also),
            )
            self._shared |= bool(also)
            if pattern[0] == " ":
                self._automaton.add_word(pattern, entry)
            else:
                self._runs.add_word(_by_halves(pattern), entry)
        for automaton in (self._automaton, self._runs):
            if len(automaton):
                automaton.make_automaton()

    def _intern(self, term: Term) -> int:
        key = (term.words, term.prefix)
        term_id = self._term_ids.get(key)
        if term_id is None:
            term_id = self._term_ids[key] = len(self._terms)
            self._terms.append(key)
        return term_id

    def _compile(self, node: Node, in_field: QueryField | None, vocab: Vocabulary) -> Compiled:
        match node:
            case Term(exact=None):
                return ("t", self._intern(node), in_field)
            case Term(exact=exact, prefix=prefix):
                return ("x", self._intern(node), in_field, exact, prefix)
            case Lang(codes=codes):
                return ("lang", frozenset(codes))
            case Ref(name=name):
                aliases = vocab.aliases(name) or ()
                return ("or", tuple(self._compile(alias, in_field, vocab) for alias in aliases))
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
            case AtLeast(count=n, child=child):
                return ("atleast", n, self._compile(child, in_field, vocab))

    def _anchor_sets(self, node: Compiled) -> list[frozenset[int]]:
        """Sets of terms such that, whenever `node` is true, each set has a term that occurs."""
        kind = node[0]
        if kind in ("t", "x"):
            return [frozenset((node[1],))]  # type: ignore[arg-type]
        if kind in ("not", "lang"):
            return []
        if kind == "or":
            best = []
            for kid in node[1]:  # type: ignore[attr-defined]
                sets = self._anchor_sets(kid)
                if not sets:
                    return []  # one alternative needs no term, so the OR needs none
                best.append(min(sets, key=self._expected_hits))
            return [frozenset().union(*best)]
        if kind == "atleast":
            return self._anchor_sets(node[2])  # type: ignore[arg-type]
        kids = node[1] if kind == "and" else node[2]
        return [s for kid in kids for s in self._anchor_sets(kid)]  # type: ignore[attr-defined]

    def _expected_hits(self, anchors: frozenset[int]) -> float:
        """A guess at how often one of `anchors` occurs: long words and phrases are rarer."""
        total = 0.0
        for term_id in anchors:
            words, prefix = self._terms[term_id]
            total += 1 / (sum(map(len, words)) + 4 * (len(words) - 1) - (3 if prefix else 0) + 4)
        return total

    def match(
        self,
        title: str,
        text: str,
        only: Collection[str] | None = None,
        language: str | None = None,
    ) -> MatchResult:
        """Match an item against the rules: all of them, or only those named in `only` (pass a
        set: it is consulted once per candidate rule). `language` is the one its feed declares;
        the story's language is worked out only if a candidate rule asks (`lang:`)."""
        doc = normalize(title, text, language)
        # list() drains the automaton in C: no Python code runs per occurrence.
        found = list(self._automaton.iter(doc.scan)) if len(self._automaton) else []
        if doc.no_space and len(self._runs):
            found += _in_runs(self._runs, doc.scan)
        if self._edges and any(map(EDGE, map(VALUE, found))):
            found = [
                (end, p) for end, p in found if not (p.edge and followed_by_mark(doc.scan, end))
            ]
        if self._shared and any(map(ALSO, map(VALUE, found))):
            found += [(end, p._replace(term_id=t)) for end, p in found for t in p.also]
        # Presearch: rules in both what the hits' first and second anchor sets yield.
        candidates = set(chain.from_iterable(map(FIRST, map(VALUE, found))))
        if candidates:
            candidates.intersection_update(chain.from_iterable(map(SECOND, map(VALUE, found))))
        candidates.update(self._always)
        if not candidates:
            return _NO_MATCH  # most items, at no further cost
        hits = Hits(doc, found, self._word_counts)
        predicates = self._predicates
        matched = [i for i in candidates if predicates[i](hits)]
        matches = []
        for index in sorted(matched):
            name, compiled, _is_true = self._rules[index]
            if only is None or name in only:
                spans = evaluate(compiled, hits) or []
                score = prominence(compiled, hits)
                matches.append(RuleMatch(name, tuple(sorted(set(spans))), score))
        actors: tuple[str, ...] = ()
        if matches:
            actors = tuple(n for n, ids in self._actor_terms.items() if any(i in hits for i in ids))
        return MatchResult(tuple(matches), actors)


_NO_MATCH = MatchResult((), ())


def _by_halves(text: str) -> str:
    """`text` in UTF-16 (big-endian), each byte a character."""
    return text.encode("utf-16-be").decode("latin-1")


def _in_runs(automaton: ahocorasick.Automaton, scan: str) -> list[tuple[int, Pattern]]:
    """The hits of `automaton` (over `_by_halves` patterns) in `scan`: (index of the last
    character, pattern). A pattern found at an odd byte starts inside a code unit: no hit."""
    units = scan.encode("utf-16-be")
    hits = automaton.iter(units.decode("latin-1"))
    if len(units) == 2 * len(scan):  # one code unit per character: the usual case
        return [(end >> 1, pattern) for end, pattern in hits if end & 1]
    found = []
    chars = read = 0
    for end, pattern in hits:  # characters beyond U+FFFF take two units: count by decoding
        if end & 1:
            chars += len(units[read : end + 1].decode("utf-16-be"))
            read = end + 1
            found.append((chars - 1, pattern))
    return found
