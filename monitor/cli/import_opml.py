"""`import-opml`: append the feeds of an OPML subscription list to `feeds.toml`."""

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from monitor.cli.common import EXIT_CONFIG, err, out


def import_opml(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An OPML subscription list.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be added; change nothing.")
    ] = False,
    allow_private: Annotated[
        bool,
        typer.Option(
            "--allow-private",
            help="Import URLs on loopback, private or link-local addresses, local-only names, "
            "or with credentials (skipped otherwise).",
        ),
    ] = False,
) -> None:
    """Append the feeds of an OPML file to feeds.toml, skipping URLs already configured and,
    unless --allow-private, URLs that point at this machine or its network."""
    from monitor.config.files import UnreadableFileError
    from monitor.config.opml import (
        OpmlError,
        append_feeds,
        configured_feeds,
        plan_import,
        read_opml,
    )

    directory = ctx.obj.config_dir
    if not directory.is_dir():
        err.print(f"Config directory not found: {directory}", markup=False, highlight=False)
        raise typer.Exit(EXIT_CONFIG)
    try:
        listed = read_opml(file.read_bytes())
        plan = plan_import(listed, configured_feeds(directory), allow_private=allow_private)
    except (OSError, OpmlError, UnreadableFileError) as exc:
        err.print(f"Cannot import {file}: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_CONFIG) from None
    target = directory / "feeds.toml"
    if plan.added and not dry_run:
        try:
            append_feeds(target, plan.added)
        except OSError as exc:
            err.print(f"Cannot write {target}: {exc}", markup=False, highlight=False)
            raise typer.Exit(1) from None
    if plan.added:
        added = Table("name", "url", "tags", title="Would add" if dry_run else "Added")
        for feed in plan.added:
            added.add_row(
                Text(feed["name"]), Text(feed["url"]), Text(" ".join(feed.get("tags", ())))
            )
        out.print(added)
    for url, why in plan.skipped:
        out.print(Text(f"skipped {url}: {why}"))
    verb = "Would add" if dry_run else "Added"
    out.print(Text(f"{verb} {len(plan.added)} feed(s) to {target}; skipped {len(plan.skipped)}."))
