"""Servers' advice on when to come back, read from response headers and the feed (pure).

`Retry-After` is either a number of seconds or an HTTP date; `Cache-Control: max-age` is the
number of seconds a response stays fresh; RSS `<ttl>` is a number of minutes. Malformed values
count as no advice. Every value comes from a stranger, so each is clamped to 0…`LONGEST_HINT`:
a `max-age` of 99999999999999 means "a long time", never an overflow.
"""

import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

# Far beyond any delay a hint may impose (decide caps those much lower), far below overflow.
LONGEST_HINT = timedelta(days=365)
_NUMBER = re.compile(r"[0-9]+")  # ASCII digits only: str.isdigit() also takes "²"


def _clamped(count: str, unit: timedelta) -> timedelta | None:
    """`count` units, clamped to `LONGEST_HINT`; None unless `count` is a plain number."""
    count = count.strip()
    if not _NUMBER.fullmatch(count):
        return None
    # Compared as numbers first: a huge count times `unit` would overflow timedelta.
    limit = LONGEST_HINT // unit
    return unit * min(int(count), limit)


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """How long a `Retry-After` header asks us to wait from `now`; None if absent or invalid."""
    if not value:
        return None
    seconds = _clamped(value, timedelta(seconds=1))
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT by definition
        when = when.replace(tzinfo=now.tzinfo)
    return min(max(when - now, timedelta(0)), LONGEST_HINT)


def max_age(value: str | None) -> timedelta | None:
    """The `max-age` of a `Cache-Control` header; None if absent or invalid."""
    for directive in (value or "").split(","):
        name, _, argument = directive.strip().partition("=")
        if name.strip().lower() == "max-age":
            return _clamped(argument.strip().strip('"'), timedelta(seconds=1))
    return None


def ttl(value: object) -> timedelta | None:
    """An RSS `<ttl>` (minutes) as feedparser gives it; None if absent or invalid."""
    return _clamped(str(value or ""), timedelta(minutes=1))
