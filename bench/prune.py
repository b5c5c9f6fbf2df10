"""What pruning the state costs on a database of a long-running service.

Fills a state database with what `feeds` feeds leave behind after `days` days: one new item per
feed every `every` minutes, one story in 100 alerting (delivered long ago), each feed still
listing its newest 50 items. Then times `Store.prune_state` with a 90-day retention twice: the
first prune forgets everything older at once (as after upgrading a long-running instance), the
next finds nothing to forget (as the hourly job does from then on).

    python bench/prune.py [--feeds 500] [--days 120] [--every 60]
"""

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import update

from monitor.model import Decision, FeedUpdate, NewEntry, NewStory, QueuedAlert
from monitor.state.store import Store
from monitor.state.tables import outbox

LISTED = 50
RETENTION = timedelta(days=90)


def fill(store: Store, feeds: int, days: int, every: timedelta, now: datetime) -> int:
    """One decision per feed per day, as if each day's items had come in one poll."""
    per_day = int(timedelta(days=1) / every)
    alert = QueuedAlert("desk", ["r"], {"title": "t"})
    total = 0
    for feed in range(feeds):
        name = f"feed-{feed}"
        for day in range(days):
            polled = now - timedelta(days=days - day)
            keys = [f"{name}/{day}/{i}" for i in range(per_day)]
            stories = tuple(
                NewStory(f"story:{k}", "t", (alert,) if (total + i) % 100 == 0 else ())
                for i, k in enumerate(keys)
            )
            newest = [
                f"{name}/{d}/{i}" for d in range(max(0, day - 2), day + 1) for i in range(per_day)
            ]
            store.apply(
                Decision(
                    feed=name,
                    feed_url=f"u/{name}",
                    polled_at=polled,
                    feed_update=FeedUpdate(0, None, None),
                    entries=tuple(NewEntry(k, f"story:{k}") for k in keys),
                    stories=stories,
                    listed=tuple(newest[-LISTED:]),
                )
            )
            total += len(keys)
    with store.writer.begin() as conn:
        conn.execute(update(outbox).values(status="sent"))  # delivered long ago
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--every", type=int, default=60, help="minutes between a feed's items")
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as state_dir:
        store = Store.open(Path(state_dir))
        start = time.perf_counter()
        entries = fill(store, args.feeds, args.days, timedelta(minutes=args.every), now)
        size = (Path(state_dir) / "monitor.db").stat().st_size
        print(
            f"filled {entries:,} entries and stories of {args.feeds:,} feeds over {args.days} "
            f"days in {time.perf_counter() - start:.0f} s; database {size / 1e6:,.0f} MB"
        )
        for run in ("first prune", "next prune"):
            start, cpu = time.perf_counter(), time.process_time()
            removed = store.prune_state(now - RETENTION)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            gone = ", ".join(f"{n:,} {table}" for table, n in removed.items())
            print(f"{run}: {wall:.2f} s wall, {cpu:.2f} s CPU; removed {gone}")
        store.close()


if __name__ == "__main__":
    main()
