"""The link that names a story: clean links for alerts, folded ones for story keys."""

import base64

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from monitor.polling.links import best_link, canonical_story_key, clean_link, story_key_link


@pytest.mark.parametrize(
    ("link", "clean"),
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
        (" https://example.org/p\n", "https://example.org/p"),
        ("javascript:alert(1)", None),
        ("mailto:desk@example.org", None),
        ("", None),
        (None, None),
    ],
)
def test_clean_link(link: str | None, clean: str | None) -> None:
    assert clean_link(link) == clean


# Each group: the forms one article takes in real feeds, which must make one story key.
TWINS = [
    [  # The Guardian: AMP edition host
        "https://www.theguardian.com/world/2024/mar/05/ukraine-x",
        "https://amp.theguardian.com/world/2024/mar/05/ukraine-x",
        "http://www.theguardian.com/world/2024/mar/05/ukraine-x/",
    ],
    [  # BBC: `.amp` suffix, mobile host
        "https://www.bbc.co.uk/news/world-europe-68473001",
        "https://www.bbc.co.uk/news/world-europe-68473001.amp",
        "https://m.bbc.co.uk/news/world-europe-68473001",
    ],
    [  # Italian and Brazilian portals: `/amp/` path and `.amp.html`, `?amp`, `outputType=amp`
        "https://www.ilmessaggero.it/mondo/guerra_ucraina-7993001.html",
        "https://www.ilmessaggero.it/AMP/mondo/guerra_ucraina-7993001.html",
        "https://www.ilmessaggero.it/mondo/guerra_ucraina-7993001.amp.html",
        "https://mobile.ilmessaggero.it/mondo/guerra_ucraina-7993001.html?amp=1",
        "https://www.ilmessaggero.it/mondo/guerra_ucraina-7993001.html?outputType=amp",
    ],
    [  # Google's AMP viewer and the AMP cache
        "https://www.uol.com.br/noticias/2024/03/05/x.htm",
        "https://www.google.com/amp/s/www.uol.com.br/noticias/2024/03/05/x.amp.htm",
        "https://www-uol-com-br.cdn.ampproject.org/c/s/www.uol.com.br/noticias/amp/2024/03/05/x.htm",
    ],
]


@pytest.mark.parametrize("forms", TWINS, ids=["guardian", "bbc", "messaggero", "amp-cache"])
def test_the_forms_of_one_article_make_one_story_key(forms: list[str]) -> None:
    assert len({story_key_link(form) for form in forms}) == 1


def test_the_story_key_is_an_https_url_without_the_edition() -> None:
    assert story_key_link("http://m.example.com/a/b/?utm_source=x") == "https://example.com/a/b"
    assert story_key_link("https://www.example.com") == "https://example.com/"
    assert story_key_link("https://m.com/x") == "https://m.com/x"  # a host, not an edition


def test_google_news_links_are_decoded_when_they_hold_the_target() -> None:
    target = b"https://www.lemonde.fr/international/article/2024/03/05/x_6220001_3210.html"
    encoded = base64.urlsafe_b64encode(
        b"\x08\x13\x22" + bytes([len(target)]) + target + b"\xd2\x01"
    )
    link = f"https://news.google.com/rss/articles/{encoded.decode().rstrip('=')}?oc=5"
    opaque = "https://news.google.com/rss/articles/CBMiAU_yqLNotAUrlAtAll?oc=5"

    assert clean_link(link) == target.decode()
    assert clean_link(opaque) == opaque  # written since 2024: opaque, kept as it is


def test_a_bluesky_post_uri_becomes_its_page() -> None:
    uri = "at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3kmgcpn6ezc2y"
    page = "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3kmgcpn6ezc2y"
    assert best_link([None, uri]) == uri
    assert clean_link(uri) == page


def test_best_link_skips_what_is_not_a_web_page() -> None:
    assert best_link([None, "", "javascript:x()", " https://a.example/1 "]) == "https://a.example/1"
    assert best_link(["mailto:x@example.org"]) is None


def test_a_canonical_link_counts_only_on_the_pages_own_site() -> None:
    page = "https://www.example.com/news/123?utm_source=rss"
    assert canonical_story_key("https://example.com/news/story-123", page) == (
        "https://example.com/news/story-123"
    )
    assert canonical_story_key("https://m.example.com/news/story-123", page) is not None
    assert canonical_story_key("https://other.example.org/news/1", page) is None
    assert canonical_story_key(None, page) is None


_label = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
_segment = _label.filter(lambda s: s != "amp" and not s.endswith("amp"))
_host = st.builds(lambda *parts: ".".join(parts), _label, st.sampled_from(["com", "co.uk", "fr"]))
_path = st.lists(_segment, min_size=1, max_size=5).map(lambda parts: "/" + "/".join(parts))
_query = st.dictionaries(_label, _label, max_size=3)
_link = st.builds(
    lambda scheme, prefix, host, path, query, slash: (
        f"{scheme}://{prefix}{host}{path}{slash}"
        + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    ),
    st.sampled_from(["http", "https"]),
    st.sampled_from(["", "www.", "m.", "amp."]),
    _host,
    _path,
    _query,
    st.sampled_from(["", "/"]),
)


@pytest.mark.unmeasured
@given(_link)
def test_cleaning_and_folding_are_idempotent(link: str) -> None:
    clean = clean_link(link)
    key = story_key_link(link)
    assert clean is not None
    assert key is not None
    assert clean_link(clean) == clean
    assert story_key_link(key) == key
    assert story_key_link(clean) == key


@pytest.mark.unmeasured
@given(_host, _path, _path)
def test_two_article_paths_on_one_host_never_merge(host: str, first: str, second: str) -> None:
    assume(first != second)
    assert story_key_link(f"https://{host}{first}") != story_key_link(f"https://{host}{second}")
