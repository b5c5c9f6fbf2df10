"""A feed slow to parse against the per-poll CPU budget (`max_poll_cpu_seconds`): abandoned in
its worker process, recorded as the feed's failure with its backoff, counted; the other feeds
polled as usual, and the workers still parse afterwards."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.model import Decision, FeedUpdate
from monitor.polling.parse import FeedParseError, parse_feed
from monitor.polling.parse_pool import OVER_BUDGET, OverBudgetError, ParsePool, kill_after
from monitor.service.metrics import Metrics
from tests.support.config import SEED, desk_config, once
from tests.support.feeds import rss
from tests.support.loopback import FeedServer
from tests.support.state import stored_feeds

# 2,000 entries (the default cap), each filed under 150 categories, as a blog's tag cloud can
# be (8.3 MB): feedparser reads each one as it does a tag, seconds of CPU (6 s on a quiet
# machine, whose markup-heavy feed of half the size took 0.9 s: too close to the budget of one).
_SLOW = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Tags</title>'
    + "".join(
        f"<item><guid>slow-{n}</guid><title>Bulletin {n}</title>"
        + "".join(f"<category>tag {c}</category>" for c in range(150))
        + "</item>"
        for n in range(2000)
    )
    + "</channel></rss>"
).encode()
# A sixth of the slow feed's parse, and hundreds of times a small feed's: coverage, which
# measures the workers in CI, makes a worker's first parse many times slower.
_BUDGET = 1.0


def test_a_parse_over_its_budget_is_abandoned_and_the_worker_parses_the_next_feed() -> None:
    pool = ParsePool(1)
    try:
        with pytest.raises(OverBudgetError, match=OVER_BUDGET):
            pool.parse(
                "slow", _SLOW, "http://x/", {}, timezone=None, max_entries=2000, budget=_BUDGET
            )
        parsed, cpu = pool.parse(
            "quick", rss(SEED), "http://x/", {}, timezone=None, max_entries=2000, budget=_BUDGET
        )
    finally:
        pool.close()

    assert parsed == parse_feed("quick", rss(SEED), "http://x/", {})  # the same as in process
    assert 0 < cpu < _BUDGET


def test_a_workers_start_counts_against_no_feeds_wall_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new worker that takes 4 s to start (a new interpreter on a loaded machine), and a parse
    # killed after 2 s of wall time: the clock starts once the worker is ready.
    (tmp_path / "sitecustomize.py").write_text("import time\ntime.sleep(4)\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setattr("monitor.polling.parse_pool.kill_after", lambda _budget: 2.0)
    pool = ParsePool(1)
    try:
        parsed, _cpu = pool.parse(
            "quick", rss(SEED), "http://x/", {}, timezone=None, max_entries=2000, budget=_BUDGET
        )
    finally:
        pool.close()

    assert parsed == parse_feed("quick", rss(SEED), "http://x/", {})


def test_a_worker_that_does_not_start_fails_the_parse_and_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pool = ParsePool(1)
    try:
        monkeypatch.setattr("monitor.polling.parse_pool.START_WITHIN", 0.0)
        with pytest.raises(FeedParseError, match="parser process did not start within 0 s"):
            pool.parse("quick", rss(SEED), "http://x/", {}, timezone=None, max_entries=9, budget=1)
        monkeypatch.undo()
        parsed, _cpu = pool.parse(
            "quick", rss(SEED), "http://x/", {}, timezone=None, max_entries=9, budget=1
        )
    finally:
        pool.close()

    assert [item.title for item in parsed.items] == [SEED.title]


def test_once_records_the_slow_feed_as_failed_and_polls_the_others(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["slow.xml"] = _SLOW
    server.feeds["wire.xml"] = rss(SEED)
    config = desk_config(
        server,
        tmp_path,
        "slow.xml",
        "wire.xml",
        settings=f"max_poll_cpu_seconds = {_BUDGET}\nparse_processes = 2",
    )

    report = once(config)

    assert (report.feeds, report.failed_feeds, report.alerts_queued) == (2, 1, 1)
    state = stored_feeds(tmp_path / "state")
    assert OVER_BUDGET in str(state["slow.xml"]["last_error"])
    assert state["slow.xml"]["consecutive_failures"] == 1  # backed off, not polled every tick
    assert state["wire.xml"]["last_error"] is None


def test_the_daemon_counts_polls_over_budget() -> None:
    metrics = Metrics()
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    update = FeedUpdate(consecutive_failures=1, last_error="x", next_poll_at=moment)
    error = f"{OVER_BUDGET} (0.2 s, max_poll_cpu_seconds): abandoned"
    metrics.polled(Decision("slow", "u", moment, update, error=error), 1.0)
    metrics.polled(Decision("other", "u", moment, update, error="HTTP 500"), 1.0)

    assert metrics.total("media_monitor_polls_over_budget") == 1


def test_a_stuck_worker_is_killed_within_minutes_of_its_budget_however_large() -> None:
    assert kill_after(20) == 90  # four times the default budget, and ten seconds' grace
    assert kill_after(0.5) == 12
    assert kill_after(3600) == 3600 + 300  # not four hours: the other parses queue behind it
