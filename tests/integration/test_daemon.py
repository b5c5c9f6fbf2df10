"""`media-monitor run` as systemd runs it: a subprocess polling a loopback feed server, alerting,
reloading on SIGHUP, stopping on SIGTERM, talking to a fake `$NOTIFY_SOCKET`."""

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from aiohttp import web

from tests.support import faults
from tests.support.cli import REPO, cli, example
from tests.support.config import SEED, UNRELATED, desk_config, once
from tests.support.daemon import Services, free_port, polls_of, wait_for
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer, hanging

WEATHER = Entry(guid="weather-1", title="Weather warning: snow storm over Kyiv tonight")


def test_new_items_alert_within_the_interval_and_sigterm_exits_cleanly(
    server: FeedServer, services: Services, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(UNRELATED)
    service = services.start(desk_config(server, tmp_path, "wire.xml", interval="2s"))
    service.wait_for(lambda: service.logged("feed polled"), 15, "the first poll")

    published = time.monotonic()
    server.feeds["wire.xml"] = rss(SEED, UNRELATED)
    service.wait_for(lambda: server.posts, 2 + 2, "the alert, within interval + 2 s")
    latency = time.monotonic() - published
    service.wait_for(lambda: polls_of(server, "wire.xml") >= 4, 10, "two more polls")
    stopping = time.monotonic()
    code = service.stop()

    assert code == 0, service.text()
    assert time.monotonic() - stopping < 10
    assert len(server.posts) == 1, f"one alert, arrived {latency:.1f}s after publication"
    assert SEED.title in server.posts[0]["title"]
    assert service.logged("stopped")
    assert "Traceback" not in service.text()


def test_sighup_reloads_rules_and_a_broken_config_keeps_the_old_one(
    server: FeedServer, services: Services, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(UNRELATED)
    config = desk_config(server, tmp_path, "wire.xml", interval="1s")
    service = services.start(config)
    service.wait_for(lambda: service.logged("feed polled"), 15, "the first poll")
    rules = config / "rules.toml"
    good_rules = rules.read_text(encoding="utf-8")

    # A new rule: alerts on the next matching item.
    rules.write_text(
        good_rules + '\n[[rules]]\nname = "weather"\nquery = "weather AND @Ukraine"\n'
        'channels = ["desk"]\n',
        encoding="utf-8",
    )
    service.signal(signal.SIGHUP)
    service.wait_for(lambda: service.logged("config reloaded"), 15, "the reload")
    server.feeds["wire.xml"] = rss(WEATHER, UNRELATED)
    service.wait_for(lambda: server.posts, 10, "the new rule's alert")

    # A broken config: refused with every error, and the rules before it keep matching.
    rules.write_text(
        good_rules + '\n[[rules]]\nname = "typo"\nquery = "@Frnace"\nchannels = ["nowhere"]\n',
        encoding="utf-8",
    )
    service.signal(signal.SIGHUP)
    service.wait_for(
        lambda: service.logged("config reload refused; the old config keeps running"),
        15,
        "the refusal",
    )
    server.feeds["wire.xml"] = rss(SEED, WEATHER, UNRELATED)
    service.wait_for(lambda: len(server.posts) == 2, 10, "the old rules' alert")
    code = service.stop()

    assert code == 0, service.text()
    assert "[weather]" in server.posts[0]["title"]
    assert "france-troops-ukraine" in server.posts[1]["title"]
    (refusal,) = service.logged("config reload refused; the old config keeps running")
    errors = "\n".join(refusal["errors"])  # type: ignore[arg-type]
    assert "rule 'typo'" in errors
    assert "did you mean @France" in errors
    assert "unknown channel 'nowhere'" in errors
    assert "Traceback" not in service.text()


def write_atomically(path: Path, text: str) -> None:
    """As editors and config management do: a reload never reads half a file."""
    scratch = path.with_suffix(".tmp")
    scratch.write_text(text, encoding="utf-8")
    scratch.replace(path)


def test_a_sighup_during_a_reload_is_not_lost(
    server: FeedServer, services: Services, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(UNRELATED)
    config = desk_config(server, tmp_path, "wire.xml", interval="1s")
    # Unmeasured: coverage makes the 10,000-rule reloads several times slower, and
    # test_service measures the same path.
    service = services.start(config, measured=False)
    service.wait_for(lambda: service.logged("feed polled"), 15, "the first poll")
    # 10,000 rules take the reload most of a second to compile: long enough for a second
    # SIGHUP to arrive while the first reload is under way.
    many = "".join(
        f'[[rules]]\nname = "gen-{i}"\nquery = "alpha{i} AND beta{i}"\nchannels = ["desk"]\n'
        for i in range(10_000)
    )
    write_atomically(config / "many.toml", many)
    service.signal(signal.SIGHUP)
    time.sleep(0.1)
    weather = '[[rules]]\nname = "weather"\nquery = "weather AND @Ukraine"\nchannels = ["desk"]\n'
    write_atomically(config / "many.toml", many + weather)
    service.signal(signal.SIGHUP)

    service.wait_for(lambda: len(service.logged("config reloaded")) == 2, 30, "a second reload")
    server.feeds["wire.xml"] = rss(WEATHER, UNRELATED)
    service.wait_for(
        lambda: server.posts, 10, "the alert of the rule added during the first reload"
    )
    code = service.stop()

    assert code == 0, service.text()
    assert "[weather]" in server.posts[0]["title"]


def slow_sink(server: FeedServer, seconds: float) -> None:
    """The desk channel's sink answers after `seconds`, recording the post."""

    async def handler(request: web.Request) -> web.Response:
        body = await request.read()
        await asyncio.sleep(seconds)
        server.posts.append(json.loads(body))
        return web.Response(text="{}")

    server.handlers["sink/desk"] = handler


def test_sigterm_during_delivery_and_a_hung_poll_loses_nothing(
    server: FeedServer, services: Services, tmp_path: Path
) -> None:
    stories = [
        Entry(guid=f"s{n}", title=f"Kremlin warns Kyiv, story {n}", link=f"https://x.org/{n}")
        for n in range(4)
    ]
    server.feeds["wire.xml"] = rss(*stories)
    server.handlers["hung.xml"] = hanging(60)
    slow_sink(server, 1.0)
    config = desk_config(server, tmp_path, "wire.xml", "hung.xml", interval="1h", timeout="30s")
    service = services.start(config)
    service.wait_for(lambda: server.posts, 20, "the first alert")

    stopping = time.monotonic()
    code = service.stop()
    stopped_in = time.monotonic() - stopping
    delivered_by_run = len(server.posts)
    del server.handlers["hung.xml"]  # a quick 404 for the `once` below
    resumed = once(config)

    assert code == 0, service.text()
    assert stopped_in < 10
    assert delivered_by_run < len(stories)  # the stop came in the middle of delivery
    titles = sorted(post["title"] for post in server.posts)
    assert titles == sorted(f"[russia-warns] {s.title}" for s in stories)
    assert resumed.delivery.sent == len(stories) - delivered_by_run
    assert service.logged("stopped work that did not finish in time")  # the hung poll
    assert "Traceback" not in service.text()


def test_systemd_notifications_health_and_metrics(
    server: FeedServer, services: Services, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    port = free_port()
    notify_path = tmp_path / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(notify_path))
    listener.settimeout(0.2)
    messages: list[str] = []

    def received(text: str) -> int:
        with contextlib.suppress(TimeoutError):
            messages.append(listener.recv(4096).decode())
        return sum(text in m for m in messages)

    config = desk_config(
        server, tmp_path, "wire.xml", interval="1h", settings=f'http = "127.0.0.1:{port}"\n'
    )
    service = services.start(
        config, env={"NOTIFY_SOCKET": str(notify_path), "WATCHDOG_USEC": "400000"}
    )
    try:
        service.wait_for(lambda: received("WATCHDOG=1") >= 3, 15, "watchdog pings")
        service.wait_for(lambda: server.posts, 10, "the alert")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            health = json.loads(answer.read())
        metrics = ""

        def counted() -> bool:
            """Whether /metrics counts the send yet: the sink has the alert a moment before the
            daemon hears back from it."""
            nonlocal metrics
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
                metrics = answer.read().decode()
            # The count, not the label: every outcome's label is there from the start, at 0.
            return 'media_monitor_alerts_total{status="sent"} 1.0' in metrics

        service.wait_for(counted, 10, "the send counted in /metrics")
        code = service.stop()
        wait_for(lambda: received("STOPPING=1"), 5, "STOPPING=1")
    finally:
        listener.close()

    assert code == 0, service.text()
    assert any(m.startswith("READY=1") for m in messages), messages
    assert any("STATUS=" in m for m in messages)
    assert health["status"] == "ok"
    assert health["last_poll_at"] is not None
    assert 'media_monitor_polls_total{result="ok"} 1.0' in metrics
    assert 'media_monitor_alerts_total{status="sent"} 1.0' in metrics
    assert "media_monitor_poll_duration_seconds_bucket" in metrics
    assert "media_monitor_delivery_latency_seconds_count 1.0" in metrics


@pytest.mark.parametrize("unit", ["media-monitor.service", "media-monitor-once.service"])
def test_units_are_hardened(unit: str) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing (Debian's systemd package)")
        pytest.skip("systemd-analyze is not installed")
    result = subprocess.run(
        [analyze, "security", "--offline=yes", "--threshold=20", str(REPO / "systemd" / unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    exposure = float(result.stdout.split("Overall exposure level for")[1].split(":")[1].split()[0])
    assert exposure <= 2.0


def test_an_http_address_in_use_is_a_clear_error(tmp_path: Path) -> None:
    example(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        result = cli("--config", "config", "run", cwd=tmp_path, env={"MONITOR_HTTP": address})

    assert result.returncode == 1
    assert f"cannot serve http on {address}" in result.stderr
    assert "address already in use" in result.stderr
    assert "Traceback" not in result.stderr


def _ignores_sighup(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:"))
    return bool(int(mask, 16) & (1 << (signal.SIGHUP - 1)))


def _until_sighup_is_ignored(process: "subprocess.Popen[bytes]") -> None:
    """Poll as fast as /proc answers (no sleep), so as to see the ignore the moment it is set."""
    deadline = time.monotonic() + 15
    while not _ignores_sighup(process.pid):
        assert process.poll() is None, f"exited ({process.returncode}) before ignoring SIGHUP"
        assert time.monotonic() < deadline, "SIGHUP not ignored within 15 s"


# Records SIGHUP's disposition when the first slow module is imported, then runs the entry.
_FIRST_SLOW_IMPORT_PROBE = """
import importlib.abc, json, signal, sys
seen = {}
class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in ("typer", "pydantic", "monitor.cli.app") and not seen:
            seen[name] = signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
sys.meta_path.insert(0, Watch())
sys.argv = ["media-monitor", "--help"]
try:
    %s
except SystemExit:
    pass
print(json.dumps(seen))
"""


@pytest.mark.parametrize(
    "entry",
    [
        "from monitor.cli.entry import main; main()",  # what the console script runs
        "import runpy; runpy.run_module('monitor', run_name='__main__')",  # python -m monitor
    ],
)
def test_sighup_is_ignored_before_the_first_slow_import(entry: str) -> None:
    probe = _FIRST_SLOW_IMPORT_PROBE % entry
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    first = json.loads(ran.stdout.splitlines()[-1])

    assert list(first.values()) == [True], first  # the first of them came after the ignore
    console_script = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'media-monitor = "monitor.cli.entry:main"' in console_script


def test_sighups_from_the_moment_run_is_spawned_neither_end_nor_stall_it(
    server: FeedServer, services: Services, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    service = services.start(desk_config(server, tmp_path, "wire.xml", interval="1h"))
    # The ignore is the entry point's first statement, before the command line is imported.
    _until_sighup_is_ignored(service.process)
    sent = 0
    deadline = time.monotonic() + 30
    while not server.posts:  # a SIGHUP every 10 ms, through start-up, until the alert comes
        service.signal(signal.SIGHUP)
        sent += 1
        assert service.process.poll() is None, f"ended by SIGHUP {sent}:\n{service.text()}"
        assert time.monotonic() < deadline, f"no alert after {sent} SIGHUPs:\n{service.text()}"
        time.sleep(0.01)
    code = service.stop()

    assert code == 0, service.text()
    assert len(server.posts) == 1
    assert SEED.title in server.posts[0]["title"]
    assert sent > 10
    assert "Traceback" not in service.text()


def test_a_sighup_does_not_cut_once_short(server: FeedServer, tmp_path: Path) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    config = desk_config(server, tmp_path, "wire.xml")
    command = [sys.executable, "-m", "monitor", "--config", str(config), "once"]
    process = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE)
    _until_sighup_is_ignored(process)
    process.send_signal(signal.SIGHUP)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 0, stderr.decode()
    assert len(server.posts) == 1


def test_sighups_at_start_and_during_a_stop_held_by_a_slow_drip_send_are_harmless(
    server: FeedServer, services: Services, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    server.handlers["sink/desk"] = faults.drip(60)
    service = services.start(desk_config(server, tmp_path, "wire.xml", interval="1h"))
    # From the moment `run` starts, before the loop listens: a SIGHUP then is ignored.
    service.wait_for(lambda: _ignores_sighup(service.process.pid), 15, "SIGHUP ignored")
    service.signal(signal.SIGHUP)
    service.wait_for(lambda: polls_of(server, "sink/desk"), 15, "the send to the dripping sink")

    stopping = time.monotonic()
    service.signal(signal.SIGTERM)
    service.wait_for(lambda: service.logged("stopping"), 5, "the stop to begin")
    service.signal(signal.SIGHUP)  # during the stop's grace, with the send still dripping
    code = service.stop(timeout=10)

    assert code == 0, service.text()
    assert time.monotonic() - stopping < 10
    assert service.logged("stopped work that did not finish in time")  # the abandoned send
    assert "Traceback" not in service.text()
