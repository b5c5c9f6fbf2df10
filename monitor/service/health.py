"""The optional HTTP endpoint of `run` (`[monitor] http = "127.0.0.1:9464"`): `/healthz` for
liveness checks and `/metrics` for Prometheus, served by aiohttp on the daemon's own event loop,
so an answer at all means the loop is alive."""

import asyncio
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError

from monitor.model import Clock
from monitor.offload import off_loop
from monitor.service.metrics import Metrics
from monitor.state.store import Store

PROBE_TIMEOUT = 5.0  # seconds the write-lock probe may wait (another process may hold it)


class HealthServer:
    """Serves `/healthz` (200 when the state database is writable, else 503: the last write
    failed, the file is damaged, or its write lock cannot be had within `PROBE_TIMEOUT`; JSON
    with the last poll time) and `/metrics` (Prometheus text format)."""

    def __init__(self, metrics: Metrics, store: Store, now: Clock) -> None:
        self.metrics = metrics
        self.store = store
        self.now = now
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.prometheus)
        # A stop does not wait long for a probe in flight.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)

    async def start(self, host: str, port: int) -> None:
        """Listen on `host:port`."""
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()

    async def stop(self) -> None:
        """Stop listening."""
        await self._runner.cleanup()

    async def healthz(self, _request: web.Request) -> web.Response:
        """Liveness: the loop answered; is the state database writable?"""
        last = self.metrics.registry.get_sample_value("media_monitor_last_poll_timestamp_seconds")
        body: dict[str, object] = {
            "now": self.now().isoformat(),
            "last_poll_at": datetime.fromtimestamp(last, UTC).isoformat() if last else None,
        }
        problem = self.store.health.problem
        if problem is None:
            try:
                probe = off_loop(self.store.check_writable, name="healthz")
                await asyncio.wait_for(probe, PROBE_TIMEOUT)
            except TimeoutError:
                problem = f"state not writable: its write lock is held for over {PROBE_TIMEOUT:g}s"
            except (SQLAlchemyError, OSError) as exc:
                problem = f"state not writable: {exc}"
        if problem is not None:
            return web.json_response({**body, "status": "error", "error": problem}, status=503)
        return web.json_response({**body, "status": "ok"})

    async def prometheus(self, _request: web.Request) -> web.Response:
        """Every metric, in Prometheus text format."""
        return web.Response(
            body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
