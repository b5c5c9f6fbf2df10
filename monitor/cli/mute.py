"""`mute`, `unmute` and `mute --list`: silence a rule or a channel for a while, in the state, so
that a running daemon obeys at its next delivery pass, without a reload. What a mute keeps back
is recorded in `history` as muted, and not sent when the mute ends."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.table import Table

from monitor.cli.common import EXIT_CONFIG, err, load, open_store, out, shown, when
from monitor.config.durations import format_duration, parse_duration, positive

if TYPE_CHECKING:
    from monitor.config.model import Config
    from monitor.feedback import MuteKind

NameArgument = Annotated[str | None, typer.Argument(help="A rule's or a channel's name.")]
RuleOption = Annotated[bool, typer.Option("--rule", help="NAME is a rule.")]
ChannelOption = Annotated[bool, typer.Option("--channel", help="NAME is a channel.")]


def mute(
    ctx: typer.Context,
    name: NameArgument = None,
    for_: Annotated[
        str | None,
        typer.Option("--for", help="How long, e.g. 4h or 2d (default: until `unmute`)."),
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why, shown in `mute --list`.")] = None,
    rule: RuleOption = False,
    channel: ChannelOption = False,
    list_: Annotated[bool, typer.Option("--list", help="List the mutes in force.")] = False,
) -> None:
    """Silence a rule or a channel (for a while with --for): its alerts are recorded in
    `history` as muted, not sent, then or later. `mute --list` shows the mutes in force."""
    from monitor.feedback import Mute

    config = load(ctx, sending=False)
    if list_:
        _list(config)
        return
    if name is None:
        err.print("Name a rule or a channel to mute, or give --list.", highlight=False)
        raise typer.Exit(EXIT_CONFIG)
    kind = _kind(config, name, rule=rule, channel=channel)
    now = datetime.now(UTC)
    try:
        period = None if for_ is None else positive(parse_duration(for_))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--for") from None
    until = None if period is None else now + period
    with open_store(config, create=True) as store:  # before the first run too
        store.mute(Mute(kind, name, until, reason, now, "cli"))
    lasting = f"until {when(until)} ({format_duration(period)})" if period else "until unmuted"
    out.print(
        shown(f"Muted {kind} '{name}' {lasting}: its alerts are recorded as muted, not sent."),
        highlight=False,
    )


def unmute(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A muted rule's or channel's name.")],
    rule: RuleOption = False,
    channel: ChannelOption = False,
) -> None:
    """Lift the mute of a rule or a channel: its next alerts are sent again."""
    config = load(ctx, sending=False)
    with open_store(config) as store:
        muted = {m.kind for m in store.active_mutes(datetime.now(UTC)) if m.name == name}
        configured = _configured(config, name)
        if len(muted) == 1 and not rule and not channel and not configured & muted:
            kind: MuteKind = muted.pop()  # a mute of a rule or channel since renamed
        else:
            kind = _kind(config, name, rule=rule, channel=channel)
        lifted = store.unmute(kind, name)
    said = f"Unmuted {kind} '{name}'." if lifted else f"The {kind} '{name}' was not muted."
    out.print(shown(said), highlight=False)


def _configured(config: "Config", name: str) -> "set[MuteKind]":
    kinds: set[MuteKind] = set()
    if name in config.rules:
        kinds.add("rule")
    if name in config.channels:
        kinds.add("channel")
    return kinds


def _kind(config: "Config", name: str, *, rule: bool, channel: bool) -> "MuteKind":
    """Whether `name` is a rule or a channel; exit 2 saying why when it is neither, or both
    without --rule or --channel to tell."""
    kinds = _configured(config, name)
    if rule and channel:
        _refuse("Give --rule or --channel, not both.")
    if rule or channel:
        asked: MuteKind = "rule" if rule else "channel"
        if asked not in kinds:
            _refuse(f"No {asked} '{name}' in the config ({_known(config, asked)}).")
        return asked
    if kinds == {"rule", "channel"}:
        _refuse(f"'{name}' is both a rule and a channel: give --rule or --channel.")
    if not kinds:
        _refuse(
            f"No rule or channel '{name}' in the config (rules: {_known(config, 'rule')}; "
            f"channels: {_known(config, 'channel')})."
        )
    return kinds.pop()


def _known(config: "Config", kind: "MuteKind") -> str:
    names = config.rules if kind == "rule" else config.channels
    return ", ".join(names) or "none"


def _refuse(message: str) -> NoReturn:
    err.print(shown(message), highlight=False)
    raise typer.Exit(EXIT_CONFIG)


def _list(config: "Config") -> None:
    """The mutes in force, and the rules and channels the config disables."""
    with open_store(config) as store:
        mutes = store.active_mutes(datetime.now(UTC))
    table = Table("kind", "name", "until", "reason", "since", "from", title="Muted")
    for m in mutes:
        table.add_row(
            m.kind,
            shown(m.name),
            when(m.until) or "until unmuted",
            shown(m.reason or ""),
            when(m.muted_at),
            m.source,
        )
    disabled = [("rule", r.name) for r in config.rules.values() if not r.enabled] + [
        ("channel", c.name) for c in config.channels.values() if not c.enabled
    ]
    for kind, name in disabled:
        table.add_row(kind, shown(name), "enabled = true", "disabled in the config", "", "config")
    out.print(table)
    out.print(f"{len(mutes)} mute(s) in force, {len(disabled)} disabled.", highlight=False)
