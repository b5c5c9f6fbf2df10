"""Stories across outlets: what clustering costs a poll cycle, and what it keeps in memory.

1. The fingerprint on the labelled pairs of tests/support/story_pairs.py: precision and recall
   by threshold, and µs per item.
2. Poll cycles in this process (`run_once`, file:// feeds, a fake clock 10 minutes on per
   cycle) at `--rate` matched items per hour (default 10,000: `--feeds` feeds, each gaining its
   share of new items per cycle, every item matching the rule; one story in three carried by
   two or three feeds with edited headlines). The state first holds `--prefill` hours of
   matched stories (default 48, the window), written straight into the tables with random
   fingerprints. Each cycle runs with the stories stage and without it (the stage replaced by
   "keep the decision"), by turns; the CPU time (`time.process_time`) of each and the RSS of
   the process after it are printed.

    python bench/stories.py [--rate 10000] [--feeds 100] [--cycles 6] [--prefill 48]
"""

import argparse
import asyncio
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from monitor.config.load import load_config  # noqa: E402
from monitor.log import configure  # noqa: E402
from monitor.polling import poller  # noqa: E402
from monitor.service.once import run_once  # noqa: E402
from monitor.state.store import Store  # noqa: E402
from monitor.stories.fingerprint import BINS, Fingerprint, fingerprint  # noqa: E402
from tests.support.story_pairs import DIFFERENT, SAME  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from match import COMMON, SYLLABLES  # noqa: E402  (bench/match.py's words)

START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
CYCLE = timedelta(minutes=10)

STORM_CAPS = (
    "feed_alerts_per_poll",
    "feed_alerts_per_hour",
    "rule_alerts_per_poll",
    "rule_alerts_per_hour",
)


def vocabulary(rng: random.Random, size: int = 5_000) -> tuple[list[str], list[float]]:
    """News-like words: a few very common ones, then invented ones, with Zipf weights (the
    word of rank r is used in proportion to 1/r), so that common bigrams ("of the") recur
    across unrelated stories as they do in real text."""
    words = list(COMMON)
    while len(words) < size:
        words.append("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    weights = [1 / rank for rank in range(1, len(words) + 1)]
    total, cumulative = 0.0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return words, cumulative


def pairs() -> None:
    """Precision and recall on the labelled pairs, by threshold; fingerprint speed."""
    same = [fingerprint(*a).similarity(fingerprint(*b)) for a, b in SAME]
    different = [fingerprint(*a).similarity(fingerprint(*b)) for a, b in DIFFERENT]
    print(f"labelled pairs: {len(SAME)} same-story, {len(DIFFERENT)} different on one topic")
    print(
        f"  same-story similarity {min(same):.2f} – {max(same):.2f}; "
        f"different {min(different):.2f} – {max(different):.2f}"
    )
    for threshold in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45):
        hits = sum(s >= threshold for s in same)
        false = sum(d >= threshold for d in different)
        precision = hits / (hits + false) if hits + false else 1.0
        print(
            f"  threshold {threshold:.2f}: recall {hits / len(same):.2f}, precision {precision:.2f}"
        )
    texts = [t for pair in SAME + DIFFERENT for t in pair]
    best = min(_timed(lambda: [fingerprint(*t) for t in texts]) for _ in range(5))
    chars = sum(len(a) + len(b) for a, b in texts) / len(texts)
    print(f"  fingerprint: {best / len(texts) * 1e6:.0f} µs per item (~{chars:.0f} characters)")


def _timed(work: object) -> float:
    started = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - started


def story_text(rng: random.Random, vocab: tuple[list[str], list[float]]) -> tuple[str, str]:
    """A ~650-character story that the bench's rule matches."""
    words, cumulative = vocab
    title = " ".join(rng.choices(words, cum_weights=cumulative, k=9)).capitalize()
    body = " ".join(rng.choices(words, cum_weights=cumulative, k=95))
    return title, f"{body} troops in Ukraine, Macron said."


def edited(rng: random.Random, text: tuple[str, str]) -> tuple[str, str]:
    """A reprint: another headline, the last sentence or so trimmed."""
    words = text[1].split()
    return f"{rng.choice(COMMON).capitalize()}: {text[0]}", " ".join(words[: len(words) - 12])


class Farm:
    """`feeds` RSS files that gain items every cycle (each file keeps its newest 50)."""

    def __init__(self, root: Path, feeds: int, per_cycle: int, seed: int = 7) -> None:
        self.root, self.feeds, self.per_cycle = root, feeds, per_cycle
        self.rng = random.Random(seed)
        self.vocab = vocabulary(self.rng)
        self.items: list[list[str]] = [[] for _ in range(feeds)]
        self.count = 0

    def grow(self, now: datetime) -> None:
        added = 0
        while added < self.per_cycle:
            self.count += 1
            text = story_text(self.rng, self.vocab)
            copies = self.rng.choice((1, 1, 2, 3))
            for copy in range(copies):
                feed = self.rng.randrange(self.feeds)
                title, body = text if copy == 0 else edited(self.rng, text)
                guid = f"{self.count}-{copy}"
                self.items[feed].insert(
                    0,
                    (
                        f"<item><guid>{guid}</guid><title>{escape(title)}</title>"
                        f"<link>https://p{feed}.example/{guid}</link>"
                        f"<description>{escape(body)}</description>"
                        f"<pubDate>{format_datetime(now)}</pubDate></item>"
                    ),
                )
                added += 1
        for n, items in enumerate(self.items):
            del items[50:]
            (self.root / f"{n}.xml").write_text(
                '<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>'
                f"<link>https://p{n}.example/</link><description>d</description>"
                + "".join(items)
                + "</channel></rss>",
                encoding="utf-8",
            )


