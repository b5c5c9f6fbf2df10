"""Nodes: 1, 2 and 3 `media-monitor run` processes on one PostgreSQL state, against the loopback
farm of bench/poll.py (`--feeds` feeds of 50 items, one item in five matching the rule).

Each variant starts on a fresh database and a fresh farm, every feed polled every
`--interval`, each node serving `/metrics` on loopback. It measures:

1. the first cycle (every feed new, all 200), until the nodes' poll counters add up to the
   feed count, start-up included; meanwhile every 2 s five feeds already polled gain an item;
2. the steady state for `--steady` seconds right after it: fresh items at the issue's rate
   (10% of the feeds gain 5 items per interval), the rest answer 304;

and prints for each phase polls/s, CPU ms per poll of the nodes (with their parse workers),
the database server's CPU ms per poll (its backends, from /proc: the throwaway server of
tests/support/postgres.py, durability off), and, once the last items had an interval to
arrive, alert latency fetch→alert (from the farm first serving the item: claims, matching,
the outbox, delivery) and publish→alert (which adds the wait for the feed's next poll), p50
and p99, with the alerts that arrived twice.

    python bench/cluster.py [--feeds 2000] [--nodes 1,2,3] [--interval 1m] [--steady 60]
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from backends import server_cpu  # noqa: E402
from poll import farm_call, start_farm, write_config  # noqa: E402
from scale import cpu_seconds, polls  # noqa: E402
from soak import percentile  # noqa: E402

from tests.support import postgres  # noqa: E402

_SERIAL = "(report "


class Nodes:
    """`n` nodes on one fresh database, against one fresh farm."""

    def __init__(self, options: argparse.Namespace, count: int, scratch: Path) -> None:
        self.options = options
        self.farm, self.ports = start_farm(options.feeds, 50, 50, ("--match-every", "5"))
        self.url = postgres.fresh_database(postgres.server(), empty=True)
        self.metrics = [self.ports[-1] + 1000 + n for n in range(count)]
        config = scratch / "config"
        settings = (
            'concurrency = 20\ntimeout = "20s"\nstatus_interval = "1m"\n'
            "feed_alerts_per_hour = 1000000\nrule_alerts_per_hour = 1000000\n"
            "feed_alerts_per_poll = 1000000\nrule_alerts_per_poll = 1000000\n"
        )
        write_config(config, self.ports, options.feeds, settings, options.interval)
        self.published: dict[int, tuple[float, str]] = {}
        self.processes = []
        for n, port in enumerate(self.metrics):
            with (scratch / f"node-{n}.log").open("a") as sink:
                env = {
                    **os.environ,
                    "MONITOR_DATABASE_URL": self.url,
                    "MONITOR_NODE_NAME": f"node-{n}",
                    "MONITOR_HTTP": f"127.0.0.1:{port}",
                }
                command = [sys.executable, "-m", "monitor", "--config", str(config)]
                self.processes.append(
                    subprocess.Popen(
                        [*command, "--log-format=json", "run"],
                        cwd=REPO,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=sink,
                    )
                )

    def polls(self) -> int:
        return sum(polls(port) for port in self.metrics)

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.processes)

    def publish(self, phase: str, query: str) -> None:
        answer = farm_call(self.ports[0], f"/advance?{query}", "POST")
        for serial in answer["alerting"]:  # type: ignore[index]
            self.published[serial] = (answer["at"], phase)  # type: ignore[index]

    def until(self, done: float | None, every: float, query: str, phase: str) -> None:
        """Publish `query` every `every` s until `done` (a time), or until every feed was
        polled once (None)."""
        last = 0.0
        while (self.polls() < self.options.feeds) if done is None else time.monotonic() < done:
            if any(p.poll() is not None for p in self.processes):
                sys.exit("a node exited; see its log")
            if time.monotonic() - last >= every:
                last = time.monotonic()
                self.publish(phase, query)
            time.sleep(1)

    def latencies(self, phase: str) -> str:
        received = farm_call(self.ports[0], "/received")
        fetched = {int(k): v for k, v in farm_call(self.ports[0], "/fetched").items()}  # type: ignore[attr-defined]
        arrived: dict[int, float] = {}
        times: Counter[int] = Counter()
        for record in received:  # type: ignore[attr-defined]
            title = str(record["title"])
            if _SERIAL in title:
                serial = int(title.rsplit(_SERIAL, 1)[1].rstrip(")"))
                arrived.setdefault(serial, float(record["at"]))
                times[serial] += 1
        mine = [s for s, (_at, p) in self.published.items() if p == phase]
        publish = [arrived[s] - self.published[s][0] for s in mine if s in arrived]
        fetch = [arrived[s] - fetched[s] for s in mine if s in arrived and s in fetched]
        twice = sum(1 for s in mine if times[s] > 1)
        if not fetch:
            return f"{len(publish)} of {len(mine)} alerts"
        return (
            f"{len(publish)} of {len(mine)} alerts ({twice} twice); fetch→alert p50 "
            f"{statistics.median(fetch):.1f} s p99 {percentile(fetch, 0.99):.1f} s; "
            f"publish→alert p50 {statistics.median(publish):.1f} s "
            f"p99 {percentile(publish, 0.99):.1f} s"
        )

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            process.wait(60)
        assert self.farm.stdin is not None
        self.farm.stdin.close()
        self.farm.wait(10)
        postgres.drop_database(self.url)


def measured(nodes: Nodes, phase: str, run: Callable[[], None]) -> None:
    """Run a phase; print its polls/s, CPU and database CPU per poll."""
    server_url = postgres.server()
    started, polls0, cpu0 = time.monotonic(), nodes.polls(), nodes.cpu()
    db0 = server_cpu(server_url)
    run()
    wall, done = time.monotonic() - started, nodes.polls() - polls0
    cpu, db1 = nodes.cpu() - cpu0, server_cpu(server_url)
    db = f"{(db1 - db0) * 1000 / done:>8.2f}" if db0 is not None and db1 is not None else "       -"
    print(
        f"{len(nodes.processes):<6}{phase:<13}{wall:>7.0f}{done:>8}{done / wall:>9.1f}"
        f"{cpu * 1000 / done:>10.2f}{db}",
        flush=True,
    )


def variant(options: argparse.Namespace, count: int, scratch: Path) -> str:
    """`count` nodes through both phases; the line of their alerts' latencies."""
    nodes = Nodes(options, count, scratch)
    try:
        first = partial(nodes.until, None, 2, "count=5&new=1&served=1", "first cycle")
        measured(nodes, "first cycle", first)
        share = 0.1 * 10 / options.interval_seconds
        end = time.monotonic() + options.steady
        measured(nodes, "steady", partial(nodes.until, end, 10, f"share={share}&new=5", "steady"))
        time.sleep(options.interval_seconds + 10)  # the last items' next poll
        return f"{count} node(s), steady: {nodes.latencies('steady')}"
    finally:
        nodes.stop()


def main() -> None:
    """Run the variants and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--nodes", default="1,2,3")
    parser.add_argument("--interval", default="1m")
    parser.add_argument("--interval-seconds", type=float, default=60)
    parser.add_argument("--steady", type=float, default=60, help="seconds of steady state")
    options = parser.parse_args()
    postgres.prepare()
    try:
        print(f"{options.feeds} feeds × 50 items, every {options.interval}; {os.cpu_count()} cores")
        print(
            f"{'nodes':<6}{'phase':<13}{'wall s':>7}{'polls':>8}{'polls/s':>9}"
            f"{'CPU ms/p':>10}{'db ms/p':>8}"
        )
        lines = []
        for count in (int(n) for n in options.nodes.split(",")):
            with tempfile.TemporaryDirectory(prefix="bench-cluster-") as scratch:
                lines.append(variant(options, count, Path(scratch)))
        print("\n".join(lines))
    finally:
        postgres.finish()


if __name__ == "__main__":
    main()
