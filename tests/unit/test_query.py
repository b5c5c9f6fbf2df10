"""The query parser: structure, precedence, printing and errors with positions."""

import pytest

from monitor.rules.query import QueryError, parse, parse_alias, to_string
from tests.support.queries import shape


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("troops", ("term", "troops")),
        ("Élysée", ("term", "elysee")),
        ("Украин*", ("prefix", "украин")),
        ('"boots on the ground"', ("term", "boots", "on", "the", "ground")),
        ("non-combat", ("term", "non", "combat")),
        ("@France", ("@", "France")),
        ("a b", ("and", ("term", "a"), ("term", "b"))),
        ("a AND b OR c", ("or", ("and", ("term", "a"), ("term", "b")), ("term", "c"))),
        ("a OR b c", ("or", ("term", "a"), ("and", ("term", "b"), ("term", "c")))),
        ("NOT a b", ("and", ("not", ("term", "a")), ("term", "b"))),
        ("-a b", ("and", ("not", ("term", "a")), ("term", "b"))),
        ("a -(b OR c)", ("and", ("term", "a"), ("not", ("or", ("term", "b"), ("term", "c"))))),
        ("title:@France", ("title", ("@", "France"))),
        ("text:(a OR b)", ("text", ("or", ("term", "a"), ("term", "b")))),
        ('title:"x y"', ("title", ("term", "x", "y"))),
        ("NEAR/3(a, @B OR c*)", ("near", 3, ("term", "a"), ("or", ("@", "B"), ("prefix", "c")))),
        ("a and b", ("and", ("term", "a"), ("term", "and"), ("term", "b"))),
    ],
)
def test_parses(query: str, expected: object) -> None:
    assert shape(parse(query)) == expected


@pytest.mark.parametrize(
    "query",
    [
        "@France AND @Ukraine AND @troops",
        "a AND (b OR c) AND NOT (d AND e)",
        'title:(x OR "y z") NEAR/2(a, b OR c*)',
        "NOT NOT a OR -b",
    ],
)
def test_printing_round_trips(query: str) -> None:
    node = parse(query)
    assert shape(parse(to_string(node))) == shape(node)


@pytest.mark.parametrize(
    ("query", "message", "pos"),
    [
        ("", "empty query", 0),
        ("@France AND (@Ukraine", "unbalanced parenthesis: '(' is never closed", 12),
        ("a) OR b", "unbalanced parenthesis: ')' without '('", 1),
        ("a AND", "query ends where a term was expected", 5),
        ("OR b", "'OR' needs a term before and after it", 0),
        ('"unterminated', 'unterminated phrase (missing closing ")', 0),
        ("NEAR/x(a, b)", "NEAR needs a distance: NEAR/n( … ) with n ≥ 1", 0),
        ("NEAR/2(a)", "NEAR needs at least two operands, separated by commas", 0),
        (
            "NEAR/2(a, b AND c)",
            "NEAR operands are words, prefixes, phrases, @Names or OR-groups of those",
            10,
        ),
        ("a*b", "'*' is allowed only at the end of a word", 0),
        ("!!!", "'!!!' has no letters or digits to match", 0),
        ("@", "'@' must be followed by an actor or topic name", 0),
    ],
)
def test_errors_point_at_the_problem(query: str, message: str, pos: int) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert (caught.value.message, caught.value.pos) == (message, pos)


def test_error_renders_a_caret_under_the_position() -> None:
    with pytest.raises(QueryError) as caught:
        parse("a AND (b")
    assert caught.value.render("a AND (b").splitlines() == [
        "unbalanced parenthesis: '(' is never closed at position 7",
        "    a AND (b",
        "          ^",
    ]


@pytest.mark.parametrize(
    ("alias", "words", "prefix"),
    [
        ("Macron", ("macron",), False),
        ("Франци*", ("франци",), True),
        ("boots on the ground", ("boots", "on", "the", "ground"), False),
        ('"Élysée Palace"', ("elysee", "palace"), False),
    ],
)
def test_aliases_are_words_prefixes_or_phrases(
    alias: str, words: tuple[str, ...], prefix: bool
) -> None:
    term = parse_alias(alias)
    assert (term.words, term.prefix) == (words, prefix)
