"""A feed document in whatever encoding it came in → UTF-8 bytes that say so.

Real feeds mislabel their bytes: servers add a default `charset` that contradicts the XML
declaration, and legacy publishers (QQ in GB2312, Russian and Ukrainian sites in windows-1251 or
KOI8-R) often declare nothing. The order, first that decodes cleanly:

1. a byte-order mark;
2. UTF-8, whatever is declared: bytes that happen to be valid multi-byte UTF-8 are almost never
   text in a legacy encoding (and single-byte encodings decode anything, so they prove nothing);
3. the XML declaration, then the HTTP charset (the declaration is the publisher's own word on
   the file; the header is often a server default);
4. chardet's guess, for bodies that declare nothing usable (chardet, not charset-normalizer:
   the one feedparser uses, and the one that told ISO-8859-2 from ISO-8859-10 on Polish text);
5. windows-1252, with replacement characters.

Labels are read as browsers read them (WHATWG): `gb2312` is GB18030, `iso-8859-1` windows-1252,
`shift_jis` windows-31J, since publishers who write the old names use the supersets.
"""

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# UTF-16 without a mark: the first character, `<`, shows the byte order.
_UTF16_OPENINGS = ((b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"))
_DECLARATION = re.compile(rb"""\A\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_DECLARED_ENCODING = re.compile(rb"""(\A\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*(["'])""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE)
# By Python codec name: the superset that browsers use for the label.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "iso8859-9": "cp1254",
    "tis-620": "cp874",
    "iso8859-11": "cp874",
}
# The detector reads at most this much: enough to tell, and bounded on a 10 MB body (~15 ms).
_DETECTOR_SAMPLE = 64 * 1024


def _codec(label: str | bytes | None) -> str | None:
    if not label:
        return None
    name = label.decode("ascii") if isinstance(label, bytes) else label
    try:
        found = codecs.lookup(name).name
    except LookupError:
        return None
    return _SUPERSETS.get(found, found)


def http_charset(content_type: str | None) -> str | None:
    """The `charset` of a Content-Type header, if it names one."""
    found = _CHARSET.search(content_type or "")
    return found.group(1) if found else None


def _decodes(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detected(body: bytes) -> str | None:
    # chardet costs 0.1 s to import and 0.3 s and ~40 MB to load its models at first use: only
    # a process that meets a body needing a guess pays it.
    import chardet  # noqa: PLC0415

    return _codec(chardet.detect(body[:_DETECTOR_SAMPLE])["encoding"])


def decode_document(body: bytes, content_type: str | None) -> tuple[str, str]:
    """`body` as text, and the codec it was read with."""
    for mark, codec in _BOMS:
        if body.startswith(mark):
            return body[len(mark) :].decode(codec, errors="replace"), codec
    for opening, codec in _UTF16_OPENINGS:
        if body.startswith(opening):
            return body.decode(codec, errors="replace"), codec
    declared = _DECLARATION.match(body)
    labelled = (_codec(declared.group(1) if declared else None), _codec(http_charset(content_type)))
    for codec in ("utf-8", *(c for c in labelled if c)):
        if (text := _decodes(body, codec)) is not None:
            return text, codec
    guessed = _detected(body)
    if guessed is not None and (text := _decodes(body, guessed)) is not None:
        return text, guessed
    return body.decode("cp1252", errors="replace"), "cp1252"


def to_utf8(body: bytes, content_type: str | None) -> tuple[bytes, str]:
    """`body` re-encoded as UTF-8, its XML declaration saying so, and the codec it was read
    with. A body that is UTF-8 already is returned as it is (bar the declaration)."""
    text, codec = decode_document(body, content_type)
    as_is = codec == "utf-8" and not body.startswith(codecs.BOM_UTF8)
    utf8 = body if as_is else text.encode("utf-8")
    return _DECLARED_ENCODING.sub(rb"\g<1>utf-8\g<2>", utf8, count=1), codec
