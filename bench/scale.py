"""Scale: `media-monitor run` against a loopback farm of thousands of feeds.

Starts bench/farm.py (`--feeds` feeds of `--items` items on 50 ports of 127.0.0.1) and the
daemon (`run`, a subprocess, JSON logs at info to a file, every feed polled every `--interval`,
`/metrics` on loopback), then measures, for the daemon and the processes it started (its parse
workers), CPU as user + system seconds read from /proc and RSS summed over them:

1. the first cycle (every feed new, all 200): wall time and CPU until every feed has been polled
   once (the daemon's poll counter), start-up included. Meanwhile, every 2 s, five feeds already
   polled gain a fresh item each (one in five matches the rule: its alert is timed);
2. the steady state, for `--steady` seconds right after the first cycle (one interval by
   default: each feed's second poll falls in it when the first cycle took less than one
   interval): fresh items at the issue's rate (10% of the feeds gain 5 items per interval,
   spread evenly), the rest answer 304; CPU scaled to 5 minutes;
3. idle: the daemon stopped, every feed's next poll moved a day on in the state, the daemon
   started again; CPU over `--idle` seconds after a 15-second settling (the tick with nothing due);
4. peak RSS over phases 1 and 2 (and one more interval, for the last items' alerts), and alert
   latency during and after the first cycle, twice:
   publish→alert (from the item's appearance on the farm: includes the wait for its feed's next
   poll, up to an interval) and fetch→alert (from the farm first serving the item: what the
   daemon's own queues add).

`--short` stops after the first cycle and prints its figures and the peak RSS so far (each
process's own high-water mark, `VmHWM`, and the sampled sum with the workers): enough for
memory, at a fraction of the time. `--once` measures `media-monitor once` instead of the daemon
(one cold cycle: wall, CPU, the largest process's peak RSS).

    python bench/scale.py [--feeds 2000] [--items 50] [--interval 5m] [--steady 300]
                          [--idle 30] [--short | --once] [--code DIR]

`--code DIR` runs the code in DIR instead of this checkout (an older commit unpacked with
`git archive`), for the figures before.
"""

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from poll import REPO, farm_call, run_once, start_farm, write_config
from soak import percentile

_TICKS = os.sysconf("SC_CLK_TCK")
_SERIAL_FROM_TITLE = "(report "
_RUN = ("--log-format=json", "run")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            tree.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    return tree


def _family(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, ()))
    return found


