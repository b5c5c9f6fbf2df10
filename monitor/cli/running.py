"""`once` and `run`: the commands that poll, match and alert. On a terminal, `once` shows how
many feeds are polled (a first poll of hundreds of feeds takes a minute)."""

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TextIO

import typer
from rich.console import Console

from monitor.cli.common import (
    RUN_WAIT,
    err,
    load,
    new_state_if_asked,
    sole_writer,
    state_errors,
)

Progressed = Callable[[int, int], None]  # (feeds polled, feeds to poll)
NewStateOption = Annotated[
    bool,
    typer.Option(
        "--new-state",
        help="If the state file is empty, unreadable or not a database, set it aside and begin "
        "a new state (which alerts again on what the feeds list now); without it, such a file "
        "is refused.",
    ),
]


WaitOption = Annotated[
    str,
    typer.Option(
        "--wait",
        help="How long to wait for another process writing to the state (`run`, another "
        '`once`) to finish before giving up with exit 4: "90s", "10m", "0".',
    ),
]


def once(ctx: typer.Context, new_state: NewStateOption = False, wait: WaitOption = "10m") -> None:
    """Poll every feed once, match, deliver alerts, and exit (for cron, trials and tests)."""
    import asyncio

    import structlog

    from monitor.cli.common import EXIT_CONFIG
    from monitor.config.durations import parse_duration
    from monitor.service.memory import cap_malloc_arenas
    from monitor.service.once import run_once

    cap_malloc_arenas()
    try:
        patience = parse_duration(wait).total_seconds()
    except ValueError as exc:
        err.print(f"--wait: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    config = load(ctx)
    console = err if ctx.obj.progress_shown else None
    with (
        state_errors(config),
        sole_writer(config, "media-monitor once", patience),
        feed_progress(console) as progress,
    ):
        new_state_if_asked(config, new_state)
        report = asyncio.run(run_once(config, progress=progress))
    structlog.get_logger(__name__).info(
        "once finished",
        feeds=report.feeds,
        failed_feeds=report.failed_feeds,
        skipped_feeds=report.skipped_feeds,
        new_items=report.new_items,
        alerts_queued=report.alerts_queued,
        alerts_sent=report.delivery.sent,
        alerts_retrying=report.delivery.retrying,
        alerts_failed=report.delivery.failed,
    )


def run(ctx: typer.Context, new_state: NewStateOption = False) -> None:
    """Run the service: poll feeds on schedule, match, alert; SIGHUP reloads the config,
    SIGTERM stops gracefully."""
    # A reload asked for before the event loop listens is ignored (`cli/entry.py`, the
    # process's first statement), rather than let SIGHUP's default action end the service.
    import asyncio

    from monitor.service.memory import cap_malloc_arenas
    from monitor.service.start import ListenError, run_daemon

    cap_malloc_arenas()
    config = load(ctx)
    with state_errors(config), sole_writer(config, "media-monitor run", RUN_WAIT, node=True):
        new_state_if_asked(config, new_state)
        try:
            asyncio.run(run_daemon(config))
        except ListenError as exc:
            err.print(str(exc), markup=False, highlight=False)
            raise typer.Exit(1) from None


@contextmanager
def feed_progress(console: Console | None) -> Iterator[Progressed]:
    """A progress callback for `run_once`: a bar of feeds polled out of feeds to poll, drawn on
    `console` (stderr), with log lines and alerts printed above it meanwhile; with no console,
    a callback that shows nothing."""
    if console is None:
        yield lambda polled, to_poll: None
        return
    # Here, not at the top: every other command (`--help` included) would load it for nothing.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("polling feeds"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        # Alerts printed on the same terminal must not tear the bar; piped, they stay on stdout.
        redirect_stdout=sys.stdout.isatty(),
    )
    stderr = sys.stderr
    with bar:  # from here on, sys.stderr prints above the bar
        task = bar.add_task("feeds", total=None)
        with _logging_to(stderr, sys.stderr):
            yield lambda polled, to_poll: bar.update(task, completed=polled, total=to_poll)


@contextmanager
def _logging_to(stream: TextIO, instead: TextIO) -> Iterator[None]:
    """Log handlers that write to `stream` write to `instead` meanwhile (the bar's stderr,
    which prints above the bar: logging holds on to the stream it was given)."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler, logging.StreamHandler) and handler.stream is stream
    ]
    for handler in handlers:
        handler.setStream(instead)
    try:
        yield
    finally:
        for handler in handlers:
            handler.setStream(stream)
