"""Properties: the compiled matcher agrees with the naive reference; printing round-trips."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.nodes import to_string
from monitor.rules.query import parse, parse_alias
from tests.support.queries import shape
from tests.support.reference import reference_match

pytestmark = pytest.mark.unmeasured

WORDS = [
    "paris",
    "Parisian",
    "troops",
    "troop",
    "Kyiv",
    "Élysée",
    "elysee",
    "Францию",
    "украину",
    "on",
    "the",
    "ground",
    "boots",
    "a",
    "b",
    # Scripts without spaces, Arabic with attached prefixes, Turkish, exact-case bait.
    "乌克兰",
    "克兰",
    "中国",
    "G7",
    "ウクライナ",
    "ภูเก็ต",
    "أوكرانيا",
    "وأوكرانيا",
    "الحريات",
    "للحريات",
    "HARİTASI",
    "haritası",
    "WHO",
    "who",
]
VOCABULARY = Vocabulary(
    actors={"France": [parse_alias(a) for a in ["France", "Paris", "Франци*", "Élysée"]]},
    topics={"troops": [parse_alias(a) for a in ["troops", "boots on the ground", "troop*"]]},
)

words = st.sampled_from(WORDS)
separators = st.sampled_from([" ", "  ", ", ", "-", "’", "ʼ", "\n", ". ", "", "，"])
texts = st.lists(st.tuples(words, separators), max_size=14).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)
plain_atoms = st.one_of(
    words,
    words.map(lambda w: "=" + w),
    words.map(lambda w: w[: max(1, len(w) // 2)] + "*"),
    st.lists(words, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    st.sampled_from(["@France", "@troops"]),
)
atoms = st.one_of(
    plain_atoms,
    st.tuples(st.sampled_from(["title:", "text:", "lead:"]), plain_atoms).map("".join),
)
near_operands = st.one_of(
    plain_atoms, st.tuples(plain_atoms, plain_atoms).map(lambda p: f"({p[0]} OR {p[1]})")
)
nears = st.tuples(st.integers(1, 4), st.lists(near_operands, min_size=2, max_size=3)).map(
    lambda t: f"NEAR/{t[0]}(" + ", ".join(t[1]) + ")"
)


def assert_agrees(query: str, title: str, text: str) -> None:
    """The compiled matcher and the reference say the same of `query` on this story."""
    node = parse(query)
    compiled = Matcher({"r": node}, VOCABULARY).match(title, text)
    assert bool(compiled.matches) == reference_match(node, VOCABULARY, title, text)


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pairs = st.tuples(inner, inner)
    return st.one_of(
        pairs.map(lambda p: f"({p[0]} AND {p[1]})"),
        pairs.map(lambda p: f"({p[0]} OR {p[1]})"),
        pairs.map(lambda p: f"{p[0]} {p[1]}"),
        inner.map(lambda q: f"NOT {q}"),
        inner.map(lambda q: f"-({q})"),
        inner.map(lambda q: f"title:({q})"),
        inner.map(lambda q: f"lead:({q})"),
    )


atleasts = st.tuples(st.integers(1, 3), near_operands).map(lambda t: f"atleast:{t[0]}({t[1]})")
queries = st.recursive(st.one_of(atoms, nears, atleasts), _combine, max_leaves=6)


@settings(max_examples=400, deadline=None)
@given(query=queries, title=texts, text=texts)
def test_compiled_matcher_agrees_with_reference(query: str, title: str, text: str) -> None:
    assert_agrees(query, title, text)


@settings(max_examples=300, deadline=None)
@given(query=queries)
def test_parse_print_round_trips(query: str) -> None:
    node = parse(query)
    assert shape(parse(to_string(node))) == shape(node)


@settings(max_examples=200, deadline=None)
@given(queries=st.lists(queries, min_size=2, max_size=8), title=texts, text=texts)
def test_many_rules_in_one_automaton_match_like_each_alone(
    queries: list[str], title: str, text: str
) -> None:
    rules = {f"r{i}": parse(q) for i, q in enumerate(queries)}
    together = {m.rule for m in Matcher(rules, VOCABULARY).match(title, text).matches}
    alone = {n for n, node in rules.items() if reference_match(node, VOCABULARY, title, text)}
    assert together == alone


DENSE = ["boots", "on", "the", "ground", "paris"]
dense_atoms = st.one_of(
    st.sampled_from(DENSE),
    st.lists(st.sampled_from(DENSE), min_size=2, max_size=3).map(
        lambda ws: '"' + " ".join(ws) + '"'
    ),
    st.just("@troops"),
)
dense_nears = st.tuples(
    st.integers(1, 3),
    st.lists(
        st.one_of(
            dense_atoms, st.tuples(dense_atoms, dense_atoms).map(lambda p: f"{p[0]} OR {p[1]}")
        ),
        min_size=2,
        max_size=3,
    ),
).map(lambda t: f"NEAR/{t[0]}(" + ", ".join(t[1]) + ")")
dense_texts = st.lists(st.sampled_from(DENSE), max_size=10).map(" ".join)


@settings(max_examples=500, deadline=None)
@given(query=dense_nears, title=dense_texts, text=dense_texts)
def test_near_agrees_with_reference_on_dense_texts(query: str, title: str, text: str) -> None:
    assert_agrees(query, title, text)
