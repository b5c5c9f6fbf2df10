"""Dates as publishers write them: read right or left undated, never guessed (issue 19).

Each shape goes through the whole path (feedparser's reading, then the fallback), in an RSS
item as a feed sends it."""

from datetime import UTC, date, datetime
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.polling.dates import parse_date
from monitor.polling.parse import parse_feed

JAN_10 = datetime(2020, 1, 10, tzinfo=UTC)
JAN_10_1433 = datetime(2020, 1, 10, 14, 33, tzinfo=UTC)


def published(
    text: str, language: str | None = None, timezone: str | None = None
) -> datetime | None:
    channel = f"<language>{language}</language>" if language else ""
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"{channel}<item><title>x</title><link>https://example.org/a</link>"
        f"<pubDate>{escape(text)}</pubDate></item></channel></rss>"
    ).encode()
    (item,) = parse_feed("f", body, "https://example.org/feed", {}, timezone=timezone).items
    return item.published


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # RFC 822 and ISO 8601, as feedparser reads them
        ("Fri, 10 Jan 2020 14:33:00 +0000", JAN_10_1433),
        ("Fri, 10 Jan 2020 15:33:00 +0100", JAN_10_1433),
        ("10 Jan 2020 14:33 GMT", JAN_10_1433),
        ("Fri Jan 10 14:33:00 2020", JAN_10_1433),
        ("2020-01-10T14:33:00Z", JAN_10_1433),
        ("2020-01-10T17:33:00+03:00", JAN_10_1433),
        ("2020-01-10 14:33", JAN_10_1433),
        ("2020-01-10", JAN_10),
        ("20200110T143300Z", JAN_10_1433),  # ISO's basic form: feedparser dropped the time
        # the shapes feedparser read with today's month and day filled in
        ("2020/1/10 14:33", JAN_10_1433),
        ("2020年1月10日 14:33", JAN_10_1433),
        ("2020年1月10日", JAN_10),
        # other shapes of the web, in other languages and digits
        ("10.01.2020 14:33", JAN_10_1433),  # dotted: day first wherever it is used
        ("10.1.2020", JAN_10),
        ("Jan 10, 2020", JAN_10),
        ("January 10, 2020 2:33 pm", JAN_10_1433),
        ("Friday, January 10, 2020 - 14:33", JAN_10_1433),
        ("10 января 2020", JAN_10),
        ("10 января 2020, 14:33", JAN_10_1433),
        ("١٠ يناير ٢٠٢٠", JAN_10),  # Arabic-Indic digits
        ("Ven, 10 Gen 2020 15:33:00 +0100", JAN_10_1433),
        ("Seg, 10 Jan 2020 11:33:00 -0300", JAN_10_1433),
        ("13/01/2020", datetime(2020, 1, 13, tzinfo=UTC)),  # a part past 12 tells the order
        ("01/13/2020", datetime(2020, 1, 13, tzinfo=UTC)),
        ("10/10/2020", datetime(2020, 10, 10, tzinfo=UTC)),
        # partial dates: nothing taken from today, no first of the month made up
        ("2020", None),
        ("2020-01", None),
        ("2020-W02", None),
        ("January 2020", None),
        ("Jan 10", None),
        ("10/01", None),
        ("14:33", None),
        ("1/10/2020", None),  # January or October: the feed does not say which
        # garbage
        ("sometime last week", None),
        ("yesterday", None),
        ("2 hours ago", None),
        ("TBD", None),
        ("0000-00-00 00:00:00", None),
        ("99/99/9999", None),
        ("Fri, 32 Jan 2020 14:33:00 +0000", None),
        ("20201340T143300Z", None),
        ("99991231T2359-2359", None),  # past year 9999 in UTC
        ("<b>soon</b>", None),
        ("", None),
    ],
)
def test_date_shapes(text: str, expected: datetime | None) -> None:
    assert published(text) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en-us", datetime(2020, 1, 10, tzinfo=UTC)),
        ("en-gb", datetime(2020, 10, 1, tzinfo=UTC)),
        ("fr", datetime(2020, 10, 1, tzinfo=UTC)),
        ("en", None),  # written both ways
    ],
)
def test_a_numeric_date_is_read_in_the_order_of_the_feeds_language(
    language: str, expected: datetime | None
) -> None:
    assert published("1/10/2020", language) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # a weekday first, a time after: the order is the language's all the same
        ("Tue, 01/12/2026 09:00", "de", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ("01/12/2026 09:00", "de", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ("Tue, 01/12/2026 09:00", "en-gb", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ("Tue, 01/12/2026 09:00", "en-us", datetime(2026, 1, 12, 9, tzinfo=UTC)),
        ("Di., 01.12.2026", "de", datetime(2026, 12, 1, tzinfo=UTC)),
        ("09:00 01/12/2026", "fr", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        # separated by spaces
        ("10 01 2020", "de", JAN_10),
        ("01 10 2020", "en-us", JAN_10),
        ("10 / 01 / 2020", "fr", JAN_10),
        # or by any punctuation, which dateparser reads month first all the same
        ("10/01 2020", "de", JAN_10),
        ("10_01_2020", "fr", JAN_10),
        # a language that does not tell, with or without a weekday: undated
        ("Fri, 10/01/2020", None, None),
        ("Fri, 10/01/2020", "en", None),
        ("10 01 2020", None, None),
        ("Fri, 10 01 2020 14:33", None, None),
        ("10,01,2020", None, None),
        ("10-01 2020", "en", None),
    ],
)
def test_a_numeric_date_is_found_wherever_it_stands(
    text: str, language: str | None, expected: datetime | None
) -> None:
    assert published(text, language) == expected


def test_an_iso_date_is_not_taken_for_a_numeric_one() -> None:
    # `01-10 14` in it is no day, month and year: read, not left undated for its order
    assert parse_date("2020-01-10 14h33") == JAN_10_1433
    assert parse_date("2020/1/10 14h33") == JAN_10_1433


_LANGUAGES = (None, "en", "en-us", "en-gb", "de", "fr", "pt-br", "ru", "ja", "xx")


@settings(max_examples=150, deadline=None)
@given(
    day=st.integers(1, 12),
    month=st.integers(1, 12),
    year=st.integers(1990, 2030),
    language=st.sampled_from(_LANGUAGES),
    separator=st.sampled_from(["/", "-", ".", " ", " / ", ",", "_"]),
    weekday=st.sampled_from(["", "Tue, ", "Di., ", "mar. ", "Thursday "]),
    time=st.sampled_from(["", "09:00", "9:00 AM"]),
    time_first=st.booleans(),
    either_way=st.booleans(),
)
def test_a_numeric_date_is_read_right_or_left_undated_never_swapped(
    day: int,
    month: int,
    year: int,
    language: str | None,
    separator: str,
    weekday: str,
    time: str,
    time_first: bool,
    either_way: bool,
) -> None:
    """Written as the language writes it (`en-us` month first, any other day first; `en` and
    no language either way; dots day first everywhere), it is read right or not at all."""
    undecided = language in (None, "en")
    month_first = separator != "." and (language == "en-us" or (undecided and either_way))
    first, second = (month, day) if month_first else (day, month)
    numeric = f"{first:02d}{separator}{second:02d}{separator}{year}"
    text = weekday + " ".join(filter(None, [time, numeric] if time_first else [numeric, time]))
    found = published(text, language)
    assert found is None or found.date() == date(year, month, day)


def test_zoneless_dates_of_every_path_are_in_the_feeds_zone() -> None:
    in_shanghai = datetime(2020, 1, 10, 6, 33, tzinfo=UTC)
    assert published("2020-01-10 14:33", timezone="Asia/Shanghai") == in_shanghai
    assert published("2020年1月10日 14:33", timezone="Asia/Shanghai") == in_shanghai
    # a date that names its zone keeps it
    assert published("2020-01-10T14:33:00Z", timezone="Asia/Shanghai") == JAN_10_1433
