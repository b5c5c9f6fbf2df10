"""Leased singletons (`monitor/state/leases.py`) on SQLite and PostgreSQL: one holder at a time,
taken over once run out, a replaced holder fenced out of its writes; and eight takers racing
for one lease on their own connections, of which exactly one wins."""

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from monitor.state.leases import fence, lease_holders, release_lease, renew_lease, take_lease
from monitor.state.store import Store
from monitor.state.tables import feeds
from tests.support.state import writing

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


def test_one_holder_at_a_time_then_taken_over_and_the_old_holder_fenced_out(
    tmp_path: Path, database_url: str
) -> None:
    store = Store.open(tmp_path, database_url)

    first = take_lease(store, "prune", "node-a", now=NOW, ttl=TTL)
    refused = take_lease(store, "prune", "node-b", now=NOW + timedelta(seconds=29), ttl=TTL)
    other = take_lease(store, "digest", "node-b", now=NOW, ttl=TTL)  # another lease is free
    assert first is not None
    assert refused is None
    assert other is not None
    assert lease_holders(store, NOW + timedelta(seconds=20)) == {
        "prune": "node-a",
        "digest": "node-b",
    }
    assert renew_lease(store, "prune", first, now=NOW + timedelta(seconds=20), ttl=TTL)
    assert take_lease(store, "prune", "node-b", now=NOW + timedelta(seconds=40), ttl=TTL) is None

    # node-a stops renewing (paused, or dead): once the lease has run out, node-b takes it.
    later = NOW + timedelta(seconds=51)
    second = take_lease(store, "prune", "node-b", now=later, ttl=TTL)
    assert second is not None
    assert second != first
    assert not renew_lease(store, "prune", first, now=later, ttl=TTL)
    with writing(store) as conn:  # what node-a would write as the holder: it must roll back
        assert not fence(conn, "prune", first, later)
        assert fence(conn, "prune", second, later)
    assert lease_holders(store, later) == {"prune": "node-b"}  # digest's ran out meanwhile

    release_lease(store, "prune", first)  # not its to release: nothing happens
    assert lease_holders(store, later) == {"prune": "node-b"}
    release_lease(store, "prune", second)
    assert take_lease(store, "prune", "node-c", now=later, ttl=TTL) is not None
    store.close()


def test_a_fenced_transaction_keeps_its_writes_only_while_the_lease_is_held(
    tmp_path: Path, database_url: str
) -> None:
    store = Store.open(tmp_path, database_url)
    token = take_lease(store, "prune", "node-a", now=NOW, ttl=TTL)
    assert token is not None

    for moment in (NOW + timedelta(seconds=10), NOW + timedelta(seconds=31)):
        with writing(store) as conn:
            if fence(conn, "prune", token, moment):
                conn.execute(
                    insert(feeds).values(
                        name=f"at {moment:%S}", url="u", consecutive_failures=0, items_seen=0
                    )
                )

    with store.engine.connect() as conn:
        assert list(conn.execute(select(feeds.c.name)).scalars()) == ["at 10"]
    store.close()


def test_of_eight_takers_racing_for_a_lease_one_wins(tmp_path: Path, database_url: str) -> None:
    store = Store.open(tmp_path, database_url)
    # Run out, so that every racer finds it free: the race is on the UPDATE, not the INSERT.
    assert take_lease(store, "prune", "old", now=NOW - TTL * 2, ttl=TTL) is not None
    start = threading.Barrier(8)
    won: list[str] = []

    def race(number: int) -> None:
        start.wait()
        token = take_lease(store, "prune", f"node-{number}", now=NOW, ttl=TTL)
        if token is not None:
            won.append(f"node-{number}")

    racers = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(30)

    assert len(won) == 1
    assert lease_holders(store, NOW) == {"prune": won[0]}
    store.close()
