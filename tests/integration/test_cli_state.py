"""Where the CLI finds the state, and what it says when it cannot: a state an earlier version
left relative to the current directory, a command that reads a state that is not there, a
`database_url` that cannot be read, dates too far back to mean anything."""

import shutil
from pathlib import Path

import pytest

from tests.support.cli import cli, example


def test_a_state_left_where_earlier_versions_kept_it_is_refused_not_started_afresh(
    tmp_path: Path,
) -> None:
    # An earlier version, run from `tmp_path`, kept the example's `./state` there.
    example(tmp_path)
    assert cli("--config", "config", "once", cwd=tmp_path).returncode == 0
    shutil.move(tmp_path / "config" / "state", tmp_path / "state")

    again = cli("--config", "config", "once", cwd=tmp_path)

    assert again.returncode == 2
    assert "earlier versions" in again.stderr
    assert str(tmp_path / "state") in again.stderr
    assert again.stdout == ""  # the sample story did not alert a second time
    assert not (tmp_path / "config" / "state").exists()


def test_a_state_beside_the_config_wins_over_a_stale_copy_left_behind(tmp_path: Path) -> None:
    example(tmp_path)
    assert cli("--config", "config", "once", cwd=tmp_path).returncode == 0
    shutil.copytree(tmp_path / "config" / "state", tmp_path / "state")  # a stale copy too

    again = cli("--config", "config", "once", cwd=tmp_path)

    assert again.returncode == 0
    assert again.stdout == ""  # the moved state knows the story


@pytest.mark.parametrize(
    "command", [("history",), ("feeds",), ("test-rule", "@France", "--history", "1")]
)
def test_a_command_that_reads_the_state_says_where_there_is_none(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    example(tmp_path)

    result = cli("--config", "config", *command, cwd=tmp_path)

    assert result.returncode == 1
    assert f"No state in {Path('config') / 'state'}" in result.stderr
    assert "STATE_DIRECTORY" in result.stderr
    assert not (tmp_path / "config" / "state").exists()  # none was made there


@pytest.mark.parametrize("command", ["check", "once", "run", "history"])
@pytest.mark.parametrize(
    "url",
    ["postgresql://u:secret-pass@127.0.0.1:notaport/db", "postgres://u:secret-pass@[::1/db"],
)
def test_a_database_url_that_cannot_be_read_is_a_config_error(
    tmp_path: Path, command: str, url: str
) -> None:
    example(tmp_path)

    # `cli` raises an exception that escapes the command: none did (no traceback)
    result = cli("--config", "config", command, cwd=tmp_path, env={"MONITOR_DATABASE_URL": url})

    assert result.returncode == 2
    assert "database_url" in result.stderr
    assert "its host or port is malformed" in result.stderr
    assert "u:***@" in result.stderr
    assert "secret-pass" not in result.stderr + result.stdout
    assert not (tmp_path / "config" / "state").exists()


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (("history", "--since", "99999999d"), "--since"),
        (("test-rule", "x", "--history", "inf"), "--history"),
    ],
)
def test_a_time_too_far_back_is_a_usage_error(
    tmp_path: Path, command: tuple[str, ...], option: str
) -> None:
    example(tmp_path)
    assert cli("--config", "config", "once", cwd=tmp_path).returncode == 0

    result = cli("--config", "config", *command, cwd=tmp_path)

    assert result.returncode == 2
    assert option in result.stderr


@pytest.mark.parametrize(
    ("damage", "said"),
    [(b"", "it is empty (0 bytes)"), (b"\x00" * 4096, "it is not a SQLite database")],
)
def test_an_emptied_or_overwritten_state_is_refused_unless_new_state(
    tmp_path: Path, damage: bytes, said: str
) -> None:
    example(tmp_path)
    assert cli("--config", "config", "once", cwd=tmp_path).stdout  # the sample story alerted
    state = tmp_path / "config" / "state"
    for leftover in state.glob("monitor.db-*"):
        leftover.unlink()
    (state / "monitor.db").write_bytes(damage)  # a crash or a full disk emptied it

    refused = cli("--config", "config", "once", cwd=tmp_path)
    started_anew = cli("--config", "config", "once", "--new-state", cwd=tmp_path)

    assert refused.returncode == 1
    assert said in refused.stderr
    assert "--new-state" in refused.stderr
    assert refused.stdout == ""  # nothing sent again
    assert started_anew.returncode == 0
    assert "set aside as monitor.db.unusable-" in started_anew.stderr
    assert started_anew.stdout  # a new state: the story is new to it
    (aside,) = state.glob("monitor.db.unusable-*")
    assert aside.read_bytes() == damage  # kept, never deleted
