"""Relevance of the rules on a labelled set: precision and recall per rule, with and without
prominence, and after one round of suggestions.

The set (`bench/data/relevance_items.jsonl`) is 258 news-like items in ten languages, written
for this bench, each labelled with the rules (`bench/data/relevance_rules.toml`) an analyst
would want an alert from. Besides the stories each rule is about, it holds hard negatives:
passing mentions (the topic once, deep in a story about something else) and homonyms (Turkey
the bird, a political "earthquake", Michael Jordan, apples, a missile strike), and positives
that use none of the rule's words.

- *plain*: an alert whenever the rule matches;
- *prominence*: an alert only when the match's prominence reaches the rule's `min_prominence`
  (below it the alert would go to a digest, counted here as no alert);
- *suggested*: one round of `media-monitor suggest` on the even-numbered half of the items (the
  "history"), measured on the odd-numbered half, which the suggestions never saw. The user is
  simulated as one who reads each suggestion's effect, as the command shows it, on the history
  alone: of the terms, in the order suggested, they accept up to `ACCEPTED` whose added alerts
  are mostly (over half) stories they want; having rejected the false alerts of that half, they
  accept the first exclusion that removes more rejected alerts than wanted ones.

The same tables are printed for two more sets of full-length articles (median about 250 words,
several paragraphs, as a page's extracted text) in the same ten languages, labelled for the same
rules, each written blind: its writers saw the five topics described in prose, never the rules'
words nor how prominence is scored, and each was committed before it was first scored.
- `bench/data/articles/*.jsonl`, 215 articles: 113 wanted stories in the styles outlets use (wire
  copy, features that open on a scene, analyses, briefs), 46 passing mentions, 39 homonyms and
  near misses (a quake in Japan, refugees in Lebanon, Jordan Bardella, a hunger strike), 17
  unrelated stories. Scored once with 10 points a repeat, it showed that full-length stories
  come back to their subject where passing mentions do not: a repeat now weighs 25
  (`rules/prominence`).
- `bench/data/heldout/*.jsonl`, 141 articles: written afterwards by other writers, told to
  avoid the first set's most obvious stories (two headlines still coincide), and scored once,
  with the formula as it is now: 73 wanted stories, 30 passing mentions, 28 homonyms and near
  misses (a political "séisme", "paro" as unemployment, a printer that "streikt", the Jordan
  River), 10 unrelated stories.

With `below_min_prominence = "digest"` (the default), a match below the floor still reaches the
user, in a digest: nothing is lost (the recall of what is delivered is the plain recall), and
the precision of what is sent at once is the prominence precision. The prominence recall is
that of `"drop"`.

Last, the same rules at other `min_prominence` values (one for every rule), macro-averaged over
the whole set: the trade of precision for recall a user makes by choosing it.

    python bench/relevance.py
"""

import json
import sys
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.items import Item
from monitor.rules.matcher import Matcher, Vocabulary
from monitor.rules.near_miss import scan
from monitor.rules.nodes import Node, to_string
from monitor.rules.query import parse, parse_alias
from monitor.rules.suggest import Suggestion, additions, apply, exclusions

DATA = Path(__file__).resolve().parent / "data"
ACCEPTED = 3
SWEEP = (0, 10, 20, 25, 30, 40, 50, 60)
SETS = {
    "short items": [DATA / "relevance_items.jsonl"],
    "full-length articles": sorted((DATA / "articles").glob("*.jsonl")),
    "held-out full-length articles": sorted((DATA / "heldout").glob("*.jsonl")),
}


def load() -> tuple[Vocabulary, dict[str, Node], dict[str, int]]:
    """The vocabulary, the rules and their min_prominence."""
    config = tomllib.loads((DATA / "relevance_rules.toml").read_text(encoding="utf-8"))
    vocabulary = Vocabulary(
        actors={n: [parse_alias(a) for a in s["aliases"]] for n, s in config["actors"].items()},
        topics={n: [parse_alias(t) for t in s["terms"]] for n, s in config["topics"].items()},
    )
    rules = {r["name"]: parse(r["query"]) for r in config["rules"]}
    floors = {r["name"]: r.get("min_prominence", 0) for r in config["rules"]}
    return vocabulary, rules, floors


def labelled(paths: Sequence[Path]) -> tuple[list[Item], list[set[str]]]:
    """The items of these JSONL files and their labels (the rules that should alert)."""
    items, labels = [], []
    lines = [line for path in paths for line in path.read_text(encoding="utf-8").splitlines()]
    for number, line in enumerate(lines):
        row = json.loads(line)
        items.append(
            Item(
                "bench",
                str(number),
                f"story-{number}",
                row["title"],
                row["text"],
                None,
                None,
                row["lang"],
            )
        )
        labels.append(set(row["rules"]))
    return items, labels


def alerts(node: Node, vocabulary: Vocabulary, items: Sequence[Item], floor: int) -> list[bool]:
    """For each item, whether the rule alerts on it (at once) with this min_prominence."""
    matcher = Matcher({"r": node}, vocabulary)
    out = []
    for item in items:
        matches = matcher.match(item.title, item.text, language=item.language).matches
        out.append(bool(matches) and matches[0].prominence >= floor)
    return out


