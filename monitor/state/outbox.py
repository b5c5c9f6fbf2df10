"""The outbox's transactions: the alerts due, holding them (digests, quiet hours), and recording
each delivery attempt."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from monitor.model import OutboxRow
from monitor.state.engine import Database
from monitor.state.tables import outbox


class Outbox(Database):
    """Alerts waiting for delivery, one row per (story, channel)."""

    def due_alerts(self, now: datetime, limit: int = 500, after: int = 0) -> list[OutboxRow]:
        """Pending alerts whose next attempt is due, oldest first, from the id after `after`."""
        query = (
            select(outbox)
            .where(
                outbox.c.status == "pending",
                outbox.c.next_attempt_at <= now,
                outbox.c.id > after,
            )
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
        with self.writer.begin() as conn:
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
        `delivered`: the channel's URLs (by `delivery.sender.url_id`) that have accepted it so
        far."""
        if error is None:
            values: dict[str, Any] = {"status": "sent", "sent_at": now, "last_error": None}
        elif retry_at is None:
            values = {"status": "failed", "last_error": error}
        else:
            values = {"last_error": error, "next_attempt_at": retry_at}
        values["delivered"] = json.dumps(list(delivered))
        with self.writer.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == alert_id)
                .values(attempts=outbox.c.attempts + 1, **values)
            )
