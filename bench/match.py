"""Matching throughput against the number of rules.

Prints, for 100, 1,000 and 10,000 generated rules over ~3 KB news-like items: compile time,
items/s for normalisation alone and for matching end to end (normalise + scan + evaluate), the
scan + evaluation cost per item, and items/s of the naive loop (every rule's terms as regexes,
every rule evaluated) that tests/support/reference.py implements.

    python bench/match.py [--items N] [--seed S]
"""

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.query import Node, parse
from monitor.rules.text import normalize
from tests.support.reference import reference_fields, reference_true

SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ré",
    "šu",
    "no",
    "vé",
    "ta",
    "dž",
    "ön",
    "ar",
    "il",
    "çe",
    "by",
    "ze",
    "ło",
    "ří",
    "ma",
    "de",
    "go",
]
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
    "his",
    "an",
    "be",
    "has",
    "are",
    "have",
    "but",
    "were",
    "not",
    "this",
    "which",
    "had",
    "they",
    "after",
    "been",
    "government",
    "officials",
    "minister",
    "president",
    "military",
    "forces",
    "week",
    "report",
    "told",
    "reporters",
    "statement",
    "new",
    "year",
    "people",
    "country",
    "city",
    "talks",
    "security",
    "foreign",
    "agreement",
    "support",
    "according",
    "also",
    "more",
    "than",
    "would",
    "could",
    "about",
    "over",
]
RULE_COUNTS = (100, 1_000, 10_000)
NAIVE_ITEMS = {100: 40, 1_000: 8, 10_000: 3}


def name(rng: random.Random) -> str:
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
    return word.capitalize()


def entities(rng: random.Random, count: int) -> list[str]:
    """Names with diacritics; one in five is a two-word phrase."""
    pool: set[str] = set()
    while len(pool) < count:
        pool.add(f"{name(rng)} {name(rng)}" if rng.random() < 0.2 else name(rng))
    return sorted(pool)


def term(entity: str) -> str:
    return f'"{entity}"' if " " in entity else entity


def rules(rng: random.Random, pool: list[str], count: int) -> dict[str, Node]:
    shapes: list[Callable[[str, str, str], str]] = [
        lambda a, b, _c: f"{a} AND {b}",
        lambda a, b, c: f"{a} AND ({b} OR {c})",
        lambda a, b, c: f"{a} AND {b} AND NOT {c}",
    ]
    out = {}
    for i in range(count):
        a, b, c = (term(e) for e in rng.sample(pool, 3))
        out[f"rule-{i}"] = parse(shapes[i % 3](a, b, c))
    return out


def item(rng: random.Random, pool: list[str]) -> tuple[str, str]:
    """A ~3 KB story: common words, punctuation and a dozen entity mentions."""
    title = " ".join(rng.choice(COMMON).capitalize() for _ in range(8)) + " " + rng.choice(pool)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < 3000:
        if rng.random() < 0.03:
            words.append(rng.choice(pool))
        else:
            word = rng.choice(COMMON)
            words.append(word + rng.choice(["", "", "", "", ",", "."]))
    return title, " ".join(words)


def naive_loop(all_rules: dict[str, Node]) -> Callable[[str, str], None]:
    """Every rule evaluated by the reference, one after another."""
    vocabulary = Vocabulary()

    def run(title: str, text: str) -> None:
        fields = reference_fields(title, text)
        for node in all_rules.values():
            reference_true(node, vocabulary, fields)

    return run


def seconds(fn: Callable[[str, str], object], items: list[tuple[str, str]]) -> float:
    """CPU seconds one pass of `fn` over `items` takes."""
    start = time.process_time()
    for title, text in items:
        fn(title, text)
    return time.process_time() - start


def rates(
    fns: list[Callable[[str, str], object]], items: list[tuple[str, str]], rounds: int = 9
) -> list[float]:
    """Items per CPU second of each of `fns`, best of `rounds` rounds; the functions take turns
    within each round, so that a slow spell of this virtual machine hits them all alike."""
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            best[i] = min(best[i], seconds(fn, items))
    return [len(items) / b for b in best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = entities(rng, 5_000)
    items = [item(rng, pool) for _ in range(args.items)]
    size = sum(len(t) + len(x) for t, x in items) / len(items)
    print(f"{len(items)} items, {size:,.0f} characters each on average; 5,000 entity names\n")
    header = (
        f"{'rules':>7} {'compile s':>10} {'normalise/s':>12} {'match/s':>9} "
        f"{'scan+eval µs':>13} {'normalise µs':>13} {'naive/s':>9} {'speed-up':>9}"
    )
    print(header)
    print("-" * len(header))
    for count in RULE_COUNTS:
        compiled_rules = rules(rng, pool, count)
        start = time.perf_counter()
        matcher = Matcher(compiled_rules, Vocabulary())
        compile_s = time.perf_counter() - start
        normalise_rate, match_rate = rates([normalize, matcher.match], items)
        naive_items = items[: NAIVE_ITEMS[count]]
        (naive_rate,) = rates([naive_loop(compiled_rules)], naive_items, rounds=1)
        scan_eval_us = 1e6 / match_rate - 1e6 / normalise_rate
        print(
            f"{count:>7,} {compile_s:>10.3f} {normalise_rate:>12,.0f} {match_rate:>9,.0f} "
            f"{scan_eval_us:>13.1f} {1e6 / normalise_rate:>13.1f} {naive_rate:>9,.1f} "
            f"{match_rate / naive_rate:>8,.0f}×"
        )


if __name__ == "__main__":
    main()
