"""What `check` and `test-rule` tell about a query: lower-case operators, queries that match
without any of their words, queries that can never match."""

import pytest

from monitor.rules.lint import matches_without_terms, never_matches, operator_warnings
from monitor.rules.query import parse


def test_lower_case_operators_between_terms_are_warned_about() -> None:
    assert operator_warnings("france and ukraine or russia") == [
        "'and' at column 8 is matched as a word; operators are written in capitals: AND",
        "'or' at column 20 is matched as a word; operators are written in capitals: OR",
    ]
    assert operator_warnings("not sport") == [
        "'not' at column 1 is matched as a word; operators are written in capitals: NOT"
    ]
    # Alone, at an edge, in a phrase or in capitals, they are what they look like.
    for query in ("and", "troops and", '"rock and roll"', "a AND b", "(and) x", "NEAR/2(and, b)"):
        assert operator_warnings(query) == [], query


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        ("-sport", True),
        ("NOT (a AND b)", True),
        ("troops OR -sport", True),
        ("lang:fr", True),
        ("troops OR lang:fr", True),
        ("-lang:fr", True),
        ("troops -sport", False),
        ("troops lang:fr", False),
        ("troops OR (sport -football)", False),
        ("title:troops -sport", False),
        ("NEAR/2(a, b) -c", False),
    ],
)
def test_queries_that_match_without_any_term_are_refused(query: str, refused: bool) -> None:
    assert (matches_without_terms(parse(query)) is not None) == refused


@pytest.mark.parametrize(
    ("query", "never"),
    [
        ("troops -troops", True),
        ("title:troops -troops", True),
        ("NEAR/3(troops, army) -army", True),
        ("troops lang:fr lang:de", True),
        ("(a OR b) -a -b", True),
        ("@France -@France", True),
        ("troops -troops*", False),  # only independence is assumed: not "never" unless sure
        ("troops -title:troops", False),
        ("troops lang:(fr OR de) lang:de", False),
        ("a OR (b -b)", False),
        ("atleast:2(troops) -troops", True),
        ("lead:troops -troops", True),
        ("atleast:2(troops) -atleast:3(troops)", False),
    ],
)
def test_queries_that_can_never_match(query: str, never: bool) -> None:
    assert never_matches(parse(query)) == never
