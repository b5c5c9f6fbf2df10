"""Forgetting what is old: stored item texts after `history_retention`, and what alerting once
no longer needs after `state_retention`, in batches so that polls write in between."""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from monitor.state.engine import CHUNK, Database
from monitor.state.tables import (
    entries,
    feeds,
    history,
    outbox,
    rule_counts,
    stories,
    story_bands,
    story_clusters,
    story_members,
)

BATCH = 5_000  # rows deleted per transaction


class Pruning(Database):
    """The prune's transactions."""

    def prune_history(self, before: datetime) -> int:
        """Forget stored item texts first seen before `before`; returns how many."""
        with self.writer.begin() as conn:
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
            for start in range(0, len(gone), CHUNK):
                with self.writer.begin() as conn:
                    chunk = entries.c.entry_key.in_(gone[start : start + CHUNK])
                    done = conn.execute(entries.delete().where(entries.c.feed == feed, chunk))
                    entries_gone += done.rowcount
        return {"alerts": alerts, "stories": stories_gone, "entries": entries_gone}

    def prune_stories(
        self, before: datetime, stopping: Callable[[], bool] = lambda: False
    ) -> dict[str, int]:
        """Forget stories across outlets last added to before `before` (once their first
        item's story is gone: history still names their sources until then) with their
        members, and match counts as old. Returns how many stories went."""
        alive = select(stories.c.story_key).where(stories.c.story_key == story_clusters.c.story_key)
        old = (story_clusters.c.last_seen_at < before) & ~alive.exists()
        gone = self._delete_batches(story_clusters.c.story_key, old, stopping)
        kept = select(story_clusters.c.story_key).where(
            story_clusters.c.story_key == story_members.c.cluster
        )
        self._delete_batches(story_members.c.story_key, ~kept.exists(), stopping)
        with self.writer.begin() as conn:
            conn.execute(rule_counts.delete().where(rule_counts.c.bucket < before))
        return {"story_clusters": gone}

    def prune_story_bands(self, before: datetime) -> int:
        """Forget the fingerprint bands of stories not added to since `before` (the end of the
        stories' window: no new item is compared with them); returns how many went."""
        with self.writer.begin() as conn:
            return conn.execute(story_bands.delete().where(story_bands.c.seen_at < before)).rowcount

    def _delete_batches(self, key: Any, where: Any, stopping: Callable[[], bool]) -> int:
        """Delete the rows of `key`'s table that match `where`, `BATCH` per transaction."""
        total = 0
        while not stopping():
            batch = select(key).where(where).limit(BATCH)
            with self.writer.begin() as conn:
                done = conn.execute(key.table.delete().where(key.in_(batch))).rowcount
            total += done
            if done < BATCH:
                break
        return total
