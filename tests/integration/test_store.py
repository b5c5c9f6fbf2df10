"""The state database on a real SQLite file: transactions and their locks."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from monitor.store import Store, feeds


def test_readers_are_not_blocked_by_an_open_write(tmp_path: Path) -> None:
    writer, reader = Store.open(tmp_path), Store.open(tmp_path)
    with writer._writer.begin() as conn:
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


def test_poll_schedule_knows_what_is_due_held_or_new(tmp_path: Path) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    store = Store.open(tmp_path)
    rows: dict[str, dict[str, datetime | None]] = {
        "due": {"next_poll_at": now - timedelta(seconds=1)},
        "later": {"next_poll_at": now + timedelta(minutes=5)},
        "waiting": {"next_poll_at": now, "hold_until": now + timedelta(hours=1)},
        "gone": {"next_poll_at": None, "gone_at": now - timedelta(days=1)},
    }
    with store._writer.begin() as conn:
        for name, values in rows.items():
            conn.execute(
                insert(feeds).values(
                    name=name, url=f"u/{name}", consecutive_failures=0, items_seen=0, **values
                )
            )

    schedule = store.poll_schedule(now)
    store.close()

    polled = {name for name in rows if schedule.should_poll(name, f"u/{name}")}
    assert polled == {"due"}
    assert schedule.should_poll("new", "u/new")  # never polled
    assert schedule.should_poll("gone", "u/elsewhere")  # a new URL starts afresh
    assert schedule.should_poll("later", "u/later", forced=True)  # changed by a reload…
    assert not schedule.should_poll("waiting", "u/waiting", forced=True)  # …but Retry-After holds