def cpu_seconds(pid: int, *, own: bool = False) -> float:
    """User + system CPU seconds of `pid` and its live descendants, and of those it reaped
    (`own`: of `pid` alone)."""
    total = 0.0
    for member in [pid] if own else _family(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        reaped = member == pid and not own  # its children's that ended count too
        total += sum(int(f) for f in fields[11 : 15 if reaped else 13]) / _TICKS
    return total


def rss_mb(pid: int, field: str = "VmRSS") -> tuple[float, float]:
    """RSS of `pid` alone and of it with its descendants, in MB (`field` "VmHWM": each
    process's peak so far)."""
    sizes = {}
    for member in _family(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        sizes[member] = next(
            (int(line.split()[1]) / 1024 for line in status.splitlines() if field in line), 0.0
        )
    return sizes.get(pid, 0.0), sum(sizes.values())


def polls(port: int) -> int:
    """Polls the daemon has finished, from its /metrics."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
            text = answer.read().decode()
    except OSError:
        return 0
    return sum(
        int(float(line.rsplit(" ", 1)[1]))
        for line in text.splitlines()
        if line.startswith("media_monitor_polls_total")
    )


class Run:
    """The daemon under measurement, and what the farm was asked to publish."""

    def __init__(self, options: argparse.Namespace, ports: list[int], scratch: Path) -> None:
        self.options, self.ports, self.scratch = options, ports, scratch
        self.metrics_port = ports[-1] + 1000
        self.config = scratch / "config"
        settings = (
            f'concurrency = {options.concurrency}\ntimeout = "20s"\nstatus_interval = "1m"\n'
            f'http = "127.0.0.1:{self.metrics_port}"\n'
            # Every fresh item that matches must alert: the storm guard would hold most back.
            "feed_alerts_per_hour = 1000000\nrule_alerts_per_hour = 1000000\n"
            "feed_alerts_per_poll = 1000000\nrule_alerts_per_poll = 1000000\n"
        )
        write_config(self.config, ports, options.feeds, settings, options.interval)
        self.published: dict[int, tuple[float, str]] = {}  # serial → (time, phase)
        self.rss_peak = (0.0, 0.0)
        self.daemon = self.start()

    def start(self) -> subprocess.Popen[bytes]:
        """The daemon, logging to run.log."""
        code = self.options.code or REPO
        with (self.scratch / "run.log").open("a") as sink:
            return subprocess.Popen(
                [sys.executable, "-m", "monitor", "--config", str(self.config), *_RUN],
                cwd=code,
                env={**os.environ, "PYTHONPATH": str(code)},
                stdout=subprocess.DEVNULL,
                stderr=sink,
            )

    def stop(self) -> None:
        """SIGTERM, and wait."""
        self.daemon.send_signal(signal.SIGTERM)
        self.daemon.wait(60)

    def publish(self, phase: str, query: str) -> None:
        """Ask the farm for fresh items; note the ones that must alert."""
        answer = farm_call(self.ports[0], f"/advance?{query}", "POST")
        for serial in answer["alerting"]:  # type: ignore[index]
            self.published[serial] = (answer["at"], phase)  # type: ignore[index]

    def sample(self) -> None:
        """Keep the peak RSS."""
        own, family = rss_mb(self.daemon.pid)
        self.rss_peak = (max(self.rss_peak[0], own), max(self.rss_peak[1], family))

    def until(self, done: Callable[[], bool], every: float, act: Callable[[], None]) -> None:
        """`act()` every `every` seconds (and sample RSS each second) until `done()`."""
        last = 0.0
        while not done():
            if time.monotonic() - last >= every:
                last = time.monotonic()
                act()
            self.sample()
            if self.daemon.poll() is not None:
                sys.exit(f"the daemon exited; see {self.scratch / 'run.log'}")
            time.sleep(1)


def latencies(run: Run, phase: str) -> str:
    """publish→alert and fetch→alert p50/p99 of the alerts of `phase`."""
    received = farm_call(run.ports[0], "/received")
    fetched = {int(k): v for k, v in farm_call(run.ports[0], "/fetched").items()}  # type: ignore[attr-defined]
    arrived: dict[int, float] = {}
    for record in received:  # type: ignore[attr-defined]
        title = str(record["title"])
        if _SERIAL_FROM_TITLE in title:
            serial = int(title.rsplit(_SERIAL_FROM_TITLE, 1)[1].rstrip(")"))
            arrived.setdefault(serial, float(record["at"]))
    mine = [s for s, (_at, p) in run.published.items() if p == phase]
    publish = [arrived[s] - run.published[s][0] for s in mine if s in arrived]
    fetch = [arrived[s] - fetched[s] for s in mine if s in arrived and s in fetched]
    if not publish:
        return f"{phase}: no alerts of {len(mine)}"
    return (
        f"{phase}: {len(publish)} of {len(mine)} alerts; publish→alert p50 "
        f"{statistics.median(publish):.1f} s p99 {percentile(publish, 0.99):.1f} s; "
        f"fetch→alert p50 {statistics.median(fetch):.1f} s p99 {percentile(fetch, 0.99):.1f} s"
    )


def postpone_every_poll(state: Path) -> None:
    """Move every feed's next poll a day on: nothing is due."""
    with sqlite3.connect(state / "monitor.db") as db:
        db.execute("UPDATE feeds SET next_poll_at = datetime('now', '+1 day')")


def main() -> None:
    """Run the phases and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--interval", default="5m")
    parser.add_argument("--interval-seconds", type=float, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--steady", type=float, default=300, help="seconds of steady state")
    parser.add_argument("--idle", type=float, default=30, help="seconds of idle")
    parser.add_argument("--code", type=Path, help="another tree of the code to run")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--short", action="store_true", help="the first cycle and peak RSS only")
    mode.add_argument("--once", action="store_true", help="`once`'s cold cycle, not `run`")
    options = parser.parse_args()
    farm, ports = start_farm(options.feeds, options.items, 50, ("--match-every", "5"))
    try:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
            if options.once:
                measure_once(options, ports, Path(scratch))
            else:
                measure(options, ports, Path(scratch))
    finally:
        assert farm.stdin is not None
        farm.stdin.close()
        farm.wait(10)


def measure_once(options: argparse.Namespace, ports: list[int], scratch: Path) -> None:
    """`once`'s cold cycle: every feed new."""
    print(f"{options.feeds} feeds × {options.items} items, `once`", flush=True)
    config = scratch / "config"
    write_config(config, ports, options.feeds, f"concurrency = {options.concurrency}\n")
    wall, cpu, peak = run_once(config, scratch / "once.log", options.code or REPO)
    print(f"once: {wall:.0f} s wall, {cpu:.0f} CPU-s, peak RSS {peak} MB (its largest process)")


def measure(options: argparse.Namespace, ports: list[int], scratch: Path) -> None:
    """The three phases, printed as they end (`--short`: the first only)."""
    print(f"{options.feeds} feeds × {options.items} items, every {options.interval}", flush=True)
    started = time.monotonic()
    run = Run(options, ports, scratch)
    pid = run.daemon.pid
    run.until(
        lambda: polls(run.metrics_port) >= options.feeds,
        2,
        lambda: run.publish("first cycle", "count=5&new=1&served=1"),
    )
    wall, cpu, own = time.monotonic() - started, cpu_seconds(pid), cpu_seconds(pid, own=True)
    print(
        f"first cycle: {wall:.0f} s wall, {cpu:.0f} CPU-s (the daemon's own {own:.0f}, its "
        f"workers' {cpu - own:.0f})",
        flush=True,
    )
    if options.short:
        own_peak, family_peak = rss_mb(pid, "VmHWM")
        print(
            f"peak RSS: daemon {own_peak:.0f} MB (VmHWM), with its workers {family_peak:.0f} MB "
            f"(each one's VmHWM summed; sampled each second: {run.rss_peak[1]:.0f} MB)"
        )
        run.stop()
        return
    every = 10.0
    share = 0.1 * every / options.interval_seconds
    steady_from, cpu_from = time.monotonic(), cpu_seconds(pid)
    run.until(
        lambda: time.monotonic() - steady_from >= options.steady,
        every,
        lambda: run.publish("steady", f"share={share}&new=5"),
    )
    steady_cpu = cpu_seconds(pid) - cpu_from
    steady_wall = time.monotonic() - steady_from
    per_5min = steady_cpu * 300 / steady_wall
    print(
        f"steady: {steady_cpu:.1f} CPU-s over {steady_wall:.0f} s = {per_5min:.0f} CPU-s per "
        f"5 min ({per_5min / 3:.1f}% of a core)",
        flush=True,
    )
    # The last items wait up to an interval for their feed's next poll.
    run.until(
        lambda: time.monotonic() - steady_from >= steady_wall + options.interval_seconds + 10,
        60,
        lambda: None,
    )
    print(f"peak RSS: daemon {run.rss_peak[0]:.0f} MB, with its workers {run.rss_peak[1]:.0f} MB")
    print(latencies(run, "first cycle"))
    print(latencies(run, "steady"), flush=True)
    run.stop()
    postpone_every_poll(scratch / "state")
    run.daemon = run.start()
    time.sleep(15)
    idle_from, cpu_from = time.monotonic(), cpu_seconds(run.daemon.pid)
    time.sleep(options.idle)
    idle = cpu_seconds(run.daemon.pid) - cpu_from
    print(
        f"idle: {idle:.2f} CPU-s over {time.monotonic() - idle_from:.0f} s "
        f"({idle / (time.monotonic() - idle_from) * 100:.1f}% of a core)"
    )
    run.stop()


if __name__ == "__main__":
    main()
