"""SIGHUP's config reload, up to the new config: load and validate it again off the loop, refuse
it (the old one keeps running) with every error logged, and say which settings wait for a
restart."""

import time

import structlog

from monitor import log as logging_setup
from monitor.config.load import ConfigError, load_config
from monitor.config.model import Config
from monitor.config.settings import RESTART_ONLY
from monitor.offload import off_loop
from monitor.service.sdnotify import SystemdNotifier

log = structlog.get_logger(__name__)


async def load_again(current: Config, systemd: SystemdNotifier) -> Config | None:
    """The config read again from `current`'s directory, or None if it is refused (logged and
    told to systemd, which hears `READY=1` again)."""
    systemd.notify(RELOADING=1, MONOTONIC_USEC=time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)
    try:
        config = await off_loop(load_config, current.directory, name="reload")
    except ConfigError as exc:
        log.error("config reload refused; the old config keeps running", errors=exc.errors)
        systemd.notify(READY=1, STATUS="config reload refused: see the log")
        return None
    except Exception:
        log.exception("config reload crashed; the old config keeps running")
        systemd.notify(READY=1)
        return None
    logging_setup.add_secrets(config.secrets)
    needs_restart = [
        n for n in RESTART_ONLY if getattr(current.settings, n) != getattr(config.settings, n)
    ]
    if needs_restart:
        log.warning("these settings take effect at the next restart", settings=needs_restart)
    return config
