"""The state on SQLite and on PostgreSQL, side by side: `once` against the loopback farm of
bench/poll.py (a cold cycle, every feed new; then a steady one, 10% of the feeds with 5 new
items, the rest 304), in turns on each backend, each turn on a fresh state; then
`migrate-state` of the last SQLite state into an empty PostgreSQL database.

For PostgreSQL the server's CPU counts too: the `once` process's CPU seconds, and the
server's (its postmaster's own and its reaped backends', from /proc), each per 1,000 feeds.
The server is a throwaway one (tests/support/postgres.py, durability off as in the tests:
`fsync=off`), or the one `--database-url` names (its user must be able to create databases;
its CPU is then not measured).

    python bench/backends.py [--feeds 1000] [--rounds 2] [--database-url URL]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from poll import farm_call, run_once, start_farm, write_config  # noqa: E402

from tests.support import postgres  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu(url: str) -> float | None:
    """CPU seconds of the throwaway server so far (its backends reaped included); None for a
    server not started here."""
    root = os.environ.get("MONITOR_TEST_POSTGRES_DIR")
    if root is None or "MONITOR_TEST_DATABASE_URL" in os.environ:
        return None
    pid = (Path(root) / "data" / "postmaster.pid").read_text().split()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own_and_reaped = sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    live = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if parts[1] == pid:
            live += int(parts[11]) + int(parts[12])
    return (own_and_reaped + live) / CLOCK_TICKS


def one_turn(
    backend: str, server_url: str, scratch: Path, *, ports: list[int], feeds: int, round_no: int
) -> Path:
    """A cold and a steady cycle on a fresh state of `backend`; prints a line for each. The
    config directory it used."""
    run = scratch / f"{round_no}-{backend}"
    run.mkdir()
    url = postgres.fresh_database(server_url, empty=True) if backend == "postgresql" else ""
    os.environ["MONITOR_DATABASE_URL"] = url
    write_config(run / "config", ports, feeds, 'concurrency = 20\ntimeout = "20s"\n')
    for cycle in ("cold", "steady"):
        if cycle == "steady":
            farm_call(ports[0], "/advance?share=0.1&new=5", "POST")
        before = server_cpu(server_url) if url else None
        wall, cpu, peak = run_once(run / "config", run / "once.log")
        after = server_cpu(server_url) if url else None
        db = f"{(after - before) * 1000 / feeds:>10.2f}" if before is not None and after else ""
        print(
            f"{round_no:<7}{backend:<12}{cycle:<8}{wall:>8.1f}{cpu * 1000 / feeds:>10.2f}"
            f"{db:>10}{peak:>9}",
            flush=True,
        )
    return run / "config"


def migrate(config: Path, server_url: str) -> None:
    """`migrate-state` of the SQLite state of `config` into an empty database, timed."""
    target = postgres.fresh_database(server_url, empty=True)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "migrate-state", "--to", target],
        env={**os.environ, "MONITOR_DATABASE_URL": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.monotonic() - started
    rows = int(done.stdout.split("Copied ", 1)[1].split(" rows", 1)[0].replace(",", ""))
    print(f"migrate-state: {rows:,} rows in {wall:.1f} s ({rows / wall:,.0f} rows/s, all told)")


def main() -> None:
    """Run the turns and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database-url", help="a PostgreSQL server to use instead")
    options = parser.parse_args()
    if options.database_url:
        os.environ["MONITOR_TEST_DATABASE_URL"] = options.database_url
    postgres.prepare()
    farm, ports = start_farm(options.feeds, 50, 50)
    try:
        server_url = postgres.server()
        with tempfile.TemporaryDirectory(prefix="bench-backends-") as scratch:
            print(f"{options.feeds} feeds × 50 items; CPU s per 1,000 feeds (once, database)")
            print(
                f"{'round':<7}{'backend':<12}{'cycle':<8}{'wall s':>8}{'once CPU':>10}"
                f"{'db CPU':>10}{'peak MB':>9}"
            )
            sqlite_config = None
            for round_no in range(1, options.rounds + 1):
                for backend in ("sqlite", "postgresql"):
                    used = one_turn(
                        backend,
                        server_url,
                        Path(scratch),
                        ports=ports,
                        feeds=options.feeds,
                        round_no=round_no,
                    )
                    sqlite_config = used if backend == "sqlite" else sqlite_config
            assert sqlite_config is not None
            migrate(sqlite_config, server_url)
    finally:
        assert farm.stdin is not None
        farm.stdin.close()
        farm.wait(10)
        postgres.finish()


if __name__ == "__main__":
    main()
