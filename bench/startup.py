"""CLI start-up: the CPU seconds (user + system) of `--help`, `check` and a one-sentence
`test-rule` on the bundled example config, best and median of N runs.

`--against DIR` also times the code in DIR (e.g. an older commit unpacked with `git archive`),
run with the same interpreter and `PYTHONPATH=DIR`, in turns with this checkout's: the machine's
speed drifts, so only figures taken side by side compare.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

REPO = Path(__file__).resolve().parents[1]
COMMANDS = {
    "--help": ["--help"],
    "check": ["--config", "config", "check"],
    "test-rule": ["--config", "config", "test-rule", "@France", "--text", "French troops"],
}


def cpu_seconds(code: Path, args: list[str], cwd: Path) -> float:
    """The CPU time of one `python -m monitor ARGS` run of the code in `code`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    """Time each command, in turns for each code tree, and print best and median."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--against", type=Path, help="another tree of the code to time too")
    options = parser.parse_args()
    trees = {"this checkout": REPO}
    if options.against is not None:
        trees["--against"] = options.against.resolve()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        cwd = Path(scratch)
        shutil.copytree(REPO / "config", cwd / "config", ignore=shutil.ignore_patterns("state"))
        print(f"CPU seconds, {options.runs} runs each: best / median")
        for name, args in COMMANDS.items():
            times: dict[str, list[float]] = {tree: [] for tree in trees}
            for _ in range(options.runs):
                for tree, code in trees.items():
                    times[tree].append(cpu_seconds(code, args, cwd))
            shown = "   ".join(
                f"{tree}: {min(found):.2f} / {median(found):.2f}" for tree, found in times.items()
            )
            print(f"{name:<10} {shown}")


if __name__ == "__main__":
    main()
