"""Entry keys and story keys (links: test_links.py)."""

from monitor.items import entry_key, story_key


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
