"""An entry's date, as the feed meant it.

feedparser reads RFC 822 and ISO 8601 dates (in a few languages) quickly; what it cannot read
(`Seg, 24 Set 2018` from a Brazilian feed, `mer, 16 nov 2022` from an Italian one) goes to
dateparser, on that fallback path only: it costs ~1 s to load its languages at first use and
5 – 30 ms a date, so its answers are cached (a feed lists the same dates poll after poll).

A date without a zone is in the feed's own zone when the feed's `timezone` setting names one
(feedparser reads it as UTC: QQ's dates came out 8 hours off), else UTC.
"""

import calendar
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

# The most common languages of news, in the order dateparser tries them after the feed's own.
NEWS_LANGUAGES = (
    "en", "es", "pt", "fr", "de", "it", "ru", "uk", "zh", "ja", "ko", "ar", "tr", "pl", "nl",
    "sv", "id", "hi", "fa", "vi", "ro", "el", "cs", "hu", "da", "nb", "fi", "he", "th", "bg",
)  # fmt: skip
# A zone at the end of a date: `Z`, `+03:00`, `-0300`, `GMT`, `EST`…
_ZONED = re.compile(r"(?:[zZ]|[+-]\d{2}:?\d{2}|\b[A-Z]{1,5})\s*\Z")
_WEEKDAY = re.compile(r"\A\w+\.?,?\s+")
_SETTINGS = {
    "TO_TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": True,
    # Only what the text says: no relative dates ("2 hours ago") and no parts taken from today,
    # both of which would read the clock.
    "PARSERS": ["timestamp", "absolute-time"],
    "REQUIRE_PARTS": ["day", "month", "year"],
}


def _in_zone(when: datetime, text: str, zone: ZoneInfo | None) -> datetime:
    """`when`, which feedparser read as UTC, moved to `zone` if `text` named no zone."""
    if zone is None or _ZONED.search(text):
        return when
    return when.replace(tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=4096)
def parse_date(
    text: str, zone: ZoneInfo | None = None, language: str | None = None
) -> datetime | None:
    """A date in any of the common news languages, aware UTC; None if it is not one.
    `language`, the feed's (`pt-br`), is tried first."""
    import dateparser  # noqa: PLC0415 (only the fallback path pays its import)

    primary = language.split("-")[0] if language else None
    languages = [primary] if primary in NEWS_LANGUAGES else []
    languages += [code for code in NEWS_LANGUAGES if code != primary]
    settings = {**_SETTINGS, "TIMEZONE": zone.key if zone is not None else "UTC"}
    for candidate in (text, _WEEKDAY.sub("", text)):
        try:
            found = dateparser.parse(candidate, languages=languages, settings=settings)
        except (ValueError, OverflowError, LookupError):
            found = None
        if isinstance(found, datetime):
            return found.astimezone(UTC)
    return None


def _from_struct(parsed: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def entry_date(
    entry: dict[str, Any], zone: ZoneInfo | None = None, language: str | None = None
) -> datetime | None:
    """When a feedparser entry was published (else updated), aware UTC; None if it says no
    date that can be read."""
    for name in ("published", "updated"):
        # As stored: feedparser's own `get` would answer "updated" with "published", and warn.
        text = str(dict.get(entry, name) or "").strip()
        when = _from_struct(dict.get(entry, f"{name}_parsed"))
        if when is not None:
            return _in_zone(when, text, zone)
        if text and len(text) < 100 and (found := parse_date(text, zone, language)) is not None:
            return found
    return None
