"""`migrate-state`: a SQLite state with a row in every table, copied into an empty PostgreSQL
database, row for row; the service then goes on there where it left off. A target that holds
a state is refused unless `--replace`, and a target that cannot be used is a clear error."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.display import redact_urls
from monitor.feedback import Mute
from monitor.state.copy import CopyMismatchError, copy_state
from monitor.state.leases import take_lease
from monitor.state.store import Store
from monitor.state.tables import metadata, outbox
from tests.support.cli import cli
from tests.support.config import RULES, desk, feeds_toml, once, write_config
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer
from tests.support.story_pairs import REPLY, REPRINT, WIRE

MORNING = datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
# Rules that write every table of the stories: a spread (clusters' marks) and a spike (counts).
STORY_RULES = RULES.replace(
    'channels = ["desk"]',
    'channels = ["desk"]\nspread = { sources = 2, within = "2h" }\n'
    'spike = { factor = 2, min = 2, window = "1h", baseline = "1d" }',
    1,
)


def populated(server: FeedServer, tmp_path: Path) -> Path:
    """A config whose SQLite state, after two polls, holds rows in every table."""
    server.feeds["wire.xml"] = rss(Entry("w-1", *WIRE, "https://wire.example/w-1"))
    server.feeds["paper.xml"] = rss(Entry("p-1", *REPRINT, "https://paper.example/p-1"))
    server.feeds["ap.xml"] = rss(Entry("a-1", *REPLY, "https://ap.example/a-1"))
    feeds = feeds_toml(server, "wire.xml", "paper.xml", "ap.xml")
    config = write_config(tmp_path / "config", tmp_path / "state", feeds, STORY_RULES, desk(server))
    once(config, MORNING)
    return config


def every_row(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in key order."""
    with store.engine.connect() as conn:
        return {
            table.name: [
                dict(row)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
                .mappings()
                .all()
            ]
            for table in metadata.sorted_tables
        }


def test_a_sqlite_state_is_copied_whole_and_the_service_goes_on_there(
    server: FeedServer, tmp_path: Path, empty_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = populated(server, tmp_path)
    sqlite = Store.open(tmp_path / "state")
    take_lease(sqlite, "prune", "node-a", now=MORNING, ttl=timedelta(minutes=5))  # not used yet
    sqlite.mute(Mute("rule", "spreading", MORNING + timedelta(hours=1), "noisy", MORNING, "cli"))
    with sqlite.engine.connect() as conn:
        alert_id = conn.execute(select(outbox.c.id).limit(1)).scalar_one()
    sqlite.reject(alert_id, now=MORNING, source="cli")
    before = every_row(sqlite)
    sqlite.close()
    assert [name for name, rows in before.items() if not rows] == []  # every table has rows

    ran = cli("--config", str(config), "migrate-state", "--to", empty_postgres_url, cwd=tmp_path)

    assert ran.returncode == 0, ran.stderr
    alerts = len(before["outbox"])
    assert f"outbox: 0 of {alerts} rows" in ran.stderr  # as it starts, then as it ends
    assert f"outbox: {alerts} of {alerts} rows" in ran.stderr
    assert f"into {redact_urls(empty_postgres_url)}" in ran.stdout
    assert "row count checked" in ran.stdout
    postgres = Store.open(tmp_path, empty_postgres_url)
    assert every_row(postgres) == before
    postgres.close()
    # The service, pointed at it, knows what it knew: nothing alerts again; a new story does,
    # with an outbox id after the copied ones.
    monkeypatch.setenv("MONITOR_DATABASE_URL", empty_postgres_url)
    posted = len(server.posts)
    server.feeds["ap.xml"] = rss(
        Entry("a-1", *REPLY, "https://ap.example/a-1"),
        Entry("a-2", "Russia warns Poland about border drills", "Moscow said so."),
    )
    report = once(config, MORNING + timedelta(minutes=30))
    assert (report.new_items, report.alerts_queued, report.delivery.sent) == (1, 1, 1)
    assert len(server.posts) == posted + 1
    postgres = Store.open(tmp_path, empty_postgres_url)
    ids = [row["id"] for row in every_row(postgres)["outbox"]]
    postgres.close()
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids)) == len(before["outbox"]) + 1


def test_a_target_holding_a_state_is_refused_unless_replaced(
    server: FeedServer, tmp_path: Path, postgres_url: str
) -> None:
    config = populated(server, tmp_path)
    other = Store.open(tmp_path, postgres_url)
    other.apply(_a_poll())
    other.close()

    refused = cli("--config", str(config), "migrate-state", "--to", postgres_url, cwd=tmp_path)
    replaced = cli(
        "--config", str(config), "migrate-state", "--to", postgres_url, "--replace", cwd=tmp_path
    )

    assert refused.returncode == 1
    assert "already holds a state (entries 1, feeds 1, stories 1 rows)" in refused.stderr
    assert "--replace" in refused.stderr
    assert replaced.returncode == 0, replaced.stderr
    sqlite, postgres = Store.open(tmp_path / "state"), Store.open(tmp_path, postgres_url)
    assert every_row(postgres) == every_row(sqlite)
    sqlite.close()
    postgres.close()


def test_a_copy_whose_counts_differ_writes_nothing(tmp_path: Path, postgres_url: str) -> None:
    sqlite, postgres = Store.open(tmp_path), Store.open(tmp_path, postgres_url)
    sqlite.apply(_a_poll("wire"))
    postgres.apply(_a_poll())  # a row the copy does not expect: the target's counts are off
    before = every_row(postgres)

    with pytest.raises(CopyMismatchError, match="feeds: 2 of 1"):
        copy_state(sqlite.engine, postgres.engine)

    assert every_row(postgres) == before  # rolled back whole
    sqlite.close()
    postgres.close()


@pytest.mark.parametrize(
    ("to", "said"),
    [
        ("mysql://u:secret-pass@db/monitor", "is not a PostgreSQL URL"),
        ("postgresql://u:${NO_SUCH_PASSWORD}@db/monitor", "${NO_SUCH_PASSWORD} not set"),
        ("postgresql://u:secret-pass@127.0.0.1:notaport/db", "its host or port is malformed"),
        ("postgresql://u:secret-pass@[::1/db", "its host or port is malformed"),
        ("", "Nothing to copy into"),
    ],
)
def test_a_target_that_is_no_postgresql_url_is_a_usage_error(
    server: FeedServer, tmp_path: Path, to: str, said: str
) -> None:
    config = populated(server, tmp_path)

    ran = cli("--config", str(config), "migrate-state", *(["--to", to] if to else []), cwd=tmp_path)

    assert ran.returncode == 2
    assert said in ran.stderr
    assert "secret-pass" not in ran.stderr


def test_a_missing_sqlite_state_is_said(tmp_path: Path, empty_postgres_url: str) -> None:
    config = write_config(tmp_path / "config", tmp_path / "state", "", "", "")

    ran = cli("--config", str(config), "migrate-state", "--to", empty_postgres_url, cwd=tmp_path)

    assert ran.returncode == 1
    assert f"No SQLite state in {tmp_path / 'state'}" in ran.stderr


def _a_poll(feed: str = "elsewhere") -> Any:
    """A poll that records one quiet story in a state."""
    from monitor.model import Decision, FeedUpdate, NewEntry, NewStory

    return Decision(
        feed=feed,
        feed_url=f"u/{feed}",
        polled_at=MORNING,
        feed_update=FeedUpdate(0, None, None),
        entries=(NewEntry(f"{feed}-1", f"s-{feed}"),),
        stories=(NewStory(f"s-{feed}", "t", ()),),
    )
