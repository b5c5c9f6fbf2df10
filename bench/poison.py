"""A poison feed against the event loop: how long the loop stalls while one poll reads a flood of
matching entries.

Writes an RSS file of `--entries` stories that all match a rule (9.5 MB and ~200,000 entries was
the red-team's feed; the default is smaller so that old code finishes in minutes), then, in a
child process per code tree, polls it once with `Poller` while a ticker task sleeps 10 ms at a
time on the same loop. Prints the poll's wall time, the process's CPU time, and the ticker's
longest gap: how long the loop could not run anything else (the tick, the watchdog's ping,
`/healthz`, other feeds).

    python bench/poison.py [--entries 20000] [--against DIR]

`--against DIR` also runs the code in DIR (e.g. `git archive` of an older commit), in turns.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RULES = """
[actors.Russia]
aliases = ["Russia", "Moscow", "Kremlin"]

[[rules]]
name = "russia-warns"
query = "@Russia AND warns"
channels = ["desk"]
"""


def write_feed(path: Path, entries: int) -> None:
    """An RSS document of `entries` matching stories, newest first."""
    now = datetime.now(UTC)
    items = "".join(
        f"<item><guid>flood-{n}</guid><title>Kremlin warns Kyiv, bulletin {n}</title>"
        f"<link>https://news.example.org/flood/{n}</link>"
        f"<pubDate>{format_datetime(now - timedelta(seconds=n))}</pubDate></item>"
        for n in range(entries)
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Flood</title>'
        f"<link>https://news.example.org/</link><description>x</description>{items}"
        "</channel></rss>",
        encoding="utf-8",
    )


def write_config(directory: Path, feed: Path) -> None:
    """A config polling `feed`, its state in `directory/state`."""
    directory.mkdir(parents=True)
    (directory / "monitor.toml").write_text(
        f'[monitor]\nstate_dir = "{directory / "state"}"\n'
        '[channels.desk]\nurls = ["json://127.0.0.1:9/sink"]\n',
        encoding="utf-8",
    )
    (directory / "feeds.toml").write_text(
        f'[[feeds]]\nname = "flood"\nurl = "file://{feed}"\n', encoding="utf-8"
    )
    (directory / "rules.toml").write_text(RULES, encoding="utf-8")


async def poll_once(config_dir: Path) -> dict[str, float]:
    """In the child: one poll of the flood, with the loop's longest gap measured."""
    from monitor.config.load import load_config  # noqa: PLC0415 (the tree under test)
    from monitor.polling.poller import Poller, http_session  # noqa: PLC0415
    from monitor.state.store import Store  # noqa: PLC0415

    config = load_config(config_dir)
    store = Store.open(config.settings.state_dir)
    longest, last = 0.0, time.perf_counter()

    async def ticker() -> None:
        nonlocal longest, last
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            longest, last = max(longest, now - last - 0.01), now

    task = asyncio.create_task(ticker())
    started, cpu = time.perf_counter(), time.process_time()
    async with http_session(config) as session:
        poller = Poller(config, store, config.matcher, session)
        decision = await poller.poll(config.feeds["flood"])
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    # A stall that lasts to the poll's end is one the ticker has not woken up from yet.
    longest = max(longest, time.perf_counter() - last - 0.01)
    task.cancel()
    store.close()
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "longest_loop_stall_s": round(longest, 3),
        "entries_written": len(decision.entries),
    }


def run_child(tree: Path, config_dir: Path) -> dict[str, float]:
    """Poll once with the code in `tree`, in a fresh process."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(config_dir)],
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Parse the options and print one line per tree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--against", type=Path, help="another tree of the code to run too")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child is not None:
        print(json.dumps(asyncio.run(poll_once(options.child))))
        return
    trees = {"this tree": REPO}
    if options.against is not None:
        trees["--against"] = options.against.resolve()
    with tempfile.TemporaryDirectory() as scratch:
        feed = Path(scratch) / "flood.xml"
        write_feed(feed, options.entries)
        size = feed.stat().st_size / 1e6
        print(f"flood: {options.entries:,} matching entries, {size:.1f} MB")
        for label, tree in trees.items():
            config_dir = Path(scratch) / label.replace(" ", "-")
            write_config(config_dir, feed)
            print(f"{label}: {json.dumps(run_child(tree, config_dir))}", flush=True)


if __name__ == "__main__":
    main()
