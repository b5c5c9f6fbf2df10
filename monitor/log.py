"""structlog set-up: console lines on a TTY, JSON lines otherwise; secrets redacted.

Library loggers (Apprise, aiohttp) go through the same processors, so a library that logs a
URL with a token in it is redacted too; Apprise is kept at INFO or quieter, because at DEBUG it
logs full Telegram and Slack URLs. Redacted are: the registered secrets (what `${NAME}`s
expanded to, the tokens written in channel URLs, feed URLs' credentials), and in any URL its
user-info and secret-named query values, wherever the URL came from. Control and bidi-override
characters (a feed's title, an error a server sent) are written as escapes, so that no log line
can act on the terminal that shows it.

JSON lines carry text as it is (a Cyrillic error reads as Cyrillic in journalctl), since JSON is
UTF-8. Only a stderr whose encoding is not UTF-8 gets `\\uXXXX` escapes instead: written raw
there, the line would be mis-encoded, or not JSON at all.
"""

import codecs
import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, Literal, TextIO

import structlog

from monitor.display import MASK, redact_urls, visible

LogFormat = Literal["auto", "console", "json"]
_secrets: list[str] = []


def add_secrets(values: Iterable[str]) -> None:
    """Register strings (tokens, passwords) that must never appear in a log line."""
    for value in values:
        if len(value) >= 4 and value not in _secrets:
            _secrets.append(value)
    _secrets.sort(key=len, reverse=True)


def redact_text(value: str) -> str:
    """`value` with every registered secret and URL credential masked, and its control
    characters escaped: what a log line, or a table of what the state says, may show."""
    for secret in _secrets:
        value = value.replace(secret, MASK)
    return visible(redact_urls(value))


def redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: `redact_text` on every string field."""
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = redact_text(value)
    return event


def _writes_utf8(stream: TextIO) -> bool:
    """Whether text written to `stream` becomes UTF-8 bytes (a stream of text, such as a
    StringIO, has no encoding and keeps every character)."""
    encoding = getattr(stream, "encoding", None)
    if encoding is None:
        return True
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def configure(level: str = "info", fmt: LogFormat = "auto") -> None:
    """Route structlog and stdlib logging to stderr in the chosen format."""
    stream = sys.stderr
    json_lines = fmt == "json" or (fmt == "auto" and not stream.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=not _writes_utf8(stream))
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    numeric = logging.getLevelNamesMapping()[level.upper()]
    root.setLevel(numeric)
    logging.getLogger("apprise").setLevel(max(numeric, logging.INFO))
    # APScheduler warns each time a still-running job's turn comes round; `run` wakes its
    # delivery job on purpose, so only its errors (a job that raised) are worth a line.
    logging.getLogger("apscheduler").setLevel(max(numeric, logging.ERROR))
