"""What the automaton looks for, for one term: its patterns over the `NormalizedDoc` scan.

A term's words are framed by spaces so that only whole words match (`" troops "`; a `prefix*`
has no space after it). Where a term starts or ends with a character of a script written
without spaces, nothing is put on that side: it matches inside a run of such characters. In
Thai, Lao, Myanmar and Khmer, whose vowel and tone marks follow the letter, a term that ends
with a letter must not end where the text puts a mark on it (`ก` is not in `ก็`): the matcher
drops such hits (`Patterns.edge`).

Arabic and Hebrew attach conjunctions, prepositions and the article to the next word. A term in
those scripts (of at least `MIN_STEM` letters) also matches its first word with such a prefix:
`أوكرانيا` matches `وأوكرانيا` ("and Ukraine"), `لأوكرانيا`, `بأوكرانيا`; `الحريات` matches
`للحريات` (ل + ال contracted) and `والحريات`, not `حريات`. The prefixes are those of
Elasticsearch's Arabic light stemmer, and of Hebrew's standard prefix letters.
"""

from itertools import product

import regex

from monitor.rules.text import ends_without_space, fold, starts_without_space, units

MIN_STEM = 3
_ARABIC = regex.compile(r"\p{Arabic}+")
_HEBREW = regex.compile(r"\p{Hebrew}+")
# Folded forms (as `fold` writes them): و ف (and), ب ك ل (in, as, for), ال (the).
_ARTICLE = fold("ال")
_AND = ("", fold("و"), fold("ف"))
_TO = fold("ل")
_PREPOSITIONS = ("", fold("ب"), fold("ك"), _TO)
# ו (and), ש / כש (that, when), ב כ ל מ ה מה (in, as, to, from, the, from the).
_HEBREW_PREFIXES = tuple(
    "".join(parts)
    for parts in product(("", "ו"), ("", "ש", "כש"), ("", "ב", "כ", "ל", "מ", "ה", "מה"))
)


def _arabic_forms(word: str) -> list[str]:
    """`word` with every attached prefix; with the article, only forms that keep it."""
    stem = word.removeprefix(_ARTICLE)
    articles = ("", _ARTICLE) if stem == word else (_ARTICLE,)
    forms = []
    for conjunction, preposition, article in product(_AND, _PREPOSITIONS, articles):
        forms.append(conjunction + preposition + article + stem)
        if preposition == _TO and article:
            forms.append(conjunction + preposition + article[1:] + stem)  # لل, as well as لأل
    return forms


def first_word_forms(word: str) -> list[str]:
    """The forms the first word of a term matches: itself, and with attached prefixes."""
    if len(word) >= MIN_STEM and _ARABIC.fullmatch(word):
        stem = word.removeprefix(_ARTICLE)
        if len(stem) >= MIN_STEM:
            return _arabic_forms(word)
    if len(word) >= MIN_STEM and _HEBREW.fullmatch(word):
        return [prefix + word for prefix in _HEBREW_PREFIXES]
    return [word]


def patterns(words: tuple[str, ...], prefix: bool) -> list[str]:
    """The strings the automaton looks for to find the term with these folded words."""
    rest = "".join(" " + word for word in words[1:])
    heads = first_word_forms(words[0])
    before = "" if starts_without_space(words[0]) else " "
    after = "" if prefix or ends_without_space(words[-1]) else " "
    return list(dict.fromkeys(before + head + rest + after for head in heads))


def word_count(words: tuple[str, ...]) -> int:
    """How many units (words, and characters of scripts without spaces) a term spans."""
    return len(units(" ".join(words)))
