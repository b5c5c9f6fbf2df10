"""Leased singletons: work that must run on one node at a time when several share one database
(a prune, a digest flush, the spike counters, a chat listener) is done by the holder of its
named lease, a row of `leases`, until the lease expires unless renewed. A node that dies
stops renewing, and another takes the work over once the lease has run out.

Taking a lease writes a new token; the holder's writes are fenced on it: `renew` and `fence`
succeed only while the row still carries that token, so a holder that was paused past its
lease (and replaced) can no longer write as if it held it. `fence` inside the holder's own
transaction also locks the row until that transaction ends, so the lease cannot change hands
in the middle of it.

The statements are portable: on SQLite the write lock orders the takers; on PostgreSQL, at
READ COMMITTED, a taker whose UPDATE waited for another's re-reads the row that one left, and
finds it no longer free. The nodes' prune turn and chat listener use them (`service/node`).
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update

from monitor.state.engine import Database, insert_new
from monitor.state.tables import leases


def take_lease(
    db: Database, name: str, holder: str, *, now: datetime, ttl: timedelta
) -> str | None:
    """Take the lease `name` for `ttl` if it is free (never taken, or run out): its new token,
    or None while someone holds it."""
    token = uuid.uuid4().hex
    values = {"holder": holder, "token": token, "expires_at": now + ttl}
    with db.writer.begin() as conn:
        created = conn.execute(insert_new(conn, leases).values(name=name, **values))
        if created.rowcount == 1:
            return token
        freed = conn.execute(
            update(leases).where(leases.c.name == name, leases.c.expires_at <= now).values(values)
        )
        return token if freed.rowcount == 1 else None


def renew_lease(db: Database, name: str, token: str, *, now: datetime, ttl: timedelta) -> bool:
    """Push the lease `name` out to `now + ttl` if `token` still holds it (not run out and
    taken since); whether it did."""
    with db.writer.begin() as conn:
        renewed = conn.execute(
            update(leases)
            .where(leases.c.name == name, leases.c.token == token)
            .values(expires_at=now + ttl)
        )
        return renewed.rowcount == 1


def release_lease(db: Database, name: str, token: str) -> None:
    """Let the lease `name` go, if `token` holds it: the next taker need not wait it out."""
    with db.writer.begin() as conn:
        conn.execute(delete(leases).where(leases.c.name == name, leases.c.token == token))


def fence(conn: Connection, name: str, token: str, now: datetime) -> bool:
    """In the holder's write transaction `conn`: whether `token` still holds the lease `name`
    at `now`, locking its row until the transaction ends. False: the lease was lost, and the
    caller rolls back what it wrote."""
    held = conn.execute(
        update(leases)
        .where(leases.c.name == name, leases.c.token == token, leases.c.expires_at > now)
        .values(token=token)  # a write, to lock the row (SQLite's write lock is already held)
    )
    return held.rowcount == 1


def lease_holders(db: Database, now: datetime) -> dict[str, str]:
    """Who holds each lease that has not run out, by lease name (for `feeds` and `/metrics`)."""
    with db.engine.connect() as conn:
        query = select(leases.c.name, leases.c.holder).where(leases.c.expires_at > now)
        return dict(conn.execute(query).all())
