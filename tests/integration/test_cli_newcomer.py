"""The command line as a newcomer first meets it: the state beside the config wherever a command
runs, commands that send nothing running without secrets, global options after the command
name, progress on a terminal, and start-up that loads only what the command needs."""

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import cli, example
from tests.support.config import RULES, SEED_HEADLINE, VOCABULARY

SEEN_TITLE = "Russia warns France about deploying troops in Ukraine"
SECRET_CHANNEL = '[channels.desk]\nurls = ["tgram://${NL_TG_TOKEN}/12345"]\n'


def test_state_is_found_beside_the_config_from_any_directory(tmp_path: Path) -> None:
    example(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    first = cli("--config", "config", "once", cwd=tmp_path)
    again = cli("--config", "../config", "once", cwd=elsewhere)
    history = cli("--config", str(tmp_path / "config"), "history", "--json", cwd=elsewhere)

    assert first.returncode == 0, first.stderr
    assert SEED_HEADLINE in first.stdout
    assert again.returncode == 0, again.stderr
    assert again.stdout == ""  # delivered once, not again from another directory
    assert history.returncode == 0, history.stderr
    assert [alert["title"] for alert in json.loads(history.stdout)] == [SEEN_TITLE]
    assert (tmp_path / "config" / "state" / "monitor.db").is_file()
    assert not (tmp_path / "state").exists()
    assert not (elsewhere / "state").exists()


def test_a_relative_monitor_state_dir_is_relative_to_where_the_shell_is(tmp_path: Path) -> None:
    example(tmp_path)

    result = cli(
        "--config", "config", "once", cwd=tmp_path, env={"MONITOR_STATE_DIR": "trial-state"}
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "trial-state" / "monitor.db").is_file()
    assert not (tmp_path / "config" / "state").exists()


def _secret_config(tmp_path: Path) -> Path:
    """The example, polled once (the commands that read the state need one), with one more
    channel, whose URL needs a secret that is not set."""
    config = example(tmp_path) / "config"
    polled = cli("--config", "config", "once", cwd=tmp_path)
    assert polled.returncode == 0, polled.stderr
    rules = RULES.replace('channels = ["desk"]', 'channels = ["desk", "console"]')
    (config / "rules.toml").write_text(VOCABULARY + rules, encoding="utf-8")
    with (config / "monitor.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n" + SECRET_CHANNEL)
    return config


def test_commands_that_send_nothing_run_without_the_channel_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NL_TG_TOKEN", raising=False)
    _secret_config(tmp_path)

    history = cli("--config", "config", "history", cwd=tmp_path)
    feeds = cli("--config", "config", "feeds", "--json", cwd=tmp_path)
    stored = cli("--config", "config", "test-rule", "russia-warns", "--history", "1", cwd=tmp_path)
    text = cli("--config", "config", "test-rule", "@France", "--text", "Paris", cwd=tmp_path)
    checked = cli("--config", "config", "check", cwd=tmp_path)
    sending = cli("--config", "config", "once", cwd=tmp_path)

    for ran in (history, feeds, stored, text):
        assert ran.returncode == 0, ran.stderr
    assert [row["feed"] for row in json.loads(feeds.stdout)] == ["Sample wire"]
    assert "1 of 1 item(s) match." in text.stdout
    for refused in (checked, sending):  # what sends, or checks what will, still needs it
        assert refused.returncode == 2
        assert "channel 'desk': URL 1: ${NL_TG_TOKEN} not set" in refused.stderr


def test_global_options_may_follow_the_command_name(tmp_path: Path) -> None:
    example(tmp_path)

    ran = cli("once", "--config", "config", "--log-format", "json", cwd=tmp_path)
    overridden = cli("--config", "nowhere", "check", "--config", "config", cwd=tmp_path)
    from_env = cli("check", "--config", "config", cwd=tmp_path, env={"MONITOR_CONFIG_DIR": "no"})
    bad_level = cli("check", "--config", "config", "--log-level", "loud", cwd=tmp_path)

    assert ran.returncode == 0, ran.stderr
    assert SEED_HEADLINE in ran.stdout
    logged = [json.loads(line) for line in ran.stderr.splitlines()]
    assert "once finished" in [line["event"] for line in logged]
    for checked in (overridden, from_env):  # the option after the command name wins
        assert checked.returncode == 0, checked.stderr
        assert "Config config: 1 feeds" in checked.stdout
    assert bad_level.returncode == 2
    assert "use debug, info, warning or error" in bad_level.stderr


def test_a_python_whose_expat_expands_entities_unbounded_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example(tmp_path)
    monkeypatch.setattr("pyexpat.version_info", (2, 4, 0))

    result = cli("check", "--config", "config", cwd=tmp_path)

    assert result.returncode == 1
    assert "libexpat 2.4.0, which does not limit XML entity expansion" in result.stderr
    assert result.stdout == ""


def _more_feeds(config: Path, count: int) -> None:
    """`count` more feeds in `config`, each the bundled sample under another name."""
    with (config / "feeds.toml").open("a", encoding="utf-8") as toml:
        for number in range(count):
            toml.write(f'\n[[feeds]]\nname = "wire {number}"\nurl = "feeds/sample-wire.xml"\n')


def _read_until_closed(terminal: int, seconds: float) -> bytes:
    """Everything shown on the pseudo-terminal `terminal` until the child's side closes; fails
    after `seconds` if it is still open (a child that hangs must not hang the test)."""
    deadline = time.monotonic() + seconds
    shown = bytearray()
    while True:
        ready, _, _ = select.select([terminal], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"the terminal still open after {seconds}s: {shown!r}")
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # Linux: EIO once the child's side is closed
            return bytes(shown)
        if not chunk:
            return bytes(shown)
        shown += chunk


def _once_on_a_terminal(cwd: Path, *options: str) -> tuple[str, str]:
    """`media-monitor --config config OPTIONS once` with stderr on a pseudo-terminal: what the
    terminal showed (escape sequences removed) and what went to stdout. The child is killed
    if it has not ended when this returns or fails."""
    terminal, child_side = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", "config", *options, "once"],
        cwd=cwd,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
        stdout=subprocess.PIPE,
        stderr=child_side,
        text=True,
    )
    os.close(child_side)
    try:
        # Two of these run in one test, within pytest's 60 s: each is bounded well below.
        shown = _read_until_closed(terminal, seconds=20).decode(errors="replace")
        stdout, _ = process.communicate(timeout=20)
    finally:
        os.close(terminal)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 0, shown
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)
    return text.replace("\r", "\n"), stdout


