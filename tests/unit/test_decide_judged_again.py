"""`decide` judges a stored story again when it comes with another text: an item edited to
match, or another feed's fuller text of a story whose teaser did not match (issue 18). A story
that alerted, or comes with the very text it was judged on, is not matched again."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitor.items import Item
from monitor.model import Decision, FeedPolicy, FetchResult, ParsedFeed
from monitor.polling.decide import decide, to_be_matched
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
    own_text_keys: dict[str, str] | None = None,
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
        own_text_keys=own_text_keys,
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


# `full_text`: the item's text is the feed's own plus its article page's; the verdict is kept
# under the key of the feed's own title and text, which the next polls have without the page.
ARTICLE = "\n\nThe president spoke of troops in Ukraine."
OWN = {"guid-1": text_key(TEASER.title, TEASER.text)}  # entry key → key of the feed's text
VERDICT = {LINK: OWN["guid-1"]}  # story key → key of the text it was judged on


def test_a_full_text_verdict_is_kept_under_the_feeds_own_text() -> None:
    read = replace(TEASER, text=TEASER.text + "\n\nA budget debate.")
    (story,) = run(read, own_text_keys=OWN).stories
    assert story.alerts == ()
    assert story.judged == OWN["guid-1"]
    # The same teaser with another page text: not judged again (its page was not wanted).
    again = run(
        replace(read, text=ARTICLE), seen_entries={"guid-1"}, judged=VERDICT, own_text_keys=OWN
    )
    assert again.stories == ()


def test_an_edited_full_text_entry_is_judged_again_on_its_page() -> None:
    edited = replace(EDITED, title="Macron speaks", text=ARTICLE)  # matches by its page only
    own = {"guid-1": text_key(edited.title, "")}
    decided = run(edited, seen_entries={"guid-1"}, judged=VERDICT, own_text_keys=own)

    (story,) = decided.stories
    assert story.again
    assert [a.rules for a in story.alerts] == [["troops"]]


def test_only_new_stories_and_entries_edited_since_their_verdict_are_to_be_matched() -> None:
    other = Item("wire", "guid-2", "https://example.org/2", "Other", "", None, NOW)
    alerted = Item("wire", "guid-3", "https://example.org/3", "Alerted", "", None, NOW)
    new = Item("wire", "guid-4", "https://example.org/4", "New", "", None, NOW)
    judged = {**OWN, "guid-2": text_key("Other before an edit", "")}
    wanted = to_be_matched(
        POLICY,
        [TEASER, other, alerted, new],
        seen_entries={"guid-1", "guid-2", "guid-3"},
        seen_stories=set(),
        now=NOW,
        judged_entries=judged,
    )
    # guid-1 is unchanged since its verdict; guid-3 alerted (no verdict kept).
    assert [i.entry_key for i in wanted] == ["guid-2", "guid-4"]
