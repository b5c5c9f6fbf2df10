"""Soak: `media-monitor run` against a loopback farm for minutes, items appearing steadily.

Starts bench/farm.py (500 feeds by default) and the daemon (`run`, a subprocess, JSON logs to a
file, feeds polled every 5 s). Every second, 2% of the feeds gain a fresh item; one in
`--match-every` of those matches the rule and must alert once. At the end it prints alerts
delivered against expected (and duplicates), publish→alert latency (p50, p99, max: from the
moment the item appeared on the farm to the moment the alert reached the farm's sink), the
daemon's RSS at start (after the first full cycle), each minute and at the end, and its CPU
use.

    python bench/soak.py [--minutes 10] [--feeds 500] [--interval 5s]
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from poll import REPO, farm_call, start_farm, write_config

_SERIAL = re.compile(r"\(report (\d+)\)")


def rss_mb(pid: int) -> float:
    """Resident set size of `pid`, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by `pid`."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    """The `share` quantile of `values` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def print_alerts(published: dict[int, float], received: list[dict[str, object]]) -> None:
    """Alerts delivered against expected, duplicates, and publish→alert latency."""
    serials, arrivals = [], {}
    for record in received:
        if m := _SERIAL.search(str(record["title"])):
            serials.append(int(m.group(1)))
            arrivals.setdefault(serials[-1], float(record["at"]))  # type: ignore[arg-type]
    latencies = [arrivals[s] - published[s] for s in published if s in arrivals]
    print(
        f"alerts delivered {len(arrivals)} of {len(published)} expected; "
        f"duplicates {len(serials) - len(set(serials))}; "
        f"unexpected {len(set(serials) - set(published))}"
    )
    if latencies:
        print(
            f"publish→alert latency: p50 {statistics.median(latencies):.2f} s, "
            f"p99 {percentile(latencies, 0.99):.2f} s, max {max(latencies):.2f} s"
        )


def main() -> None:
    """Run the soak and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--interval", default="5s")
    parser.add_argument("--share", type=float, default=0.02, help="feeds gaining an item per s")
    parser.add_argument("--match-every", type=int, default=5)
    options = parser.parse_args()
    farm, ports = start_farm(options.feeds, 20, 10, ("--match-every", str(options.match_every)))
    published: dict[int, float] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-soak-") as scratch:
            config = Path(scratch) / "config"
            settings = (
                'concurrency = 20\ntimeout = "10s"\nstatus_interval = "1m"\n'
                # Every matching item must alert: the storm guard would hold most back.
                "feed_alerts_per_hour = 1000000\nrule_alerts_per_hour = 1000000\n"
            )
            write_config(config, ports, options.feeds, settings, options.interval)
            log = (Path(scratch) / "run.log").open("w")
            daemon = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "monitor",
                    "--config",
                    str(config),
                    "--log-format=json",
                    "run",
                ],
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            time.sleep(20)  # the first full cycle: every feed new, 10,000 old items recorded
            rss_start, cpu_start = rss_mb(daemon.pid), cpu_seconds(daemon.pid)
            print(
                f"{options.feeds} feeds every {options.interval}, {options.minutes} min; "
                f"RSS after the first cycle {rss_start:.0f} MB",
                flush=True,
            )
            started = time.monotonic()
            end = started + options.minutes * 60
            rss_peak, minute = rss_start, 1
            while time.monotonic() < end:
                tick = time.monotonic()
                if tick - started >= minute * 60:  # whether the growth levels off
                    print(f"minute {minute}: RSS {rss_mb(daemon.pid):.0f} MB", flush=True)
                    minute += 1
                answer = farm_call(ports[0], f"/advance?share={options.share}&new=1", "POST")
                for serial in answer["alerting"]:  # type: ignore[index]
                    published[serial] = answer["at"]  # type: ignore[index]
                rss_peak = max(rss_peak, rss_mb(daemon.pid))
                time.sleep(max(0.0, 1 - (time.monotonic() - tick)))
            time.sleep(15)  # the last items' polls and deliveries
            rss_end, cpu_end = rss_mb(daemon.pid), cpu_seconds(daemon.pid)
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(30)
            log.close()
            received = farm_call(ports[0], "/received")
    finally:
        assert farm.stdin is not None
        farm.stdin.close()
        farm.wait(10)
    print_alerts(published, received)  # type: ignore[arg-type]
    elapsed = options.minutes * 60
    print(
        f"RSS start {rss_start:.0f} MB, end {rss_end:.0f} MB "
        f"({(rss_end / rss_start - 1) * 100:+.1f}%), peak {rss_peak:.0f} MB"
    )
    print(
        f"CPU {cpu_end - cpu_start:.0f} s over {elapsed + 15:.0f} s "
        f"({(cpu_end - cpu_start) / (elapsed + 15) * 100:.0f}% of one core); exit code {code}"
    )


if __name__ == "__main__":
    main()
