"""The command line, run as a test needs it: in this process (`cli`, the usual way: no second
interpreter to start) or as the installed console script in a subprocess (`console_script`, for
what only a real process shows)."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from monitor.cli.app import app
from tests.support.logs import logging_kept

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Ran:
    """How a command ended, as a shell sees it."""

    returncode: int
    stdout: str
    stderr: str


@contextmanager
def _inside(cwd: Path) -> Iterator[None]:
    """Run in `cwd`; logging is put back afterwards (a command routes it to its own stderr)."""
    before = Path.cwd()
    os.chdir(cwd)
    try:
        with logging_kept():
            yield
    finally:
        os.chdir(before)


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Ran:
    """`media-monitor ARGS` in `cwd` with `env` added, in this process. An exception the
    command lets escape fails the test (a subprocess would print a traceback)."""
    with _inside(cwd):
        result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def history(config: Path, cwd: Path) -> list[dict[str, Any]]:
    """`history --json` of the config `config`, read."""
    ran = cli("--config", str(config), "history", "--json", cwd=cwd)
    assert ran.returncode == 0, ran.stderr
    alerts: list[dict[str, Any]] = json.loads(ran.stdout)
    return alerts


def console_script(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed `media-monitor ARGS`, in a subprocess."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("media-monitor")), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def example(tmp_path: Path) -> Path:
    """A copy of the bundled example config in `tmp_path/config`; returns `tmp_path`. The
    state `make example` leaves in `config/state` is not copied: each test starts with none."""
    shutil.copytree(REPO / "config", tmp_path / "config", ignore=shutil.ignore_patterns("state"))
    return tmp_path
