"""What keeps the daemon's memory from growing with its feeds: two malloc arenas
(`service/memory`), and one duration object for every feed that says "5m"."""

import ctypes

import pytest

from monitor.config.durations import parse_duration
from monitor.service import memory


def test_malloc_is_asked_for_two_arenas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    asked: list[tuple[int, int]] = []

    class Libc:
        def mallopt(self, parameter: int, value: int) -> int:
            asked.append((parameter, value))
            return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda _name: Libc())

    assert memory.cap_malloc_arenas() is True
    assert asked == [(-8, 2)]  # M_ARENA_MAX


def test_this_machines_malloc_takes_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert memory.cap_malloc_arenas() is (hasattr(ctypes.CDLL(None), "mallopt"))


def test_the_users_own_arena_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: pytest.fail("malloc was asked"))
    assert memory.cap_malloc_arenas() is False


def test_a_c_library_without_mallopt_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: object())  # musl, macOS
    assert memory.cap_malloc_arenas() is False


def test_equal_durations_are_one_object() -> None:
    assert parse_duration("5m") is parse_duration("300s") is parse_duration(300)
    assert parse_duration("5m") is not parse_duration("6m")
