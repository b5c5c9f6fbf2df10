"""Blocking work taken off the event loop: `off_loop` runs one call in a thread of its own and
awaits it.

A thread per call rather than a pool (`asyncio.to_thread`): a call stuck on a hung socket or
held by another process's write lock then holds only its own thread, never a slot that other
work queues behind; and the threads are daemons, so a stop never waits for one (the process
exits as from a kill, which the state's transactions are made to survive). The caller bounds
how many run at once (the daemon's poll semaphore, one delivery at a time).
"""

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def off_loop(
    function: Callable[..., T], *args: object, name: str = "off-loop"
) -> "asyncio.Future[T]":
    """Start `function(*args)` in a new daemon thread; the future is its result. Cancelling the
    future stops the waiting, not the thread (which finishes on its own, its result dropped)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()  # structlog's bound values follow the work

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            result = context.run(function, *args)
        except BaseException as exc:  # handed to the awaiting task, as to_thread does
            report: tuple[T | None, BaseException | None] = (None, exc)
        else:
            report = (result, None)
        # The loop may have closed meanwhile (a stop): then nobody waits any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, *report)

    threading.Thread(target=work, name=name, daemon=True).start()
    return future
