"""The stories stage, pure: which story a matched item joins, what alerts are left, and the
spread, spike, priority and cooldown signals, with the time passed in (a fake clock)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitor.delivery.alerts import Alert
from monitor.items import Item
from monitor.model import Decision, FeedUpdate, KnownStory, NewStory, QueuedAlert
from monitor.stories.fingerprint import fingerprint
from monitor.stories.grouping import Arrival, StoryContext, host_of
from monitor.stories.grouping import plan_stories as planned
from monitor.stories.signals import Spike, Spread, StoryRule, bucket, cooled, spike, spreads
from tests.support.story_pairs import SAME

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
(WIRE, REPRINT), (_, AMP) = SAME[0], SAME[1]  # one Reuters story, three outlets
OTHER = ("Ukraine says it does not need French troops", "KYIV (AP) - Ukraine does not need …")


def item(feed: str, key: str, text: tuple[str, str], host: str | None = None) -> Item:
    link = f"https://{host or feed.lower().replace(' ', '')}.example/{key}"
    return Item(feed, key, link, text[0], text[1], link, NOON)


def arrival(it: Item, *rules: str, channel: str = "desk") -> Arrival:
    alert = Alert(tuple(rules), it.title, it.feed, it.link, NOON, "snippet", (), ())
    queued = QueuedAlert(channel, list(rules), alert.to_payload())
    return Arrival.of(it, NewStory(it.story_key, it.title, (queued,)))


def poll(*arrivals: Arrival, at: datetime = NOON) -> Decision:
    update = FeedUpdate(0, None, at + timedelta(minutes=10))
    return Decision("f", "u", at, update, stories=tuple(a.story for a in arrivals))


def plan_stories(
    decision: Decision, arrivals: list[Arrival], stories: list[KnownStory], ctx: StoryContext
) -> Decision:
    """`plan_stories`, each arrival a candidate of every known story (as the state's band
    lookup would find copies)."""
    keys = tuple(k.key for k in stories)
    return planned(decision, [replace(a, candidates=keys) for a in arrivals], stories, ctx)


def context(**rules: StoryRule) -> StoryContext:
    names = {"france", "ukraine", *rules}
    return StoryContext(
        rules=rules, channels_of_rule=dict.fromkeys(names, ("desk",)), marks={}, counts={}
    )


def known(story_key: str, text: tuple[str, str], rules: set[str], **kw: object) -> KnownStory:
    values: dict[str, object] = {
        "key": story_key,
        "title": text[0],
        "first_seen_at": NOON - timedelta(hours=1),
        "rules": frozenset(rules),
        "hosts": frozenset({"reuters.example"}),
        "sources": (),
        "signatures": (fingerprint(*text).to_bytes(),),
    } | kw
    return KnownStory(**values)  # type: ignore[arg-type]


def alerts_of(decision: Decision) -> dict[str, list[list[str]]]:
    return {s.story_key: [a.rules for a in s.alerts] for s in decision.stories}


def test_one_story_from_three_outlets_alerts_once_and_records_its_sources() -> None:
    first = arrival(item("Reuters", "a", WIRE), "france")
    second = arrival(item("Le Monde", "b", REPRINT), "france")
    third = arrival(item("AFP", "c", AMP), "france")
    different = arrival(item("AP", "d", OTHER), "france")

    decided = plan_stories(
        poll(first, second, third, different), [first, second, third, different], [], context()
    )

    assert alerts_of(decided) == {
        first.story.story_key: [["france"]],
        second.story.story_key: [],
        third.story.story_key: [],
        different.story.story_key: [["france"]],
    }
    changes = decided.story_changes
    assert changes is not None
    stories = {m.story_key: m.story for m in changes.members}
    assert stories == {
        first.story.story_key: first.story.story_key,
        second.story.story_key: first.story.story_key,
        third.story.story_key: first.story.story_key,
        different.story.story_key: different.story.story_key,
    }
    assert all(m.bands for m in changes.members)


def test_a_later_item_alerts_only_for_a_rule_the_story_had_not_matched_and_names_it() -> None:
    story = known("https://reuters.example/a", WIRE, {"france"})
    later = arrival(item("Le Monde", "b", REPRINT), "france", "ukraine")

    decided = plan_stories(poll(later), [later], [story], context())

    (alert,) = decided.stories[0].alerts
    assert alert.rules == ["ukraine"]
    assert alert.payload["rules"] == ["ukraine"]
    assert alert.payload["story"] == WIRE[0]
    assert decided.story_changes is not None
    assert decided.story_changes.members[0].story == story.key


def test_a_rotating_identity_is_recognised_by_its_text() -> None:
    # The same item under a new GUID (no link) or a link with a new session id: a new story
    # key every poll, the same text. It joins the story it alerted for, silently.
    story = known("Wire#guid-1", WIRE, {"france"})
    again = arrival(item("Wire", "guid-2", WIRE, host="reuters.example"), "france")

    decided = plan_stories(poll(again), [again], [story], context())

    assert alerts_of(decided) == {again.story.story_key: []}


def test_a_story_that_spreads_raises_one_follow_up_alert() -> None:
    rules = context(france=StoryRule(spread=Spread(sources=3, within=timedelta(hours=2))))
    story = known("k", WIRE, {"france"}, hosts=frozenset({"reuters.example", "lemonde.example"}))
    third = arrival(item("AFP", "c", AMP), "france")

    decided = plan_stories(poll(third), [third], [story], rules)

    follow_up = decided.stories[-1]
    assert follow_up.story_key == "spread:k"
    assert follow_up.title == f"Spreading: {WIRE[0]}"
    (alert,) = follow_up.alerts
    assert alert.channel == "desk"
    assert "3 publishers" in alert.payload["snippet"]
    assert "afp.example" in alert.payload["snippet"]
    assert decided.story_changes is not None
    assert decided.story_changes.spread == ("k",)
    assert ("france", "spread") in decided.story_changes.marks
    # Already spread: a fourth publisher raises nothing more.
    fourth = arrival(item("BBC", "d", REPRINT), "france")
    spread = replace(story, hosts=story.hosts | {"afp.example"}, spread_at=NOON)
    assert len(plan_stories(poll(fourth), [fourth], [spread], rules).stories) == 1


def test_spread_waits_out_its_cooldown_and_its_window() -> None:
    setting = StoryRule(spread=Spread(3, timedelta(hours=2)))
    hosts = frozenset({"reuters.example", "lemonde.example"})
    third = arrival(item("AFP", "c", AMP), "france")
    cooling = replace(
        context(france=setting), marks={("france", "spread"): NOON - timedelta(minutes=10)}
    )

    assert (
        len(
            plan_stories(
                poll(third), [third], [known("k", WIRE, {"france"}, hosts=hosts)], cooling
            ).stories
        )
        == 1
    )
    late = known("k", WIRE, {"france"}, hosts=hosts, first_seen_at=NOON - timedelta(hours=3))
    assert len(plan_stories(poll(third), [third], [late], context(france=setting)).stories) == 1


def test_spike_against_the_baseline_with_a_fake_clock() -> None:
    rule = Spike(factor=3, min=5, window=timedelta(hours=2), baseline=timedelta(days=7))
    # A week at about one match every two hours: 84 in the baseline, one expected per window.
    usual = {bucket(NOON - timedelta(hours=2 * h + 3)): 1 for h in range(84)}

    assert spike(usual, rule, NOON) is None
    busy = usual | {bucket(NOON - timedelta(minutes=10 * m)): 1 for m in range(4)}
    assert spike(busy, rule, NOON) is None  # 4 < min
    busier = usual | {bucket(NOON - timedelta(minutes=10 * m)): 2 for m in range(3)}
    surge = spike(busier, rule, NOON)
    assert surge is not None
    assert surge.recent == 6
    assert 0.9 < surge.expected < 1.1
    # A rule that is always this busy does not spike: 6 per window is its usual rate.
    steady = {bucket(NOON - timedelta(minutes=20 * m)): 1 for m in range(7 * 72)}
    assert spike(steady, rule, NOON) is None
    # Two hours later the window has moved past the burst.
    assert spike(busier, rule, NOON + timedelta(hours=2, minutes=10)) is None


def test_a_spike_alert_names_the_top_stories_and_respects_its_cooldown() -> None:
    setting = StoryRule(spike=Spike(3, 5, timedelta(hours=2), timedelta(days=7)))
    recent = {bucket(NOON - timedelta(minutes=10)): 4}
    ctx = StoryContext(
        rules={"france": setting},
        channels_of_rule={"france": ("desk", "pager")},
        counts={"france": recent},
        top={"france": ["Macron: troops not ruled out", "Scholz says no"]},
    )
    one = arrival(item("AP", "d", OTHER), "france")

    decided = plan_stories(poll(one), [one], [], ctx)

    spike_story = decided.stories[-1]
    assert spike_story.title == "Spike: france"
    assert [a.channel for a in spike_story.alerts] == ["desk", "pager"]
    assert "5 matches" in spike_story.alerts[0].payload["snippet"]
    assert (
        "Macron: troops not ruled out; Scholz says no" in spike_story.alerts[0].payload["snippet"]
    )
    assert decided.story_changes is not None
    assert decided.story_changes.counts == (("france", bucket(NOON), 1),)
    cooling = replace(ctx, marks={("france", "spike"): NOON - timedelta(minutes=29)})
    assert len(plan_stories(poll(one), [one], [], cooling).stories) == 1
    cooled_down = replace(ctx, marks={("france", "spike"): NOON - timedelta(minutes=30)})
    assert len(plan_stories(poll(one), [one], [], cooled_down).stories) == 2


def test_priority_and_cooldown_pace_the_alerts() -> None:
    ctx = context(
        france=StoryRule(priority="high"),
        ukraine=StoryRule(priority="low"),
        paced=StoryRule(cooldown=timedelta(hours=1)),
    )
    a = arrival(item("Reuters", "a", WIRE), "france")
    b = arrival(item("AP", "b", OTHER), "ukraine")
    decided = plan_stories(poll(a, b), [a, b], [], ctx)
    assert [s.alerts[0].payload["priority"] for s in decided.stories] == ["high", "low"]

    # A rule with a cooldown: the first alert goes out as usual, the next within the hour
    # goes to the digest; after the hour, out at once again.
    first = arrival(item("Reuters", "a", WIRE), "paced")
    second = arrival(item("AP", "b", OTHER), "paced")
    decided = plan_stories(poll(first, second), [first, second], [], ctx)
    assert [s.alerts[0].payload["priority"] for s in decided.stories] == ["normal", "low"]
    assert decided.story_changes is not None
    assert decided.story_changes.marks == (("paced", "alert"),)
    later = replace(ctx, marks={("paced", "alert"): NOON - timedelta(hours=1)})
    decided = plan_stories(poll(second), [second], [], later)
    assert decided.stories[0].alerts[0].payload["priority"] == "normal"


def test_signals_helpers() -> None:
    assert bucket(datetime(2026, 12, 1, 12, 19, 59, tzinfo=UTC)) == datetime(
        2026, 12, 1, 12, 10, tzinfo=UTC
    )
    assert cooled(None, timedelta(minutes=30), NOON)
    assert cooled(NOON, None, NOON)
    assert not cooled(NOON - timedelta(minutes=29), timedelta(minutes=30), NOON)
    assert spreads(5, NOON, None, Spread(5, timedelta(hours=2)), NOON + timedelta(hours=2))
    assert not spreads(4, NOON, None, Spread(5, timedelta(hours=2)), NOON)
    assert host_of(item("Le Monde", "x", WIRE, host="www.lemonde")) == "lemonde.example"
    assert host_of(Item("Wire", "k", "Wire#k", "t", "x", None, None)) == "Wire"


def test_nothing_matched_nothing_changes() -> None:
    decision = poll()
    assert plan_stories(decision, [], [], context()) is decision


def test_short_texts_that_differ_in_a_number_are_two_stories() -> None:
    first = arrival(item("USGS", "a", ("Magnitude 5.1 earthquake strikes off Chile", "")), "france")
    second = arrival(
        item("USGS", "b", ("Magnitude 4.8 earthquake strikes off Chile", "")), "france"
    )
    again = arrival(item("EMSC", "c", ("Magnitude 5.1 earthquake strikes off Chile", "")), "france")

    decided = plan_stories(poll(first, second, again), [first, second, again], [], context())

    assert [len(s.alerts) for s in decided.stories] == [1, 1, 0]


def test_an_alert_of_passing_mentions_stays_in_the_digest_whatever_the_priority() -> None:
    # `decide` lowered it (every rule below its min_prominence): not even "high" lifts it,
    # and it starts no cooldown.
    ctx = context(france=StoryRule(priority="high", cooldown=timedelta(hours=1)))
    passing = arrival(item("Reuters", "a", WIRE), "france")
    lowered = replace(
        passing.story.alerts[0], payload=passing.story.alerts[0].payload | {"priority": "low"}
    )
    passing = replace(passing, story=replace(passing.story, alerts=(lowered,)))
    decided = plan_stories(poll(passing), [passing], [], ctx)
    assert decided.stories[0].alerts[0].payload["priority"] == "low"
    assert decided.story_changes is not None
    assert decided.story_changes.marks == ()
