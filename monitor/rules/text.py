"""Text normalisation shared by queries and items: words per script.

Folding a text: compatibility decomposition (NFKD), case folding, combining marks removed (but
not those of the scripts below, where they spell the word), a few letters that writers use
interchangeably made one (Turkish `ı` is `i`; Arabic `ى` is `ي`, `ة` is `ه`, the tatweel `ـ`
disappears), invisible format characters removed (soft hyphens, zero-width spaces and joiners,
direction marks: category Cf, so `Bundes\u00adregierung` is one word, as its reader sees it),
and every character that is not a letter or a digit (in any script) turned into a
separator, apostrophe-like letters (`ʼ` U+02BC, `ʻ` U+02BB) included, as `’` and `'` already are.
A *word* is a run of what remains. So `Élysée`, `ELYSEE` and `elysée` are one word,
`Germanyʼs` is `germany` + `s`, `HARİTASI` and `haritası` are both `haritasi`.

Scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar): a run of
their characters stays one piece of the folded text, so that a term in those scripts matches
wherever its characters occur in sequence, but never across punctuation or a space; positions
(for `NEAR` and highlighting) count each character with its marks as a word of its own, a
*unit*. Where such a script meets another (`G7峰会`), a space is put between them: `g7 峰会`.
Voiced kana are composed again after folding (ガ stays ガ, not カ + a mark).

The folded text is computed with a few whole-string operations (the hot path of matching);
`word_spans` recovers, for highlighting, which characters of the original each word came from.
Both agree because folding acts on one character at a time (folding a text equals concatenating
the folds of its characters), laying out runs only adds spaces and recomposes kana (which moves
no boundary between units), and the units are cut by one rule (`_UNIT`).
"""

import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

import regex

Field = Literal["title", "text"]
FIELDS: tuple[Field, ...] = ("title", "text")

# Scripts written without spaces, by block: Thai, Lao, Myanmar, Khmer, the kana, CJK
# ideographs (and their iteration and numeral signs).
_NO_SPACE_BLOCKS = (
    (0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x19E0, 0x19FF), (0x3005, 0x3007),
    (0x3021, 0x303C), (0x3040, 0x30FF), (0x31F0, 0x31FF), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F),
)  # fmt: skip
_HAN = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
_MARKED = (0x0E00, 0x19FF)  # Thai, Lao, Myanmar, Khmer: marks that follow their letter


def _char_class(*, marks: bool) -> str:
    """The letters and digits (or the marks) of `_NO_SPACE_BLOCKS`, as a character class."""
    ranges: list[list[int]] = [] if marks else [list(r) for r in _HAN]
    for first, last in _NO_SPACE_BLOCKS:
        for code in range(first, last + 1):
            kind = unicodedata.category(chr(code))[0]
            if (kind == "M") if marks else kind in "LN":
                if ranges and ranges[-1][1] == code - 1:
                    ranges[-1][1] = code
                else:
                    ranges.append([code, code])
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


_L = _char_class(marks=False)  # letters (and digits) of scripts without spaces
_M = _char_class(marks=True)  # their marks (vowel signs, tones): part of the letter before
_NS = re.compile(f"[{_L}{_M}]")
_NS_LETTER = re.compile(f"[{_L}]")
_NS_LETTERS = re.compile(f"[{_L}]+")
_NS_RUNS = re.compile(f"[{_L}{_M}]+")
# The words of a folded text once a run of those scripts is a word apart from what it touches.
_RUNS_AND_WORDS = re.compile(f"[{_L}{_M}]+|[^\\s{_L}{_M}]+")
# The units of a folded text: a letter of those scripts with its marks (a run of marks with no
# letter before it is a unit too), or a word of any other script.
_UNIT = re.compile(f"[{_L}][{_M}]*|[{_M}]+|[^\\s{_L}{_M}]+")
# Marks to drop, and the invisible format characters (Cf) writers and sites put inside words.
_MARKS = regex.compile(f"(?V1)[\\p{{M}}\\p{{Cf}}--[{_M}]]+")
_NON_ASCII_SEPARATORS = regex.compile(r"[^\x00-\x7f\p{L}\p{N}\p{M}]+")
# Letters writers use interchangeably, after case folding: Turkish dotless i; apostrophe-like
# letters (as ’ and ' already are, separators); Arabic tatweel, alif maqsura, ta marbuta.
_LETTERS = (("ı", "i"), ("\u02bc", " "), ("\u02bb", " "), ("ـ", ""), ("ى", "ي"), ("ة", "ه"))
_ASCII_BYTES = bytes(range(0x80))


def _lead_byte(code: int) -> int:
    return chr(code).encode()[0]


