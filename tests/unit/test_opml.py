"""Reading OPML subscription lists and deciding which feeds an import adds."""

from pathlib import Path

import pytest

from monitor.config.opml import OpmlError, OpmlFeed, plan_import, read_opml

DATA = Path(__file__).resolve().parents[1] / "data"


def test_reads_feeds_with_titles_and_folders_as_tags() -> None:
    listed = read_opml((DATA / "subscriptions.opml").read_bytes())

    assert listed[0] == OpmlFeed("https://wire.example.org/rss", "Sample wire", ("Wires",))
    assert listed[1].title == "AP Top"  # whitespace runs collapsed
    assert listed[2].tags == ("Russia",)
    assert [f.url for f in listed][-2:] == ["https://noname.example.org/feed", "file:///etc/passwd"]


@pytest.mark.parametrize("document", [b"", b"<rss version='2.0'><channel/></rss>", b"\xff\xfe"])
def test_what_is_not_opml_is_refused(document: bytes) -> None:
    with pytest.raises(OpmlError, match="not an OPML file"):
        read_opml(document)


def test_known_urls_are_skipped_even_when_written_differently() -> None:
    listed = [
        OpmlFeed("https://AP.example.org/top.xml?utm_source=reader", "AP"),
        OpmlFeed("https://new.example.org/rss", "New"),
    ]

    plan = plan_import(listed, [("Associated Press", "https://ap.example.org/top.xml")])

    assert plan.added == [{"name": "New", "url": "https://new.example.org/rss"}]
    assert plan.skipped == [(listed[0].url, "already configured")]


def test_a_url_listed_twice_is_added_once() -> None:
    twice = [
        OpmlFeed("https://a.example.org/rss", "A"),
        OpmlFeed("https://a.example.org/rss#x", "B"),
    ]

    plan = plan_import(twice, [])

    assert [f["name"] for f in plan.added] == ["A"]
    assert plan.skipped == [("https://a.example.org/rss#x", "already configured")]


def test_names_stay_unique_across_the_config_and_the_import() -> None:
    listed = [
        OpmlFeed("https://one.example.org/rss", "Wire"),
        OpmlFeed("https://two.example.org/rss", "wire"),
        OpmlFeed("https://three.example.org/feed", ""),
    ]

    plan = plan_import(listed, [("Wire", "https://old.example.org/rss")])

    assert [f["name"] for f in plan.added] == ["Wire (2)", "wire (3)", "three.example.org"]


def test_only_http_urls_are_imported() -> None:
    listed = [OpmlFeed("file:///etc/passwd", "x"), OpmlFeed("javascript:alert(1)", "y")]

    plan = plan_import(listed, [])

    assert plan.added == []
    assert [why for _url, why in plan.skipped] == ["not an http(s) URL"] * 2


def test_tags_are_written_only_when_there_are_some() -> None:
    plan = plan_import([OpmlFeed("https://a.example.org/rss", "A", ("World", "Wires"))], [])

    assert plan.added == [
        {"name": "A", "url": "https://a.example.org/rss", "tags": ["World", "Wires"]}
    ]


INWARD = [
    ("http://127.0.0.1:8080/admin", "127.0.0.1 is a loopback address"),
    ("http://[::1]/feed", "::1 is a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("https://10.0.0.7/rss", "10.0.0.7 is a private address"),
    ("http://news.example.org@127.0.0.2/secret", "credentials in the URL"),
    ("https://reader:hunter2@feeds.example.org/private.xml", "credentials in the URL"),
    ("http://localhost:9090/metrics", "localhost is a local name"),
    ("http://printer.local/feed", "printer.local is a local name"),
    ("http://metadata.google.internal/", "metadata.google.internal is a local name"),
]


def test_urls_pointing_inward_are_skipped_unless_allowed() -> None:
    listed = [OpmlFeed(url, f"Feed {n}") for n, (url, _why) in enumerate(INWARD)]
    public = OpmlFeed("https://93.184.215.14/rss", "Public by address")

    plan = plan_import([*listed, public], [])
    vouched = plan_import(listed, [], allow_private=True)

    assert plan.skipped == [(url, f"{why} (--allow-private imports it)") for url, why in INWARD]
    assert plan.added == [{"name": "Public by address", "url": public.url}]
    assert [f["url"] for f in vouched.added] == [url for url, _why in INWARD]
