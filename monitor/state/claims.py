"""Claims: how several `run` nodes share one PostgreSQL database without polling a feed or
sending an alert twice.

The `feeds` table is the schedule and the outbox is the queue. A node claims due rows with
`SELECT … FOR UPDATE SKIP LOCKED` (claimers never wait for one another, and never take the same
row), writing its token in `claim_token` and pushing the row's due time (`next_poll_at`,
`next_attempt_at`) forward by a lease: a claimed row is not due for anyone else until the
lease runs out, and a node that dies holding it has its work taken over then.

What the claim protects is written in a fenced transaction: its first statement updates the
row only where `claim_token` is still this node's (`fence_feed`, and the outbox's records).
Zero rows means the lease ran out and another node took the row: the caller writes nothing
(a poll rolls back; an attempt is not recorded), and it is counted (`lost`). The fence's
update also locks the row until the commit, so no claim can take it meanwhile.

The outbox keeps each channel's order: alerts of a channel are claimed only while no other
node holds a live claim on one of its pending alerts, and claimers take turns (a transaction
advisory lock) so that two of them never both find a channel free.

Only PostgreSQL is claimed: a SQLite state has one writer (`writer_lock`), which reads what is
due as before.
"""

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, RowMapping, exists, select, text, update

from monitor.state.engine import CHUNK, Database, insert_new
from monitor.state.tables import feeds, outbox

LEASE = timedelta(minutes=2)  # the `claim_lease` setting's default
CHANNEL_TURNS = (0x6D6D, 2)  # the advisory lock claimers of alerts take turns on
NOTIFY_CHANNEL = "media_monitor_outbox"  # LISTEN/NOTIFY: alerts were queued


@dataclass
class Claims:
    """One node's claims: its name (shown in `feeds` and `/metrics`), how long its claims
    last, the token that fences its writes (new for every process, so that a node restarted
    under the same name does not take its predecessor's claims for its own), and how many
    claims it lost."""

    node: str
    lease: timedelta = LEASE
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    lost_polls: int = 0
    lost_alerts: int = 0

    # Feeds.

    def claim_feeds(
        self,
        db: Database,
        now: datetime,
        limit: int,
        skip: Collection[str] = (),
        among: Collection[str] | None = None,
    ) -> list[str]:
        """Claim up to `limit` due feeds (as `due_feeds` reads them, but none another node
        holds), the longest overdue first, except those in `skip`; only of `among` if given."""
        due = (
            select(feeds.c.name, feeds.c.next_poll_at)
            .where(
                feeds.c.next_poll_at <= now,
                feeds.c.gone_at.is_(None),
                feeds.c.hold_until.is_(None) | (feeds.c.hold_until <= now),
            )
            .order_by(feeds.c.next_poll_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if skip:
            due = due.where(feeds.c.name.not_in(list(skip)))
        if among is not None:
            due = due.where(feeds.c.name.in_(list(among)))
        picked = due.cte("picked")
        claim = (
            update(feeds)
            .where(feeds.c.name == picked.c.name)
            .values(next_poll_at=now + self.lease, claim_token=self.token)
            .returning(feeds.c.name, picked.c.next_poll_at)
        )
        with db.writer.begin() as conn:
            rows = conn.execute(claim).all()
        return [name for name, _due in sorted(rows, key=lambda row: row[1])]

    def fence_feed(self, conn: Connection, name: str) -> bool:
        """In a poll's write transaction, first: whether this node still holds feed `name`'s
        claim (then the claim is ended and the node recorded as the feed's last poller)."""
        held = conn.execute(
            update(feeds)
            .where(feeds.c.name == name, feeds.c.claim_token == self.token)
            .values(claim_token=None, polled_by=self.node)
        )
        if held.rowcount == 1:
            return True
        self.lost_polls += 1
        return False

    def enrol(
        self,
        db: Database,
        now: datetime,
        *,
        new: Iterable[tuple[str, str]] = (),
        moved: Iterable[str] = (),
        changed: Iterable[str] = (),
    ) -> None:
        """Make due now, for whichever node claims them first: the configured feeds the state
        has no row for (`new`: name and URL), those whose configured URL changed (`moved`:
        even if gone or held), and those a reload changed or configured again after they were
        parked (`changed`: unless a server holds them). A single node keeps these in memory
        (`service/scheduler`); several must share them through the database, or each would
        poll them."""
        new, moved, changed = list(new), list(moved), list(changed)
        with db.writer.begin() as conn:
            if new:
                rows = [
                    {"name": name, "url": url, "next_poll_at": now, "consecutive_failures": 0}
                    for name, url in new
                ]
                conn.execute(insert_new(conn, feeds), rows)
            # In chunks: a reload that changes a default changes every feed, and PostgreSQL
            # takes at most 65,535 parameters a statement.
            for start in range(0, len(moved), CHUNK):
                conn.execute(
                    update(feeds)
                    .where(feeds.c.name.in_(moved[start : start + CHUNK]))
                    .values(next_poll_at=now, gone_at=None, hold_until=None)
                )
            for start in range(0, len(changed), CHUNK):
                conn.execute(
                    update(feeds)
                    .where(
                        feeds.c.name.in_(changed[start : start + CHUNK]),
                        feeds.c.hold_until.is_(None) | (feeds.c.hold_until <= now),
                    )
                    .values(next_poll_at=now)
                )

    # The outbox.

    def claim_alerts(
        self, db: Database, now: datetime, limit: int, after: int = 0
    ) -> list[RowMapping]:
        """Claim up to `limit` pending alerts due at `now` with ids after `after`, in id order,
        of channels no other node holds a live claim in; first, renew this node's claims on
        the alerts it has not recorded yet (waiting in a lane behind a slow send: delivery
        reads the outbox every second while a lane is busy), so that no other node takes
        them while they wait."""
        other = outbox.alias("other")
        taken = exists().where(
            other.c.channel == outbox.c.channel,
            other.c.status == "pending",
            other.c.claim_token.is_not(None),
            other.c.claim_token != self.token,
            other.c.next_attempt_at > now,
        )
        due = (
            select(outbox.c.id)
            .where(
                outbox.c.status == "pending",
                outbox.c.next_attempt_at <= now,
                outbox.c.id > after,
                ~taken,
            )
            .order_by(outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("picked")
        )
        claim = (
            update(outbox)
            .where(outbox.c.id == due.c.id)
            .values(next_attempt_at=now + self.lease, claim_token=self.token, claimed_by=self.node)
            .returning(*outbox.c)
        )
        renew = (
            update(outbox)
            .where(outbox.c.claim_token == self.token, outbox.c.status == "pending")
            .values(next_attempt_at=now + self.lease)
        )
        with db.writer.begin() as conn:
            conn.execute(renew)
            conn.execute(
                text("SELECT pg_advisory_xact_lock(:high, :low)"),
                {"high": CHANNEL_TURNS[0], "low": CHANNEL_TURNS[1]},
            )
            rows = conn.execute(claim).mappings().all()
        return sorted(rows, key=lambda row: row["id"])

    def mine(self) -> ColumnElement[bool]:
        """The condition on outbox rows that this node's claim still holds (its records'
        fence)."""
        return outbox.c.claim_token == self.token

    def notify(self, conn: Connection) -> None:
        """In a transaction that queues alerts: wake the other nodes' delivery at its commit."""
        notify = text("SELECT pg_notify(:channel, :node)")
        conn.execute(notify, {"channel": NOTIFY_CHANNEL, "node": self.node})
