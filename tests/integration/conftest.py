"""Fixtures for integration tests: a loopback feed server and config directories."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, select

from monitor.state.store import Store
from tests.loopback import FeedServer


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A running loopback server, stopped after the test."""
    with FeedServer() as running:
        yield running


def stored_column(state: Path, key: Column[Any], value: Column[Any]) -> dict[Any, Any]:
    """Column `value` by column `key` (of one table), as the state database in `state` holds it."""
    store = Store.open(state)
    try:
        with store.engine.connect() as conn:
            return dict(conn.execute(select(key, value)).all())
    finally:
        store.close()


def write_config(
    directory: Path,
    state: Path,
    feeds: str,
    rules: str,
    channels: str,
    *,
    timeout: str = "1s",
    settings: str = "",
) -> Path:
    """Write a three-file config directory; returns it. `settings` adds `[monitor]` lines."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "monitor.toml").write_text(
        f'[monitor]\nstate_dir = "{state}"\ntimeout = "{timeout}"\nconcurrency = 4\n'
        f"{settings}\n{channels}",
        encoding="utf-8",
    )
    (directory / "feeds.toml").write_text(feeds, encoding="utf-8")
    (directory / "rules.toml").write_text(
        """
[actors.France]
aliases = ["France", "French", "Paris", "Macron", "Élysée", "Франци*"]
[actors.Ukraine]
aliases = ["Ukraine", "Kyiv", "Kiev", "Украин*"]
[actors.Russia]
aliases = ["Russia", "Moscow", "Kremlin"]
[topics.troops]
terms = ["troops", "soldiers", "boots on the ground"]
"""
        + rules,
        encoding="utf-8",
    )
    return directory
