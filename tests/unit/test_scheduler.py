"""The daemon's schedule: which feed is polled next, by named scenarios."""

from datetime import UTC, datetime, timedelta

from monitor.config.model import FeedSpec
from monitor.model import FeedState
from monitor.service.scheduler import RECENT, Schedule

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _feeds(*names: str) -> dict[str, FeedSpec]:
    return {name: FeedSpec(name=name, url=f"u/{name}") for name in names}


def _state(name: str, **changes: object) -> FeedState:
    values: dict[str, object] = {
        "url": f"u/{name}",
        "etag": None,
        "last_modified": None,
        "consecutive_failures": 0,
        "next_poll_at": NOW,
    } | changes
    return FeedState(**values)  # type: ignore[arg-type]


def _drain(schedule: Schedule, busy: set[str] | None = None) -> list[str]:
    order, busy = [], set(busy or ())
    while (name := schedule.next(busy)) is not None:
        order.append(name)
        busy.add(name)
    return order


def test_feeds_never_polled_or_moved_to_a_new_url_wait_for_a_poll_at_once() -> None:
    schedule = Schedule()
    states = {"known": _state("known"), "moved": _state("moved", url="u/old")}
    schedule.configured(_feeds("known", "moved", "new"), states, NOW)

    assert list(schedule.fresh) == ["moved", "new"]
    assert _drain(schedule) == ["moved", "new"]  # the known feed waits for the state's due page


def test_a_fresh_feed_stays_fresh_until_its_poll_is_recorded() -> None:
    schedule = Schedule()
    schedule.configured(_feeds("new"), {}, NOW)

    schedule.landed("new", recorded=False, new_items=0, now=NOW)
    assert _drain(schedule) == ["new"]
    schedule.landed("new", recorded=True, new_items=50, now=NOW)
    assert _drain(schedule) == []
    assert schedule.recent == {}  # a first poll's items are not news


def test_stored_feeds_no_longer_configured_are_left_out() -> None:
    schedule = Schedule()
    schedule.configured(_feeds("kept"), {"kept": _state("kept"), "dropped": _state("dropped")}, NOW)

    assert schedule.orphans == {"dropped"}
    schedule.page(["dropped", "kept"], 10, _feeds("kept"), NOW)
    assert _drain(schedule) == ["kept"]


def test_a_reload_polls_changed_feeds_at_once_unless_a_server_holds_them() -> None:
    schedule = Schedule()
    states = {
        "changed": _state("changed"),
        "held": _state("held", hold_until=NOW + timedelta(hours=1)),
        "same": _state("same"),
    }
    feeds = _feeds("changed", "held", "same")
    schedule.configured(feeds, states, NOW)
    schedule.configured(feeds, states, NOW, changed=["changed", "held"])

    assert _drain(schedule) == ["changed"]


def test_a_forced_feed_being_polled_is_polled_again_once_free() -> None:
    schedule = Schedule()
    feeds = _feeds("changed")
    schedule.configured(feeds, {"changed": _state("changed")}, NOW, changed=["changed"])

    assert _drain(schedule, busy={"changed"}) == []
    assert _drain(schedule) == ["changed"]


def test_while_saturated_feeds_with_recent_news_go_first_then_due_then_never_polled() -> None:
    schedule = Schedule()
    names = ("quiet-a", "busy", "quiet-b", "old-news", "new")
    states = {name: _state(name) for name in names if name != "new"}
    feeds = _feeds(*names)
    schedule.configured(feeds, states, NOW)
    schedule.landed("busy", recorded=True, new_items=3, now=NOW - timedelta(minutes=5))
    schedule.landed("old-news", recorded=True, new_items=3, now=NOW - RECENT * 2)

    # The state's page: the longest overdue first.
    schedule.page(["quiet-a", "old-news", "quiet-b", "busy"], 4, feeds, NOW)

    assert schedule.page_full
    assert _drain(schedule) == ["busy", "quiet-a", "old-news", "quiet-b", "new"]
