"""A text's content fingerprint: a MinHash signature of its shingles, comparable across
outlets that reprint one story with an edited headline or a trimmed paragraph.

Shingles are word bigrams of the folded title and text (`rules/text.fold`, the matcher's own
normalisation, so every script it supports is covered); runs of a script written without
spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese) are cut into character bigrams first,
which then play the part of words.

The signature is *one-permutation hashing* (Li, Owen and Zhang, 2012) with rotation
densification (Shrivastava and Li, 2014): each shingle is hashed once (BLAKE2b, stable across
processes and machines), its hash picks one of `BINS` bins and the bin keeps the smallest
value; an empty bin borrows from the next full one. The share of equal bins between two
signatures estimates the Jaccard similarity of their shingle sets, at a cost linear in the
text rather than `BINS` times it. `bands` cuts a signature into keys for locality-sensitive
hashing: two texts share at least one key with a probability that rises steeply with their
similarity, so candidates are found by an index lookup, not by comparing every pair.
"""

import hashlib
import math
import operator
import struct
from dataclasses import dataclass, field
from functools import cached_property

import regex

from monitor.rules.text import fold

BINS = 64
ROWS = 2  # bins per band: 32 bands (docs/performance.md)
# Estimated similarity from which two texts are one story: the labelled pairs put copies at
# 0.42 and above and different stories on one topic at 0.22 and below (docs/performance.md).
THRESHOLD = 0.3
MIN_SHINGLES = 12  # fewer (a headline of under 13 words, no text): the same text only
SHINGLE = 2  # words per shingle: bigrams separated labelled pairs best (docs/performance.md)
_EMPTY = 0xFFFFFFFF
_MIX = 0x9E3779B9  # how a borrowed value is told apart from the bin's own (golden ratio)
_PACK = struct.Struct(f"<{BINS}I")
_UNSPACED = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]{2,}"
)


def tokens(title: str, text: str) -> list[str]:
    """The folded words of title and text; a run of an unspaced script becomes its
    character bigrams."""
    folded = fold(f"{title}\n{text}")
    if _UNSPACED.search(folded) is None:  # most text: one scan, no per-word work
        return folded.split()
    out: list[str] = []
    for word in folded.split():
        # A word mixing scripts ("iphone手机") keeps its spaced part whole.
        last = 0
        for run in _UNSPACED.finditer(word):
            if run.start() > last:
                out.append(word[last : run.start()])
            chars = run.group()
            out.extend(chars[i : i + 2] for i in range(len(chars) - 1))
            last = run.end()
        if last < len(word):
            out.append(word[last:])
    return out


def shingles(title: str, text: str) -> set[str]:
    """The word bigrams of an item (a one-word text is one shingle)."""
    words = tokens(title, text)
    if len(words) <= SHINGLE:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


@dataclass(frozen=True)  # not slots: the comparison forms are cached on first use
class Fingerprint:
    """A MinHash signature: `BINS` 32-bit values; `size`, how many shingles it was made of (0
    when read back from storage)."""

    values: tuple[int, ...]
    size: int = field(default=0, compare=False)

    @property
    def short(self) -> bool:
        """Too few words to tell a copy from another story that differs in a word or a number
        ("Magnitude 5.1 quake in Chile" / "Magnitude 4.8 quake in Chile"): such a text joins a
        story only when it is the same text."""
        return self.size < MIN_SHINGLES

    def similarity(self, other: "Fingerprint") -> float:
        """The estimated Jaccard similarity of the two texts' shingles (0..1): the share of
        equal bins among those that either text filled itself. Borrowed (odd) values find
        candidates through `bands`, but are not counted here: two short texts that share a
        headline's few words would agree on every bin borrowed from those words' bins
        (measured: 7 of 719,400 pairs of different 24-word bulletins reached 0.30 that way,
        none does so counted)."""
        filled = BINS - (self._borrowed & other._borrowed).bit_count()
        # NaN (a borrowed bin in `_own`) equals nothing, itself included.
        same: int = sum(map(operator.eq, self._own, other._own))
        return same / filled if filled else 0.0

    @cached_property
    def _own(self) -> tuple[float, ...]:
        return tuple(math.nan if v & 1 else v for v in self.values)

    @cached_property
    def _borrowed(self) -> int:
        return sum(1 << slot for slot, v in enumerate(self.values) if v & 1)

    def bands(self) -> list[int]:
        """The locality-sensitive hashing keys: one per band of `ROWS` bins, as signed 63-bit
        integers (what a database's integer column holds). An empty text has none."""
        if self.values[0] == _EMPTY:
            return []
        packed = self.to_bytes()
        keys = []
        for band in range(BINS // ROWS):
            chunk = packed[band * ROWS * 4 : (band + 1) * ROWS * 4]
            digest = hashlib.blake2b(chunk, digest_size=8, salt=band.to_bytes(16, "little"))
            keys.append(int.from_bytes(digest.digest(), "little") >> 1)
        return keys

    def to_bytes(self) -> bytes:
        """The signature as stored (`BINS` × 4 bytes)."""
        return _PACK.pack(*self.values)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Fingerprint":
        """The inverse of `to_bytes`."""
        return cls(_PACK.unpack(data))


def fingerprint(title: str, text: str) -> Fingerprint:
    """The MinHash signature of an item's title and text."""
    bins = [_EMPTY] * BINS
    found = shingles(title, text)
    for shingle in found:
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "little")
        slot, value = h % BINS, (h >> 32) & 0xFFFFFFFE  # even: borrowed values are odd
        bins[slot] = min(bins[slot], value)
    return Fingerprint(tuple(_densified(bins)), len(found))


def _densified(bins: list[int]) -> list[int]:
    """Each empty bin takes the value of the next full bin (circularly), mixed with the
    distance, so that two texts agree on it with the same probability as on a full bin."""
    full = [slot for slot in range(BINS) if bins[slot] != _EMPTY]
    if not full or len(full) == BINS:
        return bins
    out = list(bins)
    following = full[0] + BINS  # the next full bin after the last one, around the circle
    for slot in range(BINS - 1, -1, -1):  # backwards: the next full bin is known at each step
        if bins[slot] != _EMPTY:
            following = slot
            continue
        distance = following - slot
        out[slot] = ((bins[following % BINS] ^ (_MIX * distance)) & 0xFFFFFFFF) | 1
    return out


def text_key(title: str, text: str) -> str:
    """A short key of an item's exact title and text: a story judged without a match on one
    text is judged again when it comes with another (an edited title, another feed's text)."""
    digest = hashlib.blake2b(f"{title}\x00{text}".encode(), digest_size=12)
    return digest.hexdigest()
