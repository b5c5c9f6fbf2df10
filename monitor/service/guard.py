"""`JobGuard`: the daemon's jobs wrapped so that a state they cannot use (damaged pages, a full
disk, a lock held too long) is logged once, as one clear line, until the problem changes, rather
than raised with a traceback at every turn (every second for the tick, every 5 s for delivery).
The process goes on: a restart would meet the same file, and `/healthz` answers 503 meanwhile.
A job that a stop cancels ends quietly: the stop logs what it cut short."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from sqlalchemy.exc import SQLAlchemyError

from monitor.service.sdnotify import SystemdNotifier
from monitor.state.engine import StateHealth

log = structlog.get_logger(__name__)

Job = Callable[[], Awaitable[None]]


@dataclass
class JobGuard:
    """Wraps jobs (`guard`); remembers the state problem it last logged."""

    health: StateHealth
    systemd: SystemdNotifier
    stopping: Callable[[], bool]
    logged: str | None = None  # the state problem last logged

    def guard(self, job: Job) -> Job:
        """`job`, guarded as the module says."""

        async def guarded() -> None:
            try:
                await job()
            except asyncio.CancelledError:
                if not self.stopping():
                    raise
                return
            except (SQLAlchemyError, OSError) as exc:
                self._failed(self.health.problem or f"{type(exc).__name__}: {exc}")
                return
            # A problem a poll met (polls contain their own errors) is reported here too.
            problem = self.health.problem
            if problem is not None:
                self._failed(problem)
            elif self.logged is not None:
                log.info("the state is usable again")
                self.logged = None

        return guarded

    def _failed(self, problem: str) -> None:
        if problem == self.logged:
            return
        self.logged = problem
        log.error(
            "the state cannot be used; /healthz answers 503 until it can",
            error=problem,
            help="a damaged monitor.db is restored from a backup or mended with sqlite3's "
            ".recover; a full disk needs room",
        )
        self.systemd.notify(STATUS=f"state error: {problem}")
