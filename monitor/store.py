"""The state database: SQLAlchemy Core tables and the few transactions the app needs.

SQLite in WAL mode with `synchronous=FULL` and `BEGIN IMMEDIATE` (one writer, a busy timeout);
the SQL stays portable so the same code can run on PostgreSQL.
"""

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from monitor.decide import Decision, FeedState
from monitor.items import Item


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = MetaData()

feeds = Table(
    "feeds",
    metadata,
    Column("name", String, primary_key=True),
    Column("url", Text, nullable=False),  # as configured; validators and the rest belong to it
    Column("fetch_url", Text),  # where a permanent redirect moved it
    Column("etag", Text),
    Column("last_modified", Text),
    Column("next_poll_at", UTCDateTime),
    Column("hold_until", UTCDateTime),  # a server's Retry-After
    Column("gone_at", UTCDateTime),  # 410 Gone: not polled until the configured URL changes
    Column("last_poll_at", UTCDateTime),
    Column("last_ok_at", UTCDateTime),
    Column("last_error", Text),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("items_seen", Integer, nullable=False, default=0),
    Column("listed", Text),  # JSON: the entry keys the feed listed when last read
)

# What a feed's state is made of: all but its listing, which only pruning reads.
_STATE_COLUMNS = [c for c in feeds.c if c.name != "listed"]

