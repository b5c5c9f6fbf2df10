"""The daemon's schedule: which feed is polled next, by named scenarios."""

from datetime import UTC, datetime, timedelta

from monitor.config.model import FeedSpec
from monitor.service.scheduler import (
    RECENT,
    UNRECORDED_RETRY,
    UNRECORDED_RETRY_MAX,
    Schedule,
    StoredFeed,
)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _feeds(*names: str) -> dict[str, FeedSpec]:
    return {name: FeedSpec(name=name, url=f"u/{name}") for name in names}


def _stored(*, own: bool = True, parked: bool = False, held: bool = False) -> StoredFeed:
    return StoredFeed(own, parked, held)


def _drain(schedule: Schedule, busy: set[str] | None = None, now: datetime = NOW) -> list[str]:
    order, busy = [], set(busy or ())
    while (name := schedule.next(busy, now)) is not None:
        order.append(name)
        busy.add(name)
    return order


def test_feeds_never_polled_or_moved_to_a_new_url_wait_for_a_poll_at_once() -> None:
    schedule = Schedule()
    stored = {"known": _stored(), "moved": _stored(own=False)}
    schedule.configured(_feeds("known", "moved", "new"), stored)

    assert list(schedule.fresh) == ["moved", "new"]
    assert _drain(schedule) == ["moved", "new"]  # the known feed waits for the state's due page


def test_a_fresh_feed_stays_fresh_until_its_poll_is_recorded() -> None:
    schedule = Schedule()
    schedule.configured(_feeds("new"), {})

    schedule.landed("new", recorded=False, new_items=0, now=NOW)
    assert _drain(schedule, now=NOW + UNRECORDED_RETRY) == ["new"]
    schedule.landed("new", recorded=True, new_items=50, now=NOW)
    assert _drain(schedule) == []
    assert schedule.recent == {}  # a first poll's items are not news


def test_a_stored_feed_configured_again_after_being_parked_is_polled_at_once() -> None:
    schedule = Schedule()
    stored = {"back": _stored(parked=True), "stays": _stored()}
    schedule.configured(_feeds("back", "stays"), stored)

    assert _drain(schedule) == ["back"]  # its time was lost when it was parked


def test_an_unrecorded_poll_is_retried_after_a_growing_wait_not_at_once() -> None:
    schedule = Schedule()
    schedule.configured(_feeds("new"), {})

    schedule.landed("new", recorded=False, new_items=0, now=NOW)
    assert _drain(schedule, now=NOW + UNRECORDED_RETRY - timedelta(seconds=1)) == []
    assert _drain(schedule, now=NOW + UNRECORDED_RETRY) == ["new"]
    again = NOW + UNRECORDED_RETRY
    schedule.landed("new", recorded=False, new_items=0, now=again)
    assert _drain(schedule, now=again + UNRECORDED_RETRY) == []  # doubled
    assert _drain(schedule, now=again + 2 * UNRECORDED_RETRY) == ["new"]
    for _ in range(30):
        schedule.landed("new", recorded=False, new_items=0, now=again)
    assert schedule.retrying["new"][0] == again + UNRECORDED_RETRY_MAX
    schedule.landed("new", recorded=True, new_items=0, now=again)
    assert "new" not in schedule.retrying


def test_a_reload_polls_changed_feeds_at_once_unless_a_server_holds_them() -> None:
    schedule = Schedule()
    stored = {
        "changed": _stored(),
        "held": _stored(held=True),
        "same": _stored(),
    }
    feeds = _feeds("changed", "held", "same")
    schedule.configured(feeds, stored)
    schedule.configured(feeds, stored, changed=["changed", "held"])

    assert _drain(schedule) == ["changed"]


def test_a_forced_feed_being_polled_is_polled_again_once_free() -> None:
    schedule = Schedule()
    feeds = _feeds("changed")
    schedule.configured(feeds, {"changed": _stored()}, changed=["changed"])

    assert _drain(schedule, busy={"changed"}) == []
    assert _drain(schedule) == ["changed"]


def test_while_saturated_feeds_with_recent_news_go_first_then_due_then_never_polled() -> None:
    schedule = Schedule()
    names = ("quiet-a", "busy", "quiet-b", "old-news", "new")
    stored = {name: _stored() for name in names if name != "new"}
    feeds = _feeds(*names)
    schedule.configured(feeds, stored)
    schedule.landed("busy", recorded=True, new_items=3, now=NOW - timedelta(minutes=5))
    schedule.landed("old-news", recorded=True, new_items=3, now=NOW - RECENT * 2)

    # The state's page: the longest overdue first.
    schedule.page(["quiet-a", "old-news", "quiet-b", "busy"], 4, feeds, NOW)

    assert schedule.page_full
    assert _drain(schedule) == ["busy", "quiet-a", "old-news", "quiet-b", "new"]


def test_a_feed_with_recent_news_due_again_goes_first_even_beyond_the_page() -> None:
    schedule = Schedule()
    feeds = _feeds("busy", *(f"quiet-{n}" for n in range(4)))
    schedule.configured(feeds, {name: _stored() for name in feeds})
    later = NOW + timedelta(minutes=5)
    schedule.landed("busy", recorded=True, new_items=2, now=NOW, next_poll_at=later)

    assert schedule.due_recent(later - timedelta(seconds=1), 10) == []
    assert schedule.due_recent(later, 10) == ["busy"]
    # The state's page holds only the longest overdue feeds, not the busy one.
    schedule.page(["quiet-0", "quiet-1"], 2, feeds, later, recent_due=["busy"])
    assert _drain(schedule, now=later) == ["busy", "quiet-0", "quiet-1"]
    schedule.landed(
        "busy", recorded=True, new_items=0, now=later, next_poll_at=later + timedelta(minutes=5)
    )
    assert schedule.due_recent(later + timedelta(minutes=1), 10) == []


def test_a_recent_feed_the_state_does_not_find_due_waits_for_its_page() -> None:
    schedule = Schedule()
    feeds = _feeds("busy")
    schedule.configured(feeds, {"busy": _stored()})
    schedule.landed("busy", recorded=True, new_items=2, now=NOW, next_poll_at=NOW)

    asked = schedule.due_recent(NOW, 10)
    schedule.confirmed(asked, due=[])  # something else moved its next poll

    assert asked == ["busy"]
    assert schedule.due_recent(NOW, 10) == []


def test_news_older_than_recent_no_longer_puts_a_feed_first() -> None:
    schedule = Schedule()
    feeds = _feeds("busy")
    schedule.configured(feeds, {"busy": _stored()})
    schedule.landed("busy", recorded=True, new_items=2, now=NOW, next_poll_at=NOW + RECENT)
    late = NOW + RECENT + timedelta(minutes=1)

    assert schedule.due_recent(late, 10) == []
    schedule.landed("busy", recorded=True, new_items=0, now=late, next_poll_at=late)
    assert schedule.recent == {}


def test_feeds_dropped_by_a_reload_are_forgotten() -> None:
    schedule = Schedule()
    schedule.configured(_feeds("busy", "kept"), {"busy": _stored()})
    schedule.landed("busy", recorded=True, new_items=2, now=NOW, next_poll_at=NOW)
    schedule.landed("kept", recorded=False, new_items=0, now=NOW)

    schedule.configured(_feeds("other"), {"busy": _stored()})

    assert (schedule.recent, schedule.retrying) == ({}, {})
    assert schedule.due_recent(NOW, 10) == []
