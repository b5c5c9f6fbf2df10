"""The storm guard: caps per feed and per rule, per poll and per hour, and the summary that
tells each channel what it was not sent."""

from dataclasses import replace
from datetime import UTC, datetime

from monitor.model import Decision, FeedUpdate, NewStory, QueuedAlert, StoryChanges
from monitor.polling.storm import SUMMARY_KEY, RecentAlerts, StormLimits, guard

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LIMITS = StormLimits(feed_per_poll=3, feed_per_hour=10, rule_per_poll=2, rule_per_hour=5)


def story(n: int, *routes: tuple[str, list[str]]) -> NewStory:
    """Story `n`, alerting each (channel, rules) of `routes`."""
    alerts = tuple(
        QueuedAlert(channel, rules, {"rules": rules, "title": f"Story {n}"})
        for channel, rules in routes
    )
    return NewStory(f"https://news.example.org/{n}", f"Story {n}", alerts)


def decision(*stories: NewStory) -> Decision:
    return Decision(
        "Wire", "https://wire.example.org/rss", NOW, FeedUpdate(0, None, None), (), stories
    )


def sent(guarded: Decision) -> list[tuple[str, str, list[str]]]:
    return [
        (s.title, a.channel, a.rules)
        for s in guarded.stories
        if not s.story_key.startswith(SUMMARY_KEY)
        for a in s.alerts
    ]


def summaries(guarded: Decision) -> dict[str, QueuedAlert]:
    found = [s for s in guarded.stories if s.story_key.startswith(SUMMARY_KEY)]
    return {a.channel: a for s in found for a in s.alerts}


def test_within_the_caps_nothing_changes() -> None:
    calm = decision(story(1, ("desk", ["a"])), story(2), story(3, ("desk", ["b"])))
    assert guard(calm, LIMITS, RecentAlerts()) == (calm, {})


def test_a_flood_keeps_the_first_stories_and_summarises_the_rest_per_channel() -> None:
    rules = ["a", "b", "c", "d", "e"]
    flood = decision(*(story(n, ("desk", [rules[n % 5]]), ("tg", ["z"])) for n in range(1000)))

    guarded, held = guard(flood, LIMITS, RecentAlerts())

    # Three stories per poll for the feed; "z" (every story's, for tg) allows two of them.
    assert sent(guarded) == [
        ("Story 0", "desk", ["a"]),
        ("Story 0", "tg", ["z"]),
        ("Story 1", "desk", ["b"]),
        ("Story 1", "tg", ["z"]),
        ("Story 2", "desk", ["c"]),
    ]
    assert held == {"desk": 997, "tg": 998}
    desk = summaries(guarded)["desk"]
    assert desk.payload["title"] == "…and 997 more from Wire (over the alert limits)"
    assert desk.payload["snippet"] == "Story 3; Story 4; Story 5; Story 6; Story 7; and 992 more"
    assert desk.rules == ["d", "e", "a", "b", "c"]
    assert summaries(guarded)["tg"].payload["title"].startswith("…and 998 more from Wire")
    # Every story is still recorded (as seen), alerting or not.
    assert len(guarded.stories) == 1001


def test_the_hour_counts_what_the_outbox_already_took() -> None:
    busy = RecentAlerts(by_feed={"Wire": 9}, by_rule={"b": 5})
    guarded, held = guard(
        decision(story(1, ("desk", ["a", "b"])), story(2, ("desk", ["a"]))), LIMITS, busy
    )
    # One story left for the feed this hour; rule b has had its five, so story 1 names a alone.
    assert sent(guarded) == [("Story 1", "desk", ["a"])]
    assert held == {"desk": 1}
    assert summaries(guarded)["desk"].payload["title"].startswith("…and 1 more from Wire")


def test_a_spent_rule_does_not_stop_the_other_rules() -> None:
    guarded, held = guard(
        decision(*(story(n, ("desk", ["loud"]), ("legal", ["rare"])) for n in range(3))),
        LIMITS,
        RecentAlerts(by_rule={"loud": 5}),
    )
    assert [channel for _title, channel, _rules in sent(guarded)] == ["legal", "legal"]
    assert held == {"desk": 3, "legal": 1}


def test_what_the_guard_holds_back_starts_no_cooldown_and_no_spread() -> None:
    # The stories stage marked rule "a" (cooldown) and "b" (spread) as alerted, and the story
    # "x" as spreading; the guard then holds the spreading alert back (three a poll, b two).
    changes = StoryChanges(spread=("x",), marks=(("a", "alert"), ("b", "spread")))
    spreading = NewStory("spread:x", "Spreading: x", (QueuedAlert("desk", ["b"], {}),))
    stories = (
        story(1, ("desk", ["a"])),
        story(2, ("desk", ["b"])),
        story(3, ("desk", ["b"])),
        spreading,
    )
    flood = replace(decision(*stories), story_changes=changes)

    guarded, held = guard(flood, LIMITS, RecentAlerts())

    assert held == {"desk": 1}
    assert guarded.story_changes == StoryChanges(marks=(("a", "alert"),))
