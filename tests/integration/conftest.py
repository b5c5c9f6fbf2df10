"""Fixtures for integration tests: a loopback feed server, `run` subprocesses that never
outlive their test, and the state's database on each backend (a PostgreSQL database of its
own per test). The helpers themselves live in tests/support/."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import postgres
from tests.support.daemon import Services
from tests.support.loopback import FeedServer


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The run's PostgreSQL server (see tests/support/postgres.py); skips the test when none
    can be had, but in CI, which must run it."""
    try:
        return postgres.server()
    except postgres.UnavailableError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"no PostgreSQL server for the tests: {exc}")
        pytest.skip(f"no PostgreSQL server for the tests: {exc}")


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A database of the test's own, with the schema at head; dropped after it."""
    url = postgres.fresh_database(postgres_server)
    yield url
    postgres.drop_database(url)


@pytest.fixture
def empty_postgres_url(postgres_server: str) -> Iterator[str]:
    """An empty database of the test's own (no tables), as a new install meets it."""
    url = postgres.fresh_database(postgres_server, empty=True)
    yield url
    postgres.drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The state's `database_url` on each backend: "" (the SQLite file in the state directory)
    and a PostgreSQL database of the test's own."""
    if request.param == "sqlite":
        return ""
    url: str = request.getfixturevalue("postgres_url")
    return url


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


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database_url(request: pytest.FixtureRequest) -> str:
    """As `database_url`, but nothing is there yet: no SQLite file, an empty PostgreSQL
    database (no tables), as a new install meets it."""
    if request.param == "sqlite":
        return ""
    url: str = request.getfixturevalue("empty_postgres_url")
    return url


@pytest.fixture
def state_backend(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test's configs keep their state where `database_url` says (both backends), through
    `MONITOR_DATABASE_URL`, as an operator would set it."""
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    return database_url
