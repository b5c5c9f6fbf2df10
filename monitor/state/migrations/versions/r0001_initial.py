"""The schema of media-monitor 0.1.0: feeds, entries, stories, outbox, history.

It also adopts a state file written before versions existed: tables that are there are kept
with their rows, and what such a file may lack (a nullable column, an index, a table) is added.
Files from before state retention lack `feeds.listed`, `entries_by_age` and the index on
`stories.first_seen_at`.

Revision ID: 0001
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _feeds() -> list[SchemaItem]:
    return [
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("fetch_url", sa.Text()),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("next_poll_at", sa.DateTime()),
        sa.Column("hold_until", sa.DateTime()),
        sa.Column("gone_at", sa.DateTime()),
        sa.Column("last_poll_at", sa.DateTime()),
        sa.Column("last_ok_at", sa.DateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("items_seen", sa.Integer(), nullable=False),
        sa.Column("listed", sa.Text()),
    ]


def _entries() -> list[SchemaItem]:
    return [
        sa.Column("feed", sa.String(), primary_key=True),
        sa.Column("entry_key", sa.Text(), primary_key=True),
        sa.Column("story_key", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
    ]


def _stories() -> list[SchemaItem]:
    return [
        sa.Column("story_key", sa.Text(), primary_key=True),
        sa.Column("feed", sa.String(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
    ]


def _outbox() -> list[SchemaItem]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("story_key", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("delivered", sa.Text()),
        sa.UniqueConstraint("story_key", "channel", name="one_alert_per_story_per_channel"),
    ]


def _history() -> list[SchemaItem]:
    return [
        sa.Column("feed", sa.String(), primary_key=True),
        sa.Column("entry_key", sa.Text(), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.Text()),
        sa.Column("published", sa.DateTime()),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
    ]


# Each table's columns and constraints, built afresh per use (a Column joins one table only).
TABLES: dict[str, Callable[[], list[SchemaItem]]] = {
    "feeds": _feeds,
    "entries": _entries,
    "stories": _stories,
    "outbox": _outbox,
    "history": _history,
}

INDEXES = {  # name: (table, columns)
    "entries_by_age": ("entries", ["feed", "first_seen_at"]),
    "ix_stories_first_seen_at": ("stories", ["first_seen_at"]),
    "ix_history_first_seen_at": ("history", ["first_seen_at"]),
}


def upgrade() -> None:
    """Create the tables and indexes, or add what an unversioned state file lacks of them."""
    inspector = sa.inspect(op.get_bind())
    for name, items in TABLES.items():
        if not inspector.has_table(name):
            op.create_table(name, *items())
            continue
        present = {column["name"] for column in inspector.get_columns(name)}
        for item in items():
            if isinstance(item, sa.Column) and item.name not in present:
                op.add_column(name, item)
    for index, (name, columns) in INDEXES.items():
        if index not in {found["name"] for found in inspector.get_indexes(name)}:
            op.create_index(index, name, columns)


def downgrade() -> None:
    """Drop every table (and with them their indexes and rows)."""
    for name in reversed(TABLES):
        op.drop_table(name)
