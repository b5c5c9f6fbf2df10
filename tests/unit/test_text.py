"""Normalisation: folding and the word spans used for highlighting."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.rules import text
from monitor.rules.text import fold, normalize, word_spans


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("L'Élysée répond: «NON»", "l elysee repond non"),
        ("Ukraine’s non-combat troops", "ukraine s non combat troops"),
        ("ΣΊΣΥΦΟΣ İstanbul Straße", "σισυφοσ istanbul strasse"),
        ("قال مُحَمَّد", "قال محمد"),
        ("ＡＢＣ ½ ™ snake_case", "abc 1 2 tm snake case"),
        ("  \t\n ", ""),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_word_spans_point_at_the_original_characters() -> None:
    raw = "L'Élysée — Straße, ½"
    assert [raw[a:b] for a, b in word_spans(raw)] == ["L", "Élysée", "Straße", "½", "½"]


def test_locate_maps_scan_offsets_to_field_words() -> None:
    doc = normalize("Troops move", "French troops arrive")
    assert doc.locate(doc.scan.index(" move")) == ("title", 1)
    assert doc.locate(doc.scan.index(" troops ", doc.text_base)) == ("text", 1)


mixed = st.text(
    st.sampled_from(list("aZé E\u0301ß’—«».,-_1½™ИйжΣςİ\u064e\u0645\t\n ")), max_size=60
)


@settings(max_examples=300, deadline=None)
@given(raw=mixed)
def test_fast_paths_agree_and_spans_align(raw: str) -> None:
    whole = " ".join(
        text._fold_non_ascii(raw).encode().translate(text._ASCII_FOLD).decode().split()
    )
    assert fold(raw) == whole
    assert len(word_spans(raw)) == len(fold(raw).split())
