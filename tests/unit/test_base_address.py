"""`needs_address`: feedparser is given a document's address only when it could change an
entry's id or link, and without it reads every id and link the same (issue 19)."""

from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.polling.base_address import needs_address
from monitor.polling.encoding import to_utf8

FEEDS = Path(__file__).resolve().parents[1] / "data" / "feeds"
ADDRESS = "https://feeds.example.org/section/feed.xml"


def rss(item: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>'
        f"<link>https://example.org/</link><item><title>x</title>{item}</item></channel></rss>"
    ).encode()


def atom(entry: str, feed_attributes: str = "") -> bytes:
    return (
        f'<feed xmlns="http://www.w3.org/2005/Atom"{feed_attributes}><title>t</title>'
        f"<entry><title>x</title>{entry}</entry></feed>"
    ).encode()


CHANGED = {
    "a relative link": rss("<link>/world/story-1.html</link>"),
    "a relative guid": rss("<guid>story-1</guid>"),
    "a relative guid said to be a link": rss('<guid isPermaLink="true">story-1</guid>'),
    "an empty query": rss("<link>https://example.org/a?</link>"),
    "an empty fragment": rss("<link>https://example.org/a#</link>"),
    "an empty query before a fragment": rss("<link>https://example.org/a?#top</link>"),
    "empty parameters": rss("<link>https://example.org/a;</link>"),
    "a scheme in capitals": rss("<link>HTTPS://example.org/a</link>"),
    "a scheme without slashes": rss("<link>https:example.org/a</link>"),
    "a character reference": rss("<link>https://example.org/a&#63;</link>"),
    "a CDATA section": rss("<link><![CDATA[/world/story-1.html]]></link>"),
    "a child element": rss("<link>https://example.org/a<b/>?</link>"),
    "an element name in capitals": rss("<LINK>/world/story-1.html</LINK>"),
    "a relative Atom link": atom('<link rel="alternate" href="2024/story-1.html"/>'),
    "a relative Atom id": atom("<id>story-1</id>"),
    "a link's url attribute": atom('<link url="story-1.html"/>'),
    "an Atom link in RSS": rss('<atom:link href="../story-1.html" rel="alternate"/>'),
}
# Cases the address would not change after all, kept by caution.
CAUTIOUS = {
    "an empty link": rss("<link></link>"),
    "xml:base": atom(
        '<link href="https://example.org/a"/>', ' xml:base="https://example.org/blog/"'
    ),
}
UNCHANGED = {
    "absolute links and ids": rss(
        "<link>https://example.org/a?b=1&amp;c=2#top</link>"
        '<guid isPermaLink="true">https://example.org/a</guid>'
    ),
    "a guid that is no link": rss('<guid isPermaLink="false">12345 at https://example.org</guid>'),
    "another scheme": atom("<id>tag:example.org,2024:/story-1</id><id>urn:uuid:1</id>"),
    "an Atom link": atom('<link rel="alternate" href="https://example.org/a"></link>'),
    "a plain http link": rss("<link>http://example.org/a</link>"),
}


def ids_and_links(body: bytes, address: str | None) -> list[tuple[Any, ...]]:
    headers = {"content-location": address} if address else {}
    entries = feedparser.parse(body, response_headers=headers).entries
    return [
        (e.get("id"), e.get("link"), [link.get("href") for link in e.get("links", [])])
        for e in entries
    ]


@pytest.mark.parametrize("name", CHANGED)
def test_what_the_address_changes_keeps_it(name: str) -> None:
    assert ids_and_links(CHANGED[name], None) != ids_and_links(CHANGED[name], ADDRESS)
    assert needs_address(CHANGED[name])


@pytest.mark.parametrize("name", CAUTIOUS)
def test_the_answer_errs_toward_the_address(name: str) -> None:
    assert needs_address(CAUTIOUS[name])


FIXTURES = {path.name: to_utf8(path.read_bytes(), None)[0] for path in FEEDS.glob("*[lm]")}


@pytest.mark.parametrize("name", [*UNCHANGED, *FIXTURES])
def test_without_the_address_ids_and_links_are_the_same(name: str) -> None:
    body = UNCHANGED.get(name) or FIXTURES[name]
    if name in UNCHANGED:
        assert not needs_address(body)
    if not needs_address(body):
        assert ids_and_links(body, None) == ids_and_links(body, ADDRESS)


def test_most_fixtures_go_without_the_address() -> None:
    """Only the ones with a relative guid and with xml:base need it."""
    needing = sorted(name for name, body in FIXTURES.items() if needs_address(body))
    assert needing == ["atom_xhtml_base.atom", "odd_dates.xml"]


# The pieces URLs are made of, the awkward ones above all.
PIECES = (
    "https://", "http://", "HTTP://", "tag:", "urn:uuid:", "mailto:", "javascript:", "x.org",
    "/", "//", "a", "..", ".", "?", "#", ";", "&amp;", "&#63;", "=", ":", "%20", " ", "\t", "[",
    "]", "é", "1", "<![CDATA[/x]]>",
)  # fmt: skip
# Most of them opening as an absolute URL would, so that many pass `needs_address`.
OPENINGS = ("https://x.org/", "http://x.org", "tag:x.org,2024:", "urn:uuid:", "HTTPS://x.org", "")
values = st.tuples(
    st.sampled_from(OPENINGS), st.lists(st.sampled_from(PIECES), max_size=4).map("".join)
).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    link=values,
    guid=values,
    permalink=st.sampled_from(["", ' isPermaLink="false"', ' isPermaLink="true"']),
    href=values,
    address=st.sampled_from([ADDRESS, "http://feeds.example.org/feed?x=1"]),
)
def test_any_link_and_guid_read_the_same_whether_or_not_the_address_is_given(
    link: str, guid: str, permalink: str, href: str, address: str
) -> None:
    quoted = href.replace("<![CDATA[/x]]>", "").replace('"', "&quot;")
    body = rss(
        f"<link>{link}</link><guid{permalink}>{guid}</guid>"
        f'<atom:link rel="alternate" href="{quoted}"/>'
    )
    if not needs_address(body):
        assert ids_and_links(body, None) == ids_and_links(body, address)
