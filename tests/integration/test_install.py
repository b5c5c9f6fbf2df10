"""The README's install steps, run as written against a temporary root.

The block after the README's `<!-- install: … -->` marker is the single source: this test runs
it with bash, its `/etc`, `/opt` and `/usr/local` moved under a temporary root. `sudo` runs the
command it is given; `systemctl`, `journalctl` and the new environment's `pip` only record how
they were called (`pip install .` puts the project's own console script in place, so `check` is
the real command on the installed config). The credential is a file, and nothing else provides it.
"""

import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.cli import REPO

_BLOCK = re.compile(r"<!-- install:[^\n]*-->\n```sh\n(.*?)\n```", re.DOTALL)
# An absolute path on the machine being installed; moved under the temporary root.
_SYSTEM_PATH = re.compile(r"(?<![\w.-])/(etc|opt|usr/local)(?![\w.-])")
# What must not be left pointing at the real machine once the paths are moved.
_OUTSIDE = re.compile(r"(?<![\w.-])/(etc|opt|usr|var|srv|home|root|boot|lib)(?![\w.-])")
# The command that writes the credential file (not the drop-in's line naming it).
_CREDENTIAL_WRITE = re.compile(r"^(?!LoadCredential=).*credentials/TELEGRAM_TOKEN$")
# A command continued on the next line (after `|` or `\`), to be read as one line.
_CONTINUED = re.compile(r"(?<=\|)\n\s*|\\\n\s*")

_RECORD = '#!/bin/sh\nprintf "%s %s\\n" "$(basename "$0")" "$*" >> "$INSTALL_LOG"\n'
_STUBS = {
    "sudo": _RECORD + 'exec "$@"\n',
    "systemctl": _RECORD,
    "journalctl": _RECORD,
    # Never the machine's own pip: the README installs into an environment of its own.
    "pip": _RECORD + "exit 1\n",
    "pip3": _RECORD + "exit 1\n",
    # `python3 -m venv DIR`: an environment whose pip is the stub below.
    "python3": _RECORD
    + '[ "$1 $2 $#" = "-m venv 3" ] || exit 1\n'
    + 'mkdir -p "$3/bin" && cp "$STUBS/venv-pip" "$3/bin/pip"\n',
    # `pip install .` from the checkout: the project's console script, as pip would install it.
    "venv-pip": _RECORD
    + '[ "$*" = "install ." ] && [ -f pyproject.toml ] || exit 1\n'
    + 'ln -s "$MEDIA_MONITOR" "$(dirname "$0")/media-monitor"\n',
}


