"""One writer per state: `run` and `once` started together on one state send each alert once; a
second `run` on a SQLite state is refused naming the first (on PostgreSQL `run`s are nodes that
share the lock: tests/integration/test_nodes.py); `once` waits for the writer before it; the
commands that only read run beside a writer. With real processes on loopback, on SQLite (an OS
lock on the state directory) and on PostgreSQL (an advisory lock)."""

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from monitor.state.postgres import AdvisoryLock
from monitor.state.writer_lock import FileLock, Holder, StateInUseError, take
from tests.support.cli import cli
from tests.support.config import RULES, desk, feeds_toml, write_config
from tests.support.daemon import Services, wait_for
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer

STORIES = [
    Entry(f"s-{n}", f"Russia warns France about troops in Ukraine, day {n}", "Moscow said so.")
    for n in range(1, 6)
]


def wire(server: FeedServer, tmp_path: Path) -> Path:
    """A config whose one feed lists five stories, each alerting once to the desk."""
    server.feeds["wire.xml"] = rss(*STORIES)
    feeds = feeds_toml(server, "wire.xml", interval="1h")
    return write_config(tmp_path / "config", tmp_path / "state", feeds, RULES, desk(server))


def media_monitor(*args: str, env: dict[str, str], stderr: Path) -> subprocess.Popen[bytes]:
    """`python -m monitor ARGS` in a subprocess, its stderr written to the file `stderr`."""
    with stderr.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", *args],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def sent(server: FeedServer) -> Counter[str]:
    """How many times each story's alert reached the desk (by the webhook's plain `title`: the
    message's headline has the matched words emphasised)."""
    return Counter(
        entry.guid
        for post in server.posts
        for entry in STORIES
        if post["title"].endswith(f"] {entry.title}")
    )


def test_run_and_once_started_together_send_each_alert_once(
    server: FeedServer, tmp_path: Path, services: Services, database_url: str
) -> None:
    config = wire(server, tmp_path)
    env = {"MONITOR_DATABASE_URL": database_url}

    service = services.start(config, env)
    once = media_monitor(
        "--config", str(config), "once", "--wait", "3s", env=env, stderr=tmp_path / "once.log"
    )
    # Whichever took the lock first polls and alerts; the other waits, then writes nothing
    # again (`run` after a quick `once`) or gives up (`once`, behind `run`).
    ended = once.wait(60)
    wait_for(
        lambda: len(server.posts) >= len(STORIES) or service.process.poll() is not None,
        30,
        "the alerts",
    )
    if service.process.poll() is None:
        service.wait_for(lambda: service.logged("running"), 30, "run to be running")
    service.stop()

    assert sent(server) == {entry.guid: 1 for entry in STORIES}
    assert ended in (0, 4)
    if ended == 4:
        assert (
            f"pid {service.process.pid} (media-monitor run)" in (tmp_path / "once.log").read_text()
        )


def test_a_second_run_on_a_sqlite_state_is_refused_naming_the_first(
    server: FeedServer, tmp_path: Path, services: Services
) -> None:
    config = wire(server, tmp_path)
    first = services.start(config)
    first.wait_for(lambda: first.logged("running"), 30, "the first run to be running")

    second = media_monitor("--config", str(config), "run", env={}, stderr=tmp_path / "second.log")

    assert second.wait(60) == 4
    said = (tmp_path / "second.log").read_text()
    assert "is in use by" in said  # it waited first, saying so
    assert f"pid {first.process.pid} (media-monitor run) is writing to it" in said
    assert "send every alert twice" in said
    assert first.process.poll() is None  # the first goes on
    assert first.stop() == 0
    assert sent(server) == {entry.guid: 1 for entry in STORIES}


def test_the_commands_that_read_run_beside_a_writer(
    server: FeedServer, tmp_path: Path, services: Services
) -> None:
    config = wire(server, tmp_path)
    service = services.start(config)
    service.wait_for(lambda: len(server.posts) == len(STORIES), 30, "the alerts")

    for command in (
        ("history", "--json"),
        ("feeds", "--json"),
        ("test-rule", "@Russia", "--history", "1"),
    ):
        ran = cli("--config", str(config), *command, cwd=tmp_path)
        assert ran.returncode == 0, ran.stderr
        assert "day 1" in ran.stdout or "wire.xml" in ran.stdout
    assert service.stop() == 0


