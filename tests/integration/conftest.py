"""Fixtures for integration tests: a loopback feed server, and `run` subprocesses that never
outlive their test. The helpers themselves live in tests/support/."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.daemon import Services
from tests.support.loopback import FeedServer


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A running loopback server, stopped after the test."""
    with FeedServer() as running:
        yield running


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """Starts `run` subprocesses (logging into `tmp_path`); kills those still running when the
    test ends, however it ends."""
    started = Services(tmp_path)
    try:
        yield started
    finally:
        started.kill_all()
