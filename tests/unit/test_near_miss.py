"""Near misses, the words specific to them, the prefilter that makes them fast, and the
suggestions with their effects."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.items import Item
from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.near_miss import groups, known_words, scan, split, terms
from monitor.rules.nodes import to_string
from monitor.rules.prefilter import Prefilter
from monitor.rules.query import parse, parse_alias
from monitor.rules.suggest import additions, apply, described, exclusions
from monitor.rules.words import Background, item_words, specific_words

VOCABULARY = Vocabulary(
    actors={
        "France": [parse_alias(a) for a in ("France", "French", "Франци*")],
        "Ukraine": [parse_alias(a) for a in ("Ukraine", "Kyiv", "Украин*")],
    },
    topics={"troops": [parse_alias(t) for t in ("troops", "soldiers", "войск*")]},
)
RULE = parse("@France AND @Ukraine AND @troops -sport")


def items(*stories: tuple[str, str]) -> list[Item]:
    return [Item("wire", str(n), f"s{n}", t, x, None, None) for n, (t, x) in enumerate(stories)]


FILLER = [
    (f"Budget talks, day {n}", f"Deputies argued in the chamber about the taxes of {n}.")
    for n in range(40)
]
STORED = items(
    ("French troops to Ukraine", "Paris sends troops."),
    ("France and Ukraine sign a deal", "Instructors will train a contingent in Kyiv."),
    ("French instructors in Kyiv", "A contingent of instructors from France."),
    ("Франция и Украина", "Французские инструкторы прибудут на Украину; контингент небольшой."),
    ("France: troops on alert", "Ukraine's army waits."),
    ("French troops play sport", "A match with Ukraine's soldiers."),  # fails a condition
    *FILLER,
)


def test_parts_and_conditions() -> None:
    parts, conditions = split(parse("(@France @Ukraine) @troops -sport lang:fr"))
    assert [to_string(p) for p in parts] == ["@France", "@Ukraine", "@troops"]
    assert [to_string(c) for c in conditions] == ["NOT sport", "lang:fr"]


def test_near_misses_are_grouped_by_the_part_they_lack() -> None:
    found = scan(RULE, VOCABULARY, STORED)

    assert [i.title for i in found.matched] == [
        "French troops to Ukraine",
        "France: troops on alert",
    ]
    assert {part: [i.entry_key for i in missed] for part, missed in found.near.items()} == {
        2: ["1", "2", "3"]
    }
    assert found.total == len(STORED)


def test_the_words_of_a_group_are_those_specific_to_it_not_the_rules_own() -> None:
    found = scan(RULE, VOCABULARY, STORED)
    (group,) = groups(found, known_words(terms(RULE, VOCABULARY)))

    assert group.part == 2
    assert dict(group.languages) == {"en": 2, "ru": 1}
    words = {lang: [(w.word, w.items) for w in ws] for lang, ws in group.words.items()}
    # Equally specific (in two of the group, nowhere else), so in alphabetical order; "in" and
    # "the" are in most English items stored: no suggestion.
    assert words["en"][:2] == [("contingent", 2), ("instructors", 2)]
    shown = {w.word for ws in group.words.values() for w in ws}
    assert not shown & {"france", "ukraine", "kyiv", "french"}  # the rule's own


def test_item_words_split_unspaced_scripts_into_pairs_and_drop_digits() -> None:
    assert item_words("乌克兰局势", "G7 2026 a") == {"乌克", "克兰", "兰局", "局势", "g7"}


def test_arabic_words_with_attached_prefixes_count_as_one() -> None:
    docs = [item_words("", text) for text in ("وصلت القوات", "القوات هنا", "بالقوات أمس")]
    ranked = specific_words(docs, None, Background.of([]), lambda _w: False)
    assert ranked[0].word == "القوات"
    assert ranked[0].items == 3


def test_words_common_in_a_language_are_no_suggestion() -> None:
    history = Background.of([("en", {"the", f"w{n}"}) for n in range(30)])
    docs = [{"the", "contingent"}, {"the", "contingent"}]
    ranked = specific_words(docs, "en", history, lambda _w: False)
    assert [w.word for w in ranked] == ["contingent"]  # "the" is in every English item


def test_stop_words_of_a_language_with_few_items_are_no_suggestion() -> None:
    # Eight Spanish stories cannot show "es" and "la" common by their share; their list does.
    # "war" is a German stop word ("was"), but here it is mostly in English stories.
    spanish = [("es", {"es", "la", "brote", f"s{n}"}) for n in range(8)]
    english = [("en", {"war", "troops", f"e{n}"}) for n in range(6)]
    german = [("de", {"war", f"d{n}"}) for n in range(2)]
    others = [("sw", {f"f{n}"}) for n in range(60)]  # Swahili: no list
    history = Background.of([*spanish, *english, *german, *others])
    docs = [words for _language, words in [*spanish, *english, *german]]

    ranked = {
        w.word
        for w in specific_words(docs, None, history.pooled(), lambda _w: False, history=history)
    }

    assert {"brote", "troops", "war"} <= ranked
    assert ranked.isdisjoint({"es", "la"})


def test_specificity_ranks_frequent_and_rare_in_history_first() -> None:
    history = Background(
        Counter({None: 1000}), {None: Counter({"rare": 1, "often": 90, "once": 0})}
    )
    docs = [{"rare", "often", "once"}, {"rare", "often"}, {"rare", "often"}, {"once"}]
    assert [w.word for w in specific_words(docs, None, history, lambda _w: False)] == [
        "rare",
        "once",
        "often",
    ]


TRICKY = [
    "UKRAÏNE",
    "Ukraine’s",
    "Ｕｋｒａｉｎｅ",
    "Ukrai\u0301ne",
    "ВОЙСКА",
    "войска",
    "Франция",
    "ФРАНЦИЯ",
    "Fran\u00adce",
    "France",
    "İSTANBUL",
    "istanbul",
    "Straße",
    "strasse",
    "القوات",
    "والقوات",
    "乌克兰",
    "ガス",
    "カ\u3099ス",
    "nothing",
    "sport",
]


texts = st.lists(st.sampled_from(TRICKY), max_size=6).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(texts, texts), max_size=40),
    st.lists(
        st.sampled_from(
            ["ukraine", "войск*", "франция", "istanbul", "strasse", "القوات", "乌克兰", "ガス"]
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_the_prefilter_never_passes_over_an_item_the_matcher_matches(
    stories: list[tuple[str, str]], words: list[str]
) -> None:
    matcher = Matcher({"r": parse(" OR ".join(words))}, Vocabulary())
    stored = items(*stories)
    kept = set(Prefilter(parse_alias(w) for w in words).candidates(stored))
    for number, item in enumerate(stored):
        if matcher.match(item.title, item.text).matches:
            assert number in kept


def test_the_prefilter_passes_over_items_without_the_terms() -> None:
    stored = items(
        ("Budget talks", "Deputies argued about taxes."),
        ("Budget talks", "Kyivstar results"),  # over-matches, never under
        ("A \x00 in a feed", "Kyiv"),  # the separator of joined items, in an item
    )
    assert Prefilter(terms(RULE, VOCABULARY)).candidates(stored) == [1, 2]
    many = [parse_alias(f"word{n}") for n in range(40)]  # an automaton, not one by one
    assert Prefilter([*many, *terms(RULE, VOCABULARY)]).candidates(stored) == [1, 2]
    chunks = items(*[("Nothing", "here")] * 600, ("France", "x"), *[("Nothing", "")] * 600)
    assert Prefilter(terms(RULE, VOCABULARY)).candidates(chunks) == [600]


def test_suggested_terms_come_with_their_effect_on_the_stored_items() -> None:
    found = scan(RULE, VOCABULARY, STORED)
    suggested = additions(RULE, VOCABULARY, found, STORED, rejected={"s2"})

    by_word = {to_string(s.term): s for s in suggested}
    assert (by_word["instructors"].alerts, by_word["instructors"].rejected) == (2, 1)
    assert by_word["instructors"].part == 2
    assert described(by_word["instructors"], RULE) == (
        "add instructors to @troops: (@troops OR instructors)"
    )
    widened = apply(RULE, [by_word["instructors"]])
    assert to_string(widened) == "@France AND @Ukraine AND (@troops OR instructors) AND NOT sport"
    matcher = Matcher({"r": widened}, VOCABULARY)
    widened_matches = sum(bool(matcher.match(i.title, i.text).matches) for i in STORED)
    assert widened_matches == len(found.matched) + 2


def test_a_rule_of_one_part_learns_from_what_it_matches() -> None:
    rule = parse("@troops")
    stored = items(
        ("Troops deploy", "A contingent left."),
        ("Soldiers deploy", "A contingent of reservists left."),
        ("A contingent arrives", "Reservists at the border."),
        *FILLER,
    )
    found = scan(rule, VOCABULARY, stored)
    suggested = {to_string(s.term): s for s in additions(rule, VOCABULARY, found, stored, set())}
    assert suggested["contingent"].alerts == 1  # the one stored item it would add


def test_exclusions_remove_the_rejected_alerts() -> None:
    stored = items(
        ("French troops in Ukraine", "A drill near Kyiv."),
        ("French soldiers in Ukraine", "The drill ended."),
        ("French troops arrive in Ukraine", "A long deployment begins."),
        *FILLER,
    )
    found = scan(RULE, VOCABULARY, stored)
    (drill,) = exclusions(RULE, VOCABULARY, found, rejected={"s0", "s1"})
    assert (to_string(drill.term), drill.alerts, drill.rejected) == ("drill", -2, 2)
    assert described(drill, RULE) == "exclude drill: add -drill"
    assert exclusions(RULE, VOCABULARY, found, rejected=set()) == []


@pytest.mark.parametrize("query", ["@troops", "@France AND @troops"])
def test_no_near_misses_and_no_suggestions_without_stored_items(query: str) -> None:
    found = scan(parse(query), VOCABULARY, [])
    assert (found.matched, found.near) == ([], {})
    assert additions(parse(query), VOCABULARY, found, [], set()) == []
