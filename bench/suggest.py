"""What near misses and suggestions cost on a big history: 30 days of 10,000 items a day.

Fills a SQLite state with `--days` × `--per-day` stored items (title and a two-sentence
summary of news-like words; one in a hundred names France and Ukraine, most of those troops,
some instructors instead; some alerts rejected), then times, as `test-rule --near-misses` and
`suggest` run them: reading the items back, judging them against the rule's parts, the
near-miss groups with their words, and the suggestions with their effects. CPU seconds and
wall seconds (the machine is shared: CPU time is the steadier figure).

    python bench/suggest.py [--days 30] [--per-day 10000]
"""

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from monitor.rules.matcher import Vocabulary
from monitor.rules.near_miss import groups, known_words, scan, terms
from monitor.rules.query import parse, parse_alias
from monitor.rules.suggest import additions, exclusions
from monitor.state.store import Store
from monitor.state.tables import entries, history, rejections, stories

T = TypeVar("T")
VOCABULARY = Vocabulary(
    actors={
        "France": [parse_alias(a) for a in ("France", "French", "Paris", "Macron")],
        "Ukraine": [parse_alias(a) for a in ("Ukraine", "Ukrainian", "Kyiv", "Украин*")],
    },
    topics={"troops": [parse_alias(t) for t in ("troops", "soldiers", "войск*")]},
)
RULE = parse("@France AND @Ukraine AND @troops")
COMMON = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "on",
    "with",
    "as",
    "was",
    "said",
    "by",
    "at",
    "from",
    "it",
    "has",
    "are",
    "have",
]


def words(rng: random.Random) -> list[str]:
    """A vocabulary of 5,000 made-up words, and some in Cyrillic."""
    letters = "abcdefghiklmnoprstuvyz"
    made = {"".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(5_000)}
    cyrillic = {"".join(rng.choice("абвгдеклмнопрст") for _ in range(6)) for _ in range(500)}
    return sorted(made | cyrillic)


def sentence(rng: random.Random, pool: list[str], count: int, *extra: str) -> str:
    picked = [rng.choice(COMMON) if rng.random() < 0.4 else rng.choice(pool) for _ in range(count)]
    for word in extra:
        picked.insert(rng.randrange(len(picked) + 1), word)
    return " ".join(picked).capitalize() + "."


def item(rng: random.Random, pool: list[str]) -> tuple[str, str]:
    """A title and a two-sentence text; one in a hundred about France and Ukraine."""
    named: tuple[str, ...] = ()
    if rng.random() < 0.01:
        named = ("France", "Ukraine")
        roll = rng.random()
        named += ("troops",) if roll < 0.6 else ("instructors", "contingent") if roll < 0.9 else ()
    title = sentence(rng, pool, 7, *named[:1])[:-1]
    return title, sentence(rng, pool, 18, *named[1:]) + " " + sentence(rng, pool, 20)


def chunks(rows: Iterator[T], size: int = 20_000) -> Iterator[list[T]]:
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def fill(store: Store, days: int, per_day: int, now: datetime) -> None:
    """Store `days` × `per_day` items, and reject a few of the rule's alerts."""
    rng = random.Random(7)
    pool = words(rng)
    total = days * per_day

    def rows() -> Iterator[tuple[str, str, str, datetime]]:
        for n in range(total):
            title, text = item(rng, pool)
            yield (
                f"e{n}",
                title,
                text,
                now - timedelta(days=days) + timedelta(days=days) * n / total,
            )

    with store.writer.begin() as conn:
        for batch in chunks(rows()):
            conn.execute(
                insert(history),
                [
                    {
                        "feed": "wire",
                        "entry_key": k,
                        "title": t,
                        "text": x,
                        "link": None,
                        "published": at,
                        "first_seen_at": at,
                    }
                    for k, t, x, at in batch
                ],
            )
            conn.execute(
                insert(entries),
                [
                    {"feed": "wire", "entry_key": k, "story_key": f"s{k}", "first_seen_at": at}
                    for k, _t, _x, at in batch
                ],
            )
            conn.execute(
                insert(stories),
                [
                    {"story_key": f"s{k}", "feed": "wire", "title": t, "first_seen_at": at}
                    for k, t, _x, at in batch
                ],
            )
        rejected = [f"se{n}" for n in range(0, total, total // 50)]
        conn.execute(
            insert(rejections),
            [
                {
                    "story_key": key,
                    "rules": '["r"]',
                    "rejected_at": now,
                    "source": "cli",
                    "reason": None,
                }
                for key in rejected
            ],
        )


def timed(label: str, fn: Callable[[], T]) -> T:
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    print(
        f"{label:<44} {time.process_time() - cpu:>7.2f} s CPU {time.perf_counter() - wall:>7.2f} s"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=10_000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as directory:
        store = Store.open(Path(directory))
        timed("filling the state", lambda: fill(store, args.days, args.per_day, now))
        since = now - timedelta(days=args.days + 1)
        start = time.process_time(), time.perf_counter()
        items = timed(
            "reading the stored items", lambda: store.history_since(since, texts_only=True)
        )
        rejected = {r.story_key for r in store.rejections_since(since)}
        found = timed(
            "judging them against the rule's parts", lambda: scan(RULE, VOCABULARY, items)
        )
        known = known_words(terms(RULE, VOCABULARY))
        shown = timed("near-miss groups and their words", lambda: groups(found, known))
        near = (time.process_time() - start[0], time.perf_counter() - start[1])
        added = timed(
            "suggested terms, with their effects",
            lambda: additions(RULE, VOCABULARY, found, items, rejected),
        )
        removed = timed(
            "suggested exclusions, with their effects",
            lambda: exclusions(RULE, VOCABULARY, found, rejected),
        )
        total = (time.process_time() - start[0], time.perf_counter() - start[1])
        store.close()
    print(
        f"\n{len(items):,} items; {len(found.matched):,} matched; near misses: "
        + ", ".join(f"{len(g.items):,} lacking part {g.part}" for g in shown)
        + f"; {len(added)} terms and {len(removed)} exclusions suggested"
    )
    print(f"test-rule --near-misses: {near[0]:.2f} s CPU, {near[1]:.2f} s wall")
    print(f"suggest:                 {total[0]:.2f} s CPU, {total[1]:.2f} s wall")


if __name__ == "__main__":
    main()