# Every byte that starts the UTF-8 of a character of those scripts (the first byte grows with
# the code point, so a block's are those between its first and its last character's). Text
# with none of them (Cyrillic, Arabic, Greek…) needs no search for such characters.
_NOT_NO_SPACE_LEADS = bytes(
    set(range(256))
    - {
        lead
        for first, last in (*_HAN, *_NO_SPACE_BLOCKS)
        for lead in range(_lead_byte(first), _lead_byte(last) + 1)
    }
)
_CHAR_CACHE_LIMIT = 100_000
# Separates the title from the text in the scanned string. No pattern (folded words joined by
# single spaces) can contain it, so phrases never span fields.
FIELD_SEPARATOR = "\n"


class _Folder:
    """Folding with or without case folding (exact-case terms need the letters' case)."""

    def __init__(self, *, casefold: bool) -> None:
        self.casefold = casefold
        # Byte table: ASCII letters (lower-cased when case-folding), digits kept, other ASCII
        # turned into a space; bytes of non-ASCII characters (>= 0x80 in UTF-8) pass untouched.
        self.ascii_table = bytes(
            b if b >= 0x80 else ord(_ascii(chr(b), casefold)) if chr(b).isalnum() else 0x20
            for b in range(256)
        )
        self.chars: dict[str, str] = {}  # the fold of each non-ASCII character met so far

    def non_ascii(self, text: str) -> str:
        """Decompose, (case-fold), unify letters, drop marks and format characters; non-ASCII
        separators → spaces."""
        folded = unicodedata.normalize("NFKD", text)
        if self.casefold:
            folded = folded.casefold()
        for letter, same in _LETTERS:
            if letter in folded:
                folded = folded.replace(letter, same)
        return _NON_ASCII_SEPARATORS.sub(" ", _MARKS.sub("", folded))

    def char(self, char: str) -> str:
        folded = self.chars.get(char)
        if folded is None:
            if len(self.chars) >= _CHAR_CACHE_LIMIT:
                self.chars.clear()
            folded = self.chars[char] = self.non_ascii(char)
        return folded

    def separated(self, text: str) -> tuple[bytes, bool]:
        """`text` folded as UTF-8, separators as spaces (possibly several in a row), and
        whether it holds characters of a script without spaces."""
        raw = text.encode()
        no_space = False
        if len(raw) != len(text):
            if len(raw) < 1.25 * len(text):
                # Mostly ASCII (news in English with a few accents, quotes and dashes): replace
                # each distinct non-ASCII character by its fold. All of this runs in C.
                chars = set(raw.translate(None, _ASCII_BYTES).decode())
                no_space = any(map(_no_space_char.__getitem__, chars))
                for char in chars:
                    text = text.replace(char, self.char(char))
                raw = text.encode()
            else:  # Cyrillic, Greek, Arabic, Chinese…: fold the whole string at once
                text = self.non_ascii(text)
                raw = text.encode()
                no_space = bool(raw.translate(None, _NOT_NO_SPACE_LEADS))
                no_space = no_space and _NS.search(text) is not None
        return raw.translate(self.ascii_table), no_space

    def fold(self, text: str) -> tuple[str, bool]:
        """The folded words of `text`, joined by single spaces, and whether it holds
        characters of a script without spaces."""
        folded, no_space = self.separated(text)
        if no_space:
            return lay_out_runs(folded.decode()), True
        return b" ".join(folded.split()).decode(), False


class _NoSpaceChars(dict[str, bool]):
    """Whether each non-ASCII character met so far is of a script without spaces."""

    def __missing__(self, char: str) -> bool:
        if len(self) >= _CHAR_CACHE_LIMIT:
            self.clear()
        found = self[char] = _NS.match(char) is not None
        return found


_no_space_char = _NoSpaceChars()


def _ascii(char: str, casefold: bool) -> str:
    return char.lower() if casefold else char


def lay_out_runs(separated: str) -> str:
    """The words of a folded text (separators as spaces) joined by single spaces, with a space
    where a script without spaces meets another letter or digit (`G7峰会`: `g7 峰会`), and kana
    with their voicing marks composed again (ガ, not カ + ◌゙)."""
    # One step per run and per word (in C), not per character.
    return unicodedata.normalize("NFC", " ".join(_RUNS_AND_WORDS.findall(separated)))


_FOLD = _Folder(casefold=True)
_CASED = _Folder(casefold=False)


def fold(text: str) -> str:
    """The folded words of `text`, joined by single spaces."""
    return _FOLD.fold(text)[0]


def fold_cased(text: str) -> str:
    """As `fold`, but letters keep their case: the words exact-case terms are compared with."""
    return _CASED.fold(text)[0]


def folded_words(text: str) -> list[str]:
    """The folded words of `text`, in order (a run of a script without spaces is one)."""
    return fold(text).split()


