"""Durations as users write them: "90s", "10m", "24h", "7d", "0"."""

import re
from datetime import timedelta

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> timedelta:
    """Parse a duration string or a number of seconds; raises ValueError saying why not."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.fullmatch(value)
        if match and (match.group(2) or float(match.group(1)) == 0):
            return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2) or "s"])
    raise ValueError(f'{value!r} is not a duration: write e.g. "90s", "10m", "24h" or "7d"')


def format_duration(delta: timedelta) -> str:
    """The shortest exact form of `delta` in the units `parse_duration` reads."""
    seconds = delta.total_seconds()
    for unit in ("w", "d", "h", "m", "s"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s" if seconds else "0"
