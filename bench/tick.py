"""The daemon's questions to the state while nothing is due: CPU per call against its size.

Builds a state, then times what the daemon asks it again and again: for N feeds, every one
polled and due in an hour, the tick's `due_feeds` (a page through the `feeds_due` index), or,
in older code given with `--code`, `poll_schedule` (which read every feed); for N alerts kept
after their sending (`state_retention` keeps them for months), delivery's `due_alerts` (every
5 s, and after every poll that queues one). CPU is this process's, per call, best of
`--rounds` rounds of `--calls` calls.

    python bench/tick.py [--feeds 2000,10000,50000] [--alerts 10000,100000,300000] [--code DIR]
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_MEASURE = """
import json, sys, tempfile, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from sqlalchemy import insert
from monitor.state.store import Store
from monitor.state.tables import feeds, outbox

kind, count, calls, rounds = sys.argv[1], *(int(a) for a in sys.argv[2:5])
now = datetime.now(UTC)
with tempfile.TemporaryDirectory() as scratch:
    store = Store.open(Path(scratch))
    with store.writer.begin() as conn:
        if kind == "feeds":
            conn.execute(insert(feeds), [
                {"name": f"farm-{n}", "url": f"http://127.0.0.1/feed/{n}",
                 "consecutive_failures": 0, "items_seen": 50,
                 "next_poll_at": now + timedelta(hours=1)}
                for n in range(count)
            ])
        else:  # sent alerts, a rendered story of about 1 KB each, and 3 pending at the end
            sent = now - timedelta(days=1)
            conn.execute(insert(outbox), [
                {"story_key": f"https://news.example/{n}", "channel": f"desk-{n % 3}",
                 "rules": '["france-troops"]', "payload": json.dumps({"title": "x" * 1000}),
                 "attempts": 1,
                 "status": "sent" if n < count else "pending", "created_at": sent,
                 "next_attempt_at": sent, "sent_at": sent}
                for n in range(count + 3)
            ])
    if kind == "alerts":
        ask = lambda: store.due_alerts(now)
    elif hasattr(store, "due_feeds"):
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
    parser.add_argument("--alerts", default="10000,100000,300000")
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--code", type=Path, help="older code to time as well")
    options = parser.parse_args()
    trees = {"this checkout": REPO} | ({"--code": options.code} if options.code else {})
    for kind, sizes, call in (("feeds", options.feeds, "tick"), ("alerts", options.alerts, "due")):
        print(f"{kind:>8}" + "".join(f"{name + f' ms CPU/{call}':>28}" for name in trees))
        for count in (int(n) for n in sizes.split(",")):
            row = f"{count:>8}"
            for code in trees.values():
                answer = subprocess.run(
                    [sys.executable, "-c", _MEASURE, kind]
                    + [str(n) for n in (count, options.calls, options.rounds)],
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
