"""An entry's date, as the feed meant it: read right, or left undated, never guessed.

feedparser reads RFC 822 and ISO 8601 dates quickly, but it also reads other shapes and fills
what they lack from today: `2020/1/10 14:33` and `2020年1月10日 14:33` came out as the 1st of
the current month, `2020-W02` as well, `2020` as 1 January. Its reading is taken only for a
text in a shape it reads whole (`_TRUSTED`: RFC 822 with day, month name and year; asctime; an
ISO 8601 calendar date with its day). Anything else goes to dateparser, which must find day,
month and year in the text itself and never reads the clock. It costs ~1 s to load its
languages at first use and 1 – 30 ms a date, so its answers are cached (a feed lists the same
dates poll after poll).

A numeric date such as `1/10/2020` (or `1 10 2020`, after a weekday, before or after a time)
is read only when its order is known: by a part past 12, or by the feed's language (`en-us`
writes the month first; other languages the day). With neither, it is left undated rather than
handed to dateparser, which would read it month first. Dotted dates (`10.01.2020`) are day
first wherever they are used.

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
# Languages whose numeric dates put the month first.
_MONTH_FIRST = frozenset({"en-us"})
# A zone at the end of a date: `Z`, `+03:00`, `-0300`, `GMT`, `EST`…
_ZONED = re.compile(r"(?:[zZ]|[+-]\d{2}:?\d{2}|\b[A-Z]{1,5})\s*\Z")
# A leading weekday (`Tue,`, `Di.`), which dateparser may fail to read in the feed's language.
_WEEKDAY = re.compile(r"\A[^\W\d]+\.?,?\s+")
# The shapes feedparser reads whole: RFC 822 (`Fri, 10 Jan 2020 14:33:00 +0100`, in any of
# the languages it knows), asctime (`Fri Jan 10 14:33:00 2020`), an ISO 8601 calendar date.
_TRUSTED = re.compile(
    r"""\A\s*(?:
        (?:[^\W\d]+\.?,?\s*)?\d{1,2}[\s-]+[^\W\d]{3,}\.?[\s-]+\d{2,4}(?:\s|\Z)
      | [^\W\d]{3}\s+[^\W\d]{3}\s+\d{1,2}\s+\d{1,2}:\d{2}:\d{2}\s+\d{4}\s*\Z
      | \d{4}-\d{2}-\d{2}(?:[T\s]|\Z)
    )""",
    re.VERBOSE,
)
# ISO 8601's basic form (`20200110T143300Z`), whose time feedparser drops.
_BASIC_ISO = re.compile(r"\A\d{8}T\d{4}(?:\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\Z")
# Day and month in either order, then the year, anywhere in the text, apart by any
# punctuation or spaces (`01/12 2026`, `01_12_2026`: dateparser reads them all); not part of a
# longer number, an ISO date or a time (`2020/1/10`, `2020-01-10 14h33`, `10 01 14:33`).
_NUMERIC = re.compile(
    r"(?<![\d:])(?<!\d[-/.])(\d{1,2})((?:[^\w:]|_){1,3})(\d{1,2})(?:[^\w:]|_){1,3}\d{2,4}(?![\d:])"
)
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


def _date_order(text: str, language: str | None) -> str | None:
    """The order of a numeric date's parts (`DMY`, `MDY`); `""` if the text is not a numeric
    date; None if it is one whose order cannot be known."""
    numeric = _NUMERIC.search(text)
    if numeric is None:
        return ""
    first, separator, second = int(numeric[1]), numeric[2], int(numeric[3])
    if separator.strip() == "." or first > 12:
        return "DMY"
    if second > 12 or first == second:
        return "MDY"
    if language is None or language == "en":
        return None  # `en` alone is written both ways
    return "MDY" if language in _MONTH_FIRST else "DMY"


@lru_cache(maxsize=4096)
def parse_date(
    text: str, zone: ZoneInfo | None = None, language: str | None = None
) -> datetime | None:
    """A date in any of the common news languages, aware UTC; None if it is not one or says
    less than day, month and year. `language`, the feed's (`pt-br`), is tried first."""
    if _BASIC_ISO.match(text):
        try:
            when = datetime.fromisoformat(text)
            return (when if when.tzinfo else when.replace(tzinfo=zone or UTC)).astimezone(UTC)
        except (ValueError, OverflowError):  # a month 13; past year 9999 in UTC
            return None
    order = _date_order(text, language)
    if order is None:
        return None
    import dateparser  # noqa: PLC0415 (only the fallback path pays its import)

    primary = language.split("-")[0] if language else None
    languages = [primary] if primary in NEWS_LANGUAGES else []
    languages += [code for code in NEWS_LANGUAGES if code != primary]
    settings = {**_SETTINGS, "TIMEZONE": zone.key if zone is not None else "UTC"}
    if order:
        settings["DATE_ORDER"] = order
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
        if _TRUSTED.match(text):
            when = _from_struct(dict.get(entry, f"{name}_parsed"))
            if when is not None:
                return _in_zone(when, text, zone)
        if text and len(text) < 100 and (found := parse_date(text, zone, language)) is not None:
            return found
    return None
