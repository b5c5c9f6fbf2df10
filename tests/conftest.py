"""Settings for the whole suite."""

import os
from collections.abc import Generator

import coverage
import pytest

from tests.support import postgres


def pytest_configure(config: pytest.Config) -> None:
    """The CLI sizes its tables by `COLUMNS` when that is set, and pytest-xdist's workers have
    it (80), as a developer's shell may: drop it, so that every run reads the output a pipe
    gets. The run's first process names where its PostgreSQL server will be, for its workers."""
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)
    if not hasattr(config, "workerinput"):
        postgres.prepare()


def pytest_unconfigure(config: pytest.Config) -> None:
    """The run's first process stops the PostgreSQL server if a test started it."""
    if not hasattr(config, "workerinput"):
        postgres.finish()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start `run` subprocesses first: they wait on timers the longest, and
    pytest-xdist hands the first tests out one by one, so they spread over the workers while
    the quick ones fill the gaps."""
    items.sort(key=lambda item: "services" not in getattr(item, "fixturenames", ()))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Pause coverage measurement (when it runs) during a test marked `unmeasured`."""
    measuring = coverage.Coverage.current() if item.get_closest_marker("unmeasured") else None
    if measuring is not None:
        measuring.stop()
    try:
        return (yield)
    finally:
        if measuring is not None:
            measuring.start()
