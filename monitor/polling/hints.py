"""Servers' advice on when to come back, read from response headers (pure).

`Retry-After` is either a number of seconds or an HTTP date; `Cache-Control: max-age` is the
number of seconds a response stays fresh. Malformed values count as no advice.
"""

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """How long a `Retry-After` header asks us to wait from `now`; None if absent or invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT by definition
        when = when.replace(tzinfo=now.tzinfo)
    return max(when - now, timedelta(0))


def max_age(value: str | None) -> timedelta | None:
    """The `max-age` of a `Cache-Control` header; None if absent or invalid."""
    for directive in (value or "").split(","):
        name, _, argument = directive.strip().partition("=")
        if name.strip().lower() == "max-age":
            argument = argument.strip().strip('"')
            return timedelta(seconds=int(argument)) if argument.isdigit() else None
    return None
