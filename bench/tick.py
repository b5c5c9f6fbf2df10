"""The daemon's tick with nothing due: CPU per tick against the number of feeds.

Builds a state of N feeds, every one polled and due in an hour, then times what the tick asks
the state: `due_feeds` (a page through the `feeds_due` index), or, in older code given with
`--code`, `poll_schedule` (which read every feed). CPU is this process's, per call, best of
`--rounds` rounds of `--calls` calls.

    python bench/tick.py [--feeds 2000,10000,50000] [--code DIR]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_MEASURE = """
import sys, tempfile, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from sqlalchemy import insert
from monitor.state.store import Store
from monitor.state.tables import feeds

count, calls, rounds = (int(a) for a in sys.argv[1:4])
now = datetime.now(UTC)
with tempfile.TemporaryDirectory() as scratch:
    store = Store.open(Path(scratch))
    with store.writer.begin() as conn:
        conn.execute(insert(feeds), [
            {"name": f"farm-{n}", "url": f"http://127.0.0.1/feed/{n}", "consecutive_failures": 0,
             "items_seen": 50, "next_poll_at": now + timedelta(hours=1)}
            for n in range(count)
        ])
    if hasattr(store, "due_feeds"):
        ask = lambda: store.due_feeds(now, 40, {f"farm-{n}" for n in range(20)})
    else:
        ask = lambda: store.poll_schedule(now)
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(calls):
            ask()
        best = min(best, (time.process_time() - started) / calls)
    store.close()
print(f"{best * 1000:.3f}")
"""


def main() -> None:
    """Time the tick's question for each feed count, this checkout and `--code`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", default="2000,10000,50000")
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--code", type=Path, help="older code to time as well")
    options = parser.parse_args()
    trees = {"this checkout": REPO} | ({"--code": options.code} if options.code else {})
    print(f"{'feeds':>8}" + "".join(f"{name + ' ms CPU/tick':>28}" for name in trees))
    calls, rounds = options.calls, options.rounds
    for count in (int(n) for n in options.feeds.split(",")):
        row = f"{count:>8}"
        for code in trees.values():
            answer = subprocess.run(
                [sys.executable, "-c", _MEASURE, *(str(n) for n in (count, calls, rounds))],
                cwd=tempfile.gettempdir(),
                env={**os.environ, "PYTHONPATH": str(code)},
                capture_output=True,
                text=True,
                check=True,
            )
            row += f"{answer.stdout.split()[-1]:>28}"  # the last line: the figure
        print(row, flush=True)


if __name__ == "__main__":
    main()
