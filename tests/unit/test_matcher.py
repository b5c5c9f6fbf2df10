"""The compiled matcher: the seed story, near misses, scripts, fields, NOT and NEAR."""

import pytest

from monitor.rules.evaluation import Span, _near
from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.query import QueryError, parse, parse_alias

VOCABULARY = Vocabulary(
    actors={
        "France": [
            parse_alias(a) for a in ["France", "French", "Paris", "Macron", "Élysée", "Франци*"]
        ],
        "Ukraine": [parse_alias(a) for a in ["Ukraine", "Kyiv", "Kiev", "Украин*"]],
    },
    topics={"troops": [parse_alias(t) for t in ["troops", "soldiers", "boots on the ground"]]},
)
SEED = "Russia warns France about deploying troops in Ukraine"


def matches(query: str, title: str, text: str = "") -> bool:
    matcher = Matcher({"r": parse(query)}, VOCABULARY)
    return bool(matcher.match(title, text).matches)


def test_seed_story_matches_the_example_rule() -> None:
    assert matches("@France AND @Ukraine AND @troops", SEED)


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("Paris", "A Parisian café"),
        ("Kiev", "Kievskaya metro station"),
        ("troops", "Storm troopers parade"),
        ("@France", "Francophone summit"),
        ('"boots on the ground"', "boots on ground"),
    ],
)
def test_near_misses_do_not_match(query: str, text: str) -> None:
    assert not matches(query, text)


@pytest.mark.parametrize(
    ("query", "title", "text"),
    [
        ("elysee", "L'Élysée répond", ""),
        ("ÉLYSÉE", "elysee statement", ""),
        ("@France", "Россия предупредила Францию", ""),
        ("Украин*", "", "войска на Украину"),
        ("Ukraine", "Ukraine’s army", ""),
        ("troops", "", "non-combat troops only"),
        ('"boots on the ground"', "", "No boots on the ground, he said"),
        ("Αθήνα", "ΑΘΗΝΑ: συνάντηση", ""),
        ("محمد", "", "قال مُحَمَّد اليوم"),
    ],
)
def test_words_match_across_case_accents_and_scripts(query: str, title: str, text: str) -> None:
    assert matches(query, title, text)


def test_fields_restrict_where_a_term_may_occur() -> None:
    assert matches("title:@France", SEED, "")
    assert not matches("title:@France", "Weather", "France is sunny")
    assert matches("text:troops", "Weather", "troops moved")
    assert not matches("text:troops", "troops moved", "Weather")


def test_phrase_never_spans_from_title_into_text() -> None:
    assert not matches('"ukraine troops"', "News from Ukraine", "troops moved")
    assert not matches("NEAR/1(ukraine, troops)", "News from Ukraine", "troops moved")


def test_not_excludes_and_not_alone_matches_everything_else() -> None:
    assert not matches("@France AND NOT sport*", "France wins sports final")
    assert matches("@France AND NOT sport*", SEED)
    assert matches("NOT sport", "anything at all")


def test_near_counts_words_between_operands() -> None:
    text = "Macron said that French troops would stay home"
    assert matches("NEAR/2(Macron, French)", "", text)
    assert not matches("NEAR/2(Macron, troops)", "", text)
    assert matches("NEAR/4(troops, Macron)", "", text)


class _CountedSpan(Span):
    """A span that counts how often its end is read: the work of trying one occurrence
    against another."""

    reads = 0

    @property
    def end(self) -> int:
        _CountedSpan.reads += 1
        return int(tuple.__getitem__(self, 2))


def test_near_tries_each_occurrence_without_a_pass_over_the_others() -> None:
    # Two terms named thousands of times, never near: each occurrence was tried against every
    # occurrence of the other (5,000 of each: 25 million tries, a minute).
    count = 2_000
    ukraine: list[Span] = [_CountedSpan("text", 10 * n, 10 * n + 1) for n in range(count)]
    russia: list[Span] = [_CountedSpan("text", 10 * n + 5, 10 * n + 6) for n in range(count)]
    _CountedSpan.reads = 0
    assert _near(1, [ukraine, russia]) is None
    assert _CountedSpan.reads < 20 * 2 * count
    russia.append(_CountedSpan("text", 2, 3))  # one word after the first ukraine
    assert _near(1, [ukraine, russia]) == [ukraine[0], russia[-1]]


def test_match_reports_spans_and_actors() -> None:
    matcher = Matcher({"r": parse("@France AND troops")}, VOCABULARY)
    result = matcher.match("Paris sends troops", "Kyiv welcomes them")
    assert result.matches[0].spans == (Span("title", 0, 1), Span("title", 2, 3))
    assert result.actors == ("France", "Ukraine")


def test_two_rules_and_scoping_to_named_rules() -> None:
    matcher = Matcher({"a": parse("@France"), "b": parse("@Ukraine")}, VOCABULARY)
    assert [m.rule for m in matcher.match(SEED, "").matches] == ["a", "b"]
    assert [m.rule for m in matcher.match(SEED, "", only=["b"]).matches] == ["b"]


def test_unknown_name_is_refused_with_a_suggestion() -> None:
    with pytest.raises(QueryError, match=r"unknown @Frnace \(did you mean @France\?\)"):
        Matcher({"r": parse("@Frnace")}, VOCABULARY)
