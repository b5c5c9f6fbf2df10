"""Feed bodies in any encoding → UTF-8 (the cases the realistic feeds of test_parse_real.py do
not reach)."""

import codecs

import pytest

from monitor.polling.encoding import decode_document, http_charset, to_utf8

TEXT = '<?xml version="1.0" encoding="{}"?><rss><channel><title>Київ, Éire</title></channel></rss>'


@pytest.mark.parametrize(
    ("mark", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_a_byte_order_mark_decides(mark: bytes, codec: str) -> None:
    body = mark + TEXT.format("windows-1252").encode(codec)
    utf8, found = to_utf8(body, "text/xml; charset=iso-8859-1")
    assert found == codec
    assert utf8.decode("utf-8") == TEXT.format("utf-8")


def test_utf16_without_a_mark_is_seen_from_its_first_character() -> None:
    assert decode_document(TEXT.format("utf-16").encode("utf-16-be"), None)[1] == "utf-16-be"


def test_valid_utf8_is_utf8_whatever_it_declares() -> None:
    body = TEXT.format("ISO-8859-1").encode("utf-8")
    utf8, codec = to_utf8(body, None)
    assert codec == "utf-8"
    assert b'encoding="utf-8"' in utf8


def test_unusable_labels_leave_it_to_the_detector_then_windows_1252(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = b'<?xml version="1.0" encoding="nonsense-8"?><rss><title>caf\xe9 cr\xe8me</title></rss>'
    header = "text/xml; charset=also-nonsense"

    text, guessed = decode_document(body, header)
    monkeypatch.setattr("chardet.detect", lambda _body: {"encoding": None})
    fallback, last_resort = decode_document(body, header)

    assert guessed != "utf-8"  # chardet's guess
    assert "café crème" in text
    assert (last_resort, "café crème" in fallback) == ("cp1252", True)


@pytest.mark.parametrize(
    ("header", "charset"),
    [
        ("text/xml; charset=KOI8-R", "KOI8-R"),
        ('application/rss+xml;charset="windows-1251"', "windows-1251"),
        ("application/xml", None),
        (None, None),
    ],
)
def test_http_charset(header: str | None, charset: str | None) -> None:
    assert http_charset(header) == charset
