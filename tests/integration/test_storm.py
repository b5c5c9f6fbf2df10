"""Red-team regressions (issue 18, item 6): a feed flooding matching entries sends a few alerts
and one summary, never thousands; the hour's cap holds across polls; and `once` delivers every
alert due, not just the first 500."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.delivery.deliver import DUE_PAGE
from monitor.polling.storm import SUMMARY_KEY
from monitor.state.tables import outbox
from tests.support.config import RULES, desk_config, once, write_config
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer
from tests.support.state import stored_column


def flood(count: int, start: int = 0) -> bytes:
    """A feed of `count` entries that all match the rule russia-warns, each a story of its own
    (texts far apart, so that no two are taken for copies of one story)."""
    return rss(
        *(
            Entry(
                guid=f"flood-{n}",
                title=f"Moscow warns Kyiv, bulletin {n}",
                description=" ".join(f"w{n}x{i}" for i in range(20)),
            )
            for n in range(start, start + count)
        )
    )


def test_a_flood_sends_the_capped_alerts_and_one_summary(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["flood.xml"] = flood(2000)
    settings = "feed_alerts_per_poll = 20\nfeed_alerts_per_hour = 30\n"
    config = desk_config(server, tmp_path, "flood.xml", settings=settings)
    start = datetime.now(UTC)

    first = once(config, start)
    server.feeds["flood.xml"] = flood(100, start=2000)
    second = once(config, start + timedelta(minutes=10))

    titles = [post["title"] for post in server.posts]
    assert (first.new_items, first.alerts_queued) == (2000, 21)
    assert len(titles) == 21 + 11
    summaries = [t for t in titles if "more from flood.xml" in t]
    assert len(summaries) == 2
    assert "…and 1,980 more from flood.xml (over the alert limits)" in summaries[0]
    # The second poll has ten left in the hour: ten alerts, ninety summarised.
    assert "…and 90 more from flood.xml" in summaries[1]
    assert second.alerts_queued == 11
    stories = stored_column(tmp_path / "state", outbox.c.id, outbox.c.story_key)
    assert sum(key.startswith(SUMMARY_KEY) for key in stories.values()) == 2


def test_once_delivers_every_due_alert_not_only_the_first_500(
    server: FeedServer, tmp_path: Path
) -> None:
    count = DUE_PAGE + 10
    server.feeds["busy.xml"] = flood(count)
    caps = "".join(
        f"{kind}_alerts_per_{period} = 1000\n"
        for kind in ("feed", "rule")
        for period in ("poll", "hour")
    )
    feeds = f'[[feeds]]\nname = "busy"\nurl = "{server.url("busy.xml")}"\n'
    console = '[channels.desk]\nurls = ["console://"]\n'
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds, RULES, console, settings=caps
    )

    report = once(config)

    assert report.alerts_queued == count
    assert report.delivery.sent == count
    statuses = stored_column(tmp_path / "state", outbox.c.id, outbox.c.status)
    assert set(statuses.values()) == {"sent"}
