"""An item's lead: its title and the first sentence of its text, at most about 40 words.

Where the first sentence ends, in any script:
- `.`, `!`, `?` (and `…`) followed by a space, or a closing quote or bracket and a space;
- Chinese and Japanese `。`, `！`, `？` (full width), which need no space after them;
- Arabic `؟` (and `.`, `!`, as above), Devanagari `।` (the danda) and `॥`.

A "sentence" shorter than `MIN_WORDS` is no lead of its own (`U.S. troops…`, `PARIS (AFP). …`,
`Dr. Smith`): the next end is taken. Whatever the sentence, the lead stops after `MAX_WORDS`
words; in scripts without spaces, where each character is a unit (`rules/text`), two characters
count as one word, so a Chinese lead is at most 80 characters.

`lead_units` gives the lead's length in the text's units, which is what spans count, so a
matched word is in the lead when its span starts before it. It runs only for items that a rule
matched, or whose candidate rule says `lead:`: never for every item.
"""

import regex

from monitor.rules.text import fold, starts_without_space, units

MIN_WORDS = 5
MAX_WORDS = 40
MAX_UNITS = 2 * MAX_WORDS  # no lead is longer, in units (characters of unspaced scripts)
# Enough characters for MAX_WORDS words of any script; the rest of the text is never read.
_SCAN_CHARS = 600
_SENTENCE_END = regex.compile(
    r"[.!?…؟][\"'»”’)\]]*(?=\s)|[。！？][」』”）]*|[।॥]|[.!?…؟][\"'»”’)\]]*$"
)


def _weight(unit: str) -> float:
    """How much of a word one unit is: half for a character of a script without spaces."""
    return 0.5 if starts_without_space(unit) else 1.0


def _capped(words: list[str]) -> int:
    """How many of `words` (units) fit in `MAX_WORDS` words."""
    total = 0.0
    for count, unit in enumerate(words):
        total += _weight(unit)
        if total > MAX_WORDS:
            return count
    return len(words)


def lead_units(text: str) -> int:
    """How many units at the start of `text` are its lead (its first sentence, capped)."""
    head = text[:_SCAN_CHARS]
    words: list[str] = []
    weight = 0.0
    done = 0
    # Sentence ends are separators, so the text's units are its sentences' units end to end:
    # each piece is folded once, and reading stops at the lead's end.
    for end in _SENTENCE_END.finditer(head):
        piece = units(fold(head[done : end.end()]))
        done = end.end()
        words += piece
        weight += sum(map(_weight, piece))
        if weight >= MIN_WORDS:
            return _capped(words)
    return _capped(words + units(fold(head[done:])))
