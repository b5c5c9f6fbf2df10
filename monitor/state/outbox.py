"""The outbox's transactions: the alerts due, holding them (digests, quiet hours), recording
each delivery attempt (and each URL that took an alert, as soon as it did), and recording the
alerts that a mute kept back."""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, select, update

from monitor.model import OutboxRow
from monitor.state.engine import Database
from monitor.state.tables import outbox


class Outbox(Database):
    """Alerts waiting for delivery, one row per (story, channel)."""

    def due_alerts(self, now: datetime, limit: int = 500, after: int = 0) -> list[OutboxRow]:
        """Pending alerts whose next attempt is due, oldest first, from the id after `after`;
        when nodes share the state, those this node claims (`Claims.claim_alerts`)."""
        if self.claims is not None:
            return [_row(r) for r in self.claims.claim_alerts(self, now, limit, after)]
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
        return [_row(r) for r in rows]

    def alert(self, alert_id: int) -> OutboxRow | None:
        """One alert by its id, whatever its status; None if there is none (or no longer)."""
        with self.engine.connect() as conn:
            found = conn.execute(select(outbox).where(outbox.c.id == alert_id)).mappings().first()
        return None if found is None else _row(found)

    def hold(self, alert_ids: Sequence[int], *, until: datetime) -> None:
        """Hold pending alerts until `until` (a digest period's end, or the end of quiet hours)."""
        with self.writer.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_(alert_ids), *self._mine())
                .values(next_attempt_at=until, claim_token=None)
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
            recorded = conn.execute(
                update(outbox)
                .where(outbox.c.id == alert_id, *self._mine())
                .values(attempts=outbox.c.attempts + 1, claim_token=None, **values)
            )
        if recorded.rowcount == 0 and self.claims is not None:
            # Another node took the alert over (this claim ran out mid-send): its record is
            # that node's to write.
            self.claims.lost_alerts += 1

    def add_delivered(self, alert_ids: Sequence[int], url: str) -> None:
        """Record at once that the URL `url` (its `url_id`) took these alerts, before the
        attempt is recorded (which waits for the channel's other URLs): a crash meanwhile
        must not send them to it again."""
        with self.writer.begin() as conn:
            found = conn.execute(
                select(outbox.c.id, outbox.c.delivered).where(outbox.c.id.in_(alert_ids))
            ).all()
            for alert_id, delivered in found:
                took = json.loads(delivered or "[]")
                if url not in took:
                    conn.execute(
                        update(outbox)
                        .where(outbox.c.id == alert_id)
                        .values(delivered=json.dumps([*took, url]))
                    )

    def record_muted(self, reasons: Mapping[int, str]) -> None:
        """Pending alerts a mute kept back: status `muted`, with why in `last_error`; they are
        not sent when the mute ends."""
        with self.writer.begin() as conn:
            for alert_id, reason in reasons.items():
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == alert_id, outbox.c.status == "pending", *self._mine())
                    .values(status="muted", last_error=reason, claim_token=None)
                )

    def _mine(self) -> list[ColumnElement[bool]]:
        """The fence of this node's writes to rows it claimed: none for the one writer."""
        return [] if self.claims is None else [self.claims.mine()]


def _row(r: RowMapping) -> OutboxRow:
    return OutboxRow(
        id=r["id"],
        story_key=r["story_key"],
        channel=r["channel"],
        rules=json.loads(r["rules"]),
        payload=json.loads(r["payload"]),
        attempts=r["attempts"],
        created_at=r["created_at"],
        delivered=json.loads(r["delivered"] or "[]"),
    )