def install_block() -> str:
    """The install commands, as the README gives them."""
    found = _BLOCK.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md has no ```sh block right after its <!-- install: … --> marker"
    return found.group(1)


@dataclass(frozen=True)
class Installed:
    """What running the install block did."""

    root: Path
    result: subprocess.CompletedProcess[str]
    calls: list[str]

    def call(self, pattern: str) -> int:
        """The position of the first recorded call that `pattern` matches from its start."""
        found = [i for i, call in enumerate(self.calls) if re.match(pattern, call)]
        assert found, f"no call {pattern!r} among {self.calls}"
        return found[0]


def run_install(block: str, tmp_path: Path) -> Installed:
    """Run `block` with bash in a fresh checkout, its system paths moved under `tmp_path/root`."""
    root, stubs, checkout = tmp_path / "root", tmp_path / "stubs", tmp_path / "checkout"
    for directory in ("etc/systemd/system", "opt", "usr/local/bin"):  # as on a fresh machine
        (root / directory).mkdir(parents=True)
    for part in ("config", "systemd"):
        shutil.copytree(REPO / part, checkout / part)
    shutil.copy(REPO / "pyproject.toml", checkout)
    stubs.mkdir()
    for name, body in _STUBS.items():
        (stubs / name).write_text(body, encoding="utf-8")
        (stubs / name).chmod(0o755)
    script = _SYSTEM_PATH.sub(lambda m: f"{root}/{m.group(1)}", block)
    assert not _OUTSIDE.search(script.replace(str(root), "ROOT")), script
    console_script = Path(sys.executable).with_name("media-monitor")
    assert console_script.is_file(), "the project is not installed in this environment"
    log = tmp_path / "calls.log"
    log.touch()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CREDENTIALS_DIRECTORY", "STATE_DIRECTORY", "TELEGRAM_TOKEN")
        and not key.startswith("MONITOR_")
    }
    env |= {
        "PATH": f"{stubs}{os.pathsep}{env.get('PATH', os.defpath)}",
        "HOME": str(tmp_path),
        "COLUMNS": "1000",
        "INSTALL_LOG": str(log),
        "STUBS": str(stubs),
        "MEDIA_MONITOR": str(console_script),
    }
    result = subprocess.run(
        ["bash", "-x", "-e", "-u", "-o", "pipefail", "-c", script],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=45,  # below pytest's 60 s per test, so this one fires (and names the command)
        check=False,
    )
    return Installed(root, result, log.read_text(encoding="utf-8").splitlines())


def _load_credentials(drop_ins: Path) -> dict[str, str]:
    """`LoadCredential=NAME:PATH` lines of the unit's drop-ins, by name."""
    lines = (
        line.removeprefix("LoadCredential=")
        for conf in sorted(drop_ins.glob("*.conf"))
        for line in conf.read_text(encoding="utf-8").splitlines()
        if line.startswith("LoadCredential=")
    )
    return dict(line.split(":", 1) for line in lines)


def test_the_readme_install_steps_work_as_written(tmp_path: Path) -> None:
    installed = run_install(install_block(), tmp_path)

    root, result = installed.root, installed.result
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    # `check` ran on the installed config, the channel's token read from the credential file.
    config = root / "etc/media-monitor"
    assert f"Config {config}: 1 feeds, 2 rules, 2 channels" in result.stdout
    assert "telegram" in result.stdout
    assert "tgram://" in result.stdout
    credentials = config / "credentials"
    token = (credentials / "TELEGRAM_TOKEN").read_text(encoding="utf-8")
    assert token.split(":")[1] not in result.stdout  # shown masked
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in credentials.iterdir()} == {0o600}
    # The unit is installed as shipped; the service runs the program the install put in place…
    unit = root / "etc/systemd/system/media-monitor.service"
    assert unit.read_text(encoding="utf-8") == (REPO / "systemd/media-monitor.service").read_text(
        encoding="utf-8"
    )
    exec_start = re.search(r"^ExecStart=(\S+)", unit.read_text(encoding="utf-8"), re.MULTILINE)
    assert exec_start
    program = root / exec_start.group(1).lstrip("/")
    assert os.access(program, os.X_OK), program
    # …and systemd hands it every credential `check` was given.
    assert _load_credentials(unit.with_name("media-monitor.service.d")) == {
        path.name: str(path) for path in credentials.iterdir()
    }
    # systemd reads the units once they are written, and starts the service once `check` passed.
    check = installed.call(r"sudo .*/media-monitor --config \S+ check$")
    reload, enable = installed.call("systemctl daemon-reload"), installed.call("systemctl enable")
    assert installed.calls[enable] == "systemctl enable --now media-monitor.service"
    assert installed.call("sudo tee .*/media-monitor.service.d/") < reload < enable
    assert installed.call(r"pip install \.") < check < enable


def test_without_the_credential_file_the_install_stops_at_check(tmp_path: Path) -> None:
    lines = _CONTINUED.sub(" ", install_block()).splitlines()
    kept = [line for line in lines if not _CREDENTIAL_WRITE.search(line.rstrip())]
    assert len(kept) == len(lines) - 1, "the README no longer writes the credential file"

    installed = run_install("\n".join(kept), tmp_path)

    assert installed.result.returncode == 2, installed.result.stderr[-4000:]
    assert "${TELEGRAM_TOKEN} not set" in installed.result.stderr
    assert not any(call.startswith("systemctl enable") for call in installed.calls)


@pytest.mark.parametrize("unit", ["media-monitor.service", "media-monitor-once.service"])
def test_shipped_units_load_no_credential_themselves(unit: str) -> None:
    """A site without that secret would see the unit fail at start (243/CREDENTIALS): each
    site names its own in a drop-in."""
    text = (REPO / "systemd" / unit).read_text(encoding="utf-8")

    assert not re.search(r"^\s*LoadCredential=", text, re.MULTILINE)