def test_once_shows_its_progress_on_a_terminal_only(tmp_path: Path) -> None:
    config = example(tmp_path) / "config"
    _more_feeds(config, 2)

    shown, stdout = _once_on_a_terminal(tmp_path)
    as_json, _ = _once_on_a_terminal(tmp_path, "--log-format", "json")
    piped = cli("--config", "config", "once", cwd=tmp_path)

    assert re.search(r"polling feeds.*3/3", shown)
    assert "once finished" in shown  # the log lines still show, beside the bar
    assert SEED_HEADLINE in stdout  # alerts stay on stdout
    assert "polling feeds" not in as_json  # JSON logs are read by programs
    assert [json.loads(line) for line in as_json.splitlines() if line.strip()]
    assert piped.returncode == 0, piped.stderr
    assert "polling feeds" not in piped.stderr


HEAVY = ("aiohttp", "apprise", "apscheduler", "feedparser", "prometheus_client", "sqlalchemy")


def _modules_loaded(cwd: Path, *args: str) -> set[str]:
    """Which of `HEAVY` and trafilatura a `media-monitor ARGS` process had imported when it
    ended."""
    probe = (
        "import json, sys\n"
        "from monitor.cli.app import main\n"
        f"sys.argv = ['media-monitor', *{list(args)!r}]\n"
        "try:\n    main()\nexcept SystemExit as end:\n    assert not end.code, end.code\n"
        f"print(json.dumps([m for m in {[*HEAVY, 'trafilatura']!r} if m in sys.modules]))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    return set(json.loads(ran.stdout.splitlines()[-1]))


def test_help_check_and_a_sentence_test_load_no_network_or_storage_stack(tmp_path: Path) -> None:
    example(tmp_path)

    assert _modules_loaded(tmp_path, "--help") == set()
    assert _modules_loaded(tmp_path, "--config", "config", "check") == set()
    sentence = ("--config", "config", "test-rule", "@France", "--text", "French troops")
    assert _modules_loaded(tmp_path, *sentence) == set()
    assert cli("--config", "config", "once", cwd=tmp_path).returncode == 0  # `feeds` reads it
    assert "sqlalchemy" in _modules_loaded(tmp_path, "--config", "config", "feeds")
