"""Config directories for integration tests, the stories and rules most of them share, and
`once` called in-process on such a directory."""

import asyncio
from datetime import datetime
from pathlib import Path

from monitor.config.load import load_config
from monitor.service.once import OnceReport, run_once
from tests.support.feeds import Entry
from tests.support.loopback import FeedServer

SEED = Entry(
    guid="seed-1",
    title="Russia warns France about deploying troops in Ukraine",
    description="Moscow said any French soldiers in Ukraine would be a target.",
    link="https://news.example.org/world/seed?utm_source=rss",
)
# How a text channel shows SEED's title: the words the RULES matched in it highlighted.
SEED_HEADLINE = "«Russia» «warns» «France» about deploying «troops» in «Ukraine»"
UNRELATED = Entry(guid="other-1", title="Parisian cafés brace for winter", description="Quiet.")
RULES = """
[[rules]]
name = "france-troops-ukraine"
query = "@France AND @Ukraine AND @troops"
channels = ["desk"]

[[rules]]
name = "russia-warns"
query = "@Russia AND warns"
channels = ["desk"]
"""
VOCABULARY = """
[actors.France]
aliases = ["France", "French", "Paris", "Macron", "Élysée", "Франци*"]
[actors.Ukraine]
aliases = ["Ukraine", "Kyiv", "Kiev", "Украин*"]
[actors.Russia]
aliases = ["Russia", "Moscow", "Kremlin"]
[topics.troops]
terms = ["troops", "soldiers", "boots on the ground"]
"""


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
    (directory / "rules.toml").write_text(VOCABULARY + rules, encoding="utf-8")
    return directory


def feeds_toml(server: FeedServer, *paths: str, interval: str | None = None) -> str:
    """`[[feeds]]` entries for `paths` on `server`, each named by its path."""
    every = f'interval = "{interval}"\n' if interval else ""
    return "".join(f'[[feeds]]\nname = "{p}"\nurl = "{server.url(p)}"\n{every}\n' for p in paths)


def desk(server: FeedServer) -> str:
    """The `desk` channel: Apprise's json:// to the server's `sink/desk`."""
    return f'[channels.desk]\nurls = ["json://127.0.0.1:{server.port}/sink/desk"]\n'


def desk_config(
    server: FeedServer,
    tmp_path: Path,
    *paths: str,
    interval: str | None = None,
    timeout: str = "1s",
    settings: str = "",
) -> Path:
    """`tmp_path/config`: `paths` on `server` (every `interval`, when given), `RULES`, the desk
    channel, state in `tmp_path/state`; `timeout` and `settings` as `write_config` takes them."""
    feeds = feeds_toml(server, *paths, interval=interval)
    return write_config(
        tmp_path / "config",
        tmp_path / "state",
        feeds,
        RULES,
        desk(server),
        timeout=timeout,
        settings=settings,
    )


def once(config_dir: Path, moment: datetime | None = None) -> OnceReport:
    """`once` over `config_dir`, in this process; at `moment` if given."""
    config = load_config(config_dir)
    if moment is None:
        return asyncio.run(run_once(config))
    return asyncio.run(run_once(config, now=lambda: moment))
