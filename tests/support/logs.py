"""The app's log, read back by in-process tests: `configure`d as JSON lines into a buffer, and
the root logger put back as it was afterwards (for the tests that run after)."""

import contextlib
import io
import json
import logging
from collections.abc import Iterator

from monitor import log as logging_setup


@contextlib.contextmanager
def logging_kept() -> Iterator[None]:
    """Put the root logger's handlers and level back as they were at the start."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


class JsonLog:
    """The JSON lines the app logs while the `json_log()` block runs."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def logged(self, event: str) -> list[dict[str, object]]:
        """The log lines of `event`."""
        lines = [json.loads(line) for line in self.stream.getvalue().splitlines()]
        return [line for line in lines if line.get("event") == event]


@contextlib.contextmanager
def json_log(level: str = "info") -> Iterator[JsonLog]:
    """Log as `run` does under systemd (JSON lines at `level`), into a `JsonLog`."""
    captured = JsonLog()
    with logging_kept():
        with contextlib.redirect_stderr(captured.stream):
            logging_setup.configure(level, "json")
        yield captured
