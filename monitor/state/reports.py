"""Read models for the CLI: feed health (`feeds`), recent alerts (`history`), and stored items
(`test-rule --history`)."""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from monitor.items import Item
from monitor.state.engine import Database
from monitor.state.tables import entries, feeds, history, outbox, stories, story_members


class Reports(Database):
    """What the CLI shows of the state."""

    def feed_health(self) -> dict[str, dict[str, Any]]:
        """Every polled feed's health columns, by feed name."""
        columns = [
            feeds.c.url,
            feeds.c.last_poll_at,
            feeds.c.last_ok_at,
            feeds.c.last_error,
            feeds.c.last_warning,
            feeds.c.consecutive_failures,
            feeds.c.items_seen,
            feeds.c.next_poll_at,
            feeds.c.fetch_url,
            feeds.c.hold_until,
            feeds.c.gone_at,
            feeds.c.polled_by,  # the node (several on PostgreSQL) that polled it last
        ]
        with self.engine.connect() as conn:
            rows = conn.execute(select(feeds.c.name, *columns)).mappings().all()
        return {row["name"]: {c.name: row[c.name] for c in columns} for row in rows}

    def alerts_since(self, since: datetime) -> list[dict[str, Any]]:
        """Alerts queued since `since`, newest first, with their story, delivery status, and
        `sources`: the other feeds that carried the story (stories across outlets)."""
        query = (
            select(
                outbox.c.id,
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
            sources = _sources(conn, [row["story_key"] for row in rows])
        return [
            {
                **row,
                "rules": json.loads(row["rules"]),
                "sources": [f for f in sources.get(row["story_key"], []) if f != row["feed"]],
            }
            for row in rows
        ]

    def history_since(self, since: datetime, *, texts_only: bool = False) -> list[Item]:
        """Items first seen since `since`, newest first. With `texts_only`, without their
        links and dates, in no particular order: what `suggest` and near misses read, 30 days
        of a busy instance (300,000 items) at once, in a third of the time."""
        known = (history.c.link, history.c.published)
        query = (
            select(
                history.c.feed,
                history.c.entry_key,
                entries.c.story_key,
                history.c.title,
                history.c.text,
                *(() if texts_only else known),
            )
            .join(
                entries,
                (entries.c.feed == history.c.feed) & (entries.c.entry_key == history.c.entry_key),
            )
            .where(history.c.first_seen_at >= since)
        )
        if not texts_only:  # (sorting costs as much as the reading)
            query = query.order_by(history.c.first_seen_at.desc())
        with self.engine.connect() as conn:
            rows = conn.execute(query)
            if texts_only:
                # Strings only, which need no conversion: the driver's rows as they come.
                raw = rows.cursor.fetchall()
                return [Item(f, k, s, t, x, None, None) for f, k, s, t, x in raw]
            return [Item(*row) for row in rows]


def _sources(conn: Connection, keys: list[str]) -> dict[str, list[str]]:
    """For each of these story keys that is on a story across outlets, the feeds of the
    story's items, first seen first."""
    mine = story_members.alias("mine")
    query = (
        select(mine.c.story_key, story_members.c.feed)
        .join(story_members, story_members.c.cluster == mine.c.cluster)
        .where(mine.c.story_key.in_(sorted(set(keys))))
        .order_by(story_members.c.seen_at, story_members.c.story_key)
    )
    found: dict[str, list[str]] = {}
    for key, feed in conn.execute(query):
        feeds_of = found.setdefault(key, [])
        if feed not in feeds_of:
            feeds_of.append(feed)
    return found
