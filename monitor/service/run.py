"""`media-monitor run` from start to exit: open the state, the parse workers, the HTTP session
and `/healthz`, serve (`Daemon`) until stopped, and close them all whatever happened."""

from monitor.config.model import Config
from monitor.model import Clock, utc_now
from monitor.polling.parse_pool import parse_pool
from monitor.polling.poller import http_session
from monitor.service.daemon import Daemon
from monitor.service.health import HealthServer
from monitor.state.store import Store


class ListenError(Exception):
    """The `http` address cannot be listened on (in use, or not this machine's)."""


async def run_daemon(config: Config, now: Clock = utc_now) -> None:
    """Open the state, serve until stopped, close everything."""
    store = Store.open(config.settings.state_dir, config.settings.database_url.get_secret_value())
    health: HealthServer | None = None
    parsers = parse_pool(config.settings)
    try:
        async with http_session(config) as session:
            daemon = Daemon(config, store, session, now, parsers)
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
        if health is not None:
            await health.stop()
        if parsers is not None:
            parsers.close()
        store.close()
