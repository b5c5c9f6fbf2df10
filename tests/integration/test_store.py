"""The state database on a real SQLite file: transactions and their locks."""

from datetime import UTC, datetime
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
