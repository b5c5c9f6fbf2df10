"""The entry budget: a feed cut to its first entries before feedparser reads it, still a feed."""

from monitor.polling.budget import within_budget
from monitor.polling.parse import parse_feed
from tests.support.feeds import Entry, rss


def _titles(body: bytes) -> list[str]:
    return [item.title for item in parse_feed("f", body, "https://example.org/feed", {}).items]


def test_a_feed_within_the_budget_is_left_alone() -> None:
    body = rss(*(Entry(f"g{n}", f"Story {n}") for n in range(3)))

    assert within_budget(body, 3).body == body
    assert within_budget(body, 3).entries_before is None


def test_an_rss_flood_keeps_its_first_entries_and_its_channel_end() -> None:
    body = rss(*(Entry(f"g{n}", f"Election flood {n}", "Vote now.") for n in range(50)))

    cut = within_budget(body, 5)

    assert cut.entries_before == 50
    assert cut.body.endswith(b"</channel></rss>")
    assert _titles(cut.body) == [f"Election flood {n}" for n in range(5)]


def test_an_atom_flood_and_a_prefixed_rdf_flood_are_cut_too() -> None:
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>'
        + "".join(f"<entry><id>urn:e{n}</id><title>Atom {n}</title></entry>" for n in range(9))
        + "</feed>"
    ).encode()
    rdf = (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:rss="http://purl.org/rss/1.0/"><rss:channel rdf:about="x"><rss:title>R'
        "</rss:title></rss:channel>"
        + "".join(
            f'<rss:item rdf:about="https://example.org/{n}"><rss:title>RDF {n}</rss:title>'
            f"<rss:link>https://example.org/{n}</rss:link></rss:item>"
            for n in range(9)
        )
        + "</rdf:RDF>"
    ).encode()

    assert _titles(within_budget(atom, 2).body) == ["Atom 0", "Atom 1"]
    assert _titles(within_budget(rdf, 3).body) == ["RDF 0", "RDF 1", "RDF 2"]


def test_empty_self_closed_items_are_cut_at_their_own_end() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    body += b"<item/>" * 1000 + b"<item />" + b"</channel></rss>"

    cut = within_budget(body, 2)

    assert cut.entries_before == 1001
    assert cut.body.endswith(b"<item/><item/></channel></rss>")
