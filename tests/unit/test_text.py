"""Normalisation: folding and the word spans used for highlighting."""

import re
import unicodedata
from typing import SupportsIndex

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
        # Scripts without spaces: runs stay whole, split from other scripts.
        ("法国考虑向乌克兰派遣军队", "法国考虑向乌克兰派遣军队"),
        ("在G7峰会上，DeepMind发布", "在 g7 峰会上 deepmind 发布"),
        ("ﾃﾞｰﾀが", "データが"),  # half-width kana widened, voicing composed again
        ("ภูเก็ต", "ภูเก็ต"),
        # Turkish dotted and dotless i meet; apostrophe-like letters separate words.
        ("HARİTASI haritası FRANSIZ Fransız", "haritasi haritasi fransiz fransiz"),
        ("Germanyʼs імʼя ім’я O'Neill Oʻzbekiston", "germany s ім я ім я o neill o zbekiston"),
        # Arabic: tatweel gone, alif maqsura and ta marbuta unified.
        ("أوكـرانيا مصرى الحرية", "اوكرانيا مصري الحريه"),
        # Invisible format characters (Cf) vanish: soft hyphen, zero-width space, joiners,
        # direction marks, word joiner, byte-order mark.
        (
            "Bundes\u00adregierung Ukr\u200baine\u200d \u200fKyiv\u2060s \ufeffx",
            "bundesregierung ukraine kyivs x",
        ),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_word_spans_point_at_the_original_characters() -> None:
    raw = "L'Élysée — Straße, ½"
    assert [raw[a:b] for a, b in word_spans(raw)] == ["L", "Élysée", "Straße", "½", "½"]


def test_units_count_each_character_of_scripts_without_spaces() -> None:
    assert text.units(fold("在G7峰会上，ก็ได้")) == ["在", "g7", "峰", "会", "上", "ก็", "ไ", "ด้"]


def test_word_spans_count_each_character_of_scripts_without_spaces() -> None:
    raw = "在G7峰会上，ก็ได้"
    assert [raw[a:b] for a, b in word_spans(raw)] == ["在", "G7", "峰", "会", "上", "ก็", "ไ", "ด้"]


def test_exact_case_words_keep_their_case() -> None:
    assert text.fold_cased("WHO said: Who?") == "WHO said Who"
    doc = normalize("WHO 总干事", "")
    assert doc.cased_units("title") == ["WHO", "总", "干", "事"]


def test_locate_maps_scan_offsets_to_field_words() -> None:
    doc = normalize("Troops move", "French troops arrive 在乌克兰")
    assert doc.locate(doc.scan.index(" move")) == ("title", 1)
    assert doc.locate(doc.scan.index(" troops ", doc.text_base)) == ("text", 1)
    assert doc.locate(doc.scan.index("乌")) == ("text", 4)
    assert doc.locate(doc.scan.index("克")) == ("text", 5)


