"""Poll throughput: `media-monitor once` against a loopback farm of realistic feeds.

Starts bench/farm.py (2,000 feeds of 50 items on 50 ports of 127.0.0.1 by default), writes a
config for them, and runs `once` as a user would (a subprocess, logs at info to a file):
first a cold cycle (every feed new: all answer 200), then steady cycles in which 10% of the
feeds gained 5 fresh items and the other 90% answer 304. For each cycle it prints wall time,
feeds/s, CPU seconds (user + system of the `once` process) per 1,000 feeds, peak RSS, and the
alerts the farm's sink received.

    python bench/poll.py [--feeds 2000] [--items 50] [--cycles 2] [--concurrency 20]

`--against DIR` compares the cold cycle instead: this checkout and the code in DIR (e.g. an
older commit unpacked with `git archive`), in turns, each on a fresh state, `--rounds` times.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RULES = """
[actors.France]
aliases = ["France", "French", "Paris", "Macron"]
[actors.Ukraine]
aliases = ["Ukraine", "Kyiv", "Украин*"]
[topics.troops]
terms = ["troops", "soldiers", "boots on the ground"]

[[rules]]
name = "france-troops-ukraine"
query = "@France AND @Ukraine AND @troops"
channels = ["desk"]
"""


def start_farm(
    feeds: int, items: int, ports: int, extra: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[str], list[int]]:
    """The farm process (it stops when its stdin closes) and its ports; `extra`: more of
    farm.py's options."""
    farm = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "bench" / "farm.py"),
            *("--feeds", str(feeds), "--items", str(items), "--ports", str(ports)),
            *extra,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert farm.stdout is not None
    return farm, json.loads(farm.stdout.readline())["ports"]


def write_config(
    directory: Path, ports: list[int], feeds: int, settings: str, interval: str | None = None
) -> None:
    """monitor.toml (with `settings` in [monitor]), feeds.toml and rules.toml for the farm."""
    directory.mkdir()
    (directory / "monitor.toml").write_text(
        f'[monitor]\nstate_dir = "{directory.parent / "state"}"\n{settings}\n'
        f'[channels.desk]\nurls = ["json://127.0.0.1:{ports[0]}/sink"]\n',
        encoding="utf-8",
    )
    every = f'interval = "{interval}"\n' if interval else ""
    (directory / "feeds.toml").write_text(
        "".join(
            f'[[feeds]]\nname = "farm-{n}"\n{every}'
            f'url = "http://127.0.0.1:{ports[n % len(ports)]}/feed/{n}"\n\n'
            for n in range(feeds)
        ),
        encoding="utf-8",
    )
    (directory / "rules.toml").write_text(RULES, encoding="utf-8")


def run_once(config: Path, log: Path, code: Path = REPO) -> tuple[float, float, int]:
    """Run `once` with the code in `code`; its wall seconds, CPU seconds and peak RSS in MB."""
    started = time.monotonic()
    with log.open("a") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "once"],
            cwd=code,
            env={**os.environ, "PYTHONPATH": str(code)},
            stdout=sink,
            stderr=sink,
        )
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"once failed; see {log}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def farm_call(port: int, path: str, method: str = "GET") -> object:
    """A JSON request to the farm."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def compare_cold(options: argparse.Namespace, ports: list[int], scratch: Path) -> None:
    """The cold cycle of this checkout and of `--against`, in turns, each on a fresh state."""
    trees = {"this checkout": REPO, "--against": options.against.resolve()}
    settings = f'concurrency = {options.concurrency}\ntimeout = "20s"\n'
    print(f"{'round':<7}{'code':<15}{'wall s':>8}{'CPU s/1k':>10}{'peak MB':>9}{'alerts':>8}")
    for round_number in range(1, options.rounds + 1):
        for name, code in trees.items():
            run = scratch / f"{round_number}-{name.strip('-').replace(' ', '-')}"
            run.mkdir()
            write_config(run / "config", ports, options.feeds, settings)
            before = len(farm_call(ports[0], "/received"))  # type: ignore[arg-type]
            wall, cpu, peak = run_once(run / "config", run / "once.log", code)
            alerts = len(farm_call(ports[0], "/received")) - before  # type: ignore[arg-type]
            cpu_per_k = cpu * 1000 / options.feeds
            print(f"{round_number:<7}{name:<15}{wall:>8.1f}{cpu_per_k:>10.2f}{peak:>9}{alerts:>8}")


def main() -> None:
    """Run the cycles and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--ports", type=int, default=50)
    parser.add_argument("--cycles", type=int, default=2, help="steady cycles after the cold one")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--against", type=Path, help="another tree of the code to compare")
    parser.add_argument("--rounds", type=int, default=2, help="cold cycles each, with --against")
    options = parser.parse_args()
    farm, ports = start_farm(options.feeds, options.items, options.ports)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-poll-") as scratch:
            if options.against is not None:
                compare_cold(options, ports, Path(scratch))
                return
            config = Path(scratch) / "config"
            settings = f'concurrency = {options.concurrency}\ntimeout = "20s"\n'
            write_config(config, ports, options.feeds, settings)
            log = Path(scratch) / "once.log"
            print(
                f"{options.feeds} feeds × {options.items} items on {len(ports)} loopback ports, "
                f"concurrency {options.concurrency}"
            )
            print(
                f"{'cycle':<22}{'wall s':>8}{'feeds/s':>9}{'CPU s/1k':>10}{'peak MB':>9}"
                f"{'alerts':>8}"
            )
            for cycle in range(options.cycles + 1):
                label = "cold (all 200)"
                if cycle:
                    farm_call(ports[0], "/advance?share=0.1&new=5", "POST")
                    label = f"steady {cycle} (90% 304)"
                before = len(farm_call(ports[0], "/received"))  # type: ignore[arg-type]
                wall, cpu, peak = run_once(config, log)
                alerts = len(farm_call(ports[0], "/received")) - before  # type: ignore[arg-type]
                print(
                    f"{label:<22}{wall:>8.1f}{options.feeds / wall:>9.0f}"
                    f"{cpu * 1000 / options.feeds:>10.2f}{peak:>9}{alerts:>8}"
                )
            size = sum(p.stat().st_size for p in (Path(scratch) / "state").iterdir())
            print(f"state after the run: {size / 1e6:.0f} MB")
    finally:
        assert farm.stdin is not None
        farm.stdin.close()
        farm.wait(10)


if __name__ == "__main__":
    main()
