"""Reading servers' Retry-After and Cache-Control headers, and RSS <ttl>: whatever a stranger
writes there, the answer is None or a delay within 0…LONGEST_HINT, never an exception."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.polling.hints import LONGEST_HINT, max_age, retry_after, ttl

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", timedelta(seconds=120)),
        (" 0 ", timedelta(0)),
        ("Tue, 24 Nov 2026 12:30:00 GMT", timedelta(minutes=30)),
        ("Tue, 24 Nov 2026 11:00:00 GMT", timedelta(0)),  # already past
        ("-5", None),
        ("99999999999999", LONGEST_HINT),  # the red team's value: it overflowed timedelta
        ("9" * 400, LONGEST_HINT),
        ("NaN", None),
        ("1e99", None),
        ("²", None),  # a digit to str.isdigit(), not to int()
        ("Tue, 24 Nov 9999 23:59:59 GMT", LONGEST_HINT),
        ("Tue, 24 Nov 0001 00:00:00 GMT", timedelta(0)),
        ("Tue, 24 Nov 2026 99:99:99 +9999", None),
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
        ("max-age=99999999999999", LONGEST_HINT),
        ("max-age=-1", None),
        ("max-age=NaN", None),
        (None, None),
    ],
)
def test_max_age(value: str | None, expected: timedelta | None) -> None:
    assert max_age(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("60", timedelta(hours=1)),
        (" 5 ", timedelta(minutes=5)),
        (99999999999999, LONGEST_HINT),
        ("-1", None),
        ("inf", None),
        ("", None),
        (None, None),
    ],
)
def test_ttl(value: object, expected: timedelta | None) -> None:
    assert ttl(value) == expected


def _sane(hint: timedelta | None) -> bool:
    return hint is None or timedelta(0) <= hint <= LONGEST_HINT


stranger = st.one_of(
    st.text(),
    st.integers().map(str),
    st.floats().map(str),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S %z")),
)


@pytest.mark.unmeasured
@settings(max_examples=300, deadline=None)
@given(value=stranger)
def test_any_header_value_is_no_advice_or_a_clamped_delay(value: str) -> None:
    assert _sane(retry_after(value, NOW))
    assert _sane(max_age(f"public, max-age={value}"))
    assert _sane(ttl(value))


@pytest.mark.unmeasured
@settings(max_examples=200, deadline=None)
@given(seconds=st.integers(min_value=0))
def test_any_number_of_seconds_is_taken_up_to_the_limit(seconds: int) -> None:
    expected = min(timedelta(seconds=min(seconds, 10**12)), LONGEST_HINT)
    assert retry_after(str(seconds), NOW) == expected
    assert max_age(f"max-age={seconds}") == expected
