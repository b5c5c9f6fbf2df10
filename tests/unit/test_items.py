"""Entry keys, story keys and canonical links."""

import pytest

from monitor.items import canonical_link, entry_key, story_key


@pytest.mark.parametrize(
    ("link", "canonical"),
    [
        (
            "HTTPS://News.Example.ORG:443/a/b?utm_source=rss&id=3#top",
            "https://news.example.org/a/b?id=3",
        ),
        (
            "https://example.org/x?b=2&a=1&fbclid=abc&gclid=d&mc_cid=e",
            "https://example.org/x?a=1&b=2",
        ),
        ("http://example.org:80/p", "http://example.org/p"),
        ("javascript:alert(1)", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_link(link: str | None, canonical: str | None) -> None:
    assert canonical_link(link) == canonical


def test_entry_key_prefers_id_then_link_then_hash() -> None:
    assert entry_key(" id-1 ", "https://x/1", "t", None) == "id-1"
    assert entry_key(None, "https://x/1", "t", None) == "https://x/1"
    hashed = entry_key(None, None, "title", "2026-11-24")
    assert hashed.startswith("sha256:")
    assert hashed == entry_key("", None, "title", "2026-11-24")
    assert hashed != entry_key(None, None, "title", "2026-11-25")


def test_story_key_falls_back_to_feed_and_entry() -> None:
    assert story_key("wire", "k", "https://x/1") == "https://x/1"
    assert story_key("wire", "k", None) == "wire#k"
