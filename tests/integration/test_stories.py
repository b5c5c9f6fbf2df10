"""Stories across outlets, end to end on loopback: one alert per story with its sources in
`history` and in a digest, a spreading alert, rotating identities recognised by their text, and
stories judged again when their text changes (issue 15; issue 18's identity games). Each on
SQLite and on PostgreSQL (`MONITOR_DATABASE_URL`): the stories' writes are most of the state's
INSERT … ON CONFLICT paths."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config.load import load_config
from monitor.items import Item
from monitor.model import Decision, FeedUpdate, NewStory, QueuedAlert
from monitor.service.once import forget_old
from monitor.state.store import Store
from monitor.stories.grouping import Arrival, StoryContext, plan_stories
from tests.support.cli import cli, history
from tests.support.config import RULES, desk, desk_config, feeds_toml, once, write_config
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer
from tests.support.story_pairs import REPLY, REPRINT, SHORT_COPY, WIRE, Text

MORNING = datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
OUTLETS = {  # feed path: (publisher host, text)
    "reuters.xml": ("www.reuters.example", WIRE),
    "lemonde.xml": ("www.lemonde.example", REPRINT),
    "afp.xml": ("afp.example", SHORT_COPY),
}


pytestmark = pytest.mark.usefixtures("state_backend")  # every test on both backends


def entry(host: str, text: Text, guid: str) -> Entry:
    return Entry(guid, text[0], text[1], f"https://{host}/world/{guid}")


def outlets(server: FeedServer, tmp_path: Path, *, rules: str = RULES, channels: str = "") -> Path:
    """Three outlets carrying one wire story, and a fourth with another story on the topic."""
    for path, (host, text) in OUTLETS.items():
        server.feeds[path] = rss(entry(host, text, path.removesuffix(".xml")))
    server.feeds["ap.xml"] = rss(entry("apnews.example", REPLY, "ap-1"))
    feeds = feeds_toml(server, *OUTLETS, "ap.xml")
    return write_config(
        tmp_path / "config", tmp_path / "state", feeds, rules, channels or desk(server)
    )


def test_three_outlets_one_story_and_another_story_on_the_topic_alert_twice(
    server: FeedServer, tmp_path: Path
) -> None:
    config = outlets(server, tmp_path)

    report = once(config)

    assert report.alerts_queued == 2
    assert sorted(p["title"].split("] ", 1)[1] for p in server.posts) == sorted(
        [REPLY[0], next(t for t in (WIRE[0], REPRINT[0], SHORT_COPY[0]) if t in str(server.posts))]
    )
    alerts = history(config, tmp_path)
    assert sorted(len(a["sources"]) for a in alerts) == [0, 2]
    wire = next(a for a in alerts if a["sources"])
    assert set(wire["sources"]) | {wire["feed"]} == set(OUTLETS)
    table = cli("--config", str(config), "history", cwd=tmp_path).stdout
    assert "+2 sources:" in table
    # Polled again: nothing new, nothing sent.
    assert once(config).alerts_queued == 0


def test_a_digest_lists_a_story_once_with_its_sources(server: FeedServer, tmp_path: Path) -> None:
    channel = desk(server) + 'digest = "1h"\n'
    config = outlets(server, tmp_path, channels=channel)

    held = once(config, MORNING)
    sent = once(config, MORNING + timedelta(hours=1))

    assert (held.alerts_queued, held.delivery.sent) == (2, 0)
    (digest,) = server.posts
    assert "[digest] 2 alerts" in digest["title"]
    assert "+2 sources:" in digest["message"]
    copies = (WIRE[0], REPRINT[0], SHORT_COPY[0])
    assert sum(digest["message"].count(title) for title in copies) == 1
    assert sent.delivery.sent == 2  # two alerts, in one message


def test_a_story_reaching_its_spread_raises_one_follow_up(
    server: FeedServer, tmp_path: Path
) -> None:
    rules = RULES.replace(
        'channels = ["desk"]', 'channels = ["desk"]\nspread = { sources = 3, within = "2h" }', 1
    )
    config = outlets(server, tmp_path, rules=rules)

    once(config, MORNING)
    once(config, MORNING + timedelta(minutes=20))

    titles = [p["title"] for p in server.posts]
    spreading = [t for t in titles if "Spreading:" in t]
    assert len(spreading) == 1, titles
    (message,) = [p["message"] for p in server.posts if "Spreading:" in p["title"]]
    assert "3 publishers: afp.example, lemonde.example, reuters.example" in message
    assert len(titles) == 3  # the story, the other story, the spread


def test_rotating_identities_alert_once(server: FeedServer, tmp_path: Path) -> None:
    config = desk_config(server, tmp_path, "rotating.xml")
    for poll in range(4):
        # A GUID that changes every poll, no link; and a link with a session id that does.
        server.feeds["rotating.xml"] = rss(
            Entry(f"urn:uuid:{poll}-a", WIRE[0], WIRE[1]),
            Entry(
                f"b-{poll}",
                REPLY[0],
                REPLY[1],
                f"https://apnews.example/world/kyiv;jsessionid={poll}?sid={poll}",
            ),
        )
        once(config, MORNING + timedelta(minutes=15 * poll))

    assert len(server.posts) == 2, [p["title"] for p in server.posts]
    # The same feed again is not another source.
    assert [a["sources"] for a in history(config, tmp_path)] == [[], []]


def test_a_story_is_judged_again_when_its_text_changes(server: FeedServer, tmp_path: Path) -> None:
    link = "https://lemonde.example/international/article/macron"
    teaser = Entry("lm-1", "Macron speaks after the Paris meeting", "Read more.", link)
    server.feeds["lemonde.xml"] = rss(teaser)
    server.feeds["afp.xml"] = rss(teaser)
    config = desk_config(server, tmp_path, "lemonde.xml", "afp.xml")
    assert once(config, MORNING).alerts_queued == 0
    # The headline is edited to say what happened: it now matches, and alerts.
    edited = Entry("lm-1", "Macron: French troops in Ukraine cannot be ruled out", "", link)
    server.feeds["lemonde.xml"] = rss(edited)

    assert once(config, MORNING + timedelta(minutes=10)).alerts_queued == 1
    assert once(config, MORNING + timedelta(minutes=20)).alerts_queued == 0
    assert len(server.posts) == 1


def test_another_feeds_fuller_text_gets_a_story_judged_again(
    server: FeedServer, tmp_path: Path
) -> None:
    link = "https://lemonde.example/international/article/macron"
    server.feeds["teaser.xml"] = rss(Entry("t-1", "Macron speaks", "Read more.", link))
    config = desk_config(server, tmp_path, "teaser.xml", "full.xml")
    server.feeds["full.xml"] = rss()
    once(config, MORNING)
    server.feeds["full.xml"] = rss(Entry("f-1", "Macron speaks", REPRINT[1], link))

    assert once(config, MORNING + timedelta(minutes=10)).alerts_queued == 1


def test_stories_are_pruned_with_the_state_and_bands_with_the_window(tmp_path: Path) -> None:
    # Two polls a week apart, each a wire story and a copy; then the prune of `once`.
    config = load_config(
        write_config(
            tmp_path / "config",
            tmp_path / "state",
            "",
            RULES,
            '[channels.desk]\nurls = ["console://"]\n',
        )
    )
    store = Store.open(config.settings.state_dir, config.settings.database_url.get_secret_value())
    for day, key in ((1, "old"), (8, "new")):
        at = MORNING + timedelta(days=day)
        first = Item("Reuters", f"{key}-1", f"https://reuters.example/{key}", *WIRE, None, at)
        copy = replace(
            first, feed="AFP", entry_key=f"{key}-2", story_key=f"https://afp.example/{key}"
        )
        alert = QueuedAlert("desk", ["r"], {"title": WIRE[0]})
        decision = Decision(
            "Reuters",
            "u",
            at,
            FeedUpdate(0, None, None),
            stories=(
                NewStory(first.story_key, WIRE[0], (alert,)),
                NewStory(copy.story_key, WIRE[0], (alert,)),
            ),
        )
        placed = plan_stories(
            decision,
            [Arrival.of(first, decision.stories[0]), Arrival.of(copy, decision.stories[1])],
            [],
            StoryContext(rules={}, channels_of_rule={"r": ("desk",)}),
        )
        store.apply(placed)
    assert [len(a["sources"]) for a in store.alerts_since(MORNING)] == [1, 1]

    # Ten days on: the first week's bands are past the 48-h window; its story is kept until
    # its alert and story rows go (state_retention), then forgotten with its members.
    removed = forget_old(store, config.settings, MORNING + timedelta(days=10))
    assert removed["story_bands"] > 0
    assert removed["story_clusters"] == 0
    assert (
        store.prune_stories(MORNING + timedelta(days=200))["story_clusters"] == 0
    )  # alerts pending
    for row in store.due_alerts(MORNING + timedelta(days=200)):
        store.record_attempt(row.id, now=MORNING, error=None, retry_at=None)
    store.prune_state(MORNING + timedelta(days=200))
    assert store.prune_stories(MORNING + timedelta(days=200)) == {"story_clusters": 2}
    assert store.alerts_since(MORNING) == []
    store.close()


def test_a_rule_whose_matches_spike_raises_one_alert_naming_its_top_stories(
    server: FeedServer, tmp_path: Path
) -> None:
    rules = RULES.replace(
        'channels = ["desk"]',
        'channels = ["desk"]\nspike = { factor = 2, min = 2, window = "1h", baseline = "1d" }',
        1,
    )
    config = outlets(server, tmp_path, rules=rules)

    once(config, MORNING)  # four items, two stories: a spike against an empty baseline
    server.feeds["ap.xml"] = rss(
        entry("apnews.example", REPLY, "ap-1"), entry("apnews.example", SHORT_COPY, "ap-2")
    )
    once(config, MORNING + timedelta(minutes=10))  # more, within the follow-up cooldown

    spikes = [p for p in server.posts if "Spike: france-troops-ukraine" in p["title"]]
    assert len(spikes) == 1, [p["title"] for p in server.posts]
    assert "Top stories:" in spikes[0]["message"]
    # A story is named by its first item, and feeds are polled at once: any outlet's title.
    titles = [text[0] for text in (REPLY, WIRE, REPRINT, SHORT_COPY)]
    assert any(title in spikes[0]["message"] for title in titles)
