"""Claims on a real PostgreSQL (`monitor/state/claims.py`): nodes sharing one database never
claim the same feed or alert; a node whose claim ran out is fenced out of its writes (a poll
rolled back, an attempt not recorded) and the row is taken over; a channel's alerts go to one
node at a time, in order; queued alerts wake the other nodes (LISTEN/NOTIFY); one node prunes
each hour; a poll taken over is logged as such, not as a crash; and a SQLite state is read as
before, without claims."""

import asyncio
import threading
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from monitor.config.load import load_config
from monitor.model import Decision, FeedUpdate
from monitor.polling.poller import Poller, http_session
from monitor.polling.unchanged import UnchangedPolls
from monitor.service.due import DueFeeds
from monitor.service.node import Node, Wakeups
from monitor.state.claims import LEASE, Claims
from monitor.state.polls import LostClaimError
from monitor.state.store import Store
from monitor.state.tables import feeds, outbox
from tests.support.config import desk_config
from tests.support.feeds import Entry, rss
from tests.support.logs import json_log
from tests.support.loopback import FeedServer
from tests.support.outbox import queue
from tests.support.state import writing

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def a_node(url: str, name: str) -> Store:
    """A store opened as node `name` of several."""
    store = Store.open(Path(), url)
    store.claims = Claims(name)
    return store


def claims(store: Store) -> Claims:
    assert store.claims is not None
    return store.claims


def claim(store: Store, at: datetime, limit: int) -> list[str]:
    """The feeds `store`'s node claims at `at`."""
    return claims(store).claim_feeds(store, at, limit)


def feeds_due(store: Store, count: int, at: datetime = NOW) -> None:
    """`count` feeds whose next poll is due at `at` (feed-000 the longest overdue)."""
    claims(store).enrol(
        store, at, new=[(f"feed-{n:03}", f"https://news.example.org/{n}.xml") for n in range(count)]
    )
    with writing(store) as conn:
        for n in range(count):
            due = at - timedelta(seconds=count - n)
            conn.execute(
                update(feeds).where(feeds.c.name == f"feed-{n:03}").values(next_poll_at=due)
            )


def a_304(feed: str, at: datetime) -> Decision:
    """A poll of `feed` at `at` that found it unchanged."""
    return Decision(
        feed=feed,
        feed_url=f"https://news.example.org/{int(feed[5:])}.xml",
        polled_at=at,
        feed_update=FeedUpdate(0, None, at + timedelta(minutes=5)),
        not_modified=True,
    )


def polled(store: Store) -> dict[str, tuple[object, object]]:
    with store.engine.connect() as conn:
        query = select(feeds.c.name, feeds.c.polled_by, feeds.c.next_poll_at)
        return {name: (by, at) for name, by, at in conn.execute(query)}


def test_two_nodes_share_the_due_feeds_and_a_lost_claim_writes_nothing(postgres_url: str) -> None:
    a, b = a_node(postgres_url, "node-a"), a_node(postgres_url, "node-b")
    feeds_due(a, 5)

    assert claim(a, NOW, 3) == ["feed-000", "feed-001", "feed-002"]  # the longest overdue first
    assert claim(b, NOW, 10) == ["feed-003", "feed-004"]
    assert claim(b, NOW + LEASE / 2, 10) == []

    # node-a polls feed-000 in time; feed-001 and feed-002 outlive its lease (it hung).
    a.apply(a_304("feed-000", NOW))
    late = NOW + LEASE + timedelta(seconds=1)
    in_flight = ["feed-003", "feed-004"]  # node-b's own, skipped as the daemon skips them
    assert claims(b).claim_feeds(b, late, 10, in_flight) == ["feed-001", "feed-002"]
    with pytest.raises(LostClaimError):
        a.apply(a_304("feed-001", late))
    a.apply_unchanged([a_304("feed-002", late)])  # dropped from the batch, not written
    assert claims(a).lost_polls == 2
    b.apply_unchanged([a_304("feed-001", late), a_304("feed-002", late)])

    rows = polled(a)
    assert rows["feed-000"] == ("node-a", NOW + timedelta(minutes=5))
    assert rows["feed-001"] == ("node-b", late + timedelta(minutes=5))
    assert rows["feed-002"] == ("node-b", late + timedelta(minutes=5))
    assert rows["feed-003"][0] is None  # claimed, not polled yet
    a.close()
    b.close()


def test_a_node_claims_the_feeds_with_recent_news_first_then_the_page_within_one_limit(
    postgres_url: str,
) -> None:
    store = a_node(postgres_url, "node-a")
    feeds_due(store, 6)
    due = DueFeeds(store, UnchangedPolls(store), Node(store, "node-a", lambda: NOW, LEASE))

    # feed-005 brought news lately: it goes first, though five feeds are more overdue.
    page, recent = due.page(NOW, 3, busy={"feed-000"}, recent=["feed-005", "feed-000"])
    again = claim(store, NOW, 10)

    assert recent == ["feed-005"]  # feed-000 is being polled here: not claimed twice
    assert page == ["feed-001", "feed-002"]
    assert again == ["feed-000", "feed-003", "feed-004"]  # the rest, still free to claim


