"""Dates as publishers write them: read right or left undated, never guessed (issue 19).

Each shape goes through the whole path (feedparser's reading, then the fallback), in an RSS
item as a feed sends it."""

from datetime import UTC, datetime
from xml.sax.saxutils import escape

import pytest

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


def test_zoneless_dates_of_every_path_are_in_the_feeds_zone() -> None:
    in_shanghai = datetime(2020, 1, 10, 6, 33, tzinfo=UTC)
    assert published("2020-01-10 14:33", timezone="Asia/Shanghai") == in_shanghai
    assert published("2020年1月10日 14:33", timezone="Asia/Shanghai") == in_shanghai
    # a date that names its zone keeps it
    assert published("2020-01-10T14:33:00Z", timezone="Asia/Shanghai") == JAN_10_1433