def test_once_waits_for_the_writer_before_it_then_runs(server: FeedServer, tmp_path: Path) -> None:
    config = wire(server, tmp_path)
    held = FileLock(tmp_path / "state", "media-monitor once")
    assert held.try_take() is None
    log = tmp_path / "once.log"

    once = media_monitor("--config", str(config), "once", "--wait", "1m", env={}, stderr=log)
    wait_for(lambda: "waiting up to 60 s" in log.read_text(), 30, "once to say it waits")
    held.release()

    assert once.wait(60) == 0
    assert f"is in use by pid {os.getpid()} (media-monitor once)" in log.read_text()
    assert sent(server) == {entry.guid: 1 for entry in STORIES}


def test_once_gives_up_after_its_wait_naming_the_writer(server: FeedServer, tmp_path: Path) -> None:
    config = wire(server, tmp_path)
    held = FileLock(tmp_path / "state", "media-monitor run")
    assert held.try_take() is None

    ran = cli("--config", str(config), "once", "--wait", "0", cwd=tmp_path)
    held.release()

    assert ran.returncode == 4
    assert f"pid {os.getpid()} (media-monitor run) is writing to it" in ran.stderr
    assert server.posts == []  # nothing was polled, nothing sent


def test_a_held_lock_names_its_holder_and_is_free_once_released(
    tmp_path: Path, database_url: str
) -> None:
    def lock(command: str) -> FileLock | AdvisoryLock:
        return AdvisoryLock(database_url, command) if database_url else FileLock(tmp_path, command)

    first, second = lock("media-monitor run"), lock("media-monitor once")
    assert first.try_take() is None

    holder = second.try_take()
    with pytest.raises(StateInUseError) as refused:
        take(second, wait=1, clock=iter([0.0, 0.5, 1.0]).__next__, sleep=lambda _s: None)
    first.release()

    assert isinstance(holder, Holder)
    assert (holder.pid, holder.command) == (os.getpid(), "media-monitor run")
    assert refused.value.holder == holder
    assert second.try_take() is None  # free once released
    second.release()


def test_run_nodes_share_a_postgresql_states_lock_which_once_waits_for(postgres_url: str) -> None:
    nodes = [AdvisoryLock(postgres_url, "media-monitor run", shared=True) for _ in range(3)]
    once = AdvisoryLock(postgres_url, "media-monitor once")

    assert [node.try_take() for node in nodes] == [None, None, None]
    holder = once.try_take()
    for node in nodes:
        node.release()

    assert holder is not None
    assert (holder.pid, holder.command) == (os.getpid(), "media-monitor run")
    assert once.try_take() is None  # the nodes gone, `once` writes alone
    assert nodes[0].try_take() is not None  # and a node waits for it
    once.release()


def test_a_bad_wait_is_a_usage_error(tmp_path: Path) -> None:
    ran = cli("--config", "config", "once", "--wait", "soon", cwd=tmp_path)

    assert ran.returncode == 2
    assert "--wait" in ran.stderr


def test_a_lock_file_this_user_may_not_write_still_locks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Left by root's `once` beside a service's dynamic user. Root may write any file, so the
    # refusal to open it for writing is played here; the lock itself is the kernel's.
    first = FileLock(tmp_path, "media-monitor once")
    assert first.try_take() is None
    first.release()
    real_open = os.open

    def as_another_user(path: Any, flags: int, *args: Any) -> int:
        if Path(path).name == "monitor.lock" and flags & os.O_RDWR:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", as_another_user)
    service, other = FileLock(tmp_path, "media-monitor run"), FileLock(tmp_path, "x")

    assert service.try_take() is None
    assert other.try_take() == Holder(None, "another process")  # locked, though unnamed
    service.release()
    assert other.try_take() is None
    other.release()


def test_the_holder_named_is_the_one_on_this_database_not_on_another_of_the_server(
    postgres_url: str, empty_postgres_url: str
) -> None:
    # Two monitors' databases on one PostgreSQL server: their writer locks share a key.
    elsewhere = AdvisoryLock(empty_postgres_url, "media-monitor once")
    here, second = AdvisoryLock(postgres_url, "media-monitor run"), AdvisoryLock(postgres_url, "x")
    assert elsewhere.try_take() is None
    assert here.try_take() is None  # not refused by the other database's lock

    holders = [second.try_take() for _ in range(5)]
    for lock in (here, elsewhere, second):
        lock.release()

    assert {holder.command for holder in holders if holder} == {"media-monitor run"}
    assert None not in holders
