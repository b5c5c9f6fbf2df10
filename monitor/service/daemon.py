"""`media-monitor run`: the long-running service.

One asyncio event loop holds the fetchers, the delivery loop and an APScheduler 3
`AsyncIOScheduler`. Scheduling is data: every feed's `next_poll_at` lives in the state (set by
`decide`), and one short `tick` job reads a page of the feeds due (an index read: next to
nothing when idle, whatever the feed count) and starts polls up to `concurrency`; each poll that
ends starts the next (`scheduler`: the order when more are due than can be polled). Feeds are
parsed in worker processes (`parse_pool`); 304s are written in batches (`unchanged`). The other
jobs drain the outbox (woken at once when a poll queues alerts), prune, log a status summary,
ping systemd's watchdog, and apply interactive Telegram alerts' buttons (`service/chat`).

The loop only waits: parsing, matching, deciding, the state's reads and writes and every send
run off it (`monitor.offload`), so the tick, the watchdog's ping and `/healthz` keep their time
whatever a feed, an endpoint or another process holding the state's write lock does. A job
that meets a state it cannot use logs it once (`JobGuard`); `/healthz` answers 503 meanwhile.

Signals: SIGTERM/SIGINT stop gracefully (no new work; polls and sends in flight get
`STOP_GRACE` to finish, the rest stay in the outbox), and the process exits a second or two
after that however slow a send or a database wait is: its thread is left behind. SIGHUP reloads
the config (`reload`); one that fails validation is refused while the old one keeps running; a
SIGHUP before the loop listens or once it stops is ignored.
"""

import asyncio
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.config.model import Config, FeedSpec
from monitor.delivery.deliver import Unrecorded, deliver_due
from monitor.delivery.sender import Notifier
from monitor.model import Clock, utc_now
from monitor.offload import off_loop
from monitor.polling.parse_pool import ParsePool
from monitor.polling.poller import Poller
from monitor.polling.unchanged import UnchangedPolls
from monitor.service.chat import ChatListener
from monitor.service.due import DueFeeds
from monitor.service.guard import JobGuard
from monitor.service.metrics import Metrics
from monitor.service.node import Node, shared
from monitor.service.once import forget_old
from monitor.service.reload import load_again
from monitor.service.scheduler import Schedule
from monitor.service.sdnotify import SystemdNotifier
from monitor.state.store import Store

log = structlog.get_logger(__name__)

TICK = timedelta(seconds=1)
DELIVERY_EVERY = timedelta(seconds=5)  # besides being woken by every poll that queues alerts
PRUNE_EVERY = timedelta(hours=1)
STOP_GRACE = 5.0  # seconds in-flight polls and the current delivery get after SIGTERM
PAGE = 2  # × concurrency: the due feeds a tick reads at most


