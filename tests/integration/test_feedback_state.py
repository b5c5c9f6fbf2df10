"""Mutes and rejections in a real state, on SQLite and on PostgreSQL: replaced, lifted, expired,
and kept across opens."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.feedback import Mute, Rejection
from monitor.state.store import Store
from tests.integration.test_store import poll

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_mute_lasts_until_its_end_and_a_new_one_replaces_it(
    tmp_path: Path, database_url: str
) -> None:
    store = Store.open(tmp_path, database_url)
    store.mute(Mute("rule", "troops", NOW + timedelta(hours=1), None, NOW, "cli"))
    store.mute(Mute("channel", "desk", None, "holiday", NOW, "chat"))

    assert [m.name for m in store.active_mutes(NOW)] == ["desk", "troops"]
    assert [m.name for m in store.active_mutes(NOW + timedelta(hours=1))] == ["desk"]

    longer = Mute("rule", "troops", NOW + timedelta(hours=24), "noisy", NOW, "chat")
    store.mute(longer)
    store.close()
    reopened = Store.open(tmp_path, database_url)
    assert reopened.active_mutes(NOW + timedelta(hours=2)) == [
        Mute("channel", "desk", None, "holiday", NOW, "chat"),
        longer,
    ]
    reopened.close()


def test_unmuting_lifts_only_what_it_names(tmp_path: Path, database_url: str) -> None:
    store = Store.open(tmp_path, database_url)
    store.mute(Mute("rule", "troops", None, None, NOW, "cli"))
    store.mute(Mute("channel", "troops", None, None, NOW, "cli"))

    assert store.unmute("rule", "troops") is True
    assert store.unmute("rule", "troops") is False
    assert [(m.kind, m.name) for m in store.active_mutes(NOW)] == [("channel", "troops")]
    store.close()


def test_a_rejection_names_the_alerts_story_and_rules(tmp_path: Path, database_url: str) -> None:
    store = Store.open(tmp_path, database_url)
    store.apply(poll("wire", NOW, {"e-1": "s-1", "e-2": "s-2"}, alerting=("s-1", "s-2")))
    (first, second) = store.due_alerts(NOW)

    assert store.reject(first.id, now=NOW, source="cli") == Rejection(
        first.story_key, ("r",), NOW, "cli", None
    )
    later = NOW + timedelta(minutes=5)
    again = store.reject(first.id, now=later, source="chat", reason="sport")
    store.reject(second.id, now=NOW, source="cli")

    assert store.reject(999, now=NOW, source="cli") is None
    assert store.rejections_since(NOW) == [
        again,
        Rejection(second.story_key, ("r",), NOW, "cli", None),
    ]
    assert store.rejections_since(later + timedelta(seconds=1)) == []
    store.close()
