"""The state database's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

A change here needs a migration beside it (`monitor/state/migrations/`).
"""

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)


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
    Column("last_warning", Text),  # what was wrong with the feed last read, though it was read
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("items_seen", Integer, nullable=False, default=0),
    Column("listed", Text),  # JSON: the entry keys the feed listed when last read
)

# What a feed's state is made of: all but its listing, which only pruning reads.
STATE_COLUMNS = [c for c in feeds.c if c.name != "listed"]

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
    # JSON: the channel's URLs (`delivery.sender.url_id`) that accepted it
    Column("delivered", Text),
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
