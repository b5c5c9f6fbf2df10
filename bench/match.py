"""Matching throughput against the number of rules.

Prints, for 100, 1,000 and 10,000 generated rules over ~3 KB news-like items: compile time,
items/s for normalisation alone and for matching end to end (normalise + scan + evaluate), the
scan + evaluation cost per item, and items/s of the naive loop (every rule evaluated on its own)
that tests/support/reference.py implements.

The last column compares, in the same rounds, the matcher as it runs (prominence scored for
every rule that matched, and one rule in ten written `lead:a AND …`) with the same rules without
`lead:` and with prominence scoring switched off: what prominence and `lead:` cost.

Two corpora: `latin` (English-like text, names with diacritics) and `mixed`, where a third of
the items (and of the names the rules use) are in scripts written without spaces (Chinese,
Japanese, Thai) and a tenth in Arabic, with attached prefixes; the rest as `latin`.

    python bench/match.py [--corpus latin|mixed] [--items N] [--seed S] [--against DIR]

`--against DIR` also times the matcher of the code in DIR (e.g. an older commit unpacked with
`git archive`), loaded beside ours in this process: both take turns within each round, so that
the machine's changes of speed hit them alike.
"""

import argparse
import importlib
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from typing import TYPE_CHECKING

import monitor.rules.matcher as matcher_module
from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.query import parse
from monitor.rules.text import normalize
from tests.support.reference import reference_fields, reference_true

if TYPE_CHECKING:
    from monitor.rules.nodes import Node

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
HAN = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能"
    "下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量"
    "都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各"
    "重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代"
)
KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
HIRAGANA = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろをん"
)
THAI_CONSONANTS = "กขคงจฉชซญดตถทธนบปผพฟมยรลวศสหอฮ"
THAI_VOWELS = ["", "า", "ิ", "ี", "ุ", "ู", "ั", "่", "้"]
ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
ARABIC_PREFIXES = ["", "", "", "و", "ل", "ب", "ال", "وال", "لل"]
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


def thai_syllable(rng: random.Random) -> str:
    return rng.choice(THAI_CONSONANTS) + rng.choice(THAI_VOWELS)


def script_word(rng: random.Random, script: str) -> str:
    """A word (or, for scripts without spaces, a chunk of characters) of `script`."""
    if script == "zh":
        return "".join(rng.choice(HAN) for _ in range(rng.randint(1, 3)))
    if script == "ja":
        return "".join(rng.choice(HAN + HIRAGANA + HIRAGANA) for _ in range(rng.randint(1, 3)))
    if script == "th":
        return "".join(thai_syllable(rng) for _ in range(rng.randint(1, 3)))
    return "".join(rng.choice(ARABIC) for _ in range(rng.randint(2, 7)))


def script_entities(rng: random.Random, script: str, count: int) -> list[str]:
    """Names in `script`: Chinese three characters, Japanese katakana, Thai syllables."""
    pool: set[str] = set()
    while len(pool) < count:
        if script == "zh":
            pool.add("".join(rng.choice(HAN) for _ in range(3)))
        elif script == "ja":
            pool.add("".join(rng.choice(KANA) for _ in range(rng.randint(3, 5))))
        elif script == "th":
            pool.add("".join(thai_syllable(rng) for _ in range(3)))
        else:
            pool.add("".join(rng.choice(ARABIC) for _ in range(rng.randint(4, 7))))
    return sorted(pool)


def script_item(rng: random.Random, script: str, pool: list[str]) -> tuple[str, str]:
    """A story of ~3 KB of UTF-8 in `script`: clauses between punctuation, no spaces between
    words except in Arabic, where names may carry an attached prefix."""
    joiner = " " if script == "ar" else ""
    comma, stop = (
        ("، ", ". ") if script == "ar" else (("，", "。") if script != "th" else (" ", " "))
    )

    def clause() -> str:
        words = []
        for _ in range(rng.randint(3, 10)):
            if rng.random() < 0.03:
                prefix = rng.choice(ARABIC_PREFIXES) if script == "ar" else ""
                words.append(prefix + rng.choice(pool))
            else:
                words.append(script_word(rng, script))
        return joiner.join(words)

    title = clause() + joiner + rng.choice(pool)
    text = ""
    while len(text.encode()) < 3000:
        text += clause() + rng.choice([comma, comma, stop])
    return title, text


def term(entity: str) -> str:
    return f'"{entity}"' if " " in entity else entity


def rule_queries(
    rng: random.Random, pool: list[str], count: int, *, lead: bool = False
) -> list[tuple[str, str]]:
    """`count` (name, query) pairs over names of `pool`; with `lead`, one in ten asks for its
    first term in the lead."""
    shapes: list[Callable[[str, str, str], str]] = [
        lambda a, b, _c: f"{a} AND {b}",
        lambda a, b, c: f"{a} AND ({b} OR {c})",
        lambda a, b, c: f"{a} AND {b} AND NOT {c}",
    ]
    out = []
    for i in range(count):
        a, b, c = (term(e) for e in rng.sample(pool, 3))
        if lead and i % 10 == 0:
            a = f"lead:{a}"
        out.append((f"rule-{i}", shapes[i % 3](a, b, c)))
    return out


def rules(
    rng: random.Random, pool: list[str], count: int, *, lead: bool = False
) -> "dict[str, Node]":
    return {name: parse(query) for name, query in rule_queries(rng, pool, count, lead=lead)}


def _no_score(*_args: object) -> int:
    return 0


