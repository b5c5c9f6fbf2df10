"""The command line as a user runs it: exit codes and what it prints. One test starts the
installed console script; the rest run the same commands in this process."""

from pathlib import Path

from tests.support.cli import cli, console_script, example
from tests.support.config import SEED_HEADLINE, write_config


def test_example_config_alerts_on_console_once(tmp_path: Path) -> None:
    example(tmp_path)

    first = console_script("--config", "config", "once", cwd=tmp_path)
    second = cli("--config", "config", "once", cwd=tmp_path)  # the same state, nothing new

    assert first.returncode == 0, first.stderr
    assert SEED_HEADLINE in first.stdout
    assert "france-troops-ukraine" in first.stdout
    assert "Parisian" not in first.stdout
    assert second.returncode == 0
    assert second.stdout == ""
    assert (tmp_path / "config" / "state" / "monitor.db").is_file()  # beside the config


def test_a_terminal_that_cannot_show_unicode_gets_escapes_not_a_traceback(tmp_path: Path) -> None:
    # An ASCII locale with Python's UTF-8 mode off: stdout's encoding is ASCII.
    ascii_only = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}
    example(tmp_path)

    once = console_script("--config", "config", "once", cwd=tmp_path, env=ascii_only)
    history = console_script("--config", "config", "history", cwd=tmp_path, env=ascii_only)

    assert once.returncode == 0, once.stderr
    assert "alert delivery failed" not in once.stderr  # the console channel printed it
    assert "\\xabUkraine\\xbb" in once.stdout  # «Ukraine», the match, escaped
    assert history.returncode == 0, history.stderr
    assert "Traceback" not in history.stderr
    assert "Russia warns France" in history.stdout


def test_check_lists_every_error_with_rule_names_and_no_traceback(tmp_path: Path) -> None:
    rules = """
[[rules]]
name = "typo-rule"
query = "@Frnace AND @Ukraine"
channels = ["desk"]

[[rules]]
name = "paren-rule"
query = "@France AND (@Ukraine OR troops"
channels = ["desk"]

[[rules]]
name = "channel-rule"
query = "@France"
channels = ["nowhere"]
"""
    config = write_config(
        tmp_path / "c", tmp_path / "s", "", rules, '[channels.desk]\nurls = ["console://"]\n'
    )

    result = cli("--config", str(config), "check", cwd=tmp_path)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "rule 'typo-rule': unknown @Frnace (did you mean @France?)" in result.stderr
    assert "rule 'paren-rule': unbalanced parenthesis" in result.stderr
    assert "rule 'channel-rule': unknown channel 'nowhere'" in result.stderr
    assert "3 error(s)" in result.stderr


def test_check_masks_secrets_and_once_refuses_bad_config(tmp_path: Path) -> None:
    token = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ"
    channels = '[channels.desk]\nurls = ["tgram://${TG_TOKEN}/12345"]\n'
    config = write_config(tmp_path / "c", tmp_path / "s", "", "", channels)

    checked = cli("--config", str(config), "check", cwd=tmp_path, env={"TG_TOKEN": token})
    missing = cli("--config", str(config), "once", cwd=tmp_path)

    assert checked.returncode == 0, checked.stderr
    assert "tgram://" in checked.stdout
    assert token not in checked.stdout
    assert missing.returncode == 2
    assert "channel 'desk': URL 1: ${TG_TOKEN} not set" in missing.stderr


def test_unusable_state_directory_is_a_clear_error(tmp_path: Path) -> None:
    example(tmp_path)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x", encoding="utf-8")

    result = cli(
        "--config",
        "config",
        "once",
        cwd=tmp_path,
        env={"MONITOR_STATE_DIR": str(blocker / "state")},
    )

    assert result.returncode == 1
    assert f"Cannot use the state in {blocker / 'state'}" in result.stderr
    assert "Traceback" not in result.stderr
