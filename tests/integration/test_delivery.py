"""The delivery loop over a real state database and the real console plugin."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from monitor.config.model import Channel
from monitor.delivery.deliver import deliver_due
from monitor.delivery.sender import Notifier
from monitor.model import Decision, FeedUpdate, NewStory, QueuedAlert
from monitor.state.store import Store

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
GOOD = {
    "rules": ["r"],
    "title": "Troops in Ukraine",
    "feed": "wire",
    "link": None,
    "published": None,
    "snippet": "French troops arrived.",
    "highlights": [[7, 13]],
    "actors": [],
}


def test_an_alert_that_cannot_be_rendered_is_retried_and_does_not_stop_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    store = Store.open(tmp_path, database_url)
    store.apply(
        Decision(
            feed="wire",
            feed_url="file:///wire.xml",
            polled_at=NOW,
            feed_update=FeedUpdate(0, None, None),
            stories=(
                NewStory("broken", "x", (QueuedAlert("console", ["r"], {"title": "no rules"}),)),
                NewStory("good", "Troops", (QueuedAlert("console", ["r"], GOOD),)),
            ),
        )
    )
    channel = Channel("console", (SecretStr("console://"),), ("console://",), "text")

    report = asyncio.run(
        deliver_due(store, Notifier({"console": channel}), ZoneInfo("UTC"), lambda: NOW)
    )

    assert (report.sent, report.retrying, report.failed) == (1, 1, 0)
    assert "French «troops» arrived." in capsys.readouterr().out
    assert [row.story_key for row in store.due_alerts(NOW + timedelta(minutes=1))] == ["broken"]
    store.close()
