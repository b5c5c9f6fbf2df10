"""Content fingerprints: copies of one story across outlets score above the threshold and
share an LSH band, different stories on one topic stay below, in every script the matcher
supports (the labelled pairs of `tests/support/story_pairs.py`)."""

import pytest

from monitor.stories.fingerprint import (
    BINS,
    THRESHOLD,
    Fingerprint,
    fingerprint,
    shingles,
    text_key,
    tokens,
)
from tests.support.story_pairs import DIFFERENT, SAME, Text


def score(a: Text, b: Text) -> float:
    return fingerprint(*a).similarity(fingerprint(*b))


@pytest.mark.parametrize(("a", "b"), SAME, ids=[a[0][:40] for a, _ in SAME])
def test_copies_of_one_story_are_one_story(a: Text, b: Text) -> None:
    assert score(a, b) >= THRESHOLD
    # …and the index finds them: they share at least one band.
    assert set(fingerprint(*a).bands()) & set(fingerprint(*b).bands())


@pytest.mark.parametrize(("a", "b"), DIFFERENT, ids=[a[0][:40] for a, _ in DIFFERENT])
def test_different_stories_on_one_topic_stay_apart(a: Text, b: Text) -> None:
    assert score(a, b) < THRESHOLD


def test_precision_and_recall_on_the_labelled_pairs() -> None:
    # The figures docs/performance.md gives; a change to the fingerprint that lowers them
    # must say so there.
    same = [score(a, b) for a, b in SAME]
    different = [score(a, b) for a, b in DIFFERENT]

    assert min(same) - max(different) >= 0.15  # the margin around the threshold
    assert len(SAME) >= 13
    assert len(DIFFERENT) >= 18


def test_unspaced_scripts_are_cut_into_character_bigrams() -> None:
    assert tokens("央行降准", "") == ["央行", "行降", "降准"]
    # A word mixing scripts keeps its spaced part whole; a lone CJK character stays a word.
    assert tokens("iPhone手机 发布", "") == ["iphone", "手机", "发布"]
    # Folded as the matcher folds: kana keep their dakuten (げ is not け).
    assert tokens("日銀 利上げ", "") == ["日銀", "利上", "上げ"]
    assert tokens("Élysée: «non»", "Ukraine’s") == ["elysee", "non", "ukraine", "s"]


def test_texts_of_any_length_have_a_fingerprint() -> None:
    assert shingles("", "") == set()
    assert shingles("Breaking", "") == {"breaking"}
    empty = fingerprint("", "")
    assert empty.bands() == []  # nothing to look up: it joins no story
    short = fingerprint("Macron resigns", "")
    assert short.similarity(fingerprint("Macron resigns", "")) == 1.0
    assert len(short.bands()) == BINS // 2  # empty bins borrowed from full ones
    assert short.similarity(fingerprint("Scholz resigns", "")) < THRESHOLD


def test_a_fingerprint_is_stable_and_round_trips() -> None:
    # Stored in the state and compared by other processes: no per-process hash seed.
    a = fingerprint("Fed holds rates steady", "The Federal Reserve held interest rates.")
    assert Fingerprint.from_bytes(a.to_bytes()) == a
    assert len(a.to_bytes()) == BINS * 4
    assert (
        a.values[:2]
        == fingerprint("Fed holds rates steady", "The Federal Reserve held interest rates.").values[
            :2
        ]
    )
    assert all(0 <= band < 2**63 for band in a.bands())


def test_text_keys_tell_edits_apart() -> None:
    assert text_key("Title", "text") == text_key("Title", "text")
    assert text_key("Title", "text") != text_key("Title (updated)", "text")
    assert text_key("a", "b c") != text_key("a b", "c")


def test_a_short_text_joins_a_story_only_as_the_same_text() -> None:
    quake = fingerprint("Magnitude 5.1 earthquake strikes off the coast of Chile", "")
    other = fingerprint("Magnitude 4.8 earthquake strikes off the coast of Chile", "")
    assert quake.short
    assert quake.similarity(other) >= THRESHOLD  # close, yet two events
    assert not fingerprint(*SAME[0][0]).short
    assert Fingerprint.from_bytes(quake.to_bytes()) == quake  # size is not stored
