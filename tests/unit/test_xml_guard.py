"""What a feed document may not bring to the XML parser (issue 18's memory attacks)."""

import pytest

from monitor.polling.parse import parse_feed
from monitor.polling.xml_guard import capped_entries, without_internal_subset

LAUGHS = '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
CHANNEL = (
    '<rss version="2.0"><channel><title>t</title><link>https://example.org/</link>'
    "<item><guid>1</guid><title>Say &lol2; now</title></item></channel></rss>"
)


def titles(body: bytes) -> list[str]:
    parsed = parse_feed("wire", body, "https://x/", {"Content-Type": "application/xml"})
    return [item.title for item in parsed.items]


@pytest.mark.parametrize(
    "prolog",
    [
        # The attack: a decoy DOCTYPE with a subset, inside a comment, before the real one.
        '<?xml version="1.0"?><!-- <!DOCTYPE decoy [ <!ENTITY x "y"> ]> --><!DOCTYPE rss [{}]>',
        '<?xml version="1.0"?><?pi <!DOCTYPE decoy [ ]>?>\n<!DOCTYPE rss [{}]>',
        '<!DOCTYPE rss SYSTEM "http://example.org/a[b>c.dtd" [{}]>',  # `[` and `>` in a literal
        '<!DOCTYPE rss [<!ENTITY close "]>">{}<!-- ]> -->]>',  # `]>` quoted and commented
    ],
)
def test_the_real_internal_subset_is_removed(prolog: str) -> None:
    body = (prolog.format(LAUGHS) + CHANNEL).encode()

    assert b"<!ENTITY lol" not in without_internal_subset(body)
    assert titles(body) == ["Say &lol2; now"]  # never declared, so never expanded


def test_a_subset_in_utf16_is_seen_once_the_body_is_utf8() -> None:
    body = '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE rss [' + LAUGHS + "]>" + CHANNEL
    assert titles(body.encode("utf-16")) == ["Say &lol2; now"]


def test_a_subset_that_never_ends_cuts_the_document() -> None:
    body = b'<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY a "unterminated>' + CHANNEL.encode()
    assert without_internal_subset(body) == b"<!DOCTYPE rss >"


def test_a_document_without_a_subset_is_left_alone() -> None:
    for body in (
        CHANNEL.encode(),
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x.dtd">' + b"<rss/>",
        b"<rss><!DOCTYPE x [<!ENTITY a 'b'>]></rss>",  # after the root: not a DOCTYPE to expat
    ):
        assert without_internal_subset(body) is body


def rss_items(count: int) -> bytes:
    items = "".join(f"<item><guid>{n}</guid><title>n{n}</title></item>" for n in range(count))
    channel = f"<channel><title>t</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def test_entries_beyond_the_limit_are_cut_and_the_document_stays_well_formed() -> None:
    body, cut = capped_entries(rss_items(10), limit=3)

    assert cut
    assert body.endswith(b"<title>n2</title></item></channel></rss>")
    assert capped_entries(rss_items(3), limit=3) == (rss_items(3), False)


def test_an_atom_feed_is_cut_the_same_way() -> None:
    entries = "".join(f"<entry><id>urn:{n}</id><title>n{n}</title></entry>" for n in range(5))
    body = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{entries}\n</feed>\n'

    cut, _ = capped_entries(body.encode(), limit=2)

    assert cut.endswith(b"<title>n1</title></entry>\n</feed>\n")


def test_a_flood_of_empty_items_is_read_up_to_the_limit_with_a_warning() -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title>' + b"<item/>" * 10_050 + b"</channel></rss>"
    )

    parsed = parse_feed(
        "wire", body, "https://x/", {"Content-Type": "application/xml"}, max_entries=2_000
    )

    assert len(parsed.items) == 2_000
    assert parsed.warning == "only the first 2,000 entries read (max_entries_per_poll)"
