"""Reading servers' Retry-After and Cache-Control headers."""

from datetime import UTC, datetime, timedelta

import pytest

from monitor.polling.hints import max_age, retry_after

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", timedelta(seconds=120)),
        (" 0 ", timedelta(0)),
        ("Tue, 24 Nov 2026 12:30:00 GMT", timedelta(minutes=30)),
        ("Tue, 24 Nov 2026 11:00:00 GMT", timedelta(0)),  # already past
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after(value: str | None, expected: timedelta | None) -> None:
    assert retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("max-age=600", timedelta(minutes=10)),
        ("public, MAX-AGE=60, must-revalidate", timedelta(minutes=1)),
        ('max-age="30"', timedelta(seconds=30)),
        ("s-maxage=600", None),  # for shared caches, not for us
        ("no-cache", None),
        ("max-age=forever", None),
        (None, None),
    ],
)
def test_max_age(value: str | None, expected: timedelta | None) -> None:
    assert max_age(value) == expected
