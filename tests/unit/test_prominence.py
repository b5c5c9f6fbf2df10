"""Prominence: the lead per script, the score of a matched rule, `lead:` and `atleast:` in the
matcher, and `min_prominence` in what a poll decides."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from monitor.items import Item
from monitor.model import FeedPolicy, MinProminence, ParsedFeed
from monitor.polling.decide import decide
from monitor.rules.lead import MAX_WORDS, lead_units
from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.query import parse, parse_alias
from monitor.rules.text import fold, units
from tests.unit.test_decide import OK, STATE

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
VOCABULARY = Vocabulary(
    actors={"France": [parse_alias(a) for a in ("France", "French", "Paris")]},
    topics={"troops": [parse_alias(t) for t in ("troops", "soldiers")]},
)


def lead(text: str) -> str:
    """The lead of `text`, as its folded units joined by spaces."""
    return " ".join(units(fold(text))[: lead_units(text)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # `.` with a space after it; "U.S." is no sentence of its own (fewer than five words).
        (
            "U.S. troops crossed the border on Monday. Officials said more would follow.",
            "u s troops crossed the border on monday",
        ),
        ("Is this the end of the war? Nobody knows yet.", "is this the end of the war"),
        # Chinese and Japanese: 。！？ end a sentence with no space after them.
        ("国家主席习近平1日在北京会见法国总统马克龙。双方交换了意见。", None),
        ("東京で大きな地震がありました！けが人はいません。", None),
        # Arabic ؟ and Devanagari ।.
        (
            "هل تصل القوات الفرنسية إلى أوكرانيا قريبا؟ قال مسؤولون إن القرار لم يتخذ.",
            "هل تصل القوات الفرنسيه الي اوكرانيا قريبا",
        ),
        ("प्रधानमंत्री ने आज दिल्ली में नई योजना की घोषणा की। इससे लाभ होगा।", None),
        ("A short text", "a short text"),
        ("", ""),
    ],
)
def test_the_lead_is_the_first_sentence_in_every_script(text: str, expected: str | None) -> None:
    if expected is None:  # unspaced scripts: everything up to the first end, as units
        end = next(i for i, c in enumerate(text) if c in "。！？।")
        expected = " ".join(units(fold(text[:end])))
    assert lead(text) == expected


def test_a_lead_without_an_end_stops_after_forty_words() -> None:
    words = [f"w{n}" for n in range(100)]
    assert lead(" ".join(words)) == " ".join(words[:MAX_WORDS])
    chinese = "法国" * 100  # two characters count as one word: 80 characters
    assert lead_units(chinese) == 2 * MAX_WORDS


def score(query: str, title: str, text: str) -> int | None:
    result = Matcher({"r": parse(query)}, VOCABULARY).match(title, text)
    return result.matches[0].prominence if result.matches else None


DEEP = "The budget was debated all night. Taxes rose. Pensions fell. Later, troops moved."


@pytest.mark.parametrize(
    ("query", "title", "text", "expected"),
    [
        ("troops", "Budget talks", DEEP, 0),  # once, deep in the text: a passing mention
        # Twice, both deep: said again, it is no passing mention; as much as the lead.
        ("troops", "Budget talks", DEEP + " More troops came.", 25),
        ("troops", "Budget talks", DEEP + " More troops came. The troops left.", 50),
        ("troops", "Budget talks", "The troops moved north. Nothing else happened.", 25),
        ("troops", "Troops move north", "Nothing else happened today at all.", 50),
        ("@troops", "Troops move north", "The soldiers moved. Troops and more troops.", 100),
        # The weakest required part: France is in the title, troops deep in the text.
        ("@France AND @troops", "France debates its budget", DEEP, 0),
        ("@France AND @troops", "France sends troops", "Paris said so on Monday.", 50),
        # NOT and lang: are conditions, not parts.
        ("@troops -sport", "Troops move north", "Nothing else happened.", 50),
    ],
)
def test_prominence_scores_where_and_how_often_the_words_occur(
    query: str, title: str, text: str, expected: int
) -> None:
    assert score(query, title, text) == expected


@pytest.mark.parametrize(
    ("query", "title", "text", "matches"),
    [
        ("lead:troops", "Budget", "Troops moved north on Monday. Then nothing.", True),
        ("lead:troops", "Budget", DEEP, False),
        ("lead:troops", "Troops", DEEP, True),  # the title is in the lead
        ('lead:"troops moved"', "Budget", "The troops moved on Monday. x.", True),
        ("lead:(@France @troops)", "France", "The soldiers left today for the east.", True),
        ("atleast:2(troops)", "Troops", DEEP, True),  # the title counts
        ("atleast:3(troops)", "Troops", DEEP, False),
        ("atleast:2(@troops)", "News", "Soldiers and troops.", True),
        ("atleast:2(troops OR soldiers)", "News", "Troops left.", False),
        ("text:atleast:2(troops)", "Troops", DEEP, False),
        ("@France atleast:2(@troops)", "France", "Troops and soldiers.", True),
    ],
)
def test_lead_and_atleast_in_the_matcher(query: str, title: str, text: str, matches: bool) -> None:
    assert (score(query, title, text) is not None) == matches


POLICY = FeedPolicy(
    name="wire",
    url="https://example.org/feed",
    interval=timedelta(minutes=10),
    max_item_age=timedelta(hours=24),
    channels_of_rule={"troops": ["desk"], "france": ["desk"]},
)
MATCHER = Matcher({"troops": parse("troops"), "france": parse("france")}, Vocabulary())


def queued(policy: FeedPolicy, title: str, text: str) -> list[tuple[list[str], str, int]]:
    """(rules, priority, prominence) of each alert a poll of one item queues."""
    item = Item("wire", "k", "story", title, text, None, NOW)
    decision = decide(
        policy,
        state=STATE,
        fetched=OK,
        parsed=ParsedFeed([item], None),
        seen_entries=set(),
        seen_stories=set(),
        match=lambda i: MATCHER.match(i.title, i.text),
        now=NOW,
        jitter=0.0,
    )
    return [
        (a.rules, a.payload["priority"], a.payload["prominence"])
        for s in decision.stories
        for a in s.alerts
    ]


def test_below_min_prominence_an_alert_goes_to_digests_or_is_dropped() -> None:
    digest = replace(POLICY, min_prominence={"troops": MinProminence(25)})
    drop = replace(POLICY, min_prominence={"troops": MinProminence(25, drop=True)})

    assert queued(POLICY, "Budget", DEEP) == [(["troops"], "normal", 0)]
    assert queued(digest, "Budget", DEEP) == [(["troops"], "low", 0)]
    assert queued(drop, "Budget", DEEP) == []
    assert queued(digest, "Troops move", DEEP) == [(["troops"], "normal", 75)]
    # Another rule of the alert is prominent: the alert goes as usual, naming both.
    assert queued(digest, "France", DEEP) == [(["troops", "france"], "normal", 50)]
    assert queued(drop, "France", DEEP) == [(["france"], "normal", 50)]
