"""`once` end to end: a loopback feed server, the real pipeline, Apprise's json:// plugin; the
tests of the state's outbox and reports on SQLite and on PostgreSQL (`state_backend`)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.state.tables import feeds
from tests.support.cli import cli
from tests.support.config import (
    RULES,
    SEED,
    SEED_HEADLINE,
    UNRELATED,
    desk,
    feeds_toml,
    once,
    write_config,
)
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer, hanging, server_error
from tests.support.state import stored_column


@pytest.mark.usefixtures("state_backend")
def test_alert_arrives_once_across_two_runs_naming_both_rules(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(SEED, UNRELATED)
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds_toml(server, "wire.xml"), RULES, desk(server)
    )

    first = once(config)
    second = once(config)

    assert len(server.posts) == 1, server.posts
    post = server.posts[0]
    assert "france-troops-ukraine" in post["title"]
    assert "russia-warns" in post["title"]
    assert post["message"].startswith(f"{SEED_HEADLINE}\n")  # the title once, matches shown
    assert "Actors: France, Ukraine, Russia" in post["message"]
    assert "Link: https://news.example.org/world/seed\n" in post["message"]  # no utm_source
    assert (first.new_items, first.alerts_queued, first.delivery.sent) == (2, 1, 1)
    assert (second.new_items, second.alerts_queued, second.delivery.sent) == (0, 0, 0)
    # The second poll sent the validators it was given and got a 304.
    wire_requests = [h for p, h in server.requests if p == "wire.xml"]
    assert "If-None-Match" in wire_requests[1]


def test_same_story_in_another_feed_does_not_alert_again(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["a.xml"] = rss(SEED)
    tracked = Entry(
        guid="b-7",
        title=SEED.title,
        description=SEED.description,
        link="https://NEWS.example.org:443/world/seed?fbclid=x#top",
    )
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds_toml(server, "a.xml"), RULES, desk(server)
    )
    once(config)
    server.feeds["b.xml"] = rss(tracked)
    (config / "feeds.toml").write_text(feeds_toml(server, "a.xml", "b.xml"), encoding="utf-8")

    report = once(config)

    assert report.new_items == 1
    assert report.alerts_queued == 0
    assert len(server.posts) == 1


def test_failing_and_hanging_feeds_do_not_stop_the_others(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["good.xml"] = rss(SEED)
    server.feeds["garbage.xml"] = b"\x00\x01 this is not a feed <<<"
    server.handlers["broken.xml"] = server_error
    server.handlers["slow.xml"] = hanging(5)
    config = write_config(
        tmp_path / "config",
        tmp_path / "state",
        feeds_toml(server, "broken.xml", "slow.xml", "garbage.xml", "good.xml"),
        RULES,
        desk(server),
    )

    report = once(config)

    assert report.failed_feeds == 3
    assert len(server.posts) == 1
    assert SEED_HEADLINE in server.posts[0]["message"]
    errors = stored_column(tmp_path / "state", feeds.c.name, feeds.c.last_error)
    assert errors["broken.xml"] == "HTTP 500 Internal Server Error"
    assert errors["slow.xml"] == "timed out after 1s"
    assert errors["garbage.xml"] is not None
    assert "not a feed" in errors["garbage.xml"]
    assert errors["good.xml"] is None


def test_old_items_are_recorded_but_never_alert(server: FeedServer, tmp_path: Path) -> None:
    old = Entry(
        guid="old",
        title=SEED.title,
        description=SEED.description,
        published=datetime.now(UTC) - timedelta(days=3),
    )
    server.feeds["wire.xml"] = rss(old)
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds_toml(server, "wire.xml"), RULES, desk(server)
    )

    report = once(config)

    assert (report.new_items, report.alerts_queued) == (1, 0)
    assert server.posts == []


@pytest.mark.usefixtures("state_backend")
def test_channel_down_keeps_alert_pending_then_delivers(server: FeedServer, tmp_path: Path) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    server.sink_status = 500
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds_toml(server, "wire.xml"), RULES, desk(server)
    )
    first = once(config)
    assert (first.delivery.sent, first.delivery.retrying) == (0, 1)

    server.sink_status = 200
    later = datetime.now(UTC) + timedelta(minutes=5)
    report = once(config, later)

    assert report.delivery.sent == 1
    delivered = [p for p in server.posts if SEED_HEADLINE in p["message"]]
    assert len(delivered) == 2  # the refused attempt reached the sink too, then the accepted one


@pytest.mark.usefixtures("state_backend")
def test_feeds_command_shows_health_after_a_run(server: FeedServer, tmp_path: Path) -> None:
    server.feeds["good.xml"] = rss(SEED, UNRELATED)
    server.handlers["broken.xml"] = server_error
    polled = feeds_toml(server, "good.xml", "broken.xml")
    config = write_config(tmp_path / "config", tmp_path / "state", polled, RULES, desk(server))
    once(config)
    (config / "x.xml").write_text("<rss/>", encoding="utf-8")
    later = '[[feeds]]\nname = "later"\nurl = "x.xml"\n'
    (config / "feeds.toml").write_text(polled + later, encoding="utf-8")

    result = cli("--config", str(config), "feeds", "--json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    rows = {row["feed"]: row for row in json.loads(result.stdout)}
    assert rows["good.xml"]["items_seen"] == 2
    assert rows["good.xml"]["last_error"] is None
    assert rows["broken.xml"]["last_error"] == "HTTP 500 Internal Server Error"
    assert rows["broken.xml"]["consecutive_failures"] == 1
    assert rows["broken.xml"]["last_ok_at"] is None
    assert rows["later"]["last_poll_at"] is None  # configured, never polled
    assert rows["later"]["items_seen"] == 0
    table = cli("--config", str(config), "feeds", cwd=tmp_path)
    assert "HTTP 500" in table.stdout
    assert "not polled yet" in table.stdout


def test_notify_test_reports_each_url(server: FeedServer, tmp_path: Path) -> None:
    channels = (
        f'[channels.desk]\nurls = ["json://127.0.0.1:{server.port}/sink/a", '
        f'"json://127.0.0.1:{server.port}/nothing-here"]\nformat = "markdown"\n'
    )
    config = write_config(tmp_path / "config", tmp_path / "state", "", "", channels)

    result = cli("--config", str(config), "notify-test", "desk", cwd=tmp_path)
    unknown = cli("--config", str(config), "notify-test", "nope", cwd=tmp_path)

    assert result.returncode == 1  # one URL refused
    lines = [line for line in result.stdout.splitlines() if "json://" in line]
    assert lines[0].startswith("accepted")
    assert "/sink/a" in lines[0]
    assert lines[1].startswith("refused")
    assert "/nothing-here" in lines[1]
    assert [p["path"] for p in server.posts] == ["sink/a"]
    assert "**Matched words**" in server.posts[0]["message"]
    assert unknown.returncode == 2
    assert "Unknown channel 'nope' (configured: desk)." in unknown.stderr


@pytest.mark.usefixtures("state_backend")
def test_history_lists_alerts_with_status(server: FeedServer, tmp_path: Path) -> None:
    server.feeds["wire.xml"] = rss(SEED, UNRELATED)
    server.sink_status = 500
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds_toml(server, "wire.xml"), RULES, desk(server)
    )
    once(config)

    listed = cli("--config", str(config), "history", "--json", cwd=tmp_path)
    filtered = cli("--config", str(config), "history", "--rule", "nope", "--json", cwd=tmp_path)
    bad = cli("--config", str(config), "history", "--since", "soon", cwd=tmp_path)

    (alert,) = json.loads(listed.stdout)
    assert alert["title"] == SEED.title
    assert alert["rules"] == ["france-troops-ukraine", "russia-warns"]
    assert (alert["channel"], alert["status"], alert["attempts"]) == ("desk", "pending", 1)
    assert alert["last_error"].startswith(f"json://127.0.0.1:{server.port}/sink/desk")
    assert alert["last_error"].endswith(": FAILURE")
    assert json.loads(filtered.stdout) == []
    assert bad.returncode == 2
    assert "is not a duration" in bad.stderr


def test_a_rule_scoped_to_some_feeds_alerts_only_on_their_items(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["paris.xml"] = rss(Entry(guid="p1", title="French troops land in Ukraine"))
    server.feeds["wire.xml"] = rss(
        Entry(guid="w1", title="French troops exercise in Ukraine's west"),
        Entry(guid="w2", title="Kremlin warns French troops in Ukraine"),
    )
    rules = (
        '[[rules]]\nname = "scoped"\nquery = "@France AND @troops"\nchannels = ["desk"]\n'
        'feeds = ["paris.xml"]\n\n'
        '[[rules]]\nname = "everywhere"\nquery = "@Russia AND warns"\nchannels = ["desk"]\n'
    )
    config = write_config(
        tmp_path / "config",
        tmp_path / "state",
        feeds_toml(server, "paris.xml", "wire.xml"),
        rules,
        desk(server),
    )

    report = once(config)

    assert (report.new_items, report.alerts_queued) == (3, 2)
    assert sorted(post["title"] for post in server.posts) == [
        "[everywhere] Kremlin warns French troops in Ukraine",  # not [everywhere, scoped]
        "[scoped] French troops land in Ukraine",
    ]
