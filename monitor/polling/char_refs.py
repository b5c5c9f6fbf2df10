"""Character references to no character, made readable before a feed is parsed.

Some publishing systems write an emoji as the two halves of its UTF-16 form, each as a numeric
character reference (`&#55357;&#56842;` for 😊), or as JSON escapes (`"\\ud83d"` alone, when a
title was cut between the halves). A surrogate is no character: expat refuses such a reference,
feedparser's fallback parser then raises on it (as on one past U+10FFFF, `&#1114112;`), and a
lone surrogate in a JSON string cannot be written as UTF-8 anywhere later. One such title
failed the whole feed at every poll. So a pair of halves becomes the character it spells, and
anything else that is no character becomes U+FFFD, the replacement character.
"""

import re
from typing import Any

# A numeric reference that may be no character: a surrogate (U+D800–U+DFFF, decimal
# 55296–57343) or one of six or more hex digits, seven or more decimal ones (past U+10FFFF,
# some). Which ones really are is decided on the value. Searched for by one scan in C.
_MAYBE_BAD = (
    rb"&#(?:[xX]0*(?:[dD][89a-fA-F][0-9a-fA-F]{2}|[0-9a-fA-F]{6,})|0*(?:5[5-7][0-9]{3}|[0-9]{7,}));"
)
_MAYBE_BAD_REFS = re.compile(b"(%s)(%s)?" % (_MAYBE_BAD, _MAYBE_BAD))
_NO_CHARACTER = 0x110000
_REPLACEMENT = b"&#xFFFD;"
# A JSON escape of a surrogate; only a document holding one needs its strings checked.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _code(reference: bytes) -> int:
    """The code point a numeric reference (`&#…;`) names; past U+10FFFF for any too long to
    read (Python refuses to convert thousands of digits)."""
    digits = reference[2:-1]
    hexadecimal = digits[:1] in (b"x", b"X")
    digits = (digits[1:] if hexadecimal else digits).lstrip(b"0") or b"0"
    if len(digits) > 8:
        return _NO_CHARACTER
    return int(digits, 16 if hexadecimal else 10)


def _checked(reference: bytes) -> bytes:
    code = _code(reference)
    return _REPLACEMENT if code >= _NO_CHARACTER or 0xD800 <= code <= 0xDFFF else reference


def _repaired(match: "re.Match[bytes]") -> bytes:
    first, second = match[1], match[2]
    if second is None:
        return _checked(first)
    high, low = _code(first), _code(second)
    if 0xD800 <= high <= 0xDBFF and 0xDC00 <= low <= 0xDFFF:
        return b"&#%d;" % (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    return _checked(first) + _checked(second)


def with_valid_char_refs(body: bytes) -> bytes:
    """An XML document's bytes with every numeric character reference naming a character: a
    pair of surrogates joined into the one they spell, anything else that names none replaced
    by `&#xFFFD;`."""
    if b"&#" not in body:
        return body
    return _MAYBE_BAD_REFS.sub(_repaired, body)


def has_surrogate_escapes(text: str) -> bool:
    """Whether a JSON text holds an escaped surrogate (`\\ud83d`): only then may a string it
    decodes to hold a lone one."""
    return _SURROGATE_ESCAPE.search(text) is not None


def without_lone_surrogates(value: Any) -> Any:
    """A decoded JSON value with every lone surrogate in its strings (keys included) replaced
    by U+FFFD; pairs stay the character they spell."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    return value
