"""The poll's transactions: a feed's stored state, the feeds due (the daemon's tick), which
entries and stories are already known, and `apply`, which writes one poll's `Decision` in one
transaction (the feed's validators together with its new items and their alerts); 304s, which
write only their feed's row, are written many to a transaction (`apply_unchanged`)."""

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, bindparam, func, insert, select, update

from monitor.model import Decision, FeedState, NewStory
from monitor.state.engine import CHUNK, Database, chunked_in, insert_new
from monitor.state.stories import write_story_changes
from monitor.state.tables import STATE_COLUMNS, entries, feeds, history, outbox, stories


class PollState(Database):
    """What a poll reads before it decides, and the one transaction that writes its decision."""

    def feed_state(self, name: str) -> FeedState | None:
        """The stored state of feed `name`, or None before its first poll."""
        with self.engine.connect() as conn:
            query = select(*STATE_COLUMNS).where(feeds.c.name == name)
            row = conn.execute(query).mappings().first()
        return None if row is None else _feed_state(row)

    def feed_states(self, *, held_at: datetime | None = None) -> dict[str, FeedState]:
        """Every polled feed's stored state, by feed name; with `held_at`, only of the feeds
        gone or held by their server at that time (see `FeedState.held`): usually a few."""
        query = select(*STATE_COLUMNS)
        if held_at is not None:
            query = query.where(_held(held_at))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return {row["name"]: _feed_state(row) for row in rows}

    def schedule_rows(self, now: datetime) -> Iterator[tuple[str, str, bool, bool, bool]]:
        """Every stored feed as the daemon's schedule needs it, read as it is consumed: its
        name, URL, whether it is due some time (`next_poll_at` set), parked (`park_feeds`),
        and gone or held by its server at `now` (`FeedState.held`). At 50,000 feeds, their
        full states read at once took ~60 MB."""
        query = select(
            feeds.c.name,
            feeds.c.url,
            feeds.c.next_poll_at.is_not(None),
            _PARKED,
            func.coalesce(_held(now), False),  # NULL when neither gone nor held
        )
        with self.engine.connect() as conn:
            yield from conn.execution_options(yield_per=CHUNK).execute(query)

    def failing_feeds(self) -> int:
        """How many feeds failed at their last poll, the parked ones (stored but no longer
        configured: `park_feeds`) not counted. Counted by the database: at tens of thousands
        of feeds, reading every state to count them took ~60 MB a time."""
        query = select(func.count()).where(feeds.c.consecutive_failures > 0, ~_PARKED)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def due_feeds(
        self,
        now: datetime,
        limit: int,
        skip: Collection[str] = (),
        among: Collection[str] | None = None,
    ) -> list[str]:
        """Up to `limit` feeds due at `now` (not gone, not held, not parked), the longest
        overdue first, except those in `skip` (being polled: a few); only those in `among` if
        it is given (a few, looked up by name). One range read of the `feeds_due` index: its
        cost follows what is due, not how many feeds there are."""
        query = (
            select(feeds.c.name)
            .where(
                feeds.c.next_poll_at <= now,  # NULL for a gone or parked feed
                feeds.c.gone_at.is_(None),
                # Spelt out rather than NOT(held): a NULL column would make that NULL.
                feeds.c.hold_until.is_(None) | (feeds.c.hold_until <= now),
            )
            .order_by(feeds.c.next_poll_at)
            .limit(limit)
        )
        if skip:
            query = query.where(feeds.c.name.not_in(list(skip)))
        if among is not None:
            query = query.where(feeds.c.name.in_(list(among)))
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def park_feeds(self, names: Collection[str]) -> None:
        """Take the feeds `names` (stored, no longer configured) out of the schedule: never
        due until a config has them again (`Schedule.configured` then polls them at once).
        Left due, each tick would have to name them all to be skipped."""
        with self.writer.begin() as conn:
            ordered = sorted(names)
            for start in range(0, len(ordered), CHUNK):
                chunk = ordered[start : start + CHUNK]
                conn.execute(
                    update(feeds)
                    .where(feeds.c.name.in_(chunk), feeds.c.next_poll_at.is_not(None))
                    .values(next_poll_at=None)
                )

    def apply_unchanged(self, decisions: Sequence[Decision]) -> None:
        """Write many 304 polls (see `Decision.not_modified`) in one transaction: each sets
        only its feed's row (next poll, validators, failures cleared). One statement per
        shape of row, one commit (and one fsync) for all of them."""
        with self.writer.begin() as conn:
            shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for decision in self._fenced(conn, decisions):
                values = _feed_columns(decision)
                row = {"v_name": decision.feed} | {f"v_{c}": v for c, v in values.items()}
                shapes.setdefault(tuple(values), []).append(row)
            for columns, rows in shapes.items():
                statement = (
                    update(feeds)
                    .where(
                        feeds.c.name == bindparam("v_name"),
                        # A later poll's row, written while this one waited in its batch,
                        # stays: its validators and next poll are the newer ones.
                        feeds.c.last_poll_at.is_(None)
                        | (feeds.c.last_poll_at <= bindparam("v_last_poll_at")),
                    )
                    .values({c: bindparam(f"v_{c}") for c in columns})
                )
                conn.execute(statement, rows)

    def seen(
        self, feed: str, entry_keys: Iterable[str], story_keys: Iterable[str]
    ) -> tuple[set[str], set[str]]:
        """Which of these entry keys (of `feed`) and story keys are already recorded."""
        entry_keys, story_keys = list(entry_keys), list(story_keys)
        with self.engine.connect() as conn:
            in_feed = entries.c.feed == feed
            seen_entries = set(chunked_in(conn, entries.c.entry_key, entry_keys, in_feed))
            seen_stories = set(chunked_in(conn, stories.c.story_key, story_keys))
        return seen_entries, seen_stories

    def alerted_since(self, since: datetime) -> tuple[dict[str, int], dict[str, int]]:
        """Stories queued to alert since `since`, counted by the feed they were first seen in
        and by rule (for the storm guard); its own summaries (keys `storm:…`) are not counted."""
        query = (
            select(stories.c.feed, outbox.c.story_key, outbox.c.rules)
            .join(stories, stories.c.story_key == outbox.c.story_key)
            .where(outbox.c.created_at >= since, ~outbox.c.story_key.startswith("storm:"))
        )
        by_feed: dict[str, set[str]] = {}
        by_rule: dict[str, set[str]] = {}
        with self.engine.connect() as conn:
            for feed, story_key, rules in conn.execute(query):
                by_feed.setdefault(feed, set()).add(story_key)
                for rule in json.loads(rules):
                    by_rule.setdefault(rule, set()).add(story_key)
        return (
            {feed: len(keys) for feed, keys in by_feed.items()},
            {rule: len(keys) for rule, keys in by_rule.items()},
        )

    def apply(self, decision: Decision) -> int:
        """Write one poll's decision in one transaction; returns the number of alerts queued."""
        with self.writer.begin() as conn:
            if not self._fenced(conn, [decision]):
                raise LostClaimError(decision.feed)
            _write_feed(conn, decision)
            _write_entries(conn, decision)
            _write_history(conn, decision)
            queued = _write_stories(conn, decision)
            write_story_changes(conn, decision)
            return queued

    def _fenced(self, conn: Connection, decisions: Sequence[Decision]) -> list[Decision]:
        """The decisions this process may write, first in their transaction: all of them
        when it is the state's one writer; else those whose feed's claim it still holds
        (`state/claims.py`; each feed's row locked until the commit)."""
        claims = self.claims
        if claims is None:
            return list(decisions)
        held = [d for d in decisions if claims.fence_feed(conn, d.feed)]
        if any(d.alert_count for d in held):
            claims.notify(conn)
        return held


