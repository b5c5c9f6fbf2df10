"""The global options (`--config`, `--log-level`, `--log-format`): accepted before the command
name and after it (`media-monitor once --config DIR`), and the set-up they drive once the
command's own options are known."""

import functools
import inspect
import pyexpat
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from monitor.cli.common import err

# `monitor.log.LogFormat`, spelled out so that `--help` need not import structlog (mypy checks
# that each value is one `monitor.log.configure` takes).
LogFormat = Literal["auto", "console", "json"]
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# The first libexpat release with an entity amplification limit (billion laughs), fixed up.
SAFE_EXPAT = (2, 4, 1)

_CONFIG_HELP = "Config directory (default: $MONITOR_CONFIG_DIR, else ./config)."
# Before the command name, the environment may give it; after, only the command line, so that
# MONITOR_CONFIG_DIR never overrides a `--config` written before the command name.
GroupConfigOption = Annotated[
    Path | None,
    typer.Option("--config", envvar="MONITOR_CONFIG_DIR", help=_CONFIG_HELP, show_default=False),
]
ConfigOption = Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP)]
LevelOption = Annotated[
    str | None,
    typer.Option(help="debug, info, warning or error (default: info).", show_default=False),
]
FormatOption = Annotated[
    LogFormat | None,
    typer.Option(
        help="auto: console on a terminal, JSON lines otherwise (default: auto).",
        show_default=False,
    ),
]
_NAMES = ("config", "log_level", "log_format")


@dataclass(frozen=True)
class Options:
    """The global options, passed from the group to each command; the defaults hold for those
    given nowhere."""

    config_dir: Path = Path("config")
    log_level: str = "info"
    log_format: LogFormat = "auto"

    def given(
        self, config: Path | None, log_level: str | None, log_format: LogFormat | None
    ) -> "Options":
        """These options, overridden by those given (not None)."""
        if log_level is not None and log_level.upper() not in LEVELS:
            raise typer.BadParameter("use debug, info, warning or error", param_hint="--log-level")
        return replace(
            self,
            config_dir=config or self.config_dir,
            log_level=log_level or self.log_level,
            log_format=log_format or self.log_format,
        )

    @property
    def progress_shown(self) -> bool:
        """Whether a long command may draw progress: on a terminal, where logs are console
        lines too (JSON logs are read by programs, which want nothing else on stderr)."""
        return self.log_format != "json" and sys.stderr.isatty()


def accepting_global_options(command: Callable[..., None]) -> Callable[..., None]:
    """`command` also taking the global options after its name; those given there win. Once
    they are all known, logging is set up and the Python checked, then `command` runs.

    `command` must take the typer context as `ctx`.
    """
    signature = inspect.signature(command)
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=kind)
        for name, kind in zip(_NAMES, (ConfigOption, LevelOption, FormatOption), strict=True)
    ]

    @functools.wraps(command)
    def with_options(**kwargs: Any) -> None:
        ctx: typer.Context = kwargs["ctx"]
        given = [kwargs.pop(name) for name in _NAMES]
        ctx.obj = ctx.obj.given(*given)
        _set_up(ctx.obj)
        command(**kwargs)

    # typer reads a command's options from its signature and annotations.
    with_options.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *extra]
    )
    with_options.__annotations__ = {
        **command.__annotations__,
        **{parameter.name: parameter.annotation for parameter in extra},
    }
    return with_options


def _set_up(options: Options) -> None:
    """Logging as the options say; refuse a Python whose XML parser can be made to explode."""
    from monitor import log

    log.configure(options.log_level, options.log_format)
    if pyexpat.version_info < SAFE_EXPAT:
        found = ".".join(map(str, pyexpat.version_info))
        err.print(
            f"This Python links libexpat {found}, which does not limit XML entity expansion; "
            "media-monitor needs 2.4.1 or newer (a newer Python build has it).",
            highlight=False,
        )
        raise typer.Exit(1)
