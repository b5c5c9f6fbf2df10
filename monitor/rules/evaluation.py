"""Deciding whether a compiled rule is true of one document, and which words made it so.

The matcher compiles each rule's query into plain tuples (`Compiled`) over term ids, and the
scan of a document into `Hits` (the term ids that occur). `predicate` turns a compiled rule
into one flat function for a fast yes/no; `evaluate` works out the spans, only on a yes.
"""

from bisect import bisect_left
from collections.abc import Callable, Sequence
from operator import attrgetter, itemgetter
from types import CodeType, FunctionType
from typing import NamedTuple

from monitor.rules.language import language_of
from monitor.rules.lead import MAX_UNITS, MIN_WORDS, lead_units
from monitor.rules.nodes import QueryField
from monitor.rules.text import Field, NormalizedDoc


class Span(NamedTuple):
    """Words `start` to `end` (exclusive) of `field` made a rule true (a tuple: made per hit)."""

    field: Field
    start: int
    end: int


# Compiled evaluation nodes: plain tuples keep evaluation fast and the code small.
# ("t", term_id, field|None) | ("x", term_id, field|None, exact words, prefix) (exact case)
# | ("lang", codes) | ("and", kids) | ("or", kids) | ("not", kid) | ("near", n, kids)
# | ("atleast", n, kid); a field is "title", "text" or "lead" (`QueryField`).
Compiled = tuple[object, ...]
Predicate = Callable[["Hits"], bool]


class Pattern(NamedTuple):
    """What the automaton yields for a term: its id, the rules it is an anchor for, under
    their first and their second anchor set, where the term starts (the pattern's end index
    minus `offset`), whether a hit followed by a mark is no hit (see `rules/patterns.py`),
    and the other terms that the same string is a hit of (`أوكرانيا` with the prefix و is
    `وأوكرانيا`, itself a term)."""

    term_id: int
    first: tuple[int, ...]
    second: tuple[int, ...]
    offset: int
    edge: bool
    also: tuple[int, ...] = ()


# Pattern fields by position: itemgetter runs in C, so map() over hits stays in C.
TERM_ID, FIRST, SECOND = (itemgetter(i) for i in range(3))
EDGE, ALSO = itemgetter(4), itemgetter(5)
VALUE = itemgetter(1)  # of the automaton's (end index, value) pairs


class Hits(set[int]):
    """The ids of the terms that occur in one document. Where they occur is worked out only
    when asked, which is for the few rules that are candidates or matched."""

    __slots__ = ("_found", "_language", "_lead", "_spans", "_word_counts", "doc")

    def __init__(
        self, doc: NormalizedDoc, found: list[tuple[int, Pattern]], word_counts: Sequence[int]
    ) -> None:
        super().__init__(map(TERM_ID, map(VALUE, found)))
        self.doc = doc
        self._found = found  # (index of the pattern's last character, pattern), as scanned
        self._word_counts = word_counts  # term id → how many words it spans
        self._spans: dict[int, list[Span]] = {}
        self._language: list[str | None] = []
        self._lead = -1  # units of the text in its lead; worked out on first use

    def spans(self, term_id: int) -> list[Span]:
        """Where term `term_id` occurs, in words (empty if nowhere)."""
        spans = self._spans.get(term_id)
        if spans is None:
            n_words = self._word_counts[term_id]
            starts = [end - p.offset for end, p in self._found if p.term_id == term_id]
            where = self.doc.locate_all(sorted(set(starts)))
            spans = self._spans[term_id] = [Span(f, word, word + n_words) for f, word in where]
        return spans

    def exact_spans(self, node: Compiled) -> list[Span]:
        """Where the exact-case term `node` ("x", …) occurs: its case-folded twin's spans
        whose words have the case written."""
        _, term_id, in_field, exact, prefix = node
        found = []
        for span in self.spans(term_id):  # type: ignore[arg-type]
            if in_field is not None and not self.within(span, in_field):  # type: ignore[arg-type]
                continue
            words = self.doc.cased_units(span.field)[span.start : span.end]
            if words[:-1] == list(exact[:-1]) and (  # type: ignore[index]
                words[-1].startswith(exact[-1]) if prefix else words[-1] == exact[-1]  # type: ignore[index]
            ):
                found.append(span)
        return found

    def lead_end(self) -> int:
        """How many units of the text are in its lead (`rules/lead`), worked out on first use."""
        if self._lead < 0:
            self._lead = lead_units(self.doc.text)
        return self._lead

    def within(self, span: Span, field: QueryField) -> bool:
        """Whether `span` is in `field`: the title, the text, or the lead (the title and the
        text's first sentence)."""
        if field == "lead":
            if span.field == "title" or span.start < MIN_WORDS:
                return True  # a lead has at least MIN_WORDS units, or is all of the text
            return span.start < MAX_UNITS and span.start < self.lead_end()
        return span.field == field

    def language(self) -> str | None:
        """The story's language, worked out on first use (see `rules/language.py`)."""
        if not self._language:
            doc = self.doc
            self._language.append(language_of(doc.title, doc.text, doc.declared))
        return self._language[0]


def predicate(node: Compiled) -> Predicate:
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


