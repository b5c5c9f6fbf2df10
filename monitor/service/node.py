"""One `run` node of several sharing a PostgreSQL state: its name, its claims on the feeds
due (`state/claims`), the feeds it shares through the database rather than in memory, its
leased singletons, and the wake-ups other nodes send its delivery.

A SQLite state has one writer and no `Node`: the daemon reads what is due as it always has.
On PostgreSQL every `run` is a node, one or many alike: a feed is polled by the node that
claims it, an alert sent by the node that claims it, and the work that must run once at a
time (pruning, the Telegram chat listener) by the holder of its lease (`state/leases`).
"""

import asyncio
import contextlib
import os
import socket
import threading
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from monitor.config.model import FeedSpec
from monitor.model import Clock
from monitor.offload import off_loop
from monitor.service.scheduler import Schedule, StoredFeed
from monitor.state.claims import NOTIFY_CHANNEL, Claims
from monitor.state.leases import release_lease, renew_lease, take_lease
from monitor.state.store import Store

log = structlog.get_logger(__name__)

SINGLETON_LEASE = timedelta(seconds=60)  # a dead holder's singleton is taken over after this
RENEW = SINGLETON_LEASE / 3  # how often a holder renews it, and others try to take it
LISTEN_RETRY = 5.0  # seconds before listening again after the connection failed


def node_name(configured: str) -> str:
    """This process's name among the nodes: the `node_name` setting, else "HOST:PID"."""
    return configured or f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Node:
    """This process as one of the nodes sharing `store` (whose writes its claims fence)."""

    store: Store
    name: str
    now: Clock
    lease: timedelta  # of its claims (`claim_lease`)
    stopping: Callable[[], bool] = lambda: False  # the daemon's, once it has one
    claims: Claims = field(init=False)

    def __post_init__(self) -> None:
        self.claims = Claims(self.name, self.lease)
        self.store.claims = self.claims

    def enrol(self, new: list[tuple[str, str]], moved: list[str], changed: Collection[str]) -> None:
        """Make these feeds due now in the state (see `shared`)."""
        self.claims.enrol(self.store, self.now(), new=new, moved=moved, changed=changed)

    def claim(
        self,
        now: datetime,
        limit: int,
        skip: Collection[str],
        among: Collection[str] | None = None,
    ) -> list[str]:
        """Claim up to `limit` due feeds, none of `skip`, only of `among` if given (see
        `Claims.claim_feeds`)."""
        if limit <= 0:  # every poll busy: nothing to claim
            return []
        return self.claims.claim_feeds(self.store, now, limit, skip, among)

    def take_turn(self, name: str, every: timedelta) -> bool:
        """Whether this node does the periodic work `name` this time: the one that takes its
        lease, held (not released) for about `every`, so that the other nodes skip it."""
        ttl = every * 0.9  # ran out before the holder's next turn comes
        return take_lease(self.store, name, self.name, now=self.now(), ttl=ttl) is not None

    async def singleton(self, name: str, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` (which runs until the stop) while this node holds the lease `name`;
        until then, try to take it every `RENEW`. A lease not renewed in time (the database
        unreachable, the lease taken over) stops the work: another node has it now."""
        while not self.stopping():
            try:
                token = await off_loop(self._take, name, name=name)
                if token is not None:
                    await self._hold(name, token, work)
            except (SQLAlchemyError, OSError) as exc:
                log.warning("singleton lease failed; trying again", work=name, error=str(exc))
            await asyncio.sleep(RENEW.total_seconds())

    def _take(self, name: str) -> str | None:
        return take_lease(self.store, name, self.name, now=self.now(), ttl=SINGLETON_LEASE)

    def _renew(self, name: str, token: str) -> bool:
        return renew_lease(self.store, name, token, now=self.now(), ttl=SINGLETON_LEASE)

    async def _hold(self, name: str, token: str, work: Callable[[], Awaitable[None]]) -> None:
        log.info("singleton taken", work=name, node=self.name)
        task = asyncio.ensure_future(work())
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=RENEW.total_seconds())
                if task.done():
                    break
                held = await off_loop(self._renew, name, token, name=name)
                if not held:
                    log.warning("singleton lease lost to another node", work=name)
                    return
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            with contextlib.suppress(SQLAlchemyError, OSError):
                await off_loop(release_lease, self.store, name, token, name=name)


def shared(
    schedule: Schedule, feeds: Mapping[str, FeedSpec], stored: Mapping[str, StoredFeed]
) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """What a single node keeps in memory and polls at once, taken out of `schedule` to be
    made due in the state instead (`Node.enrol`), for whichever node claims it first: polled
    by every node, it would be polled once per node. The feeds the state has no row for (name
    and URL), those whose configured URL is not the stored one, and those a reload changed or
    configured again after they were parked (`schedule.forced`: not those a server holds)."""
    new = [(name, feeds[name].url) for name in schedule.fresh if name not in stored]
    moved = [name for name in schedule.fresh if name in stored]
    forced = list(schedule.forced)
    schedule.fresh.clear()
    schedule.forced.clear()
    return new, moved, forced


class Wakeups:
    """LISTEN for the alerts other nodes queue (`Claims.notify`), calling `woken` from a thread
    of its own for each; the delivery's periodic pass stays the fallback for a notification
    missed (the connection lost meanwhile)."""

    def __init__(self, url: str, node: str, woken: Callable[[], None]) -> None:
        self._engine = create_engine(url, poolclass=NullPool)
        self._node = node
        self._woken = woken
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="wakeups", daemon=True)

    def start(self) -> None:
        """Listen from now on."""
        self._thread.start()

    def stop(self) -> None:
        """Stop listening (within a second)."""
        self._stop.set()
        self._thread.join(timeout=2)
        self._engine.dispose()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                self._session()
            except Exception as exc:  # the server gone, a failover: listen again later
                log.warning("wake-ups: listening failed; trying again", error=str(exc))
                self._stop.wait(LISTEN_RETRY)

    def _session(self) -> None:
        raw = self._engine.raw_connection()
        try:
            conn = raw.driver_connection
            assert conn is not None
            conn.autocommit = True
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            while not self._stop.is_set():
                for notice in conn.notifies(timeout=1.0):
                    if notice.payload != self._node:  # its own polls wake it directly
                        self._woken()
        finally:
            raw.close()
