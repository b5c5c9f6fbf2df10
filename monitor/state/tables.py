"""The state database's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

A change here needs a migration beside it (`monitor/state/migrations/`).
"""

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
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
    # Several nodes on one PostgreSQL database (`monitor/state/claims.py`): the token of the
    # claim a node holds on the feed's next poll, and the node that polled it last.
    Column("claim_token", String),
    Column("polled_by", String),
    # The tick's due query reads this index, not every feed (NULL only once a feed is gone).
    Index("feeds_due", "next_poll_at"),
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
    # The key of the text it was judged on without a match (NULL once it matched, and for
    # stories stored before r0002): another text of it is judged again.
    Column("judged", Text),
)

# Stories across outlets (`monitor/stories`): one row per cluster of matched items, keyed by
# its first item's story key.
story_clusters = Table(
    "story_clusters",
    metadata,
    Column("story_key", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("feed", String, nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False, index=True),
    Column("rules", Text, nullable=False),  # JSON: every rule its items matched
    Column("size", Integer, nullable=False),  # how many items it holds
    Column("spread_at", UTCDateTime),  # when its spreading alert was raised
)

# Each matched item on its story, with its content fingerprint (a MinHash signature).
story_members = Table(
    "story_members",
    metadata,
    Column("story_key", Text, primary_key=True),
    Column("cluster", Text, nullable=False, index=True),
    Column("feed", String, nullable=False),
    Column("host", String, nullable=False),
    Column("title", Text, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("signature", LargeBinary, nullable=False),
)

# The fingerprints' locality-sensitive hashing keys, by story: where a new item looks for
# the stories it may belong to.
story_bands = Table(
    "story_bands",
    metadata,
    Column("band", BigInteger, primary_key=True),
    Column("cluster", Text, primary_key=True),
    Column("seen_at", UTCDateTime, nullable=False, index=True),
    # On SQLite the rows live in the key's own B-tree: no rowid table beside it, half the size.
    sqlite_with_rowid=False,
)

# Matches per rule per 10-minute bucket, for rules with a `spike`.
rule_counts = Table(
    "rule_counts",
    metadata,
    Column("rule", String, primary_key=True),
    Column("bucket", UTCDateTime, primary_key=True),
    Column("matches", Integer, nullable=False),
)

# The last alert of each kind ("alert", "spread", "spike") per rule, for cooldowns.
rule_marks = Table(
    "rule_marks",
    metadata,
    Column("rule", String, primary_key=True),
    Column("kind", String, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
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
    # The claim a node holds on sending it (`monitor/state/claims.py`), and that node.
    Column("claim_token", String),
    Column("claimed_by", String),
    UniqueConstraint("story_key", "channel", name="one_alert_per_story_per_channel"),
    # Delivery's due query reads the pending alerts through this index, not every alert kept
    # for `state_retention`. Not a partial index: SQLite uses one only when the query spells
    # the condition as a literal, and SQLAlchemy binds "pending" as a parameter.
    Index("outbox_pending", "status", "id"),
)

# Rules and channels muted from the command line or the chat: nothing goes out for them (it is
# recorded as muted) until `until`; NULL is until unmuted.
mutes = Table(
    "mutes",
    metadata,
    Column("kind", String, primary_key=True),  # "rule" or "channel"
    Column("name", String, primary_key=True),
    Column("until", UTCDateTime),
    Column("reason", Text),
    Column("muted_at", UTCDateTime, nullable=False),
    Column("source", String, nullable=False),  # "cli" or "chat"
)

# Alerts the user marked "not relevant", by story: what `suggest` learns from, and what
# `test-rule --history` marks.
rejections = Table(
    "rejections",
    metadata,
    Column("story_key", Text, primary_key=True),
    Column("rules", Text, nullable=False),  # JSON: the rules its alert matched
    Column("rejected_at", UTCDateTime, nullable=False, index=True),
    Column("source", String, nullable=False),  # "cli" or "chat"
    Column("reason", Text),
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

# Named leases: the work that must run on one node at a time (a prune, a digest flush) is done
# by the holder of its lease, until `expires_at` (`monitor/state/leases.py`).
leases = Table(
    "leases",
    metadata,
    Column("name", String, primary_key=True),
    Column("holder", String, nullable=False),  # who took it ("host pid 1234"), for people
    Column("token", String, nullable=False),  # what fences the holder's writes
    Column("expires_at", UTCDateTime, nullable=False),
)