def _predicate_source(node: Compiled, values: list[object]) -> str:
    """The expression for `node`, its term ids and NEAR nodes appended to `values`."""
    kind = node[0]
    if kind in ("x", "lang"):
        values.append(node)
        return f"_{kind}_true(h, v{len(values) - 1})"
    if kind == "t":
        values.append(node[1])
        term = f"v{len(values) - 1}"
        if node[2] is None:
            return f"({term} in h)"
        values.append(node[2])
        return f"_in_field(h, {term}, v{len(values) - 1})"
    if kind == "not":
        return f"(not {_predicate_source(node[1], values)})"  # type: ignore[arg-type]
    if kind in ("near", "atleast"):
        values.append(node)
        return f"_{kind}_true(h, v{len(values) - 1})"
    # A story's language is worked out only for rules whose other conditions hold.
    children: tuple[Compiled, ...] = node[1]  # type: ignore[assignment]
    kids = sorted(children, key=lambda kid: kid[0] == "lang")
    parts = [_predicate_source(kid, values) for kid in kids]
    joined = f" {kind} ".join(parts)
    return f"({joined})" if parts else ("True" if kind == "and" else "False")


def _in_field(hits: "Hits", term_id: int, in_field: QueryField) -> bool:
    return any(hits.within(span, in_field) for span in hits.spans(term_id))


def _near_true(hits: "Hits", node: Compiled) -> bool:
    return evaluate(node, hits) is not None


_atleast_true = _near_true


def _x_true(hits: "Hits", node: Compiled) -> bool:
    return node[1] in hits and bool(hits.exact_spans(node))


def _lang_true(hits: "Hits", node: Compiled) -> bool:
    return hits.language() in node[1]  # type: ignore[operator]


_PREDICATE_GLOBALS = {
    "_in_field": _in_field,
    "_near_true": _near_true,
    "_atleast_true": _atleast_true,
    "_x_true": _x_true,
    "_lang_true": _lang_true,
    "__builtins__": {},
}
_PREDICATE_CODE: dict[str, CodeType] = {}


def evaluate(node: Compiled, hits: Hits) -> list[Span] | None:
    """The spans that make `node` true, or None when it is false. `NOT x` is true with no span."""
    kind = node[0]
    if kind in ("t", "x", "lang"):
        return _evaluate_leaf(node, hits)
    if kind == "and":
        spans = []
        for kid in node[1]:  # type: ignore[attr-defined]
            got = evaluate(kid, hits)
            if got is None:
                return None
            spans.extend(got)
        return spans
    if kind == "or":
        spans = []
        true = False
        for kid in node[1]:  # type: ignore[attr-defined]
            got = evaluate(kid, hits)
            if got is not None:
                true = True
                spans.extend(got)
        return spans if true else None
    if kind == "not":
        return None if evaluate(node[1], hits) is not None else []  # type: ignore[arg-type]
    if kind == "atleast":
        _, count, kid = node
        found = evaluate(kid, hits)  # type: ignore[arg-type]
        # Occurrences are counted by where they start: `ukrain*` and `ukraine` in one word
        # are one occurrence.
        starts = {(s.field, s.start) for s in found or ()}
        return found if len(starts) >= count else None  # type: ignore[operator]
    _, distance, kids = node
    operands = [evaluate(k, hits) for k in kids]  # type: ignore[attr-defined]
    if any(not spans for spans in operands):
        return None
    return _near(distance, operands)  # type: ignore[arg-type]


def _evaluate_leaf(node: Compiled, hits: Hits) -> list[Span] | None:
    """`evaluate` for a term, an exact-case term or `lang:`."""
    kind = node[0]
    if kind == "x":
        return hits.exact_spans(node) or None
    if kind == "lang":
        return [] if _lang_true(hits, node) else None
    _, term_id, in_field = node
    found = hits.spans(term_id)  # type: ignore[arg-type]
    if not found:
        return None
    if in_field is None:
        return list(found)
    spans = [s for s in found if hits.within(s, in_field)]  # type: ignore[arg-type]
    return spans or None


def _near(distance: int, operands: list[list[Span]]) -> list[Span] | None:
    """One occurrence per operand, all in one field, with at most `distance` words between the
    earliest-ending occurrence and the latest-starting one; None if there is no such choice.

    Each occurrence `x` is tried as the earliest-ending one: every operand then needs an
    occurrence that ends no earlier than `x` and starts within `distance` words of its end,
    and the one that starts first is taken. Each operand's occurrences are indexed by their
    end once, so that a try costs a binary search, not a pass over them all (an item naming
    two terms thousands of times, never near, took minutes).
    """
    indexes = [_by_end(spans) for spans in operands]
    for spans in operands:
        for x in spans:
            chosen = []
            for index in indexes:
                ends, earliest = index.get(x.field, ((), ()))
                at = bisect_left(ends, x.end)
                if at == len(ends) or earliest[at].start - x.end > distance:
                    break
                chosen.append(earliest[at])
            else:
                return chosen
    return None


def _by_end(spans: list[Span]) -> dict[Field, tuple[list[int], list[Span]]]:
    """Per field, the occurrences' ends in increasing order, and for each position the
    occurrence that starts first among those from that position on."""
    index = {}
    for field in {span.field for span in spans}:
        ordered = sorted((s for s in spans if s.field == field), key=attrgetter("end"))
        earliest = ordered[:]
        for at in range(len(ordered) - 2, -1, -1):
            if earliest[at + 1].start < earliest[at].start:
                earliest[at] = earliest[at + 1]
        index[field] = ([span.end for span in ordered], earliest)
    return index
