"""`run_daemon`: `media-monitor run` from a config to the end: the state opened (and this process
made one node of several on a PostgreSQL state), the parse workers, the HTTP session and the
`/healthz` server started, the daemon served until stopped, and everything closed."""

import asyncio

from monitor.config.model import Config
from monitor.model import Clock, utc_now
from monitor.polling.parse_pool import parse_pool
from monitor.polling.poller import http_session
from monitor.service.daemon import Daemon
from monitor.service.health import HealthServer
from monitor.service.node import Node, Wakeups, node_name
from monitor.state.store import Store


class ListenError(Exception):
    """The `http` address cannot be listened on (in use, or not this machine's)."""


async def run_daemon(config: Config, now: Clock = utc_now) -> None:
    """Open the state, serve until stopped, close everything."""
    url = config.settings.database_url.get_secret_value()
    store = Store.open(config.settings.state_dir, url)
    health: HealthServer | None = None
    wakeups: Wakeups | None = None
    parsers = parse_pool(config.settings)
    try:
        async with http_session(config) as session:
            # On PostgreSQL every `run` is a node, whether it is the only one or not.
            name, lease = node_name(config.settings.node_name), config.settings.claim_lease
            node = Node(store, name, now, lease) if url else None
            daemon = Daemon(config, store, session, now, parsers, node=node)
            if node is not None:
                loop = asyncio.get_running_loop()
                wakeups = Wakeups(url, node.name, lambda: wake(loop, daemon))
                wakeups.start()
            address = config.settings.http_address
            if address is not None:
                health = HealthServer(daemon.metrics, store, now)
                try:
                    await health.start(*address)
                except OSError as exc:
                    raise ListenError(
                        f"cannot serve http on {config.settings.http}: {exc}"
                    ) from exc
            try:
                await daemon.serve()
            finally:
                daemon.systemd.close()
    finally:
        if wakeups is not None:
            wakeups.stop()
        if health is not None:
            await health.stop()
        if parsers is not None:
            parsers.close()
        store.close()


def wake(loop: asyncio.AbstractEventLoop, daemon: Daemon) -> None:
    """From another thread: wake the daemon's delivery (another node queued alerts)."""
    loop.call_soon_threadsafe(daemon.wake_delivery)
