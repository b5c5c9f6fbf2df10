"""Versioned schema migrations on real SQLite files: state files written by earlier versions are
adopted and upgraded with their rows; and on SQLite and PostgreSQL alike, a newer state is
refused, a new one is created at head, and the migrations build exactly what
`monitor/state/tables.py` declares."""

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from structlog.testing import capture_logs

from monitor.display import redact_urls
from monitor.model import Decision, FeedUpdate, GoodPoll, NewEntry, NewStory, QueuedAlert
from monitor.state.migrations import upgrade as upgrade_module
from monitor.state.migrations.upgrade import alembic_config
from monitor.state.schema_version import HEAD, StateVersionError, stamped_revisions
from monitor.state.store import Store
from monitor.state.tables import metadata
from tests.support.cli import REPO, cli
from tests.support.state import writing

DATA = REPO / "tests" / "data"
LATER = datetime(2027, 1, 1, tzinfo=UTC)  # after everything the fixtures hold
RUSSIA_WARNS = "https://news.example.org/world/russia-warns-france-troops-ukraine"
TABLES = ["feeds", "entries", "stories", "outbox", "history"]
# What revision 0002 adds, as `_summary` names it.
STORIES_0002 = {
    "add_column stories.judged",
    "add_table story_clusters",
    "add_table story_members",
    "add_table story_bands",
    "add_table rule_counts",
    "add_table rule_marks",
    "add_index ix_story_clusters_last_seen_at",
    "add_index ix_story_members_cluster",
    "add_index ix_story_bands_seen_at",
}
FEEDBACK_0004 = {"add_table mutes", "add_table rejections", "add_index ix_rejections_rejected_at"}
CLAIMS_0007 = {
    "add_column feeds.claim_token",
    "add_column feeds.polled_by",
    "add_column outbox.claim_token",
    "add_column outbox.claimed_by",
}
PENDING_0008 = {"add_index outbox_pending"}
# Columns later revisions add to those tables, with the value old rows get.
ADDED = {
    "stories": {"judged": None},
    "feeds": {"last_warning": None, "claim_token": None, "polled_by": None},
    "outbox": {"claim_token": None, "claimed_by": None},
}


