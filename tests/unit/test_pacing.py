"""Digest periods and quiet hours: when queued alerts go out, and which go out together."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.delivery.pacing import Pacing, QuietHours, period_end, plan_delivery, release_time
from monitor.model import OutboxRow

PARIS = ZoneInfo("Europe/Paris")
NIGHT = QuietHours.parse("22:00-07:00")


def at(hour: int, minute: int = 0, day: int = 24) -> datetime:
    """A moment given in Paris time (UTC+1 in November)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def row(number: int, queued: datetime, channel: str = "desk") -> OutboxRow:
    return OutboxRow(number, f"story-{number}", channel, ["r"], {}, 0, queued, [])


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("25:00-07:00", "not a time range"),
        ("22:00", "not a time range"),
        ("08:00-08:00", "empty"),
    ],
)
def test_bad_quiet_hours_are_refused(value: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        QuietHours.parse(value)


def test_quiet_hours_across_midnight() -> None:
    assert NIGHT.contains(at(23), PARIS)
    assert NIGHT.contains(at(6, 59), PARIS)
    assert not NIGHT.contains(at(7), PARIS)
    assert not NIGHT.contains(at(21, 59), PARIS)
    assert NIGHT.end_after(at(23), PARIS) == at(7, day=25)
    assert NIGHT.end_after(at(3), PARIS) == at(7)
    assert QuietHours(time(12), time(14)).contains(at(13), PARIS)


def test_digest_periods_count_from_local_midnight() -> None:
    assert period_end(at(10, 5), timedelta(hours=1), PARIS) == at(11)
    assert period_end(at(10, 0), timedelta(minutes=15), PARIS) == at(10, 15)
    assert period_end(at(13, 30), timedelta(hours=6), PARIS) == at(18)
    assert period_end(at(13, 30), timedelta(days=1), PARIS) == at(0, day=25)


def test_release_times() -> None:
    assert release_time(at(10, 5), Pacing(), PARIS) == at(10, 5)
    assert release_time(at(10, 5), Pacing(timedelta(hours=1)), PARIS) == at(11)
    assert release_time(at(23), Pacing(quiet_hours=NIGHT), PARIS) == at(7, day=25)
    # A digest period that ends inside quiet hours waits for their end.
    assert release_time(at(21, 30), Pacing(timedelta(hours=1), NIGHT), PARIS) == at(7, day=25)


def test_immediate_channel_sends_each_alert_alone() -> None:
    plan = plan_delivery([row(1, at(10)), row(2, at(10))], {"desk": Pacing()}, at(10), PARIS)

    assert [(b.rows[0].id, b.digest) for b in plan.batches] == [(1, False), (2, False)]
    assert plan.held == {}


def test_digest_channel_holds_until_the_period_ends_then_sends_one_message() -> None:
    pacing = {"desk": Pacing(timedelta(hours=1))}
    rows = [row(1, at(10, 5)), row(2, at(10, 40))]

    early = plan_delivery(rows, pacing, at(10, 50), PARIS)
    due = plan_delivery(rows, pacing, at(11), PARIS)

    assert early.batches == []
    assert early.held == {at(11): [1, 2]}
    (batch,) = due.batches
    assert (batch.digest, [r.id for r in batch.rows]) == (True, [1, 2])


def test_quiet_hours_hold_alerts_and_release_them_as_one_digest() -> None:
    pacing = {"desk": Pacing(quiet_hours=NIGHT), "other": Pacing()}
    night = [row(1, at(23)), row(2, at(2, day=25)), row(3, at(2, day=25), channel="other")]

    during = plan_delivery(night, pacing, at(3, day=25), PARIS)
    after = plan_delivery([*night[:2], row(4, at(7, 1, day=25))], pacing, at(7, 1, day=25), PARIS)

    assert during.held == {at(7, day=25): [1, 2]}
    assert [(b.channel, b.digest) for b in during.batches] == [("other", False)]
    assert [([r.id for r in b.rows], b.digest) for b in after.batches] == [
        ([1, 2], True),
        ([4], False),
    ]


def test_one_alert_held_by_quiet_hours_goes_out_on_its_own() -> None:
    plan = plan_delivery(
        [row(1, at(23))], {"desk": Pacing(quiet_hours=NIGHT)}, at(8, day=25), PARIS
    )

    assert [b.digest for b in plan.batches] == [False]


def test_alerts_of_a_removed_channel_still_go_out_to_fail() -> None:
    plan = plan_delivery([row(1, at(10), channel="gone")], {}, at(10), PARIS)

    assert [b.channel for b in plan.batches] == ["gone"]


def prioritised(number: int, queued: datetime, priority: str) -> OutboxRow:
    return OutboxRow(
        number, f"story-{number}", "desk", ["r"], {"priority": priority}, 0, queued, []
    )


def test_a_high_priority_alert_goes_out_at_once_through_digests_and_quiet_hours() -> None:
    pacing = {"desk": Pacing(digest=timedelta(hours=1), quiet_hours=NIGHT)}
    rows = [prioritised(1, at(23), "high"), row(2, at(23))]

    plan = plan_delivery(rows, pacing, at(23), PARIS)

    assert [(b.rows[0].id, b.digest) for b in plan.batches] == [(1, False)]
    assert plan.held == {at(7, day=25): [2]}


def test_low_priority_alerts_go_to_a_digest_even_on_an_immediate_channel() -> None:
    pacing = {"desk": Pacing()}
    rows = [prioritised(1, at(10, 5), "low"), prioritised(2, at(10, 20), "low"), row(3, at(10, 20))]

    early = plan_delivery(rows, pacing, at(10, 20), PARIS)
    assert [[r.id for r in b.rows] for b in early.batches] == [[3]]
    assert early.held == {at(11): [1, 2]}  # the next full hour (LOW_DIGEST)
    due = plan_delivery(rows[:2], pacing, at(11), PARIS)
    assert [([r.id for r in b.rows], b.digest) for b in due.batches] == [([1, 2], True)]
    # On a digest channel a low alert simply waits for the digest, as every other one.
    digest = plan_delivery(rows, {"desk": Pacing(digest=timedelta(days=1))}, at(11), PARIS)
    assert digest.batches == []
