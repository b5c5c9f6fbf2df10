"""`test-rule`: show which stories a query or configured rule matches (the logic is in
`rule_tester`), and, over the stored items, which of their alerts the user rejected as not
relevant. Testing a sentence loads neither the network stack nor the feed parser."""

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from monitor.cli.common import EXIT_CONFIG, err, load, open_store, out, shown

if TYPE_CHECKING:
    from monitor.cli.rule_tester import FoundItem
    from monitor.config.model import Config
    from monitor.feedback import Rejection
    from monitor.items import Item


def try_rule(
    ctx: typer.Context,
    query_or_rule: Annotated[
        str, typer.Argument(help="A query, or the name of a configured rule.")
    ],
    text: Annotated[str | None, typer.Option(help="Text to test (with --title, a story).")] = None,
    title: Annotated[
        str | None, typer.Option(help="Title to test, so title: can be tried.")
    ] = None,
    file: Annotated[Path | None, typer.Option(help="A feed or HTML file: test its items.")] = None,
    url: Annotated[str | None, typer.Option(help="A feed or page URL: test its items.")] = None,
    history: Annotated[
        float | None,
        # Bounded: a date that far back is out of range (and `inf` would be a traceback).
        typer.Option(
            help="Test the items stored in the last DAYS days (alerts rejected as not "
            "relevant are marked).",
            min=0,
            max=36500,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of matches.")] = False,
    near_misses: Annotated[
        bool,
        typer.Option(
            "--near-misses",
            help="With --history: the items that lack one required part, and their words.",
        ),
    ] = False,
) -> None:
    """Show which stories a query or rule matches, with the matched words highlighted."""
    from monitor.cli.rule_tester import compile_query, evaluate
    from monitor.rules.query import QueryError

    config = load(ctx, sending=False)
    sources = [text is not None or title is not None, file, url, history is not None]
    if sum(bool(s) for s in sources) != 1:
        err.print("Give one of --text/--title, --file, --url or --history.", highlight=False)
        raise typer.Exit(EXIT_CONFIG)
    if near_misses and history is None:
        err.print("--near-misses looks at the stored items: give --history DAYS.", highlight=False)
        raise typer.Exit(EXIT_CONFIG)
    try:
        tested = compile_query(config, query_or_rule)
    except QueryError as exc:
        err.print(f"Bad query: {exc.render(query_or_rule)}", markup=False, highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    if tested.meant is not None:
        err.print(
            f"no rule {query_or_rule!r}; did you mean {tested.meant!r}? testing it as a query",
            markup=False,
            highlight=False,
        )
    if tested.never:
        err.print(
            f"This query can never match: no story can satisfy {query_or_rule!r}.",
            markup=False,
            highlight=False,
        )
        raise typer.Exit(EXIT_CONFIG)
    try:
        items, rejected = _items_to_test(
            config, text=text, title=title, file=file, url=url, days=history, lean=near_misses
        )
    except (OSError, ValueError) as exc:
        err.print(f"Cannot read the items to test: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    if near_misses:
        from monitor.cli.suggest import show_near_misses

        show_near_misses(config, tested.node, items, as_json=as_json)
        return
    found = evaluate(tested.matcher, items, rejected)
    if as_json:
        print(json.dumps([m.to_json() for m in found], ensure_ascii=False, indent=2))
    else:
        _print_found(found, len(items))
    if tested.meant is not None and not found:
        raise typer.Exit(1)  # most likely a mistyped rule name: do not pass for "no match"


def _items_to_test(
    config: "Config",
    *,
    text: str | None,
    title: str | None,
    file: Path | None,
    url: str | None,
    days: float | None,
    lean: bool = False,
) -> tuple[list["Item"], Mapping[str, "Rejection"]]:
    """The items to test, and (from the state) the rejections of their stories' alerts, by
    story key."""
    import asyncio

    from monitor.cli.rule_tester import fetch_document, items_from_document
    from monitor.items import Item

    if file is not None:
        from monitor.polling.fetch import read_at_most  # (aiohttp: not for --text)

        body = read_at_most(file, config.settings.max_feed_bytes)  # not all of /dev/zero
        return items_from_document(body, str(file)), {}
    if url is not None:
        return items_from_document(asyncio.run(fetch_document(config, url)), url), {}
    if days is not None:
        with open_store(config) as store:
            since = datetime.now(UTC) - timedelta(days=days)
            # An alert is rejected after its item was first seen: since `since` too.
            rejected = {} if lean else {r.story_key: r for r in store.rejections_since(since)}
            return store.history_since(since, texts_only=lean), rejected
    return [Item("--text", "text", "text", title or "", text or "", None, None)], {}


def _marked(value: str, marks: Sequence[tuple[int, int]]) -> Text:
    shown = Text(value)
    for start, end in marks:
        shown.stylize("bold reverse", start, end)
    return shown


def _print_found(found: Sequence["FoundItem"], tested: int) -> None:
    table = Table(
        "source", "published", "lang", "prominence", "title", "where it matched", show_lines=True
    )
    for match in found:
        item = match.item
        published = item.published.strftime("%Y-%m-%d %H:%M") if item.published else ""
        title = _marked(item.title, match.title_marks)
        if match.rejected is not None:  # its reason as the user typed it: shown safe
            note = shown(_rejection_line(match.rejected))
            note.stylize("bold")
            title.append("\n").append_text(note)
        table.add_row(
            Text(item.feed),
            published,
            match.language or "",
            str(match.prominence),
            title,
            _marked(match.snippet, match.snippet_marks),
        )
    if found:
        out.print(table)
    rejected = sum(match.rejected is not None for match in found)
    also = f" {rejected} of them rejected as not relevant." if rejected else ""
    out.print(f"{len(found)} of {tested} item(s) match.{also}", highlight=False)


def _rejection_line(rejection: "Rejection") -> str:
    """ "rejected 2026-12-01 11:02 UTC from chat (rules: r1): why": the mark under a title."""
    at = rejection.rejected_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    why = f": {rejection.reason}" if rejection.reason else ""
    rules = ", ".join(rejection.rules)
    return f"rejected {at} UTC from {rejection.source} (rules: {rules}){why}"