@dataclass
class Daemon:
    """The service: its config (replaced on reload), state, scheduler and the work in flight."""

    config: Config
    store: Store
    session: aiohttp.ClientSession
    now: Clock = utc_now
    parsers: ParsePool | None = None
    metrics: Metrics = field(default_factory=Metrics)
    systemd: SystemdNotifier = field(default_factory=SystemdNotifier)
    scheduler: AsyncIOScheduler = field(default_factory=AsyncIOScheduler)
    schedule: Schedule = field(default_factory=Schedule)
    node: Node | None = None  # one of several `run`s on a PostgreSQL state (`service/node`)
    _in_flight: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _delivering: asyncio.Task[None] | None = None
    _deliver_again: bool = False  # alerts were queued while a delivery was under way
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _reloading: asyncio.Task[None] | None = None
    _reload_again: bool = False  # a SIGHUP came during a reload
    _unrecorded: Unrecorded = field(default_factory=Unrecorded)  # sent, not yet recorded
    _hanging: dict[str, asyncio.Future[Any]] = field(default_factory=dict)  # abandoned sends

    def __post_init__(self) -> None:
        self.guard = JobGuard(self.store.health, self.systemd, self._stop.is_set).guard
        self.chat = ChatListener(lambda: self.config, self.store, self.now, self._stop.is_set)
        self.unchanged = UnchangedPolls(self.store)
        self.due = DueFeeds(self.store, self.unchanged, self.node)
        if self.node is not None:
            self.node.stopping = self._stop.is_set
            self.metrics.joined(self.node.claims)
        # At start, before the loop serves anything: the one full read, until a reload.
        stored = self.due.stored(self.config.feeds, self.now())
        self.schedule.configured(self.config.feeds, stored)
        if self.node is not None:
            self.node.enrol(*shared(self.schedule, self.config.feeds, stored))
        self._apply(self.config)

    def _apply(self, config: Config) -> None:
        self.config = config
        self.poller = Poller(
            config, self.store, config.matcher, self.session, self.now, self.parsers, self.unchanged
        )
        self.notifier = Notifier.configured(config, hanging=self._hanging)
        self.timezone = ZoneInfo(config.settings.timezone)

    # The jobs.

    async def tick(self) -> None:
        """Read a page of the feeds due (after writing the 304s held back, which would look
        due) and start polls up to `concurrency`; none while the state is damaged (each would
        crash on it; `JobGuard` and `/healthz` say why)."""
        if self._stop.is_set() or self.store.health.damaged is not None:
            return
        now, limit = self.now(), PAGE * self.config.settings.concurrency
        if self.node is not None:  # claims only what it starts now: a claim keeps others off
            limit = self.config.settings.concurrency - len(self._in_flight)
        recent = self.schedule.due_recent(now, limit)
        busy = set(self._in_flight)
        due, recent_due = await off_loop(self.due.page, now, limit, busy, recent, name="tick")
        self.schedule.confirmed(recent, recent_due)
        self.schedule.page(due, limit, self.config.feeds, now, recent_due)
        self._fill()

    def _fill(self) -> None:
        """Start the next polls (see `Schedule.next`) while fewer than `concurrency` run;
        none while the state is damaged."""
        while not self._stop.is_set() and len(self._in_flight) < self.config.settings.concurrency:
            if self.store.health.damaged is not None:
                return
            name = self.schedule.next(self._in_flight, self.now())
            if name is None:
                if self.schedule.page_full:  # more may be due than the last page held
                    self._wake("tick")
                return
            task = asyncio.create_task(self._poll(self.config.feeds[name]), name=f"poll {name}")
            self._in_flight[name] = task

    async def _poll(self, feed: FeedSpec) -> None:
        decision = None
        try:
            started = time.monotonic()
            decision = await self.poller.poll_contained(feed)
        finally:
            self._in_flight.pop(feed.name, None)
            entries = len(decision.entries) if decision else 0
            next_poll_at = decision.feed_update.next_poll_at if decision else None
            self.schedule.landed(feed.name, decision is not None, entries, self.now(), next_poll_at)
            self._fill()
        if decision is None:
            return
        self.metrics.polled(decision, time.monotonic() - started)
        if decision.alert_count:
            self.wake_delivery()

    def _wake(self, job_id: str) -> None:
        job = self.scheduler.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=self.now())

    def wake_delivery(self) -> None:
        """Deliver now rather than at the delivery job's next turn (or, if a delivery is
        under way, pass over the outbox once more when it ends)."""
        if self._delivering is not None:
            self._deliver_again = True
            return
        self._wake("deliver")

    async def deliver(self) -> None:
        """Send the alerts that are due."""
        if self._delivering is not None:
            return
        self._delivering = asyncio.current_task()
        try:
            self._deliver_again = True
            while self._deliver_again and not self._stop.is_set():
                self._deliver_again = False
                report = await deliver_due(
                    self.store,
                    self.notifier,
                    self.timezone,
                    self.now,
                    self._stop.is_set,
                    unrecorded=self._unrecorded,
                )
                self.metrics.delivered(report)
        finally:
            self._delivering = None

    async def prune(self) -> None:
        """Forget what the retention settings say is old (see `forget_old`). A stop ends it
        between two batches: a first prune of a large state can take many seconds."""
        settings, stopping = self.config.settings, self._stop.is_set
        if self.node is not None and not await off_loop(
            self.node.take_turn, "prune", PRUNE_EVERY, name="prune"
        ):
            return  # another node prunes this time
        await off_loop(forget_old, self.store, settings, self.now(), stopping, name="prune")

    async def status(self) -> None:
        """Log the status summary and report it to systemd."""
        summary = self.metrics.summary()
        failing = await off_loop(self.store.failing_feeds, name="status")
        log.info(
            "status",
            feeds=len(self.config.feeds),
            failing_feeds=failing,
            polling=len(self._in_flight),
            **summary,
        )
        self.systemd.notify(
            STATUS=f"{len(self.config.feeds)} feeds ({failing} failing), {summary['polls']} "
            f"polls, {summary['alerts_sent']} alerts sent, {summary['alerts_failed']} failed"
        )

    async def watchdog(self) -> None:
        """Tell systemd the event loop is alive."""
        self.systemd.notify(WATCHDOG=1)

    # Signals.

    def request_stop(self, signame: str) -> None:
        """SIGTERM/SIGINT: stop taking work; `serve` finishes what is in flight."""
        if not self._stop.is_set():
            log.info("stopping", signal=signame)
            self.systemd.notify(STOPPING=1, STATUS="stopping")
            self._stop.set()

    def request_reload(self) -> None:
        """SIGHUP: reload the config in the background, one reload at a time. A SIGHUP during a
        reload makes it load once more when done: the files may have changed after it read them."""
        if self._reloading is None or self._reloading.done():
            self._reloading = asyncio.create_task(self._reload_until_current())
        else:
            self._reload_again = True

    async def _reload_until_current(self) -> None:
        self._reload_again = True
        while self._reload_again:
            self._reload_again = False
            await self.reload()

    async def reload(self) -> None:
        """Load and validate the config again; switch to it only if it is valid."""
        config = await load_again(self.config, self.systemd)
        if config is None:
            return
        old = self.config.feeds
        changed = [name for name, feed in config.feeds.items() if old.get(name) != feed]
        stored = await off_loop(self.due.stored, config.feeds, self.now(), name="reload")
        self.schedule.configured(config.feeds, stored, changed)
        if self.node is not None:
            enrolled = shared(self.schedule, config.feeds, stored)
            await off_loop(self.node.enrol, *enrolled, name="reload")
        self._apply(config)
        log.info("config reloaded", feeds=len(config.feeds), rules=len(config.rules))
        self.systemd.notify(READY=1)
        await self.status()

    # The whole life.

    def _schedule(self) -> None:
        now = self.now()
        every: list[tuple[str, Callable[[], Any], timedelta]] = [
            ("tick", self.guard(self.tick), TICK),
            ("deliver", self.guard(self.deliver), DELIVERY_EVERY),
            ("prune", self.guard(self.prune), PRUNE_EVERY),
            ("status", self.guard(self.status), self.config.settings.status_interval),
        ]
        watchdog = self.systemd.watchdog_interval()
        if watchdog is not None:
            every.append(("watchdog", self.watchdog, watchdog))
        for job_id, job, interval in every:
            self.scheduler.add_job(
                job,
                "interval",
                seconds=interval.total_seconds(),
                id=job_id,
                next_run_time=now,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
            )
        chat = self.chat.listen
        if self.node is not None:  # one node at a time reads the bots' updates
            chat = partial(self.node.singleton, "chat", self.chat.listen)
        self.scheduler.add_job(self.guard(chat), id="chat", next_run_time=now)
        self.scheduler.start()

    async def serve(self) -> None:
        """Run until SIGTERM/SIGINT, then finish gracefully."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.request_stop, signal.Signals(signum).name)
        loop.add_signal_handler(signal.SIGHUP, self.request_reload)
        self._schedule()
        log.info(
            "running",
            feeds=len(self.config.feeds),
            rules=len(self.config.rules),
            channels=len(self.config.channels),
        )
        self.systemd.notify(READY=1, STATUS=f"polling {len(self.config.feeds)} feeds")
        await self._stop.wait()
        # From here a SIGHUP is ignored: the loop's handler would start a reload, and once the
        # loop closes SIGHUP's default action would end the process.
        loop.remove_signal_handler(signal.SIGHUP)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        # Paused, not shut down yet: shutting down cancels the jobs that are running, and the
        # delivery job must be let finish the alert it is sending.
        self.scheduler.pause()
        await self._finish()
        self.scheduler.shutdown(wait=False)

    async def _finish(self) -> None:
        """Let in-flight polls and the current delivery finish within `STOP_GRACE`; cancel the
        rest. A poll writes in one transaction: a cancelled poll's thread commits it whole, or
        the exit cuts it and it leaves nothing (its items are read again at the next start)."""
        pending: set[asyncio.Task[Any]] = set(self._in_flight.values())
        if self._delivering is not None:
            pending.add(self._delivering)
        if self._reloading is not None:
            pending.add(self._reloading)
        if pending:
            _done, late = await asyncio.wait(pending, timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            if late:
                log.warning("stopped work that did not finish in time", tasks=len(late))
                await asyncio.wait(late)
        await asyncio.wait([off_loop(self.unchanged.flush, name="stop")], timeout=STOP_GRACE)
        log.info("stopped", **self.metrics.summary())