def unscored(matcher: Matcher) -> Callable[[str, str], object]:
    """`matcher.match` with prominence scoring switched off (the matcher before it existed)."""

    def run(title: str, text: str) -> object:
        matcher_module.prominence = _no_score  # type: ignore[assignment]
        try:
            return matcher.match(title, text)
        finally:
            matcher_module.prominence = scored

    return run


scored = matcher_module.prominence


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


def corpus(rng: random.Random, kind: str, count: int) -> tuple[list[tuple[str, str]], list[str]]:
    """`count` items and the pool of names the rules use, for corpus `kind`."""
    latin = entities(rng, 5_000)
    if kind == "latin":
        return [item(rng, latin) for _ in range(count)], latin
    # Of every 30 items: 5 Chinese, 3 Japanese, 2 Thai (a third), 3 Arabic (a tenth), 17 Latin.
    scripts = ["zh"] * 5 + ["ja"] * 3 + ["th"] * 2 + ["ar"] * 3 + ["latin"] * 17
    pools = {s: script_entities(rng, s, 5_000 * scripts.count(s) // 30) for s in scripts[:13]}
    items = []
    for i in range(count):
        script = scripts[i % len(scripts)]
        pool = latin if script == "latin" else pools[script]
        items.append(item(rng, pool) if script == "latin" else script_item(rng, script, pool))
    mixed = latin[: 5_000 * 17 // 30] + [name for pool in pools.values() for name in pool]
    return items, mixed


def naive_loop(all_rules: "dict[str, Node]") -> Callable[[str, str], None]:
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


def load_tree(root: Path) -> tuple[ModuleType, ModuleType, ModuleType]:
    """The query, matcher and text modules of the code in `root`, loaded beside ours (which
    keep their names in sys.modules)."""
    ours = {k: v for k, v in sys.modules.items() if k.split(".")[0] == "monitor"}
    for key in ours:
        del sys.modules[key]
    sys.path.insert(0, str(root))
    try:
        names = ("monitor.rules.query", "monitor.rules.matcher", "monitor.rules.text")
        query, matcher, text = (importlib.import_module(name) for name in names)
    finally:
        sys.path.remove(str(root))
        for key in [k for k in sys.modules if k.split(".")[0] == "monitor"]:
            del sys.modules[key]
        sys.modules.update(ours)
    return query, matcher, text


def row(
    label: str,
    count: int,
    compile_s: float,
    rates_: tuple[float, float, float],
    before_rate: float | None = None,
) -> str:
    normalise_rate, match_rate, naive_rate = rates_
    scan_eval_us = 1e6 / match_rate - 1e6 / normalise_rate
    cost = (
        ""
        if before_rate is None
        else f" {before_rate:>9,.0f} {before_rate / match_rate - 1:>+15.1%}"
    )
    return (
        f"{label}{count:>7,} {compile_s:>10.3f} {normalise_rate:>12,.0f} {match_rate:>9,.0f} "
        f"{scan_eval_us:>13.1f} {1e6 / normalise_rate:>13.1f} {naive_rate:>9,.1f} "
        f"{match_rate / naive_rate:>8,.0f}×{cost}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=("latin", "mixed"), default="latin")
    parser.add_argument("--items", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--against", type=Path, help="another tree of the code to time too")
    args = parser.parse_args()
    other = load_tree(args.against.resolve()) if args.against else None
    rng = random.Random(args.seed)
    items, pool = corpus(rng, args.corpus, args.items)
    size = sum(len(t) + len(x) for t, x in items) / len(items)
    size_bytes = sum(len(t.encode()) + len(x.encode()) for t, x in items) / len(items)
    print(
        f"{args.corpus} corpus: {len(items)} items, {size:,.0f} characters ({size_bytes:,.0f} "
        f"bytes of UTF-8) each on average; {len(pool):,} entity names\n"
    )
    header = (
        ("code " if other else "")
        + f"{'rules':>7} {'compile s':>10} {'normalise/s':>12} {'match/s':>9} "
        f"{'scan+eval µs':>13} {'normalise µs':>13} {'naive/s':>9} {'speed-up':>9} "
        f"{'before/s':>9} {'lead+prominence':>16}"
    )
    print(header)
    print("-" * len(header))
    for count in RULE_COUNTS:
        state = rng.getstate()
        compiled_rules = rules(rng, pool, count)
        rng.setstate(state)  # the same rules, one in ten with a `lead:` term
        lead_rules = rules(rng, pool, count, lead=True)
        start = time.perf_counter()
        matcher = Matcher(lead_rules, Vocabulary())
        compile_s = time.perf_counter() - start
        before = Matcher(compiled_rules, Vocabulary())
        fns: list[Callable[[str, str], object]] = [normalize, matcher.match, unscored(before)]
        if other is not None:
            query, old_matcher, old_text = other
            rng.setstate(state)  # the same rules, parsed by the other tree's parser
            old_rules = {name: query.parse(q) for name, q in rule_queries(rng, pool, count)}
            start = time.perf_counter()
            old = old_matcher.Matcher(old_rules, old_matcher.Vocabulary())
            old_compile_s = time.perf_counter() - start
            fns += [old_text.normalize, old.match]
        measured = rates(fns, items)
        naive_items = items[: NAIVE_ITEMS[count]]
        (naive_rate,) = rates([naive_loop(compiled_rules)], naive_items, rounds=1)
        if other is not None:
            print(row("old  ", count, old_compile_s, (*measured[3:], naive_rate)))
        label = "new  " if other else ""
        print(row(label, count, compile_s, (*measured[:2], naive_rate), measured[2]))


if __name__ == "__main__":
    main()
