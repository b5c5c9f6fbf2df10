"""The daemon's counters: a feed read with a problem is counted as a warning."""

from datetime import UTC, datetime

from monitor.model import Decision, FeedUpdate
from monitor.service.metrics import Metrics

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def poll(warning: str | None) -> Decision:
    return Decision("wire", "https://x/", NOW, FeedUpdate(0, None, None), warning=warning)


def test_polls_read_with_a_problem_are_counted_as_warnings() -> None:
    metrics = Metrics()

    metrics.polled(poll("ill-formed XML (truncated?) at line 1: no element found"), 0.1)
    metrics.polled(poll(None), 0.1)

    assert metrics.total("media_monitor_feed_warnings") == 1
    assert metrics.total("media_monitor_polls", result="ok") == 2
    assert b"media_monitor_feed_warnings_total 1.0" in metrics.exposition()
