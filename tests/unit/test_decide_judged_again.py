"""`decide` judges a stored story again when it comes with another text: an item edited to
match, or another feed's fuller text of a story whose teaser did not match (issue 18). A story
that alerted, or comes with the very text it was judged on, is not matched again."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitor.items import Item
from monitor.model import Decision, FeedPolicy, FetchResult, ParsedFeed
from monitor.polling.decide import decide
from monitor.rules.matcher import Matcher, MatchResult, Vocabulary
from monitor.rules.query import parse
from monitor.stories.fingerprint import text_key

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
POLICY = FeedPolicy(
    "wire",
    "https://example.org/feed",
    timedelta(minutes=10),
    timedelta(hours=24),
    {"troops": ["desk"]},
)
MATCHER = Matcher({"troops": parse("troops AND Ukraine")}, Vocabulary())
LINK = "https://example.org/world/2026/12/01/macron-ukraine"
TEASER = Item("wire", "guid-1", LINK, "Macron speaks after Paris meeting", "", LINK, NOW)
EDITED = Item("wire", "guid-1", LINK, "Macron: troops in Ukraine not ruled out", "", LINK, NOW)
FULLER = Item("lemonde", "lm-77", LINK, TEASER.title, "Sending troops to Ukraine…", LINK, NOW)


def run(
    *items: Item,
    seen_entries: set[str] = frozenset(),  # type: ignore[assignment]
    judged: dict[str, str] | None = None,
    policy: FeedPolicy = POLICY,
) -> Decision:
    matched: list[str] = []

    def match(i: Item) -> MatchResult:
        matched.append(i.entry_key)
        return MATCHER.match(i.title, i.text)

    return decide(
        policy,
        state=None,
        fetched=FetchResult(policy.url, 200, b"<rss/>"),
        parsed=ParsedFeed(list(items), None),
        seen_entries=set(seen_entries),
        seen_stories={LINK} if judged is not None else set(),
        match=match,
        now=NOW,
        judged=judged,
    )


def test_a_story_that_did_not_match_records_the_text_it_was_judged_on() -> None:
    (story,) = run(TEASER).stories
    assert story.alerts == ()
    assert story.judged == text_key(TEASER.title, TEASER.text)
    assert not story.again
    (alerted,) = run(EDITED).stories
    assert alerted.alerts
    assert alerted.judged is None  # it alerted: never judged again


def test_an_item_edited_to_match_alerts() -> None:
    decided = run(EDITED, seen_entries={"guid-1"}, judged={LINK: text_key(TEASER.title, "")})

    (story,) = decided.stories
    assert story.again
    assert [a.rules for a in story.alerts] == [["troops"]]
    assert story.judged is None
    assert decided.entries == ()  # the entry itself is not new


def test_another_feed_bringing_a_different_text_gets_it_judged_again() -> None:
    policy = replace(POLICY, name="lemonde", url="https://lemonde.example/rss")
    decided = run(FULLER, judged={LINK: text_key(TEASER.title, "")}, policy=policy)

    (story,) = decided.stories
    assert story.again
    assert [a.rules for a in story.alerts] == [["troops"]]
    assert [e.entry_key for e in decided.entries] == ["lm-77"]


def test_the_same_text_or_a_story_that_alerted_is_not_judged_again() -> None:
    same = run(TEASER, seen_entries={"guid-1"}, judged={LINK: text_key(TEASER.title, "")})
    assert same.stories == ()
    alerted = run(EDITED, seen_entries={"guid-1"}, judged={})  # no judged key: it alerted
    assert alerted.stories == ()


def test_an_edit_that_still_does_not_match_updates_the_text_judged() -> None:
    edited = Item("wire", "guid-1", LINK, "Macron speaks after the Paris meeting", "", LINK, NOW)
    decided = run(edited, seen_entries={"guid-1"}, judged={LINK: text_key(TEASER.title, "")})

    (story,) = decided.stories
    assert story.again
    assert story.alerts == ()
    assert story.judged == text_key(edited.title, "")
