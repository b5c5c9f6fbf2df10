"""`decide`, scenario by scenario: what one poll writes."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from monitor.decide import Decision, FeedPolicy, FeedState, decide
from monitor.fetch import FetchResult
from monitor.items import Item
from monitor.parse import ParsedFeed
from monitor.rules.matcher import Matcher, MatchResult, Vocabulary
from monitor.rules.query import parse

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
POLICY = FeedPolicy(
    name="wire",
    url="https://example.org/feed",
    interval=timedelta(minutes=10),
    max_item_age=timedelta(hours=24),
    channels_of_rule={"troops": ["desk", "tg"], "ukraine": ["desk"]},
)
MATCHER = Matcher({"troops": parse("troops"), "ukraine": parse("ukraine")}, Vocabulary())
OK = FetchResult(POLICY.url, 200, b"<rss/>", etag='"v2"', last_modified="Tue, 24 Nov 2026")
STATE = FeedState(POLICY.url, '"v1"', "Mon, 23 Nov 2026", 0)


def item(key: str, title: str, story: str | None = None, age: timedelta | None = None) -> Item:
    return Item(
        feed="wire",
        entry_key=key,
        story_key=story or f"https://example.org/{key}",
        title=title,
        text="",
        link=f"https://example.org/{key}",
        published=None if age is None else NOW - age,
    )


def run(
    items: Sequence[Item],
    *,
    state: FeedState | None = STATE,
    fetched: FetchResult = OK,
    seen_entries: set[str] | None = None,
    seen_stories: set[str] | None = None,
) -> Decision:
    def match(i: Item) -> MatchResult:
        return MATCHER.match(i.title, i.text)

    return decide(
        POLICY,
        state=state,
        fetched=fetched,
        parsed=None if fetched.body is None else ParsedFeed(list(items), None),
        seen_entries=seen_entries or set(),
        seen_stories=seen_stories or set(),
        match=match,
        now=NOW,
    )


def alerts(decision: Decision) -> list[tuple[str, str, list[str]]]:
    return [(s.story_key, a.channel, a.rules) for s in decision.stories for a in s.alerts]


def test_first_poll_alerts_fresh_matching_items() -> None:
    decision = run([item("a", "troops move"), item("b", "weather")], state=None)
    assert [e.entry_key for e in decision.entries] == ["a", "b"]
    assert alerts(decision) == [
        ("https://example.org/a", "desk", ["troops"]),
        ("https://example.org/a", "tg", ["troops"]),
    ]


def test_item_matching_two_rules_gives_one_alert_per_channel_naming_both() -> None:
    decision = run([item("a", "Ukraine troops")])
    assert alerts(decision) == [
        ("https://example.org/a", "desk", ["troops", "ukraine"]),
        ("https://example.org/a", "tg", ["troops"]),
    ]


def test_entries_already_seen_write_nothing_new() -> None:
    decision = run([item("a", "troops")], seen_entries={"a"})
    assert decision.entries == ()
    assert decision.stories == ()


def test_story_seen_in_other_feed_records_entry_without_alert() -> None:
    decision = run(
        [item("a", "troops", story="https://example.org/shared")],
        seen_stories={"https://example.org/shared"},
    )
    assert [e.story_key for e in decision.entries] == ["https://example.org/shared"]
    assert decision.stories == ()


def test_duplicate_ids_in_one_feed_count_once() -> None:
    decision = run([item("a", "troops"), item("a", "troops again")])
    assert len(decision.entries) == 1
    assert len(alerts(decision)) == 2


def test_same_story_twice_in_one_poll_alerts_once() -> None:
    decision = run([item("a", "troops", story="s"), item("b", "troops", story="s")])
    assert len(decision.entries) == 2
    assert [s.story_key for s in decision.stories] == ["s"]


def test_too_old_item_is_recorded_but_never_alerts() -> None:
    decision = run([item("a", "troops", age=timedelta(hours=25))])
    assert len(decision.entries) == 1
    assert alerts(decision) == []


def test_item_without_date_counts_as_published_now() -> None:
    assert len(alerts(run([item("a", "troops", age=None)]))) == 2


def test_success_saves_validators_and_schedules_next_poll() -> None:
    decision = run([])
    assert decision.feed_update["etag"] == '"v2"'
    assert decision.feed_update["next_poll_at"] == NOW + POLICY.interval
    assert decision.feed_update["consecutive_failures"] == 0


def test_not_modified_keeps_validators() -> None:
    not_modified = FetchResult(POLICY.url, 304, etag='"v1"', last_modified="Mon, 23 Nov 2026")
    decision = run([], fetched=not_modified)
    assert decision.entries == ()
    assert (decision.feed_update["etag"], decision.feed_update["last_modified"]) == (
        '"v1"',
        "Mon, 23 Nov 2026",
    )


def test_failure_counts_and_backs_off_exponentially() -> None:
    failing = FetchResult(POLICY.url, 500, error="HTTP 500")
    third = FeedState(POLICY.url, None, None, 2)
    decision = run([], state=third, fetched=failing)
    assert decision.error == "HTTP 500"
    assert decision.feed_update["consecutive_failures"] == 3
    assert decision.feed_update["next_poll_at"] == NOW + 4 * POLICY.interval
    assert "etag" not in decision.feed_update  # validators survive a failure


def test_item_dated_in_the_future_alerts_as_first_seen_now() -> None:
    decision = run([item("a", "troops", age=-timedelta(days=400 * 365))])
    (story,) = decision.stories
    assert story.alerts[0].payload["published"] == NOW.isoformat()