def test_eight_nodes_racing_claim_each_feed_once(postgres_url: str) -> None:
    nodes = [a_node(postgres_url, f"node-{n}") for n in range(8)]
    feeds_due(nodes[0], 400)
    claimed: list[list[str]] = [[] for _ in nodes]
    start = threading.Barrier(len(nodes))

    def race(n: int) -> None:
        start.wait()
        while True:
            page = claim(nodes[n], NOW, 7)
            if not page:
                return
            claimed[n].extend(page)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(len(nodes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [name for page in claimed for name in page]
    assert sorted(every) == [f"feed-{n:03}" for n in range(400)]  # each once, none left
    for store in nodes:
        store.close()


def test_a_channel_goes_to_one_node_at_a_time_and_a_lost_alert_is_not_recorded(
    postgres_url: str,
) -> None:
    with closing(Store.open(Path(), postgres_url)) as writer:  # a poll, as the one writer
        queue(writer, 3, ["desk", "wire"], NOW)  # ids 1-6: desk and wire by turns
    a, b = a_node(postgres_url, "node-a"), a_node(postgres_url, "node-b")

    first = a.due_alerts(NOW, limit=1)
    assert [(r.id, r.channel) for r in first] == [(1, "desk")]
    # node-a holds a claim in desk: node-b takes only wire's alerts, in order.
    assert [(r.id, r.channel) for r in b.due_alerts(NOW)] == [(2, "wire"), (4, "wire"), (6, "wire")]
    assert [r.id for r in a.due_alerts(NOW)] == [3, 5]  # the rest of desk, still node-a's

    a.record_attempt(1, now=NOW, error=None, retry_at=None)
    for sent in (2, 4, 6):
        b.record_attempt(sent, now=NOW, error=None, retry_at=None)
    # node-a dies holding 3 and 5: after the lease node-b takes them over, and node-a's late
    # record of 3 (sent just before it was taken over) is not written over node-b's.
    late = NOW + LEASE + timedelta(seconds=1)
    assert [r.id for r in b.due_alerts(late)] == [3, 5]
    b.record_attempt(3, now=late, error="HTTP 503", retry_at=late + timedelta(seconds=30))
    a.record_attempt(3, now=late, error=None, retry_at=None)
    assert claims(a).lost_alerts == 1
    with a.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(outbox))}
    assert (rows[1].status, rows[1].claimed_by, rows[1].claim_token) == ("sent", "node-a", None)
    assert (rows[3].status, rows[3].attempts, rows[3].last_error) == ("pending", 1, "HTTP 503")
    assert rows[3].claimed_by == "node-b"
    a.close()
    b.close()


def test_a_state_with_one_writer_reads_what_is_due_without_claiming(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    queue(store, 2, ["desk"], NOW)

    assert [r.id for r in store.due_alerts(NOW)] == [1, 2]
    assert [r.id for r in store.due_alerts(NOW)] == [1, 2]  # read, not taken
    store.record_attempt(1, now=NOW, error=None, retry_at=None)
    with store.engine.connect() as conn:
        assert conn.execute(select(outbox.c.claim_token)).scalars().all() == [None, None]
    store.close()


def test_a_node_queueing_alerts_wakes_the_others_delivery(postgres_url: str) -> None:
    a = a_node(postgres_url, "node-a")
    woken = threading.Event()
    listening = Wakeups(postgres_url, "node-b", woken.set)
    listening.start()
    try:
        # Notifications sent before node-b's LISTEN reach no one: sent again until one does.
        for _ in range(40):
            with writing(a) as conn:
                claims(a).notify(conn)  # as a poll that queued alerts does, at its commit
            if woken.wait(0.5):
                break
    finally:
        listening.stop()
        a.close()
    assert woken.is_set()


def test_one_node_prunes_each_hour(postgres_url: str) -> None:
    clock = [NOW]
    nodes = [
        Node(Store.open(Path(), postgres_url), f"node-{n}", lambda: clock[0], LEASE)
        for n in range(2)
    ]

    turns = [node.take_turn("prune", timedelta(hours=1)) for node in nodes]
    clock[0] = NOW + timedelta(minutes=55)  # the other node's next hourly turn
    later = [node.take_turn("prune", timedelta(hours=1)) for node in reversed(nodes)]

    assert turns == [True, False]
    assert later == [True, False]  # node-1's turn now; node-0's comes after it
    for node in nodes:
        node.store.close()


def test_a_poll_whose_claim_was_taken_over_is_not_written_nor_taken_for_a_crash(
    server: FeedServer, tmp_path: Path, postgres_url: str
) -> None:
    server.feeds["wire.xml"] = rss(Entry("w-1", "Kremlin warns Kyiv again"))
    config = load_config(desk_config(server, tmp_path, "wire.xml"))
    store = a_node(postgres_url, "node-a")
    claims(store).enrol(store, NOW, new=[("wire.xml", server.url("wire.xml"))])
    other = a_node(postgres_url, "node-b")
    assert claim(other, NOW, 1) == ["wire.xml"]  # node-b polls it, node-a polls it anyway

    async def poll() -> Decision | None:
        async with http_session(config) as session:
            poller = Poller(config, store, config.matcher, session, lambda: NOW)
            return await poller.poll_contained(config.feeds["wire.xml"])

    with json_log() as log:
        assert asyncio.run(poll()) is None

    assert log.logged("feed poll taken over by another node; not written")
    assert not log.logged("feed poll crashed")
    assert polled(store)["wire.xml"] == (None, NOW + LEASE)  # node-b's claim, untouched
    assert claims(store).lost_polls == 1
    store.close()
    other.close()