def scores(alerted: Sequence[bool], wanted: Sequence[bool]) -> tuple[float, float]:
    """Precision and recall (precision 1.0 when nothing alerted)."""
    hits = sum(a and w for a, w in zip(alerted, wanted, strict=True))
    precision = hits / sum(alerted) if any(alerted) else 1.0
    recall = hits / sum(wanted) if any(wanted) else 1.0
    return precision, recall


def one_round(
    node: Node,
    vocabulary: Vocabulary,
    history: list[Item],
    wanted: list[bool],
    floor: int,
) -> tuple[Node, list[str]]:
    """The rule after a simulated user accepts the top suggestions learned from `history`."""
    alerted = alerts(node, vocabulary, history, floor)
    rejected = {
        i.story_key for i, a, w in zip(history, alerted, wanted, strict=True) if a and not w
    }
    found = scan(node, vocabulary, history)

    def changed(suggestion: Suggestion) -> list[bool]:
        """Whether each alert the suggestion adds or removes is one the user wants."""
        after = alerts(apply(node, [suggestion]), vocabulary, history, floor)
        return [w for a, b, w in zip(alerted, after, wanted, strict=True) if a != b]

    added = [
        s
        for s in sorted(
            additions(node, vocabulary, found, history, rejected), key=lambda s: -s.score
        )
        if (c := changed(s)) and sum(c) > len(c) / 2
    ][:ACCEPTED]
    removed = [
        s
        for s in exclusions(node, vocabulary, found, rejected)
        if (c := changed(s)) and len(c) - sum(c) > sum(c)
    ][:1]
    accepted = [*added, *removed]
    shown = [("-" if s.part is None else "+") + to_string(s.term) for s in accepted]
    return apply(node, accepted), shown


def report(
    vocabulary: Vocabulary,
    rules: dict[str, Node],
    floors: dict[str, int],
    items: list[Item],
    labels: list[set[str]],
) -> None:
    """Print the tables for one labelled set."""
    history, held_out = items[0::2], items[1::2]
    print(
        f"{len(items)} items in {len({i.language for i in items})} languages; "
        f"suggestions learned on {len(history)}, measured on the other {len(held_out)}\n"
    )
    header = (
        f"{'rule':<17} {'plain P':>8} {'R':>5} {'prominence P':>13} {'R':>5} "
        f"{'odd half P':>11} {'R':>5} {'suggested P':>12} {'R':>5}  accepted"
    )
    print(header)
    print("-" * len(header))
    totals: list[list[float]] = [[] for _ in range(8)]
    for name, node in rules.items():
        wanted = [name in label for label in labels]
        plain = scores(alerts(node, vocabulary, items, 0), wanted)
        prominent = scores(alerts(node, vocabulary, items, floors[name]), wanted)
        wanted_history, wanted_held = wanted[0::2], wanted[1::2]
        before = scores(alerts(node, vocabulary, held_out, floors[name]), wanted_held)
        tuned, shown = one_round(node, vocabulary, history, wanted_history, floors[name])
        after = scores(alerts(tuned, vocabulary, held_out, floors[name]), wanted_held)
        row = [*plain, *prominent, *before, *after]
        for total, value in zip(totals, row, strict=True):
            total.append(value)
        print(
            f"{name:<17} {row[0]:>8.2f} {row[1]:>5.2f} {row[2]:>13.2f} {row[3]:>5.2f} "
            f"{row[4]:>11.2f} {row[5]:>5.2f} {row[6]:>12.2f} {row[7]:>5.2f}  {' '.join(shown)}"
        )
    mean: Callable[[list[float]], float] = lambda values: sum(values) / len(values)  # noqa: E731
    print("-" * len(header))
    m = [mean(t) for t in totals]
    print(
        f"{'macro average':<17} {m[0]:>8.2f} {m[1]:>5.2f} {m[2]:>13.2f} {m[3]:>5.2f} "
        f"{m[4]:>11.2f} {m[5]:>5.2f} {m[6]:>12.2f} {m[7]:>5.2f}"
    )
    print(
        f"with digests (the default): precision of what is sent at once {m[2]:.2f} against "
        f"{m[0]:.2f}; every match is still delivered, at once or in a digest (recall {m[1]:.2f})"
    )
    print(f"\n{'min_prominence':>14} {'macro P':>8} {'R':>5}")
    for floor in SWEEP:
        swept = [
            scores(alerts(node, vocabulary, items, floor), [name in label for label in labels])
            for name, node in rules.items()
        ]
        print(
            f"{floor:>14} {mean([p for p, _ in swept]):>8.2f} {mean([r for _, r in swept]):>5.2f}"
        )


def main() -> None:
    vocabulary, rules, floors = load()
    for title, paths in SETS.items():
        print(f"## {title}\n")
        report(vocabulary, rules, floors, *labelled(paths))
        print()


if __name__ == "__main__":
    main()
