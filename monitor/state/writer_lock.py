"""One writer per state: the lock that `run`, `once` and `migrate-state` take before they write,
so that two of them never poll, alert and deliver over one state (each alert would go out
twice).

On SQLite it is an OS lock (`flock`) on `monitor.lock` in the state directory; the holder
writes its pid and command into the file, so that a process refused can name it. The kernel
lets the lock go when its holder exits, however it exits (a kill, a crash): no stale lock
is ever left to clear by hand. On PostgreSQL it is a session advisory lock
(`state/postgres.py`); commands that only read (`history`, `feeds`, `test-rule --history`)
take neither.
"""

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

LOCK_FILE = "monitor.lock"
RETRY = 0.2  # seconds between tries while another process holds the lock


@dataclass(frozen=True)
class Holder:
    """Who holds a state's writer lock, as far as it told."""

    pid: int | None
    command: str
    host: str = ""

    def __str__(self) -> str:
        pid = f"pid {self.pid}" if self.pid is not None else "a process"
        host = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        return f"{pid} ({self.command}){host}"


class StateInUseError(Exception):
    """Another process holds the state's writer lock (`holder`; None when it has not said who
    it is yet)."""

    def __init__(self, holder: Holder | None) -> None:
        super().__init__(f"the state is in use by {holder or 'another process'}")
        self.holder = holder


class WriterLock(Protocol):
    """A state's writer lock: taken without waiting, or who holds it."""

    def try_take(self) -> Holder | None:
        """Take the lock; None once taken, else who holds it (as far as it told)."""

    def release(self) -> None:
        """Let the lock go."""


class FileLock:
    """The writer lock of the SQLite state in `state_dir`: `flock` on its `monitor.lock`."""

    def __init__(self, state_dir: Path, command: str) -> None:
        self.path = state_dir / LOCK_FILE
        self.command = command
        self._fd: int | None = None
        self._writable = False

    def try_take(self) -> Holder | None:
        """Take the lock, writing this process's pid and command in the file; else who holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd, writable = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644), True
        except PermissionError:
            # Left by another user (`once` run by root beside a service's dynamic user): a lock
            # needs no write access, only the holder's note does.
            fd, writable = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC), False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            return holder or Holder(None, "another process")
        if writable:
            me = {"pid": os.getpid(), "command": self.command, "host": socket.gethostname()}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(me).encode(), 0)
        self._fd, self._writable = fd, writable
        return None

    def release(self) -> None:
        """Let the lock go (the file stays: removing it would race with the next taker)."""
        if self._fd is not None:
            if self._writable:
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


def _read_holder(fd: int) -> Holder | None:
    """What the holder wrote in the lock file: None if nothing yet (it has just taken it)."""
    try:
        told = json.loads(os.pread(fd, 4096, 0) or b"null")
        return Holder(int(told["pid"]), str(told["command"]), str(told.get("host", "")))
    except (ValueError, TypeError, KeyError, OSError):
        return None


def take(
    lock: WriterLock,
    *,
    wait: float,
    waiting: Callable[[Holder, float], None] = lambda holder, waited: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Take `lock`, trying again for up to `wait` seconds while another process holds it;
    `waiting(holder, seconds waited)` is told at the first refusal and about once a second
    after. Raises `StateInUseError` naming the holder when the time is up."""
    started = clock()
    told = -1.0
    while True:
        holder = lock.try_take()
        if holder is None:
            return
        waited = clock() - started
        if waited >= wait:
            raise StateInUseError(holder)
        if waited - told >= 1 or told < 0:
            waiting(holder, waited)
            told = waited
        sleep(min(RETRY, max(wait - waited, 0)))
