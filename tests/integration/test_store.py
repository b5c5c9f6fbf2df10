"""The state database on a real SQLite file and on a real PostgreSQL database: transactions,
their locks, pruning (migrations: test_migrations.py)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select, update

from monitor.config.model import FeedSpec
from monitor.model import Decision, FeedUpdate, GoodPoll, NewEntry, NewStory, QueuedAlert
from monitor.polling.unchanged import UnchangedPolls
from monitor.service.due import DueFeeds
from monitor.service.scheduler import StoredFeed
from monitor.state.store import Store
from monitor.state.tables import feeds
from tests.support.state import writing


def test_readers_are_not_blocked_by_an_open_write(tmp_path: Path, database_url: str) -> None:
    writer, reader = Store.open(tmp_path, database_url), Store.open(tmp_path, database_url)
    with writing(writer) as conn:
        conn.execute(
            insert(feeds).values(name="wire", url="u", consecutive_failures=0, items_seen=0)
        )
        # Inside the open write: another connection reads the last committed state at once
        # (BEGIN IMMEDIATE for readers would wait here for the busy timeout, 30 s).
        assert reader.feed_state("wire") is None
        assert reader.history_since(datetime(2026, 1, 1, tzinfo=UTC)) == []
    state = reader.feed_state("wire")
    assert state is not None
    assert state.url == "u"
    writer.close()
    reader.close()


def _scheduled(store: Store, now: datetime) -> None:
    rows: dict[str, dict[str, datetime | None]] = {
        "due": {"next_poll_at": now - timedelta(seconds=1)},
        "overdue": {"next_poll_at": now - timedelta(hours=1)},
        "later": {"next_poll_at": now + timedelta(minutes=5)},
        "waiting": {"next_poll_at": now, "hold_until": now + timedelta(hours=1)},
        "waited": {"next_poll_at": now, "hold_until": now - timedelta(seconds=1)},
        "gone": {"next_poll_at": None, "gone_at": now - timedelta(days=1)},
    }
    with writing(store) as conn:
        for name, values in rows.items():
            conn.execute(
                insert(feeds).values(
                    name=name, url=f"u/{name}", consecutive_failures=0, items_seen=0, **values
                )
            )


def test_due_feeds_are_those_not_held_whose_time_has_come_the_longest_overdue_first(
    tmp_path: Path, database_url: str
) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    store = Store.open(tmp_path, database_url)
    _scheduled(store, now)

    assert store.due_feeds(now, 10) == ["overdue", "due", "waited"]
    assert store.due_feeds(now, 2) == ["overdue", "due"]  # a page
    assert store.due_feeds(now, 10, skip={"overdue", "waited"}) == ["due"]  # being polled
    store.close()


def test_due_feeds_among_a_few_names_and_parked_feeds_are_never_due(
    tmp_path: Path, database_url: str
) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    store = Store.open(tmp_path, database_url)
    _scheduled(store, now)

    assert store.due_feeds(now, 10, among=["due", "later", "waiting"]) == ["due"]
    assert store.due_feeds(now, 10, among=[]) == []
    store.park_feeds(["overdue", "later", "gone"])
    parked = store.feed_states()
    assert set(store.due_feeds(now + timedelta(days=1), 10)) == {"due", "waiting", "waited"}
    store.close()

    assert [parked[name].next_poll_at for name in ("overdue", "later", "gone")] == [None] * 3
    assert parked["gone"].gone_at is not None  # still shown as stopped, not as parked


NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _scheduled_at_noon(tmp_path: Path, database_url: str) -> Store:
    """A state whose feeds are scheduled as `_scheduled` sets them at `NOON`."""
    store = Store.open(tmp_path, database_url)
    _scheduled(store, NOON)
    return store


def test_failing_feeds_are_counted_by_the_state_the_parked_ones_not(
    tmp_path: Path, database_url: str
) -> None:
    store = _scheduled_at_noon(tmp_path, database_url)
    assert store.failing_feeds() == 0
    with writing(store) as conn:
        failed = feeds.c.name.in_(["due", "later", "waiting", "gone"])
        conn.execute(update(feeds).where(failed).values(consecutive_failures=3))

    assert store.failing_feeds() == 4
    store.park_feeds(["later", "overdue"])  # no longer configured
    assert store.failing_feeds() == 3  # "gone" still counts: stopped, not parked
    store.close()


def test_the_feeds_held_at_a_time_are_read_alone(tmp_path: Path, database_url: str) -> None:
    store = _scheduled_at_noon(tmp_path, database_url)

    held = store.feed_states(held_at=NOON)
    later = store.feed_states(held_at=NOON + timedelta(hours=2))
    store.close()

    assert set(held) == {"waiting", "gone"}
    assert all(state.held(NOON) for state in held.values())
    assert set(later) == {"gone"}


def test_what_the_schedule_reads_of_the_stored_feeds_and_orphans_parked(
    tmp_path: Path, database_url: str
) -> None:
    store = _scheduled_at_noon(tmp_path, database_url)
    store.park_feeds(["waited"])  # dropped by an earlier config
    configured = {
        name: FeedSpec(name, f"u/{name}") for name in ("due", "waiting", "waited", "gone", "new")
    }
    configured["due"] = FeedSpec("due", "u/moved")

    stored = DueFeeds(store, UnchangedPolls(store), None).stored(configured, NOON)
    due_later = store.due_feeds(NOON + timedelta(days=1), 10)
    store.close()

    assert stored == {
        "due": StoredFeed(own=False, parked=False, held=False),  # its URL changed
        "waiting": StoredFeed(own=True, parked=False, held=True),
        "waited": StoredFeed(own=True, parked=True, held=False),  # configured again
        "gone": StoredFeed(own=True, parked=False, held=True),  # stopped, not parked
    }
    assert set(due_later) == {"due", "waiting"}  # the orphans, "overdue" and "later", parked


def test_a_304_written_late_never_overwrites_a_later_poll_of_its_feed(
    tmp_path: Path, database_url: str
) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    store = Store.open(tmp_path, database_url)
    _scheduled(store, now)
    later = now + timedelta(minutes=1)
    good = GoodPoll('"v3"', None, None, later)
    store.apply(
        Decision("due", "u/due", later, FeedUpdate(0, None, later + timedelta(hours=1), good=good))
    )

    # A 304 of the earlier poll, held back in its batch while the later poll was written.
    earlier = GoodPoll('"v2"', None, None, now)
    store.apply_unchanged(
        [
            Decision(
                name,
                f"u/{name}",
                now,
                FeedUpdate(0, None, now + timedelta(minutes=5), good=earlier),
                not_modified=True,
            )
            for name in ("due", "overdue")
        ]
    )
    states = store.feed_states()
    store.close()

    assert (states["due"].etag, states["due"].next_poll_at) == ('"v3"', later + timedelta(hours=1))
    assert (states["overdue"].etag, states["overdue"].next_poll_at) == (
        '"v2"',
        now + timedelta(minutes=5),
    )


def _plan(store: Store, call: Callable[[], object], marker: str) -> str:
    """SQLite's query plan of the one statement containing `marker` that `call` runs."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
        statements.append((sql, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    call()
    event.remove(store.engine, "before_cursor_execute", capture)
    [(sql, params)] = [(sql, params) for sql, params in statements if marker in sql]
    with store.engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
    return " ".join(row[-1] for row in plan)


def test_the_tick_reads_the_due_index_not_every_feed(tmp_path: Path) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    store = Store.open(tmp_path)
    _scheduled(store, now)
    # What the tick asks, with feeds in flight.
    details = _plan(store, lambda: store.due_feeds(now, 40, skip={"a", "b"}), "next_poll_at <=")
    store.close()

    assert "USING INDEX feeds_due (next_poll_at<?)" in details, details
    assert "SCAN feeds" not in details, details


def test_delivery_reads_the_pending_alerts_through_their_index_not_every_alert(
    tmp_path: Path,
) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    store = Store.open(tmp_path)
    details = _plan(store, lambda: store.due_alerts(now, after=7), "next_attempt_at <=")
    store.close()

    # Sent alerts stay for `state_retention`: reading them all every few seconds grows with it.
    assert "USING INDEX outbox_pending (status=? AND id>?)" in details, details


def test_many_304s_are_written_in_one_transaction_each_to_its_own_feed(
    tmp_path: Path, database_url: str
) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    store = Store.open(tmp_path, database_url)
    _scheduled(store, now)
    good = GoodPoll('"v2"', None, None, now)
    unchanged = [
        Decision(
            name,
            f"u/{name}",
            now,
            FeedUpdate(0, None, now + timedelta(minutes=m), good=good),
            not_modified=True,
        )
        for name, m in (("due", 5), ("overdue", 7))
    ] + [
        Decision(
            "waited",
            "u/waited",
            now,
            FeedUpdate(0, None, now + timedelta(minutes=9)),
            not_modified=True,
        )
    ]  # a 304 after failures: no validators of its own
    commits: list[object] = []
    event.listen(store.engine, "commit", commits.append)

    store.apply_unchanged(unchanged)
    with store.engine.connect() as conn:
        rows = {row["name"]: row for row in conn.execute(select(feeds)).mappings()}
    store.close()

    assert len(commits) == 1
    assert {name: rows[name]["next_poll_at"] for name in ("due", "overdue", "waited")} == {
        "due": now + timedelta(minutes=5),
        "overdue": now + timedelta(minutes=7),
        "waited": now + timedelta(minutes=9),
    }
    assert (rows["due"]["etag"], rows["waited"]["etag"]) == ('"v2"', None)
    assert rows["later"]["next_poll_at"] == now + timedelta(minutes=5)  # not in the batch


def poll(
    feed: str,
    at: datetime,
    entries: dict[str, str],
    *,
    alerting: tuple[str, ...] = (),
    listed: tuple[str, ...] | None = None,
) -> Decision:
    """A poll of `feed` at `at` that saw `entries` (entry key → story key) for the first time;
    the stories in `alerting` alert to channel "desk"."""
    alert = QueuedAlert("desk", ["r"], {"title": "t"})
    return Decision(
        feed=feed,
        feed_url=f"u/{feed}",
        polled_at=at,
        feed_update=FeedUpdate(0, None, None),
        entries=tuple(NewEntry(e, s) for e, s in entries.items()),
        stories=tuple(
            NewStory(s, "t", (alert,) if s in alerting else ()) for s in set(entries.values())
        ),
        listed=listed,
    )


def test_pruning_keeps_what_alerting_once_still_needs(tmp_path: Path, database_url: str) -> None:
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    cutoff = datetime(2026, 6, 1, tzinfo=UTC)
    recently = cutoff + timedelta(days=1)
    store = Store.open(tmp_path, database_url)
    old = {"still-listed": "s-listed", "dropped": "s-sent", "queued": "s-queued"}
    store.apply(poll("wire", long_ago, old, alerting=("s-sent", "s-queued")))
    store.apply(poll("wire", recently, {"new": "s-new"}, listed=("still-listed", "new")))
    store.apply(poll("unread", long_ago, {"kept": "s-unread"}))  # never read since: no list
    sent = next(row for row in store.due_alerts(recently) if row.story_key == "s-sent")
    store.record_attempt(sent.id, now=long_ago, error=None, retry_at=None)

    stopped = store.prune_state(cutoff, stopping=lambda: True)  # SIGTERM came first
    removed = store.prune_state(cutoff)

    assert stopped == {"alerts": 0, "stories": 0, "entries": 0}
    assert removed == {"alerts": 1, "stories": 3, "entries": 2}
    assert store.seen("wire", [*old, "new"], ["s-sent", "s-queued", "s-new"]) == (
        {"still-listed", "new"},  # listed now, or seen since the cutoff
        {"s-queued", "s-new"},  # its alert still pending, or seen since the cutoff
    )
    assert store.seen("unread", ["kept"], []) == ({"kept"}, set())
    # The forgotten story can alert again (no outbox row is left in its way).
    assert store.apply(poll("other", recently, {"again": "s-sent"}, alerting=("s-sent",))) == 1
    store.close()


def test_a_story_another_writer_recorded_first_queues_nothing_more(
    tmp_path: Path, database_url: str
) -> None:
    # Two polls that both found the story new (each read before the other wrote): whichever
    # commits second finds it recorded, and its alerts are the first one's.
    first, second = Store.open(tmp_path, database_url), Store.open(tmp_path, database_url)
    at = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    queued_first = first.apply(poll("a", at, {"a-1": "s"}, alerting=("s",)))
    queued_second = second.apply(poll("b", at, {"b-1": "s"}, alerting=("s",)))

    assert (queued_first, queued_second) == (1, 0)
    assert [(row.story_key, row.channel) for row in second.due_alerts(at)] == [("s", "desk")]
    assert second.seen("b", ["b-1"], ["s"]) == ({"b-1"}, {"s"})  # its entry is still recorded
    first.close()
    second.close()
