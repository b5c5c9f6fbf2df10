"""`decide`, scenario by scenario: what one poll writes."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitor.items import Item
from monitor.model import (
    NO_GOOD_POLL,
    Decision,
    FeedPolicy,
    FeedState,
    FetchResult,
    GoodPoll,
    ParsedFeed,
    state_for,
)
from monitor.polling.decide import (
    GONE_CONFIRMATIONS,
    GONE_RECHECK,
    MAX_BACKOFF,
    MAX_HINTED_DELAY,
    decide,
)
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
STATE = FeedState(
    POLICY.url, '"v1"', "Mon, 23 Nov 2026", 0, last_ok_at=NOW - timedelta(minutes=10), items_seen=2
)
HOUR = timedelta(hours=1)


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
    ttl: timedelta | None = None,
    jitter: float = 0.0,
) -> Decision:
    def match(i: Item) -> MatchResult:
        return MATCHER.match(i.title, i.text)

    return decide(
        POLICY,
        state=state,
        fetched=fetched,
        parsed=None if fetched.body is None else ParsedFeed(list(items), None, ttl),
        seen_entries=seen_entries or set(),
        seen_stories=seen_stories or set(),
        match=match,
        now=NOW,
        jitter=jitter,
    )


def good(decision: Decision) -> GoodPoll:
    """The last good poll `decision` writes (it must write one)."""
    assert decision.feed_update.good is not None
    return decision.feed_update.good


def alerts(decision: Decision) -> list[tuple[str, str, list[str]]]:
    return [(s.story_key, a.channel, a.rules) for s in decision.stories for a in s.alerts]


def test_first_poll_alerts_fresh_matching_items() -> None:
    decision = run([item("a", "troops move", age=HOUR), item("b", "weather")], state=None)
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


def test_undated_items_of_a_first_poll_are_a_backlog_recorded_without_alerting() -> None:
    listed = [item("old", "troops of 2018"), item("new", "troops today", age=HOUR)]
    never_good = FeedState(POLICY.url, None, None, consecutive_failures=3)

    for state in (None, never_good):
        decision = run(listed, state=state)

        assert [e.entry_key for e in decision.entries] == ["old", "new"]  # remembered
        assert {key for key, _channel, _rules in alerts(decision)} == {"https://example.org/new"}


def test_undated_items_of_a_local_files_first_poll_alert() -> None:
    local = replace(POLICY, url="file:///srv/feeds/wire.xml")
    decision = decide(
        local,
        state=None,
        fetched=replace(OK, url=local.url),
        parsed=ParsedFeed([item("a", "troops")], None),
        seen_entries=set(),
        seen_stories=set(),
        match=lambda i: MATCHER.match(i.title, i.text),
        now=NOW,
    )
    assert len(alerts(decision)) == 2  # the operator's own file: news, not a backlog


def test_a_feed_that_lists_nothing_after_listing_items_is_a_warning() -> None:
    assert run([]).warning == "the feed lists no items, where earlier polls found 2"
    assert run([], state=None).warning is None  # a new, empty feed: nothing to compare with
    assert run([item("a", "weather")]).warning is None


def test_success_saves_validators_and_schedules_next_poll() -> None:
    decision = run([])
    assert good(decision).etag == '"v2"'
    assert decision.feed_update.next_poll_at == NOW + POLICY.interval
    assert decision.feed_update.consecutive_failures == 0


def test_not_modified_keeps_validators() -> None:
    not_modified = FetchResult(POLICY.url, 304, etag='"v1"', last_modified="Mon, 23 Nov 2026")
    decision = run([], fetched=not_modified)
    assert decision.entries == ()
    assert (good(decision).etag, good(decision).last_modified) == (
        '"v1"',
        "Mon, 23 Nov 2026",
    )


def test_failure_counts_and_backs_off_exponentially() -> None:
    failing = FetchResult(POLICY.url, 500, error="HTTP 500")
    third = FeedState(POLICY.url, '"v1"', "Mon, 23 Nov 2026", 2)
    decision = run([], state=third, fetched=failing)
    assert decision.error == "HTTP 500"
    assert decision.feed_update.consecutive_failures == 3
    assert decision.feed_update.next_poll_at == NOW + 4 * POLICY.interval
    # The validators and redirect stay as stored (another poller may have written newer ones).
    assert decision.feed_update.good is None
    assert "etag" not in decision.feed_update.columns()


def test_a_fixed_url_starts_afresh_even_when_its_first_poll_fails() -> None:
    old_url = "https://example.org/typo-feed"
    broken_five_times = FeedState(old_url, '"old"', None, 5, fetch_url="https://example.org/m")
    decision = run(
        [], state=broken_five_times, fetched=FetchResult(POLICY.url, 500, error="HTTP 500")
    )
    assert decision.feed_update.consecutive_failures == 1
    assert decision.feed_update.next_poll_at == NOW + POLICY.interval  # not 5 h 20 min
    # Nothing of the old URL's carries over to the new one: validators, redirect, last success.
    assert decision.feed_update.good == NO_GOOD_POLL
    assert decision.feed_update.columns()["last_ok_at"] is None


def test_item_dated_in_the_future_alerts_as_first_seen_now() -> None:
    decision = run([item("a", "troops", age=-timedelta(days=400 * 365))])
    (story,) = decision.stories
    assert story.alerts[0].payload["published"] == NOW.isoformat()


def failing(status: int, **headers: str) -> FetchResult:
    return FetchResult(POLICY.url, status, headers=headers, error=f"HTTP {status}")


def test_retry_after_seconds_pushes_next_poll_and_holds_the_feed() -> None:
    decision = run([], fetched=failing(429, **{"Retry-After": "3600"}))
    assert decision.feed_update.next_poll_at == NOW + timedelta(hours=1)
    assert decision.feed_update.hold_until == NOW + timedelta(hours=1)
    held = FeedState(POLICY.url, None, None, 1, hold_until=NOW + timedelta(hours=1))
    assert held.held(NOW) is not None
    assert held.held(NOW + timedelta(hours=1)) is None


def test_retry_after_date_on_503_pushes_next_poll() -> None:
    decision = run([], fetched=failing(503, **{"Retry-After": "Tue, 24 Nov 2026 14:00:00 GMT"}))
    assert decision.feed_update.next_poll_at == NOW + timedelta(hours=2)


def test_retry_after_is_capped() -> None:
    decision = run([], fetched=failing(429, **{"Retry-After": str(30 * 86400)}))
    assert decision.feed_update.next_poll_at == NOW + MAX_HINTED_DELAY


def test_retry_after_shorter_than_backoff_does_not_shorten_it() -> None:
    fourth = FeedState(POLICY.url, None, None, 3)
    decision = run([], state=fourth, fetched=failing(429, **{"Retry-After": "5"}))
    assert decision.feed_update.next_poll_at == NOW + 8 * POLICY.interval


def test_retry_after_on_a_plain_error_is_ignored() -> None:
    decision = run([], fetched=failing(500, **{"Retry-After": "3600"}))
    assert decision.feed_update.next_poll_at == NOW + POLICY.interval
    assert decision.feed_update.hold_until is None


def test_cache_control_max_age_pushes_next_poll() -> None:
    fresh_for_an_hour = FetchResult(POLICY.url, 200, b"<rss/>", {"Cache-Control": "max-age=3600"})
    decision = run([], fetched=fresh_for_an_hour)
    assert decision.feed_update.next_poll_at == NOW + timedelta(hours=1)


def test_rss_ttl_pushes_next_poll_but_a_short_one_does_not_shorten_it() -> None:
    assert run([], ttl=timedelta(minutes=30)).feed_update.next_poll_at == NOW + timedelta(
        minutes=30
    )
    assert run([], ttl=timedelta(minutes=1)).feed_update.next_poll_at == NOW + POLICY.interval


def test_a_410_stops_polling_only_once_confirmed_over_a_day() -> None:
    state: FeedState | None = replace(STATE, consecutive_failures=4, last_error="HTTP 500")
    moment, held = NOW, []
    for _ in range(GONE_CONFIRMATIONS):
        decision = decide(
            POLICY,
            state=state,
            fetched=failing(410),
            parsed=None,
            seen_entries=set(),
            seen_stories=set(),
            match=lambda i: MATCHER.match(i.title, i.text),
            now=moment,
        )
        update = decision.feed_update
        held.append((update.consecutive_failures, update.hold_until, update.gone_at))
        state = replace(
            STATE,
            consecutive_failures=update.consecutive_failures,
            last_error=decision.error,
            hold_until=update.hold_until,
            gone_at=update.gone_at,
        )
        moment += GONE_RECHECK
    # The run of 410s is counted from its first (the 500s before it were something else);
    # the feed is held between them, so `once` from cron waits too.
    assert held == [
        (1, NOW + GONE_RECHECK, None),
        (2, NOW + 2 * GONE_RECHECK, None),
        (3, None, NOW + 2 * GONE_RECHECK),
    ]
    assert state is not None
    suspected = FeedState(POLICY.url, None, None, 1, hold_until=NOW, last_error="HTTP 410 Gone")
    assert suspected.held(NOW - GONE_RECHECK) == "a 410 Gone is checked again at 2026-11-24 " + (
        "12:00:00 UTC"
    )
    assert "polling stopped" in (state.last_error or "")
    assert "410" in (state.held(NOW + timedelta(days=30)) or "")
    assert state_for(state, "https://example.org/new-feed") is None


def test_a_transient_410_is_forgotten_when_the_feed_answers_again() -> None:
    suspected = replace(STATE, consecutive_failures=2, last_error="HTTP 410 (2 of 3: …)")
    recovered = run([], state=suspected)
    assert recovered.feed_update.consecutive_failures == 0
    assert recovered.feed_update.gone_at is None
    after = replace(STATE, consecutive_failures=1, last_error="HTTP 503")
    assert run([], state=after, fetched=failing(410)).feed_update.consecutive_failures == 1


def test_backoff_of_a_feed_failing_for_years_neither_overflows_nor_exceeds_its_ceiling() -> None:
    for failures in (40, 1_000, 10**9):
        worn = replace(STATE, consecutive_failures=failures)
        decision = run([], state=worn, fetched=failing(500))
        assert decision.feed_update.next_poll_at == NOW + MAX_BACKOFF


def test_permanent_redirect_is_remembered_once_the_target_answers() -> None:
    new_home = "https://example.org/moved"
    decision = run([], fetched=FetchResult(new_home, 200, b"<rss/>", moved_to=new_home))
    assert good(decision).fetch_url == new_home
    assert decision.moved_to == new_home
    # Later polls go to the new home directly and keep it without announcing it again.
    moved = FeedState(POLICY.url, None, None, 0, fetch_url=new_home)
    again = run([], state=moved, fetched=FetchResult(new_home, 200, b"<rss/>"))
    assert good(again).fetch_url == new_home
    assert again.moved_to is None


def test_permanent_redirect_to_a_failing_target_is_not_remembered() -> None:
    broken = FetchResult("https://example.org/moved", 404, error="HTTP 404", moved_to="x")
    decision = run([], fetched=broken)
    assert decision.feed_update.good is None  # what is stored stays; "x" is written nowhere
    assert decision.moved_to is None


def test_redirect_memory_belongs_to_the_configured_url() -> None:
    moved = FeedState("https://example.org/old-config", None, None, 0, fetch_url="https://x/y")
    assert good(run([], state=moved)).fetch_url is None


def test_jitter_only_brings_polls_earlier() -> None:
    assert run([], jitter=1.0).feed_update.next_poll_at == NOW + 0.9 * POLICY.interval
    third = FeedState(POLICY.url, None, None, 2)
    backoff = run([], state=third, fetched=failing(500), jitter=1.0)
    assert backoff.feed_update.next_poll_at == NOW + 2 * POLICY.interval


def test_a_read_feed_lists_its_entry_keys_and_a_304_or_empty_feed_keeps_the_old_list() -> None:
    assert run([item("a", "x"), item("b", "y"), item("a", "x again")]).listed == ("a", "b")
    assert run([]).listed is None
    not_modified = FetchResult(POLICY.url, 304, etag='"v1"')
    assert run([], fetched=not_modified).listed is None
