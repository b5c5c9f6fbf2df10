"""Parsing feed documents from tests/data into items."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.polling.parse import FeedParseError, parse_feed

DATA = Path(__file__).resolve().parents[1] / "data"


def parse_file(name: str, url: str = "https://atom.example.org/feed.xml") -> list:  # type: ignore[type-arg]
    return parse_feed(
        "wire", (DATA / name).read_bytes(), url, {"Content-Type": "application/xml"}
    ).items


def test_atom_html_becomes_text_links_resolve_and_trackers_go() -> None:
    first, second = parse_file("atom.xml")
    assert first.title == "Élysée responds to Moscow"
    assert first.text == "The French presidency said «no»."
    assert first.link == "https://atom.example.org/news/elysee-responds"  # the tracker is gone
    assert first.story_key == "https://atom.example.org/news/elysee-responds"
    assert first.entry_key == "urn:uuid:entry-1"
    assert first.published == datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    assert second.title == "Plain <script> title"
    assert second.text == "Fish & chips"
    assert second.link is None  # javascript: links never reach an alert
    assert second.entry_key == "javascript:alert(1)"  # no id: the link identifies the entry


def test_rdf_with_cyrillic() -> None:
    (only,) = parse_file("rdf.xml", "https://rdf.example.org/feed")
    assert only.title == "Войска на Украине"
    assert only.published == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def test_bundled_example_feed_parses() -> None:
    items = parse_feed(
        "Sample wire",
        (DATA.parents[1] / "config" / "feeds" / "sample-wire.xml").read_bytes(),
        "file:///sample-wire.xml",
        {"Content-Type": "application/xml"},
    ).items
    assert [i.entry_key for i in items] == [
        "sample-wire-0001",
        "sample-wire-0002",
        "sample-wire-0003",
    ]
    assert "<p>" not in items[0].text
    assert "French soldiers" in items[0].text


@pytest.mark.parametrize("body", [b"", b"\x00\x01garbage", b"<html><body>Not a feed</body></html>"])
def test_non_feeds_are_refused(body: bytes) -> None:
    with pytest.raises(FeedParseError, match="not a feed"):
        parse_feed("wire", body, "https://x/", {"Content-Type": "text/html"})


def test_entity_declarations_are_dropped_even_behind_a_decoy() -> None:
    body = (
        b'<?xml version="1.0"?><!-- <!DOCTYPE decoy --><!DOCTYPE rss [<!ENTITY w "WAR">]>'
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><guid>1</guid><title>Say &w; now</title></item></channel></rss>"
    )

    (item,) = parse_feed("wire", body, "https://x/", {"Content-Type": "application/xml"}).items

    assert item.title == "Say &w; now"  # the entity was never declared, so never expanded


@pytest.mark.parametrize("opening", [b"<!DOCTYPE a [", b"<!DOCTYPE aaaaaaaa"])
def test_thousands_of_unclosed_doctypes_are_not_stuck_on(opening: bytes) -> None:
    # Quadratic before: 200 KB of these took 20 s, so this 2 MB one would hit the test timeout.
    body = b"<rss>" + opening * (2_000_000 // len(opening)) + b"</rss>"

    parsed = parse_feed("wire", body, "https://x/", {"Content-Type": "application/xml"})

    assert parsed.items == []


def test_a_declared_encoding_that_is_not_a_name_is_read_not_a_crash() -> None:
    # Found by `make fuzz` (atheris): feedparser raised ValueError on a NUL in the declared
    # encoding, and UnicodeDecodeError on bytes that are not UTF-8 there. The body is UTF-8.
    item = "<item><title>Kyiv talks resume</title></item>"
    for encoding in (b"\x01\x00\x00UTF-8", b"\xff\xfeUTF-8"):
        body = (
            b'<?xml version="1.0" encoding="' + encoding + b'"?><rss version="2.0"><channel>'
            b"<title>t</title>" + item.encode() + b"</channel></rss>"
        )
        parsed = parse_feed("fuzz", body, "http://news.example/feed", {})
        assert [i.title for i in parsed.items] == ["Kyiv talks resume"]


def _rss(*titles: str) -> bytes:
    items = "".join(
        f"<item><guid>g{n}</guid><title>{t}</title></item>" for n, t in enumerate(titles)
    )
    channel = f"<channel><title>t</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def test_an_emoji_written_as_utf16_halves_is_read_and_no_character_spoils_the_feed() -> None:
    # Publishing systems that write UTF-16 halves as references (`&#55357;&#56842;`) made
    # feedparser raise on the whole document; so did a reference past U+10FFFF.
    items = parse_feed(
        "wire",
        _rss(
            "Ukraine wins &#55357;&#56842; and &#xD83D;&#xDE0A;",
            "Half &#xD800; gone, &#56842;&#55357; swapped",
            "Past the last: &#1114112; &#x110000; &#99999999999999999999999999;",
            "Fine &#8217; &#x10FFFF; &#0000065;",
        ),
        "https://example.org/feed",
        {"Content-Type": "application/rss+xml"},
    ).items
    assert [i.title for i in items] == [
        "Ukraine wins 😊 and 😊",
        "Half \ufffd gone, \ufffd\ufffd swapped",
        "Past the last: \ufffd \ufffd \ufffd",
        "Fine ’ \U0010ffff A",
    ]


def test_a_json_feed_string_with_half_an_emoji_is_read() -> None:
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "J\\ud800", "items": ['
        b'{"id": "j\\udc001", "url": "https://example.org/1", "title": "Ukraine \\ud83d cut",'
        b' "content_text": "Ukraine \\ud83d\\ude0a whole"}]}'
    )
    (item,) = parse_feed("wire", body, "https://example.org/feed.json", {}).items
    assert (item.entry_key, item.title, item.text) == (
        "j\ufffd1",
        "Ukraine \ufffd cut",
        "Ukraine 😊 whole",
    )
