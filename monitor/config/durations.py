"""Durations as users write them: "90s", "10m", "24h", "7d", "0"."""

import math
import re
from datetime import timedelta
from functools import lru_cache

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Longer than anything worth waiting for, and short enough that adding it to any date this
# program sees stays a date: "999999999999d" is refused here, not an OverflowError at the poll.
MAX_DURATION = timedelta(days=36500)


def parse_duration(value: object) -> timedelta:
    """Parse a duration string or a number of seconds, from 0 to `MAX_DURATION`; raises
    ValueError saying why not."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.fullmatch(value)):
        if not match.group(2) and float(match.group(1)) != 0:
            raise _not_a_duration(value)
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    else:
        raise _not_a_duration(value)
    if math.isnan(seconds):
        raise _not_a_duration(value)
    if seconds < 0:
        raise ValueError(f"{_shown(value)} is negative: a duration is 0 or more")
    if seconds > MAX_DURATION.total_seconds():
        longest = format_duration(MAX_DURATION)
        raise ValueError(f"{_shown(value)} is too long: at most {longest} (100 years)")
    return _shared(seconds)


@lru_cache(maxsize=256)
def _shared(seconds: float) -> timedelta:
    # One object per length: 50,000 feeds that all say "5m" keep one timedelta, not 50,000
    # (2 MB); a timedelta cannot change, so sharing it is safe.
    return timedelta(seconds=seconds)


def _shown(value: object) -> str:
    written = repr(value)
    return written if len(written) <= 40 else f"{written[:39]}…"


def _not_a_duration(value: object) -> ValueError:
    return ValueError(f'{_shown(value)} is not a duration: write e.g. "90s", "10m", "24h" or "7d"')


def positive(value: timedelta) -> timedelta:
    """`value`, if more than zero (an interval, timeout or age of 0 means nothing useful)."""
    if value <= timedelta(0):
        raise ValueError('must be more than 0 (e.g. "90s", "10m")')
    return value


def format_duration(delta: timedelta) -> str:
    """The shortest exact form of `delta` in the units `parse_duration` reads."""
    seconds = delta.total_seconds()
    for unit in ("w", "d", "h", "m", "s"):
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s" if seconds else "0"
