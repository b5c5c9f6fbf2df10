"""What the commands share: the consoles, loading the config, and opening the state, with each
problem turned into a clear message and an exit code.

Cheap to import: what a command needs beyond this (the store, Apprise, aiohttp…) it imports
itself, so that `--help`, `check` and `test-rule` start fast.
"""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from monitor.config.model import Config
    from monitor.state.store import Store
    from monitor.state.writer_lock import WriterLock

# Piped or redirected, tables are read by scripts and logs, not squeezed into 80 columns.
out = Console(width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160)
err = Console(stderr=True, soft_wrap=True)  # messages keep paths and queries whole
EXIT_CONFIG = 2
# The state was written by a newer media-monitor: no restart can help (systemd's unit does not
# restart on it), only an upgrade.
EXIT_NEWER_STATE = 3
# Another process writes to the state (its writer lock is held): two writers would send every
# alert twice. systemd restarts `run` after it, in case that was a passing `once`.
EXIT_IN_USE = 4
RUN_WAIT = 5.0  # seconds `run` waits for another writer to finish before it gives up


def load(ctx: typer.Context, *, sending: bool = True) -> "Config":
    """The config named by `--config`, or exit 2 listing every error. A command that sends
    nothing passes `sending=False`: it then runs without the channels' secrets."""
    from monitor import log as logging_setup
    from monitor.config.load import ConfigError, load_config

    directory = ctx.obj.config_dir
    try:
        config = load_config(directory, channel_urls=sending)
    except ConfigError as exc:
        count = len(exc.errors)
        err.print(Text(f"{count} error(s) in config {directory}:", "bold red"), highlight=False)
        for message in exc.errors:
            err.print(shown(f"  • {message}"), highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    logging_setup.add_secrets(config.secrets)
    return config


def shown(value: str) -> Text:
    """Text from the config, a feed or the state, as the console may show it: never read as
    markup (`[/]` in a feed's name), control and bidi characters escaped, and secrets and URL
    credentials masked as in the logs."""
    from monitor.log import redact_text

    return Text(redact_text(value))


@contextmanager
def state_errors(config: "Config") -> Iterator[None]:
    """Turn a state database that cannot be used into a clear message and exit 1 (3 if a
    newer media-monitor wrote it)."""
    from sqlalchemy.exc import SQLAlchemyError

    from monitor.state.schema_version import StateVersionError
    from monitor.state.store import UnusableStateError

    try:
        yield
    except (OSError, SQLAlchemyError, UnusableStateError) as exc:
        err.print(shown(f"Cannot use the state in {state_place(config)}: {exc}"), highlight=False)
        code = EXIT_NEWER_STATE if isinstance(exc, StateVersionError) else 1
        raise typer.Exit(code) from None


def new_state_if_asked(config: "Config", new_state: bool) -> None:
    """`--new-state`: set an unusable state file aside (renamed, never deleted), so that
    `run` or `once` begins a new state; without the flag, such a file is refused at open."""
    from monitor.state.store import Store, set_aside, unusable

    path = Store.database(config.settings.state_dir)
    sqlite = not config.settings.database_url.get_secret_value()
    problem = unusable(path) if new_state and sqlite else None
    if problem is None:
        return
    aside = set_aside(path, datetime.now().astimezone())
    err.print(
        f"The state {path} could not be used ({problem}): set aside as {aside.name}; "
        "a new state begins, and every story in the feeds now is new to it.",
        markup=False,
        highlight=False,
    )


@contextmanager
def open_store(config: "Config", *, create: bool = False) -> Iterator["Store"]:
    """The state database, for commands that read it, closed afterwards; problems reported as
    by `state_errors`. Where there is none yet, they say so and exit 1 (an empty state made
    there would only show nothing, and hide where the real one is), unless `create`: a command
    that writes what the daemon will read (`mute`) makes it, as `once` would."""
    from monitor.state.store import Store

    state_dir, url = config.settings.state_dir, config.settings.database_url.get_secret_value()
    with state_errors(config):
        present = create or Store.present(state_dir, url)
    if not present:
        err.print(
            shown(
                f"No state in {state_place(config)}: nothing has been polled with this config "
                "there yet (`once` or `run` writes it). A service keeps its state in its "
                "$STATE_DIRECTORY: set that, or MONITOR_STATE_DIR, to read it."
            ),
            highlight=False,
        )
        raise typer.Exit(1)
    with state_errors(config):
        store = Store.open(state_dir, url)
        try:
            yield store
        finally:
            store.close()


def state_place(config: "Config") -> str:
    """Where the state is, as messages name it: the state directory, or the PostgreSQL URL
    (its password masked as it is shown)."""
    from monitor.display import redact_urls

    url = config.settings.database_url.get_secret_value()
    return redact_urls(url) if url else str(config.settings.state_dir)


@contextmanager
def sole_writer(
    config: "Config", command: str, wait: float, *, node: bool = False
) -> Iterator[None]:
    """Hold the writer lock of the config's state while the block runs (see `holding`); a
    `node` (`run`) shares a PostgreSQL state's lock with the other nodes."""
    from monitor.state.writer_lock import FileLock, WriterLock

    url = config.settings.database_url.get_secret_value()
    if url:
        from monitor.state.postgres import AdvisoryLock

        lock: WriterLock = AdvisoryLock(url, command, shared=node)
    else:
        lock = FileLock(config.settings.state_dir, command)
    with holding(lock, state_place(config), wait):
        yield


@contextmanager
def holding(lock: "WriterLock", place: str, wait: float) -> Iterator[None]:
    """Hold the writer lock of the state in `place` while the block runs, waiting up to
    `wait` seconds (and saying so) for another process that holds it; then exit 4 naming
    that process."""
    from monitor.state.writer_lock import Holder, StateInUseError, take

    told = [-1.0]

    def waiting(holder: Holder, waited: float) -> None:
        if told[0] < 0:
            line = f"The state in {place} is in use by {holder}: waiting up to {wait:.0f} s…"
        elif waited - told[0] >= 10:
            line = f"…still waiting for {holder} to finish ({waited:.0f} s of {wait:.0f} s)"
        else:
            return
        told[0] = waited
        err.print(shown(line), highlight=False)

    try:
        take(lock, wait=wait, waiting=waiting)
    except StateInUseError as exc:
        err.print(
            shown(
                f"Cannot write to the state in {place}: {exc.holder} is writing to it. Two "
                "processes writing one state would send every alert twice: stop the other "
                "one first (`history`, `feeds` and `test-rule --history` may run beside it)."
            ),
            highlight=False,
        )
        raise typer.Exit(EXIT_IN_USE) from None
    try:
        yield
    finally:
        lock.release()


def when(moment: datetime | None) -> str:
    """A stored UTC time as the tables show it ("" for none)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""