def prefill(state: Path, hours: int, rate: int, now: datetime) -> None:
    """`hours` of matched stories before `now`, straight into the tables."""
    conn = sqlite3.connect(state / "monitor.db")
    rng = random.Random(11)
    total = hours * rate
    for start in range(0, total, 20_000):
        clusters, members, bands = [], [], []
        for n in range(start, min(total, start + 20_000)):
            seen = now - timedelta(hours=hours) + timedelta(hours=hours) * n / total
            stamp = seen.replace(tzinfo=None).isoformat(sep=" ")
            key = f"https://old{n % 500}.example/{n}"
            print_ = Fingerprint(tuple(rng.getrandbits(32) & ~1 for _ in range(BINS)))
            clusters.append((key, f"old story {n}", "old", stamp, stamp, '["stories"]', 1))
            members.append(
                (key, key, "old", f"old{n % 500}.example", "t", stamp, print_.to_bytes())
            )
            bands.extend((band, key, stamp) for band in print_.bands())
        conn.executemany(
            "INSERT INTO story_clusters (story_key, title, feed, first_seen_at, "
            "last_seen_at, rules, size) VALUES (?,?,?,?,?,?,?)",
            clusters,
        )
        conn.executemany("INSERT INTO story_members VALUES (?,?,?,?,?,?,?)", members)
        conn.executemany("INSERT OR IGNORE INTO story_bands VALUES (?,?,?)", bands)
        conn.commit()
    conn.close()


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def cycles(args: argparse.Namespace) -> None:
    per_cycle = args.rate // 6
    original = poller.with_stories

    def without(store: object, config: object, decision: object, items: object) -> object:
        return decision

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "feeds").mkdir()
        farm = Farm(root / "feeds", args.feeds, per_cycle)
        (root / "monitor.toml").write_text(
            f'[monitor]\nstate_dir = "{root / "state"}"\nmax_item_age = "7d"\n'
            'history_retention = "0"\n'
            # Every new item matches here: the storm guard would hold most of them back.
            + "".join(f"{cap} = 1000000\n" for cap in STORM_CAPS)
            + '[channels.desk]\nurls = ["console://"]\ndigest = "1d"\n',
            encoding="utf-8",
        )
        (root / "feeds.toml").write_text(
            "".join(
                f'[[feeds]]\nname = "feed-{n}"\nurl = "{(root / "feeds" / f"{n}.xml").as_uri()}"\n'
                'interval = "10m"\n\n'
                for n in range(args.feeds)
            ),
            encoding="utf-8",
        )
        (root / "rules.toml").write_text(
            '[[rules]]\nname = "stories"\nquery = "troops AND Ukraine"\nchannels = ["desk"]\n',
            encoding="utf-8",
        )
        now = START + timedelta(hours=args.prefill)
        farm.grow(now)  # the feeds' files must be there for the config to load
        config = load_config(root)
        Store.open(root / "state").close()
        started = time.perf_counter()
        prefill(root / "state", args.prefill, args.rate, now)
        db = (root / "state" / "monitor.db").stat().st_size / 2**20
        print(
            f"prefill: {args.prefill} h × {args.rate:,} matched items/h in "
            f"{time.perf_counter() - started:.0f} s; monitor.db {db:.0f} MB"
        )
        # A first cycle fills the feeds' seen entries; it is not counted.
        asyncio.run(run_once(config, now=lambda: now))
        print(
            f"{'cycle':>5} {'stories':>8} {'CPU s':>7} {'RSS MB':>7}  "
            f"(per cycle: {per_cycle:,} new matched items in {args.feeds} feeds)"
        )
        spent: dict[bool, list[float]] = {True: [], False: []}
        for n in range(args.cycles):
            with_stories = n % 2 == 0
            poller.with_stories = original if with_stories else without  # type: ignore[assignment]
            now += CYCLE
            farm.grow(now)
            cpu = time.process_time()
            report = asyncio.run(run_once(config, now=lambda at=now: at))
            used = time.process_time() - cpu
            spent[with_stories].append(used)
            print(
                f"{n:>5} {'on' if with_stories else 'off':>8} {used:>7.2f} {rss_mb():>7.0f}"
                f"  new items {report.new_items}, alerts {report.alerts_queued}"
            )
        poller.with_stories = original
        on, off = min(spent[True]), min(spent[False])
        print(
            f"best cycle CPU: stories on {on:.2f} s, off {off:.2f} s: "
            f"+{(on - off) / off * 100:.1f}%; peak RSS "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=10_000, help="matched items per hour")
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--cycles", type=int, default=6)
    parser.add_argument("--prefill", type=int, default=48, help="hours of stories first")
    args = parser.parse_args()
    configure("warning")
    pairs()
    cycles(args)


if __name__ == "__main__":
    main()
