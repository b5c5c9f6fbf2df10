"""Feed parsing in worker processes, so that parsing uses every core; each parse held to a
CPU-time budget, and a worker that overruns it by far killed and replaced.

feedparser is most of a cold poll's CPU and holds the GIL: in threads, one core parses and the
other waits. `ParsePool.parse` is called from a poll's worker thread (see `poller`) and only
waits: it hands the document to an idle worker over a pipe and reads back the `ParsedFeed`.
What crosses the boundary is the body (bytes) and the parsed items, nothing compiled: the
workers hold no config (the budget comes with each document), so a reload needs nothing from
them.

The budget (`max_poll_cpu_seconds`) is CPU time, counted by the worker's own profiling timer
(`ITIMER_PROF`, user + system): when it rings, the parse is abandoned with `OverBudgetError` and
the worker goes on with the next feed. A parse stuck where the timer's signal cannot reach it
(a long call into C) is killed from outside once its wall time passes a multiple of the budget
(`kill_after`: at most 5 minutes past it), and a fresh worker takes its place. Workers start
on first use, and that clock starts only once a new worker has said it is ready: its start (a
new interpreter importing the parser) takes seconds on a loaded machine, and is no feed's
fault. A worker that a large document made grow past `RECYCLE_ABOVE` is replaced, so that its
memory is given back.
"""

import multiprocessing
import os
import queue
import resource
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import TYPE_CHECKING, Any

from monitor.model import ParsedFeed
from monitor.polling.parse import FeedParseError, parse_feed

if TYPE_CHECKING:  # workers import this module: they need not load pydantic
    from monitor.config.settings import Settings

RECYCLE_ABOVE = 200 * 1024  # KB: a worker whose peak RSS passed this is replaced
KILL_AFTER = 4.0  # × the budget (plus `KILL_GRACE`): wall time after which a worker is killed
KILL_GRACE = 10.0  # seconds: a loaded machine gives a worker less than a core
# Seconds past the budget a worker is waited for, at most: with a large budget the multiple
# would keep one of a few workers (one per core) stuck for hours, every other parse queued
# behind the rest.
KILL_LATEST = 300.0
START_WITHIN = 120.0  # seconds a new worker may take to start before the parse is failed
READY = "ready"  # what a new worker says once it can parse


def kill_after(budget: float) -> float:
    """The wall time after which a worker still parsing on a `budget` of CPU is killed."""
    return budget + min(budget * (KILL_AFTER - 1) + KILL_GRACE, KILL_LATEST)


OVER_BUDGET = "over the CPU budget of a poll"


class OverBudgetError(Exception):
    """A parse used more CPU time than its budget and was abandoned (or its worker killed)."""


def over_budget(budget: float) -> str:
    """The error of a poll abandoned over its budget (the feed's error, the log's, and what
    the daemon's metric counts)."""
    return f"{OVER_BUDGET} ({budget:g} s, max_poll_cpu_seconds): abandoned"


class _Ring(BaseException):
    # Not an Exception: code inside the parser that catches Exception must not swallow it.
    pass


def _ring(_signum: int, _frame: FrameType | None) -> None:
    raise _Ring


def _serve(conn: Connection) -> None:
    """A worker's life: parse what comes down the pipe until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the daemon decides when its workers stop
    signal.signal(signal.SIGPROF, _ring)
    conn.send(READY)
    while True:
        try:
            name, body, url, headers, timezone, max_entries, budget = conn.recv()
        except (EOFError, OSError):
            return
        answer: tuple[str, Any]
        started = time.process_time()
        try:
            signal.setitimer(signal.ITIMER_PROF, budget)
            try:
                answer = (
                    "ok",
                    parse_feed(
                        name, body, url, headers, timezone=timezone, max_entries=max_entries
                    ),
                )
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
        except _Ring:
            answer = ("over", None)
        except FeedParseError as exc:
            answer = ("error", str(exc))
        except Exception as exc:  # a parser bug: the poll records it, the worker goes on
            answer = ("crash", f"{type(exc).__name__}: {exc}")
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > RECYCLE_ABOVE
        conn.send((*answer, time.process_time() - started, grown))


@dataclass(eq=False)  # each worker is itself (hashable by identity)
class _Worker:
    process: BaseProcess
    conn: Connection

    def stop(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


class ParsePool:
    """`processes` workers that parse feeds, each parse held to a budget of CPU-seconds."""

    def __init__(self, processes: int) -> None:
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(processes):
            self._idle.put(None)  # a slot; its worker starts on first use
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False

    def _start(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(theirs,), name="media-monitor parse", daemon=True
        )
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        with self._lock:
            self._workers.add(worker)
        if not ours.poll(START_WITHIN):
            self._retire(worker)
            raise FeedParseError(f"parser process did not start within {START_WITHIN:g} s")
        ours.recv()  # READY (EOFError if it died starting: the caller's to handle)
        return worker

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
        worker.stop()

    def parse(
        self,
        feed: str,
        body: bytes,
        url: str,
        headers: Mapping[str, str],
        *,
        timezone: str | None,
        max_entries: int,
        budget: float,
    ) -> tuple[ParsedFeed, float]:
        """`parse_feed` in a worker, and the CPU seconds it took there; blocks the calling
        thread (never the event loop) until a worker is free and has answered. Raises
        `FeedParseError` as `parse_feed` does, and `OverBudgetError` for a parse that used up its
        budget."""
        worker = self._idle.get()
        try:
            if worker is None or not worker.process.is_alive():
                worker = self._start()
            worker.conn.send((feed, body, url, dict(headers), timezone, max_entries, budget))
            if not worker.conn.poll(kill_after(budget)):
                self._retire(worker)
                worker = None
                raise OverBudgetError(over_budget(budget))
            kind, value, cpu, grown = worker.conn.recv()
            if grown:
                self._retire(worker)
                worker = None
        except (EOFError, OSError) as exc:  # the worker died (killed by the OOM killer?)
            if worker is not None:
                self._retire(worker)
            worker = None
            raise FeedParseError(f"parser process died: {exc!r}") from None
        finally:
            if not self._closed:
                self._idle.put(worker)
        if kind == "ok":
            parsed: ParsedFeed = value
            return parsed, cpu
        if kind == "over":
            raise OverBudgetError(over_budget(budget))
        if kind == "error":
            raise FeedParseError(value)
        raise RuntimeError(f"parser crashed: {value}")

    def close(self) -> None:
        """Stop every worker (a parse under way is cut: its poll records a failure)."""
        self._closed = True
        with self._lock:
            workers, self._workers = set(self._workers), set()
        for worker in workers:
            worker.stop()


def parse_pool(settings: "Settings") -> ParsePool | None:
    """The pool `parse_processes` asks for (unset: one worker per core this process may run
    on); None for 0, parsing in the polls' threads."""
    processes = settings.parse_processes
    if processes is None:
        processes = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return ParsePool(processes) if processes else None
