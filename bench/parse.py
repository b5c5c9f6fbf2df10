"""Parsing cost per item: feedparser's options one by one, `parse_feed` before and after, and
fastfeedparser, side by side in one run over the same documents.

The documents are tests/data/feeds (feeds written in the shape of FeedBurner, WordPress, the
NYT, the Google Cloud blog, an xml:base Atom, RDF, Chinese GB18030 and UTF-8, Russian
windows-1251 and odd dates; a JSON Feed, which feedparser does not read, is left out of the
feedparser rows) and one of the loopback farm's 50-item feeds. Each variant parses every
document once per round; rounds go variant by variant in turn, so that a change in the
machine's speed falls on all of them alike, and the median round is reported. Times are CPU
seconds of this process (`time.process_time`), per item.

Variants:
- `feedparser defaults`: sanitising and resolving relative URIs both on (the reference);
- `sanitize_html=False` alone, `resolve_relative_uris=False` alone, both off, and both off
  without the document's address (what `parse_feed` does when `polling/base_address` finds
  nothing the address could change);
- `parse_feed, before`: the options as they were (sanitising off, resolving on), and
  `parse_feed, after`: both off (`parse_feed`'s defaults); each the whole path (encoding, guards,
  captions, items with their text, links and dates);
- `fastfeedparser` when installed (it is not a dependency): its parse alone, then how often its
  ids, links, titles, dates and text agree with `parse_feed`'s.

    python bench/parse.py [--rounds N]
"""

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import feedparser

from bench.farm import Farm
from monitor.items import Item
from monitor.polling.encoding import to_utf8
from monitor.polling.links import clean_link
from monitor.polling.markup import html_to_text
from monitor.polling.parse import parse_feed

FEEDS = Path(__file__).resolve().parents[1] / "tests" / "data" / "feeds"
BEFORE = {"resolve_relative_uris": True, "sanitize_html": False}
AFTER = {"resolve_relative_uris": False, "sanitize_html": False}
OPTIONS = {
    "feedparser defaults": {"resolve_relative_uris": True, "sanitize_html": True},
    "sanitize_html=False alone": BEFORE,
    "resolve_relative_uris=False alone": {"resolve_relative_uris": False, "sanitize_html": True},
    "both off": AFTER,
}


def documents() -> dict[str, bytes]:
    """The bench's documents by name."""
    found = {path.name: path.read_bytes() for path in sorted(FEEDS.iterdir())}
    found["farm (50 items)"] = Farm(feeds=1, items=50, match_every=10, seed=1).body(0)
    return found


def url(name: str) -> str:
    return f"https://feeds.example.org/{name}"


def parsed(name: str, body: bytes, options: dict[str, bool]) -> list[Item]:
    return parse_feed("bench", body, url(name), {}, **options).items


def variants(docs: dict[str, bytes]) -> dict[str, Callable[[], int]]:
    """Each variant as a function that parses every document it reads and returns the items."""
    xml = {name: to_utf8(body, None)[0] for name, body in docs.items() if not name.endswith("json")}

    def feedparser_with(options: dict[str, bool], *, address: bool = True) -> Callable[[], int]:
        # With the document's address, as `parse_feed` called it: feedparser then joins every
        # element's base URI with it, which costs a fifth of its time.
        def headers(name: str) -> dict[str, str]:
            return {"content-location": url(name)} if address else {}

        return lambda: sum(
            len(feedparser.parse(body, response_headers=headers(name), **options).entries)
            for name, body in xml.items()
        )

    def parse_feed_with(options: dict[str, bool]) -> Callable[[], int]:
        return lambda: sum(len(parsed(name, body, options)) for name, body in docs.items())

    found = {name: feedparser_with(options) for name, options in OPTIONS.items()}
    found["both off, without the address"] = feedparser_with(AFTER, address=False)
    found["parse_feed, before"] = parse_feed_with(BEFORE)
    found["parse_feed, after"] = parse_feed_with(AFTER)
    if importlib.util.find_spec("fastfeedparser") is not None:
        import fastfeedparser  # noqa: PLC0415 (optional: measured only when installed)

        found["fastfeedparser"] = lambda: sum(
            len(fastfeedparser.parse(body).entries) for body in docs.values()
        )
    return found


def timings(docs: dict[str, bytes], rounds: int) -> None:
    run = variants(docs)
    seconds: dict[str, list[float]] = {name: [] for name in run}
    items: dict[str, int] = {}
    for _ in range(rounds):
        for name, parse in run.items():
            start = time.process_time()
            items[name] = parse()
            seconds[name].append(time.process_time() - start)

    def per_item(name: str) -> float:
        return statistics.median(seconds[name]) / items[name]

    print(f"{'variant':36} {'items':>6} {'µs/item (median)':>17} {'min':>8} {'change':>8}")
    for name, spent in seconds.items():
        # feedparser's rows against its defaults; the whole path's against it before
        whole = name.startswith(("parse_feed", "fastfeedparser"))
        baseline = "parse_feed, before" if whole else "feedparser defaults"
        change = per_item(name) / per_item(baseline) - 1
        print(
            f"{name:36} {items[name]:>6} {per_item(name) * 1e6:>17,.0f} "
            f"{min(spent) / items[name] * 1e6:>8,.0f} {change:>+8.0%}"
        )


def _fast_fields(entry: dict[str, Any]) -> tuple[Any, ...]:
    """An fastfeedparser entry's id, link, title, date and text, as `Item` has them."""
    contents = [c.get("value") or "" for c in entry.get("content") or []]
    markup = next((value for value in contents if value.strip()), entry.get("description") or "")
    published = entry.get("published") or entry.get("updated")
    return (
        (entry.get("id") or entry.get("link") or "").strip(),
        clean_link(entry.get("link")),
        " ".join((entry.get("title") or "").split()),
        datetime.fromisoformat(published) if published else None,
        " ".join(html_to_text(markup).split()) if markup.strip() else "",
    )


def agreement(docs: dict[str, bytes]) -> None:
    """How often fastfeedparser's fields agree with `parse_feed`'s (the reference), per field."""
    if importlib.util.find_spec("fastfeedparser") is None:
        print("\nfastfeedparser is not installed: no agreement figures")
        return
    import fastfeedparser  # noqa: PLC0415

    fields = ("id", "link", "title", "date", "text")
    agreed, total = dict.fromkeys(fields, 0), 0
    print(
        f"\n{'fastfeedparser vs parse_feed':28} {'items':>6} " + " ".join(f"{f:>6}" for f in fields)
    )
    for name, body in docs.items():
        ours = parsed(name, body, AFTER)
        fast = [_fast_fields(entry) for entry in fastfeedparser.parse(body).entries]
        same = dict.fromkeys(fields, 0)
        for item, theirs in zip(ours, fast, strict=False):
            mine = (item.entry_key, item.link, item.title, item.published, item.text)
            for field, a, b in zip(fields, mine, theirs, strict=True):
                same[field] += a == b
        counted = max(len(ours), len(fast))
        total += counted
        for field in fields:
            agreed[field] += same[field]
        print(f"{name:28} {counted:>6} " + " ".join(f"{same[f]:>6}" for f in fields))
    print(f"{'all':28} {total:>6} " + " ".join(f"{agreed[f] / total:>6.0%}" for f in fields))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    docs = documents()
    print(f"{len(docs)} documents, {sum(map(len, docs.values())) / 1024:,.0f} KB")
    for name in docs:
        parsed(name, docs[name], AFTER)  # warm: dateparser's languages
    timings(docs, args.rounds)
    agreement(docs)


if __name__ == "__main__":
    main()
