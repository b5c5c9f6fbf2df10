"""`suggest RULE` and `test-rule RULE --history DAYS --near-misses`: what a rule misses in the
stored items, and the terms and exclusions that would change it, each with its effect on them
(the logic is in `rules/near_miss` and `rules/suggest`). Nothing is ever applied."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.cli.common import EXIT_CONFIG, err, load, open_store, out

if TYPE_CHECKING:
    from monitor.config.model import Config
    from monitor.items import Item
    from monitor.rules.near_miss import Group
    from monitor.rules.nodes import Node
    from monitor.rules.suggest import Suggestion


def _missing_line(group: "Group", parts: Sequence[str]) -> str:
    others = [p for i, p in enumerate(parts) if i != group.part]
    languages = ", ".join(f"{lang or '?'} {count}" for lang, count in group.languages)
    return (
        f"items with {' and '.join(others)} but no {parts[group.part]}: {len(group.items)} "
        f"({languages})"
    )


def show_near_misses(
    config: "Config", node: "Node", items: Sequence["Item"], *, as_json: bool
) -> None:
    """Print the near misses of `node` among `items`, grouped by the part they lack."""
    from monitor.rules.near_miss import groups, known_words, scan, terms
    from monitor.rules.nodes import to_string

    found = scan(node, config.vocabulary, items)
    parts = [to_string(p) for p in found.parts]
    shown = groups(found, known_words(terms(node, config.vocabulary)))
    if as_json:
        print(json.dumps([_group_json(g, parts) for g in shown], ensure_ascii=False, indent=2))
        return
    if len(parts) < 2:
        out.print(
            "Near misses lack one of several required parts (a query of the form A AND B); "
            "this one has a single part: `media-monitor suggest` proposes words for it.",
            markup=False,
            highlight=False,
        )
        return
    for group in shown:
        out.print(_missing_line(group, parts), markup=False, highlight=False)
        for language, words in group.words.items():
            listed = ", ".join(f"{w.word} ({w.items})" for w in words) or "(no specific words)"
            out.print(f"  {language or '?'}: {listed}", markup=False, highlight=False)
    out.print(
        f"{sum(len(g.items) for g in shown)} near miss(es) and {len(found.matched)} match(es) "
        f"in {found.total} item(s).",
        highlight=False,
    )


def _group_json(group: "Group", parts: Sequence[str]) -> dict[str, Any]:
    return {
        "missing": parts[group.part],
        "present": [p for i, p in enumerate(parts) if i != group.part],
        "items": len(group.items),
        "languages": {lang or "": count for lang, count in group.languages},
        "words": {
            lang or "": [{"word": w.word, "items": w.items, "score": round(w.score, 2)} for w in ws]
            for lang, ws in group.words.items()
        },
    }


def _days(days: float) -> str:
    return f"{days:g} day{'s' if days != 1 else ''}"


def effect(suggestion: "Suggestion", days: float) -> str:
    """ "+14 alerts over 30 days, 3 of them previously rejected"."""
    sign = "+" if suggestion.alerts >= 0 else "−"
    return (
        f"{sign}{abs(suggestion.alerts)} alerts over {_days(days)}, "
        f"{suggestion.rejected} of them previously rejected"
    )


def suggest(
    ctx: typer.Context,
    rule: Annotated[str, typer.Argument(help="The name of a configured rule.")],
    history: Annotated[
        float,
        typer.Option(help="Look at the items stored in the last DAYS days.", min=0.01, max=36500),
    ] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Propose terms to add to a rule and words to exclude from it, each with its effect on the
    stored items. Nothing is applied: edit the rule, then run `check`."""
    from monitor.rules.nodes import to_string
    from monitor.rules.suggest import additions, described, exclusions

    config = load(ctx, sending=False)
    configured = config.rules.get(rule)
    if configured is None:
        err.print(f"No rule {rule!r} in the config.", markup=False, highlight=False)
        raise typer.Exit(EXIT_CONFIG)
    node = configured.node
    start = datetime.now(UTC) - timedelta(days=history)
    with open_store(config) as store:
        items = store.history_since(start, texts_only=True)
        rejected = {r.story_key for r in store.rejections_since(start) if rule in r.rules}
    from monitor.rules.near_miss import scan

    found = scan(node, config.vocabulary, items)
    suggestions = [
        *additions(node, config.vocabulary, found, items, rejected),
        *exclusions(node, config.vocabulary, found, rejected),
    ]
    if as_json:
        rows = [
            {
                "change": described(s, node),
                "alerts": s.alerts,
                "rejected": s.rejected,
                "query": to_string(_applied(node, s)),
            }
            for s in suggestions
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    out.print(
        f"Rule {rule!r} over {_days(history)}: {len(found.matched)} of {len(items)} stored items "
        f"match, {len(rejected)} alert(s) rejected.",
        markup=False,
        highlight=False,
    )
    for number, suggestion in enumerate(suggestions, 1):
        out.print(
            f"{number:>3}. {described(suggestion, node)}\n     {effect(suggestion, history)}",
            markup=False,
            highlight=False,
        )
    if not suggestions:
        out.print("No suggestions: too few stored items to learn from.", highlight=False)
    out.print(
        "Nothing is applied: edit the query (or an actor's or topic's aliases), then run "
        "`media-monitor check`.",
        highlight=False,
    )


def _applied(node: "Node", suggestion: "Suggestion") -> "Node":
    from monitor.rules.suggest import apply

    return apply(node, [suggestion])