# Stored, no longer configured: never due until configured again (not gone: that has a date).
_PARKED = feeds.c.next_poll_at.is_(None) & feeds.c.gone_at.is_(None)


def _held(now: datetime) -> ColumnElement[bool]:
    """Gone, or held by its server at `now` (`FeedState.held`, in SQL)."""
    return feeds.c.gone_at.is_not(None) | (feeds.c.hold_until > now)


class LostClaimError(Exception):
    """Another node took this feed's poll over (this one's claim ran out): its decision is
    not written."""


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
        last_error=row["last_error"],
        last_ok_at=row["last_ok_at"],
        items_seen=row["items_seen"],
    )


def _feed_columns(decision: Decision) -> dict[str, Any]:
    values = {
        "url": decision.feed_url,
        "last_poll_at": decision.polled_at,
        **decision.feed_update.columns(),
    }
    if decision.listed is not None:
        values["listed"] = json.dumps(decision.listed)
    if decision.error is None and not decision.not_modified:
        values["last_warning"] = decision.warning  # a 304 leaves the last read's warning
    return values


def _write_feed(conn: Connection, decision: Decision) -> None:
    values = _feed_columns(decision)
    done = conn.execute(update(feeds).where(feeds.c.name == decision.feed).values(values))
    if done.rowcount == 0:
        conn.execute(insert(feeds).values(name=decision.feed, **values))


def _write_entries(conn: Connection, decision: Decision) -> None:
    if not decision.entries:
        return
    conn.execute(
        insert_new(conn, entries),
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


def _write_history(conn: Connection, decision: Decision) -> None:
    if not decision.history:
        return
    conn.execute(
        insert_new(conn, history),
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


def _write_stories(conn: Connection, decision: Decision) -> int:
    """Record the new stories and queue their alerts; returns how many alerts were queued."""

    def row(story: NewStory) -> dict[str, Any]:
        return {
            "story_key": story.story_key,
            "feed": decision.feed,
            "title": story.title,
            "first_seen_at": decision.polled_at,
            "judged": story.judged,
        }

    quiet = [row(s) for s in decision.stories if not s.alerts and not s.again]
    if quiet:  # most stories alert nowhere: one statement for all of them
        conn.execute(insert_new(conn, stories), quiet)
    queued = 0
    for story in (s for s in decision.stories if s.alerts or s.again):
        if story.again:  # judged again on another text: only a story still unmatched is
            created = conn.execute(
                update(stories)
                .where(stories.c.story_key == story.story_key, stories.c.judged.is_not(None))
                .values(judged=story.judged)
            )
        else:
            created = conn.execute(insert_new(conn, stories).values(row(story)))
        # Another writer recorded (or alerted for) the story first: its alerts are that writer's.
        if created.rowcount == 0 or not story.alerts:
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
