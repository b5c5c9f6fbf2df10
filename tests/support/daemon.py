"""`media-monitor run` as systemd runs it: a subprocess whose JSON log lines are read back, and
a registry that kills, at the end of the test, every one it started that is still running."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.loopback import FeedServer


def wait_for(condition: Callable[[], object], seconds: float, what: str) -> None:
    """Return once `condition()` is true; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {what}")
        time.sleep(0.05)


def free_port() -> int:
    """A loopback port nothing listens on now (for a process that needs one up front)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def polls_of(server: FeedServer, path: str) -> int:
    """How many times `path` was requested from `server`."""
    return sum(1 for p, _headers in server.requests if p == path)


class Service:
    """`media-monitor run` in a subprocess, its JSON log lines collected from stderr."""

    def __init__(
        self,
        config: Path,
        cwd: Path,
        env: dict[str, str] | None = None,
        *,
        measured: bool = True,
        name: str = "daemon",
    ) -> None:
        self.log_path = cwd / f"{name}.log"
        self._log = self.log_path.open("w")
        environment = {**os.environ, **(env or {})}
        if not measured:  # coverage.py measures a Python subprocess that inherits this
            environment.pop("COVERAGE_PROCESS_CONFIG", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "--log-format=json", "run"],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env=environment,
        )

    def wait_for(self, condition: Callable[[], object], seconds: float, what: str) -> None:
        """`wait_for` while this service runs: fails at once if it exits first, and either
        way with its log, which says why."""

        def met() -> object:
            if condition():
                return True
            if self.process.poll() is not None:
                raise AssertionError(f"run exited ({self.process.returncode}) before {what}")
            return False

        try:
            wait_for(met, seconds, what)
        except AssertionError as failed:
            raise AssertionError(f"{failed}; its log:\n{self.text()[-5000:]}") from None

    def events(self) -> list[dict[str, object]]:
        """Every JSON log line so far."""
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def logged(self, event: str) -> list[dict[str, object]]:
        """The log lines of `event`."""
        return [e for e in self.events() if e.get("event") == event]

    def signal(self, signum: int) -> None:
        """Send `signum`."""
        self.process.send_signal(signum)

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM, then the exit code; kills (and fails) if it does not exit in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"run did not stop within {timeout}s") from None
        finally:
            self._log.close()

    def kill(self, timeout: float = 10) -> None:
        """SIGKILL (if it still runs) and reap it within `timeout`."""
        try:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(timeout)
        finally:
            self._log.close()

    def text(self) -> str:
        """The whole log so far."""
        return self.log_path.read_text(encoding="utf-8")


class Services:
    """Starts `Service`s; `kill_all` ends those still running (a test's teardown)."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.started: list[Service] = []

    def start(
        self,
        config: Path,
        env: dict[str, str] | None = None,
        *,
        measured: bool = True,
        name: str = "daemon",
    ) -> Service:
        """`run` on `config`, logging to `name`.log; `measured=False`: outside the coverage
        measurement of a test run that measures (which costs the subprocess half as much CPU
        again)."""
        self.started.append(Service(config, self.cwd, env, measured=measured, name=name))
        return self.started[-1]

    def kill_all(self) -> None:
        """Kill and reap every service still running."""
        for service in self.started:
            service.kill()