mixed = st.text(
    st.sampled_from(
        list("aZé E\u0301ß’ʼ—«».,-_1½™ИйжΣςİıـ\u064e\u0645中国、カ\u3099กุ\u00ad\u200b\t\n ")
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(raw=mixed)
def test_fast_paths_agree_and_spans_align(raw: str) -> None:
    folder = text._FOLD
    whole = folder.non_ascii(raw).encode().translate(folder.ascii_table).decode()
    assert folder.separated(raw)[0].decode() == whole
    assert fold(raw) == " ".join(text.lay_out_runs(whole).split())
    assert len(word_spans(raw)) == len(text.units(fold(raw)))
    assert len(text.units(text.fold_cased(raw))) == len(text.units(fold(raw)))


# The folding before it was made faster (issue 13), pinned: news-like sentences in the scripts
# the fast paths treat differently (runs without spaces, kana voicing, Thai marks, Arabic and
# Hebrew, Turkish i, apostrophe-like letters, French punctuation).
@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("习近平在G7峰会上会见了DeepMind的代表。", "习近平在 g7 峰会上会见了 deepmind 的代表"),
        ("ガザ地区でデータセンターが停電、ﾃﾞｰﾀは", "ガザ地区でデータセンターが停電 データは"),
        ("东京でG20サミット開催。Zelenskyyも参加", "东京で g20 サミット開催 zelenskyy も参加"),
        ("นายกรัฐมนตรีเดินทางไปภูเก็ตเมื่อวันจันทร์", "นายกรัฐมนตรีเดินทางไปภูเก็ตเมื่อวันจันทร์"),
        ("وأوكرانيا تطالب بالمزيد من الدعم للحريات", "واوكرانيا تطالب بالمزيد من الدعم للحريات"),
        ("ממשלת ישראל אישרה את התקציב", "ממשלת ישראל אישרה את התקציב"),
        ("FRANSIZ HARİTASI ıspanak İstanbul’da", "fransiz haritasi ispanak istanbul da"),
        ("Президентові Україниʼ імʼя — «Київ»", "президентові украіни ім я киів"),
        ("L’Élysée répond : « Non », dit-il à 20 h 30", "l elysee repond non dit il a 20 h 30"),
    ],
)
def test_multilingual_folding_is_pinned(raw: str, folded: str) -> None:
    assert fold(raw) == folded
    doc = normalize(raw, raw)
    assert doc.scan == f" {folded} \n {folded} "
    assert_locate_as_reference(doc)


# The original, obviously char-by-char forms of laying out runs and of `locate`, which the
# faster ones (one regular-expression step per run or word) must agree with.
_RUN = f"[{text._L}{text._M}]"
_OTHER = f"[^\\s{text._L}{text._M}]"
_TRANSITION = re.compile(f"({_RUN})(?={_OTHER})|({_OTHER})(?={_RUN})")
_RUN_STARTS = re.compile(f"(?<!{_RUN}){_RUN}")


def reference_lay_out(separated: str) -> str:
    return " ".join(unicodedata.normalize("NFC", _TRANSITION.sub(r"\1\2 ", separated)).split())


def assert_locate_as_reference(doc: text.NormalizedDoc) -> None:
    scan = doc.scan
    starts, expected = [], []
    for start, char in enumerate(scan):
        if char == " " or (scan[start - 1] != " " and not text._NS.match(char)):
            continue  # matches start at a word's space, or anywhere inside a run
        field, base = ("title", 0) if start < doc.text_base else ("text", doc.text_base)
        words = scan.count(" ", base, start)
        if doc.no_space:
            letters = len(text._NS_LETTER.findall(scan, base, start))
            words += letters - len(_RUN_STARTS.findall(scan, base, start + 1))
        assert doc.locate(start) == (field, words)
        starts.append(start)
        expected.append((field, words))
    # All at once, as a term found many times is located: counted from one start to the next.
    assert doc.locate_all(starts) == expected


def test_a_term_found_everywhere_is_located_in_one_pass() -> None:
    # 20,000 occurrences in one text: counted from the field's start each time, the work grew
    # with their square (40,000 took a minute). The scan's spaces are read once.
    doc = normalize("Ukraine", " ".join(["ukraine 乌克兰"] * 20_000))
    starts = [m.start() for m in re.finditer(" ukraine ", doc.scan)]
    counting = _CountingScan(doc.scan)
    doc.scan = counting
    located = doc.locate_all(starts)
    assert located[:2] == [("title", 0), ("text", 0)]
    assert located[-1] == ("text", 4 * 19_999)  # each 乌克兰 is three units
    assert counting.read <= 2 * len(doc.scan)


class _CountingScan(str):
    """A scan that counts the characters its `count` calls read."""

    read = 0

    def count(
        self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None
    ) -> int:
        self.read += len(self[start:end])
        return super().count(sub, start, end)


@settings(max_examples=300, deadline=None)
@given(raw=mixed, other=mixed)
def test_runs_are_laid_out_and_located_as_the_reference_does(raw: str, other: str) -> None:
    folder = text._FOLD
    separated = folder.separated(raw)[0].decode()
    assert text.lay_out_runs(separated) == reference_lay_out(separated)
    assert_locate_as_reference(normalize(raw, other))