entries = Table(
    "entries",
    metadata,
    Column("feed", String, primary_key=True),
    Column("entry_key", Text, primary_key=True),
    Column("story_key", Text, nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Index("entries_by_age", "feed", "first_seen_at"),
)

stories = Table(
    "stories",
    metadata,
    Column("story_key", Text, primary_key=True),
    Column("feed", String, nullable=False),
    Column("title", Text, nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False, index=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("story_key", Text, nullable=False),
    Column("channel", String, nullable=False),
    Column("rules", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String, nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("last_error", Text),
    Column("delivered", Text),  # JSON: the channel's URLs (`notify.url_id`) that accepted it
    UniqueConstraint("story_key", "channel", name="one_alert_per_story_per_channel"),
)


history = Table(
    "history",
    metadata,
    Column("feed", String, primary_key=True),
    Column("entry_key", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("link", Text),
    Column("published", UTCDateTime),
    Column("first_seen_at", UTCDateTime, nullable=False, index=True),
)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One alert waiting for (or done with) delivery to one channel."""

    id: int
    story_key: str
    channel: str
    rules: list[str]
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    # The channel's URLs (by `notify.url_id`) that have accepted it; an int is a URL's position,
    # as versions before URL ids wrote it.
    delivered: list[str | int]


@dataclass(frozen=True, slots=True)
class PollSchedule:
    """Which stored feeds may, and which must, be polled at one moment (the daemon's tick)."""

    urls: dict[str, str]  # every stored feed's URL by name: its state belongs to that URL
    held: set[str]  # gone (410), or waiting out a server's Retry-After
    due: set[str]  # not held, and their next poll time has come

    def should_poll(self, name: str, url: str, *, forced: bool = False) -> bool:
        """Poll feed `name`, configured at `url`, now? (`forced`: its config just changed.)"""
        if self.urls.get(name) != url:
            return True  # never polled, or moved to a new URL: it starts afresh
        return name not in self.held and (forced or name in self.due)


_WRITE = "monitor_write"  # execution option: this transaction writes
_CHUNK = 500  # keys per IN (…): under every backend's bound-parameter limit
_BATCH = 5_000  # rows deleted per transaction when pruning


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that BEGIN IMMEDIATE below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the write lock up front (no deadlock-prone lock upgrade); readers do
        # not, so WAL lets them read while a poll is being written.
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Store:
    """The app's transactions over one state database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{_WRITE: True})
        with self._writer.begin() as conn:
            metadata.create_all(conn)
            _migrate(conn)

    @classmethod
    def open(cls, state_dir: Path) -> "Store":
        """Open (creating if needed) `state_dir/monitor.db`."""
        state_dir.mkdir(parents=True, exist_ok=True)
        return cls(_sqlite_engine(state_dir / "monitor.db"))

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def check_writable(self) -> None:
        """Take the write lock and let it go; raises if the database cannot be written."""
        with self._writer.begin():
            pass

    def feed_state(self, name: str) -> FeedState | None:
        """The stored state of feed `name`, or None before its first poll."""
        with self.engine.connect() as conn:
            query = select(*_STATE_COLUMNS).where(feeds.c.name == name)
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        return _feed_state(row)

    def feed_states(self) -> dict[str, FeedState]:
        """Every polled feed's stored state, by feed name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(*_STATE_COLUMNS)).mappings().all()
        return {row["name"]: _feed_state(row) for row in rows}

    def poll_schedule(self, now: datetime) -> PollSchedule:
        """The feeds held and due at `now`: a few small queries, cheap enough to run every
        second over thousands of feeds."""
        # Spelt out rather than NOT(held): NULL columns would make that NULL, not true.
        held = feeds.c.gone_at.is_not(None) | (feeds.c.hold_until > now)
        due = (
            feeds.c.gone_at.is_(None)
            & (feeds.c.hold_until.is_(None) | (feeds.c.hold_until <= now))
            & (feeds.c.next_poll_at.is_(None) | (feeds.c.next_poll_at <= now))
        )
        with self.engine.connect() as conn:
            urls = dict(conn.execute(select(feeds.c.name, feeds.c.url)).all())
            held_names = set(conn.execute(select(feeds.c.name).where(held)).scalars())
            due_names = set(conn.execute(select(feeds.c.name).where(due)).scalars())
        return PollSchedule(urls, held_names, due_names)

    def seen(
        self, feed: str, entry_keys: Iterable[str], story_keys: Iterable[str]
    ) -> tuple[set[str], set[str]]:
        """Which of these entry keys (of `feed`) and story keys are already recorded."""
        entry_keys, story_keys = list(entry_keys), list(story_keys)
        with self.engine.connect() as conn:
            in_feed = entries.c.feed == feed
            seen_entries = set(_chunked_in(conn, entries.c.entry_key, entry_keys, in_feed))
            seen_stories = set(_chunked_in(conn, stories.c.story_key, story_keys))
        return seen_entries, seen_stories

    def apply(self, decision: Decision) -> int:
        """Write one poll's decision in one transaction; returns the number of alerts queued."""
        queued = 0
        with self._writer.begin() as conn:
            update_values = {
                "url": decision.feed_url,
                "last_poll_at": decision.polled_at,
                **decision.feed_update,
            }
            if decision.listed is not None:
                update_values["listed"] = json.dumps(decision.listed)
            done = conn.execute(
                update(feeds).where(feeds.c.name == decision.feed).values(update_values)
            )
            if done.rowcount == 0:
                conn.execute(insert(feeds).values(name=decision.feed, **update_values))
            if decision.entries:
                conn.execute(
                    _insert_new(conn, entries),
                    [
                        {
                            "feed": decision.feed,
                            "entry_key": e.entry_key,
                            "story_key": e.story_key,
                            "first_seen_at": decision.polled_at,
                        }
                        for e in decision.entries
                    ],
                )
                conn.execute(
                    update(feeds)
                    .where(feeds.c.name == decision.feed)
                    .values(items_seen=feeds.c.items_seen + len(decision.entries))
                )
            if decision.history:
                conn.execute(
                    _insert_new(conn, history),
                    [
                        {
                            "feed": item.feed,
                            "entry_key": item.entry_key,
                            "title": item.title,
                            "text": item.text,
                            "link": item.link,
                            "published": item.published,
                            "first_seen_at": decision.polled_at,
                        }
                        for item in decision.history
                    ],
                )
            story_rows = {
                s.story_key: {
                    "story_key": s.story_key,
                    "feed": decision.feed,
                    "title": s.title,
                    "first_seen_at": decision.polled_at,
                }
                for s in decision.stories
            }
            quiet = [story_rows[s.story_key] for s in decision.stories if not s.alerts]
            if quiet:  # most stories alert nowhere: one statement for all of them
                conn.execute(_insert_new(conn, stories), quiet)
            for story in (s for s in decision.stories if s.alerts):
                created = conn.execute(
                    _insert_new(conn, stories).values(story_rows[story.story_key])
                )
                # Another writer recorded the story first: its alerts are that writer's.
                if created.rowcount == 0:
                    continue
                conn.execute(
                    insert(outbox),
                    [
                        {
                            "story_key": story.story_key,
                            "channel": alert.channel,
                            "rules": json.dumps(alert.rules),
                            "payload": json.dumps(alert.payload),
                            "status": "pending",
                            "attempts": 0,
                            "created_at": decision.polled_at,
                            "next_attempt_at": decision.polled_at,
                        }
                        for alert in story.alerts
                    ],
                )
                queued += len(story.alerts)
        return queued

    def feed_health(self) -> dict[str, dict[str, Any]]:
        """Every polled feed's health columns, by feed name."""
        columns = [
            feeds.c.url,
            feeds.c.last_poll_at,
            feeds.c.last_ok_at,
            feeds.c.last_error,
            feeds.c.consecutive_failures,
            feeds.c.items_seen,
            feeds.c.next_poll_at,
            feeds.c.fetch_url,
            feeds.c.hold_until,
            feeds.c.gone_at,
        ]
        with self.engine.connect() as conn:
            rows = conn.execute(select(feeds.c.name, *columns)).mappings().all()
        return {row["name"]: {c.name: row[c.name] for c in columns} for row in rows}

    def alerts_since(self, since: datetime) -> list[dict[str, Any]]:
        """Alerts queued since `since`, newest first, with their story and delivery status."""
        query = (
            select(
                outbox.c.created_at,
                outbox.c.rules,
                outbox.c.channel,
                outbox.c.status,
                outbox.c.attempts,
                outbox.c.sent_at,
                outbox.c.last_error,
                outbox.c.story_key,
                stories.c.title,
                stories.c.feed,
            )
            .join(stories, stories.c.story_key == outbox.c.story_key)
            .where(outbox.c.created_at >= since)
            .order_by(outbox.c.created_at.desc(), outbox.c.id.desc())
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [{**row, "rules": json.loads(row["rules"])} for row in rows]

    def history_since(self, since: datetime) -> list[Item]:
        """Items first seen since `since`, newest first."""
        query = (
            select(history, stories.c.story_key)
            .join(
                entries,
                (entries.c.feed == history.c.feed) & (entries.c.entry_key == history.c.entry_key),
            )
            .join(stories, stories.c.story_key == entries.c.story_key, isouter=True)
            .where(history.c.first_seen_at >= since)
            .order_by(history.c.first_seen_at.desc())
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            Item(
                feed=r["feed"],
                entry_key=r["entry_key"],
                story_key=r["story_key"] or f"{r['feed']}#{r['entry_key']}",
                title=r["title"],
                text=r["text"],
                link=r["link"],
                published=r["published"],
            )
            for r in rows
        ]

    def prune_history(self, before: datetime) -> int:
        """Forget stored item texts first seen before `before`; returns how many."""
        with self._writer.begin() as conn:
            return conn.execute(history.delete().where(history.c.first_seen_at < before)).rowcount

    def prune_state(
        self, before: datetime, stopping: Callable[[], bool] = lambda: False
    ) -> dict[str, int]:
        """Forget, from before `before`, what alerting once no longer needs: finished alerts,
        stories with no alert left, and entries their feed no longer lists (a feed never read
        since this was added keeps all of its). Returns how many rows went, by table. Rows go
        in batches, a transaction each, so that polls write in between; when `stopping()`
        turns true, the rest is left for the next prune."""
        finished = (outbox.c.status != "pending") & (outbox.c.created_at < before)
        alerts = self._delete_batches(outbox.c.id, finished, stopping)
        queued = select(outbox.c.id).where(outbox.c.story_key == stories.c.story_key)
        old_story = (stories.c.first_seen_at < before) & ~queued.exists()
        stories_gone = self._delete_batches(stories.c.story_key, old_story, stopping)
        entries_gone = 0
        with self.engine.connect() as conn:
            listings = conn.execute(select(feeds.c.name, feeds.c.listed)).all()
        for feed, listed in listings:
            if listed is None or stopping():
                continue
            with self.engine.connect() as conn:
                old = select(entries.c.entry_key).where(
                    entries.c.feed == feed, entries.c.first_seen_at < before
                )
                gone = sorted(set(conn.execute(old).scalars()) - set(json.loads(listed)))
            for start in range(0, len(gone), _CHUNK):
                with self._writer.begin() as conn:
                    chunk = entries.c.entry_key.in_(gone[start : start + _CHUNK])
                    done = conn.execute(entries.delete().where(entries.c.feed == feed, chunk))
                    entries_gone += done.rowcount
        return {"alerts": alerts, "stories": stories_gone, "entries": entries_gone}

    def _delete_batches(self, key: Any, where: Any, stopping: Callable[[], bool]) -> int:
        """Delete the rows of `key`'s table that match `where`, `_BATCH` per transaction."""
        total = 0
        while not stopping():
            batch = select(key).where(where).limit(_BATCH)
            with self._writer.begin() as conn:
                done = conn.execute(key.table.delete().where(key.in_(batch))).rowcount
            total += done
            if done < _BATCH:
                break
        return total

    def due_alerts(self, now: datetime, limit: int = 500) -> list[OutboxRow]:
        """Pending alerts whose next attempt is due, oldest first."""
        query = (
            select(outbox)
            .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            OutboxRow(
                id=r["id"],
                story_key=r["story_key"],
                channel=r["channel"],
                rules=json.loads(r["rules"]),
                payload=json.loads(r["payload"]),
                attempts=r["attempts"],
                created_at=r["created_at"],
                delivered=json.loads(r["delivered"] or "[]"),
            )
            for r in rows
        ]

    def hold(self, alert_ids: Sequence[int], *, until: datetime) -> None:
        """Hold pending alerts until `until` (a digest period's end, or the end of quiet hours)."""
        with self._writer.begin() as conn:
            conn.execute(
                update(outbox).where(outbox.c.id.in_(alert_ids)).values(next_attempt_at=until)
            )

    def record_attempt(
        self,
        alert_id: int,
        *,
        now: datetime,
        error: str | None,
        retry_at: datetime | None,
        delivered: Sequence[str] = (),
    ) -> None:
        """Record one delivery attempt: sent (no error), retry at `retry_at`, or failed for good;
        `delivered`: the channel's URLs (by `notify.url_id`) that have accepted it so far."""
        if error is None:
            values: dict[str, Any] = {"status": "sent", "sent_at": now, "last_error": None}
        elif retry_at is None:
            values = {"status": "failed", "last_error": error}
        else:
            values = {"last_error": error, "next_attempt_at": retry_at}
        values["delivered"] = json.dumps(list(delivered))
        with self._writer.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == alert_id)
                .values(attempts=outbox.c.attempts + 1, **values)
            )


def _feed_state(row: Any) -> FeedState:
    return FeedState(
        url=row["url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        consecutive_failures=row["consecutive_failures"],
        fetch_url=row["fetch_url"],
        next_poll_at=row["next_poll_at"],
        hold_until=row["hold_until"],
        gone_at=row["gone_at"],
    )


def _migrate(conn: Any) -> None:
    """Bring a state database written by an older version up to date: nullable columns and
    indexes added since then are created (the only kinds of change made so far)."""
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present and column.nullable:
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
        for index in table.indexes:
            index.create(conn, checkfirst=True)


def _insert_new(conn: Any, table: Table) -> Insert:
    """INSERT that skips rows whose key exists (both SQLite and PostgreSQL spell it this way)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement: Insert = dialect.insert(table).on_conflict_do_nothing()
    return statement


def _chunked_in(conn: Any, column: Any, keys: Sequence[str], *where: Any) -> Iterable[str]:
    """`column IN keys`, in chunks that stay under every backend's bound-parameter limit."""
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        yield from conn.execute(select(column).where(column.in_(chunk), *where)).scalars()
