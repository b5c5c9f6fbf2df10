"""The user's feedback in the state: mutes (`mute`, `unmute`, the chat's buttons) and alerts
rejected as not relevant (`history --reject`, the chat's button), read back by `suggest` and
`test-rule --history` (`rejections_since`)."""

import json
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Connection, delete, or_, select
from sqlalchemy.sql.dml import Insert

from monitor.feedback import FeedbackSource, Mute, MuteKind, Rejection
from monitor.state.engine import Database, dialect_insert
from monitor.state.tables import mutes, outbox, rejections


class Feedback(Database):
    """Mutes and rejections: written by the CLI and the chat, read by delivery (the mutes) and
    the rules' tools, `suggest` and `test-rule --history` (the rejections)."""

    def mute(self, mute: Mute) -> None:
        """Mute a rule or channel; muting it again replaces the earlier mute."""
        with self.writer.begin() as conn:
            conn.execute(_replacing(conn), asdict(mute))

    def unmute(self, kind: MuteKind, name: str) -> bool:
        """Lift a mute; False if there was none."""
        with self.writer.begin() as conn:
            found = conn.execute(
                delete(mutes).where(mutes.c.kind == kind, mutes.c.name == name)
            ).rowcount
        return bool(found)

    def active_mutes(self, now: datetime) -> list[Mute]:
        """The mutes in force at `now`, by kind and name."""
        query = (
            select(mutes)
            .where(or_(mutes.c.until.is_(None), mutes.c.until > now))
            .order_by(mutes.c.kind, mutes.c.name)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [Mute(**row) for row in rows]

    def reject(
        self, alert_id: int, *, now: datetime, source: FeedbackSource, reason: str | None = None
    ) -> Rejection | None:
        """Mark the story of the alert `alert_id` (an outbox id) not relevant; None if there is
        no such alert. Rejecting a story again replaces the earlier mark."""
        with self.writer.begin() as conn:
            alert = conn.execute(
                select(outbox.c.story_key, outbox.c.rules).where(outbox.c.id == alert_id)
            ).first()
            if alert is None:
                return None
            rejection = Rejection(
                story_key=alert.story_key,
                rules=tuple(json.loads(alert.rules)),
                rejected_at=now,
                source=source,
                reason=reason,
            )
            conn.execute(delete(rejections).where(rejections.c.story_key == rejection.story_key))
            conn.execute(
                rejections.insert().values(
                    **{**asdict(rejection), "rules": json.dumps(list(rejection.rules))}
                )
            )
        return rejection

    def rejections_since(self, since: datetime) -> list[Rejection]:
        """The stories rejected since `since`, newest first."""
        query = (
            select(rejections)
            .where(rejections.c.rejected_at >= since)
            .order_by(rejections.c.rejected_at.desc())
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [Rejection(**{**row, "rules": tuple(json.loads(row["rules"]))}) for row in rows]


def _replacing(conn: Connection) -> Insert:
    """INSERT into `mutes` that replaces the row of the same rule or channel."""
    statement = dialect_insert(conn, mutes)
    replacing: Insert = statement.on_conflict_do_update(
        index_elements=list(mutes.primary_key),
        set_={
            column: statement.excluded[column]
            for column in ("until", "reason", "muted_at", "source")
        },
    )
    return replacing