def upgraded(before: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Rows read before an upgrade, as they read after it: the added columns filled in."""
    return {table: [{**row, **ADDED.get(table, {})} for row in rs] for table, rs in before.items()}


def load(fixture: str, state: Path) -> Path:
    """A state directory whose monitor.db is the SQL dump `fixture` from tests/data."""
    state.mkdir(parents=True)
    conn = sqlite3.connect(state / "monitor.db")
    try:
        conn.executescript((DATA / fixture).read_text(encoding="utf-8"))
    finally:
        conn.close()
    return state


def rows(state: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, read without SQLAlchemy, in a stable order."""
    conn = sqlite3.connect(state / "monitor.db")
    conn.row_factory = sqlite3.Row
    try:
        return {
            table: [dict(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
            for table in TABLES
        }
    finally:
        conn.close()


def schema_diffs(engine: Engine) -> list[Any]:
    """What autogenerate finds between the database and `tables.py` (empty: they agree)."""
    with engine.connect() as conn:
        diffs: list[Any] = compare_metadata(MigrationContext.configure(conn), metadata)
    return diffs


def raw_diffs(state: Path) -> list[Any]:
    """`schema_diffs` of a state file not opened by `Store` (so not migrated)."""
    engine = create_engine(f"sqlite:///{state / 'monitor.db'}")
    try:
        return schema_diffs(engine)
    finally:
        engine.dispose()


def open_logged(
    state: Path, monkeypatch: pytest.MonkeyPatch, database_url: str = ""
) -> tuple[Store, list[dict[str, Any]]]:
    """`Store.open(state, database_url)` and the upgrade lines it logged."""
    with capture_logs() as logs:
        # A logger made now: the module's own may have been cached, with its configuration,
        # by a command run in-process before this test.
        monkeypatch.setattr(upgrade_module, "log", structlog.get_logger(upgrade_module.__name__))
        store = Store.open(state, database_url)
    return store, [dict(line) for line in logs if line["event"] == "state schema upgraded"]


def a_poll(feed: str, entries: dict[str, str], *, alerting: str | None = None) -> Decision:
    """A successful poll of `feed` that saw `entries` (entry key → story key) anew; the story
    `alerting` queues an alert to channel "console"."""
    alert = QueuedAlert("console", ["russia-warns"], {"title": "t"})
    return Decision(
        feed=feed,
        feed_url=f"file:///feeds/{feed}.xml",
        polled_at=LATER,
        feed_update=FeedUpdate(0, None, None, good=GoodPoll(None, None, None, LATER)),
        entries=tuple(NewEntry(entry, story) for entry, story in entries.items()),
        stories=tuple(
            NewStory(story, "t", (alert,) if story == alerting else ())
            for story in entries.values()
        ),
        listed=tuple(entries),
    )


def test_a_state_file_written_by_0_1_0_is_upgraded_and_keeps_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = load("state-0.1.0.sql", tmp_path / "state")
    before = rows(state)
    assert stamped_revisions_of(state) == set()

    store, logged = open_logged(state, monkeypatch)

    assert [(line["from_revision"], line["to_revision"]) for line in logged] == [
        ("unversioned", HEAD)
    ]
    assert stamped_revisions_of(state) == {HEAD}
    assert rows(state) == upgraded(before)
    assert [len(before[table]) for table in TABLES] == [3, 5, 5, 2, 5]
    assert schema_diffs(store.engine) == []
    # The app goes on where 0.1.0 left off: known entries and stories stay known, the alert
    # still waiting for channel "desk" is due, a new story alerts and an old one does not.
    assert store.seen("Sample wire", ["sample-wire-0001", "new"], [RUSSIA_WARNS, "s-new"]) == (
        {"sample-wire-0001"},
        {RUSSIA_WARNS},
    )
    assert [(row.id, row.channel) for row in store.due_alerts(LATER)] == [(2, "desk")]
    assert store.apply(a_poll("Sample wire", {"new": "s-new"}, alerting="s-new")) == 1
    assert store.apply(a_poll("Atom wire", {"again": RUSSIA_WARNS}, alerting=RUSSIA_WARNS)) == 0
    assert [row.story_key for row in store.due_alerts(LATER)] == [RUSSIA_WARNS, "s-new"]
    store.close()

    store, logged = open_logged(state, monkeypatch)  # now current: nothing to do
    store.close()
    assert logged == []


def test_a_state_file_from_before_retention_is_adopted(tmp_path: Path) -> None:
    state = load("state-before-retention.sql", tmp_path / "state")
    before = rows(state)
    # What the comparison sees in such a file: the column and the two indexes it lacks (and
    # what later revisions add: 0002's stories, 0003's feed warning, 0004's feedback, 0005's
    # leases, 0006's due index, 0007's claims, 0008's pending index).
    later = STORIES_0002 | FEEDBACK_0004 | CLAIMS_0007 | PENDING_0008
    assert [d for d in _summary(raw_diffs(state)) if d not in later] == [
        "add_column feeds.last_warning",
        "add_column feeds.listed",
        "add_index entries_by_age",
        "add_index feeds_due",
        "add_index ix_stories_first_seen_at",
        "add_table leases",
    ]

    store = Store.open(state)

    assert stamped_revisions_of(state) == {HEAD}
    assert schema_diffs(store.engine) == []
    after = rows(state)
    assert after["feeds"] == [{**row, "listed": None} for row in upgraded(before)["feeds"]]
    assert {table: after[table] for table in TABLES[1:]} == {
        table: upgraded(before)[table] for table in TABLES[1:]
    }
    # Pruning, which needs the new column and indexes, works on it.
    store.apply(a_poll("Sample wire", {"sample-wire-0009": "s-9"}))
    assert store.prune_state(LATER) == {"alerts": 1, "stories": 4, "entries": 3}
    store.close()


def test_a_state_from_a_newer_version_is_refused(tmp_path: Path, new_database_url: str) -> None:
    state = tmp_path / "state"
    _stamp(state, new_database_url, "9999")

    with pytest.raises(StateVersionError) as refused:
        Store.open(state, new_database_url)

    message = str(refused.value)
    database = make_url(new_database_url).database if new_database_url else state / "monitor.db"
    assert str(database) in message
    assert "revision 9999" in message
    assert "upgrade media-monitor" in message
    assert _stamped(state, new_database_url) == {"9999"}  # left as it was


@pytest.mark.parametrize("cli_command", ["history", "run"])
def test_the_cli_and_the_daemon_refuse_a_newer_state_cleanly(
    tmp_path: Path, cli_command: str, new_database_url: str
) -> None:
    state = tmp_path / "state"
    _stamp(state, new_database_url, "9999")

    result = cli(
        "--config",
        str(REPO / "config"),
        cli_command,
        cwd=tmp_path,
        env={"MONITOR_STATE_DIR": str(state), "MONITOR_DATABASE_URL": new_database_url},
    )

    # 3: only an upgrade helps (systemd does not restart on it); and no exception escaped,
    # or `cli` would raise it.
    assert result.returncode == 3
    assert f"Cannot use the state in {redact_urls(new_database_url) or state}" in result.stderr
    assert "revision 9999" in result.stderr
    assert "upgrade media-monitor" in result.stderr


def test_a_new_state_is_created_at_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, new_database_url: str
) -> None:
    store, logged = open_logged(tmp_path / "state", monkeypatch, new_database_url)

    assert [(line["from_revision"], line["to_revision"]) for line in logged] == [("new", HEAD)]
    assert _stamped(tmp_path / "state", new_database_url) == {HEAD}
    assert schema_diffs(store.engine) == []
    assert store.seen("wire", ["e"], ["s"]) == (set(), set())
    store.close()


def test_opening_a_current_state_file_does_not_import_alembic_nor_psycopg(tmp_path: Path) -> None:
    Store.open(tmp_path).close()  # created at head
    probe = (
        "import sys; from pathlib import Path; from monitor.state.store import Store; "
        f"Store.open(Path({str(tmp_path)!r})).close(); print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('alembic', 'psycopg') or m.startswith('monitor.state.migrations')))"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == "[]"


def test_head_is_the_newest_migration_and_the_first_can_be_undone(
    tmp_path: Path, new_database_url: str
) -> None:
    store = Store.open(tmp_path / "state", new_database_url)
    with writing(store) as conn:
        config = alembic_config(conn)
        assert ScriptDirectory.from_config(config).get_heads() == [HEAD]
        command.downgrade(config, "base")
        assert inspect(conn).get_table_names() == ["alembic_version"]
    store.close()

    store = Store.open(tmp_path / "state", new_database_url)  # created again, from nothing
    assert schema_diffs(store.engine) == []
    store.close()


def test_a_state_from_before_several_nodes_is_upgraded_with_its_rows(
    tmp_path: Path, new_database_url: str
) -> None:
    store = Store.open(tmp_path / "state", new_database_url)
    assert store.apply(a_poll("Sample wire", {"s-1": "s-1"}, alerting="s-1")) == 1
    with writing(store) as conn:
        command.downgrade(alembic_config(conn), "0006")  # before claims and the pending index
    store.close()
    assert _stamped(tmp_path / "state", new_database_url) == {"0006"}

    store = Store.open(tmp_path / "state", new_database_url)

    assert _stamped(tmp_path / "state", new_database_url) == {HEAD}
    assert schema_diffs(store.engine) == []
    # The alert queued before is still due, and the story still known: no second alert.
    assert [(row.story_key, row.channel) for row in store.due_alerts(LATER)] == [("s-1", "console")]
    assert store.apply(a_poll("Sample wire", {"s-2": "s-1"}, alerting="s-1")) == 0
    store.close()


def stamped_revisions_of(state: Path) -> set[str]:
    """The revisions `state/monitor.db` is stamped with."""
    engine = create_engine(f"sqlite:///{state / 'monitor.db'}")
    try:
        with engine.connect() as conn:
            return stamped_revisions(conn)
    finally:
        engine.dispose()


def _stamp(state: Path, database_url: str, revision: str) -> None:
    """Create the state (in `state`, or at `database_url`) and stamp it with `revision`."""
    store = Store.open(state, database_url)
    with writing(store) as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    store.close()


def _stamped(state: Path, database_url: str) -> set[str]:
    """The revisions the state (in `state`, or at `database_url`) is stamped with, read without
    opening it as the app does (which would upgrade it)."""
    if not database_url:
        return stamped_revisions_of(state)
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return stamped_revisions(conn)
    finally:
        engine.dispose()


def _summary(diffs: list[Any]) -> list[str]:
    """Autogenerate's diffs as sorted one-line strings ("add_column feeds.listed", …)."""
    lines = []
    for diff in diffs:
        if isinstance(
            diff, list
        ):  # changes to one column come grouped: (op, schema, table, column, …)
            lines += [f"{change[0]} {change[2]}.{change[3]}" for change in diff]
        elif diff[0] == "add_column":  # (op, schema, table, Column)
            lines.append(f"add_column {diff[2]}.{diff[3].name}")
        else:  # (op, Table or Index or Constraint)
            lines.append(f"{diff[0]} {diff[1].name}")
    return sorted(lines)