def units(folded: str) -> list[str]:
    """A folded text's units, which word positions count: words, and each character (with its
    marks) of a script without spaces."""
    return _UNIT.findall(folded)


def starts_without_space(word: str) -> bool:
    """Whether a folded word starts with a letter of a script written without spaces."""
    return _NS_LETTER.match(word) is not None


def ends_without_space(word: str) -> bool:
    """Whether a folded word ends in a script written without spaces."""
    return _NS.match(word[-1:]) is not None


def takes_marks(word: str) -> bool:
    """Whether the last letter of a folded word is of a script whose marks follow the letter
    (Thai, Lao, Myanmar, Khmer): a term ending there must not end where the text adds one."""
    return _MARKED[0] <= ord(word[-1]) <= _MARKED[1] and _NS_LETTER.match(word[-1]) is not None


def followed_by_mark(scan: str, end: int) -> bool:
    """Whether the character after index `end` of `scan` is a mark of those scripts."""
    return (
        end + 1 < len(scan)
        and _NS.match(scan, end + 1) is not None
        and not (_NS_LETTER.match(scan, end + 1))
    )


def word_spans(text: str) -> list[tuple[int, int]]:
    """For each unit of `text` (see `units`), the (start, end) offsets of the characters it
    came from."""
    pieces = [_FOLD.separated(char)[0].decode() for char in text]
    owners = [index for index, piece in enumerate(pieces) for _ in piece]
    return [(owners[m.start()], owners[m.end() - 1] + 1) for m in _UNIT.finditer("".join(pieces))]


class NormalizedDoc:
    """An item's title and text as one scannable string of folded words.

    Layout: ``" " + title words + " \\\\n " + text words + " "``, words joined by single
    spaces, so every word is surrounded by spaces and a pattern ``" w1 w2 "`` matches whole
    words only. A run of a script without spaces is one "word" here; positions count its
    characters (`locate`). The original title, text and declared language are kept for what
    only some rules need: exact case, and the language.
    """

    __slots__ = ("_cased", "declared", "no_space", "scan", "text", "text_base", "title")

    def __init__(self, title: str, text: str, declared: str | None = None) -> None:
        title_words, title_runs = _FOLD.fold(title)
        text_words, text_runs = _FOLD.fold(text)
        head = " " + title_words + " " + FIELD_SEPARATOR
        self.scan = head + " " + text_words + " "
        self.text_base = len(head)  # index of the space in front of the text's first word
        self.no_space = title_runs or text_runs
        self.title = title
        self.text = text
        self.declared = declared
        self._cased: dict[Field, list[str]] = {}

    def locate(self, start: int) -> tuple[Field, int]:
        """Map the index where a matched term starts (the space before it, or its first
        character inside a run) to (field, index of its first unit in the field)."""
        return self.locate_all([start])[0]

    def locate_all(self, starts: Iterable[int]) -> list[tuple[Field, int]]:
        """`locate` for each of `starts`, given in increasing order. Only the words between
        one start and the next are counted, so the scan is read once however many there are
        (counted from the field's start each time, a term found 40,000 times in one item
        took a minute)."""
        scan, located = self.scan, []
        field: Field | None = None
        base = counted = runs_end = words = 0
        for start in starts:
            here: Field = "title" if start < self.text_base else "text"
            if here != field:
                field, base = here, 0 if here == "title" else self.text_base
                counted = runs_end = base
                words = 0
            # Counting in C; items have few hits, so this beats building an index.
            words += scan.count(" ", counted, start)
            if self.no_space:
                # Each run's space was counted as one word: count its characters instead (a
                # run that starts at `start` is the term's own, whose space is before `start`
                # too). Runs, not characters, are what the regular expressions return, so a
                # long run costs one string, not one per character.
                words += sum(map(len, _NS_LETTERS.findall(scan, counted, start)))
                runs = len(_NS_RUNS.findall(scan, runs_end, start + 1))
                if runs_end > base and _NS.match(scan, runs_end - 1) and _NS.match(scan, runs_end):
                    runs -= 1  # the rest of a run counted at the previous start
                words -= runs
                runs_end = start + 1
            counted = start
            located.append((field, words))
        return located

    def cased_units(self, field: Field) -> list[str]:
        """The units of `field` with their case, computed on first use."""
        found = self._cased.get(field)
        if found is None:
            value = self.title if field == "title" else self.text
            found = self._cased[field] = units(fold_cased(value))
        return found


def normalize(title: str, text: str, declared: str | None = None) -> NormalizedDoc:
    """Fold an item's title and text into a `NormalizedDoc` for scanning; `declared` is the
    language its feed declares, if any."""
    return NormalizedDoc(title, text, declared)
