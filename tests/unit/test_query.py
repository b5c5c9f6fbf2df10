"""The query parser: structure, precedence, printing and errors with positions."""

import pytest

from monitor.rules.nodes import to_string
from monitor.rules.query import QueryError, parse, parse_alias
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
        ("=WHO", ("term=", "who")),
        ('="US Army"', ("term=", "us", "army")),
        ("乌克兰", ("term", "乌克兰")),
        ("乌克*", ("term", "乌克")),
        ("G7峰会", ("term", "g7", "峰会")),
        ("lang:fr", ("lang", "fr")),
        ("LANG:(ru OR UK) x", ("and", ("lang", "ru", "uk"), ("term", "x"))),
        ("lead:@France", ("lead", ("@", "France"))),
        ("Lead:(a b)", ("lead", ("and", ("term", "a"), ("term", "b")))),
        ("atleast:3(troops)", ("atleast", 3, ("term", "troops"))),
        ("ATLEAST:2(@T OR x*)", ("atleast", 2, ("or", ("@", "T"), ("prefix", "x")))),
        ("title:atleast:2(x) y", ("and", ("title", ("atleast", 2, ("term", "x"))), ("term", "y"))),
        ("atleast", ("term", "atleast")),
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
        '=WHO ="US Army" lang:(ru OR uk) 乌克兰 -lang:fr',
        'lead:(@France OR "x y") atleast:3(a OR b*) -atleast:2(c)',
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
        ("NEAR/x(a, b)", "NEAR needs a distance: NEAR/n( … ) with n a number", 0),
        ("NEAR/²(a, b)", "NEAR needs a distance: NEAR/n( … ) with n a number", 0),
        ("NEAR/0(a, b)", "NEAR's distance must be from 1 to 1000", 0),
        ("NEAR/" + "9" * 5000 + "(a, b)", "NEAR's distance must be from 1 to 1000", 0),
        ("a NEAR5(b, c)", "NEAR5( is not an operator: did you mean NEAR/5(…)?", 2),
        ("near(b, c)", "near( is not an operator: did you mean NEAR/n(…)?", 0),
        (
            '"target*"',
            "'*' does not work inside a phrase (\"target*\" would match a word as "
            "written, without its '*'): write the prefix without quotes",
            0,
        ),
        ("*target", "'*' is allowed only at the end of a word", 0),
        ("lang:xx a", "unknown language code 'xx'", 5),
        ("lang:fre a", "unknown language code 'fre' (did you mean fr?)", 5),
        ("lang:(fr, de) a", "expected ')' closing lang:( … ) (languages are separated by OR)", 8),
        ("title:lang:fr", "lang: is about the whole story, not a field", 0),
        ("= a", "'=' has no letters or digits to match", 0),
        ("(" * 250 + "a" + ")" * 250, "query nested more than 32 levels deep", 32),
        ("title:" * 1500 + "a", "query nested more than 32 levels deep", 192),
        ("title:" * 5000 + "a", "query longer than 10,000 characters", 10_000),
        ("a " + "x" * 201, "a term longer than 200 characters", 2),
        ("a " * 5001, "query longer than 10,000 characters", 10_000),
        ("NEAR/2(a)", "NEAR needs at least two operands, separated by commas", 0),
        (
            "NEAR/2(a, b AND c)",
            "NEAR operands are words, prefixes, phrases, @Names or OR-groups of those",
            10,
        ),
        ("a*b", "'*' is allowed only at the end of a word", 0),
        ("!!!", "'!!!' has no letters or digits to match", 0),
        ("@", "'@' must be followed by an actor or topic name", 0),
        ("atleast:0(x)", "atleast: needs a count from 1 to 100: atleast:3( … )", 0),
        ("atleast:101(x)", "atleast: needs a count from 1 to 100: atleast:3( … )", 0),
        ("atleast:two(x)", "atleast: needs a count from 1 to 100: atleast:3( … )", 0),
        ("atleast:2 x", "expected '(' after atleast:n", 10),
        ("atleast:2(x", "unbalanced parenthesis: atleast's '(' is never closed", 0),
        (
            "atleast:2(a b)",
            "atleast: counts words, prefixes, phrases, @Names or OR-groups of those",
            10,
        ),
        ("lead:lang:fr", "lang: is about the whole story, not a field", 0),
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
        "unbalanced parenthesis: '(' is never closed at column 7",
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
