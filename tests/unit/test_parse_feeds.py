"""The feeds of tests/data/feeds (written here in the shape of real publishers' feeds, texts
made up): each item's text chosen by what it is, and feedparser's options that the project
turns off changing nothing it keeps (issue 19)."""

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.items import Item
from monitor.polling.captions import captions_apart
from monitor.polling.parse import parse_feed

FEEDS = Path(__file__).resolve().parents[1] / "data" / "feeds"
# feedparser's defaults: the reference the project's options are checked against.
REFERENCE = {"resolve_relative_uris": True, "sanitize_html": True}
# The made-up articles' sentences all end so.
SENTENCE = re.compile(
    r"[A-Z][\w' ]+ in \w+ said on Tuesday they would [^.]+?, after weeks of talks\."
)


def items(
    name: str, timezone: str | None = None, options: Mapping[str, bool] | None = None
) -> list[Item]:
    kind = "application/feed+json" if name.endswith(".json") else "application/rss+xml"
    return parse_feed(
        "feed",
        (FEEDS / name).read_bytes(),
        f"https://feeds.example.org/{name}",
        {"Content-Type": kind},
        timezone=timezone,
        **(options or {}),
    ).items


@pytest.mark.parametrize("name", sorted(path.name for path in FEEDS.iterdir()))
def test_the_options_turned_off_change_nothing_kept(name: str) -> None:
    ours, reference = items(name), items(name, options=REFERENCE)
    assert len(ours) >= 15
    assert ours == reference  # ids, links, titles, dates, text, language


def test_feedburner_text_is_the_description_without_its_flare() -> None:
    found = items("feedburner.xml")
    assert len(found) == 30
    for item in found:
        assert len(SENTENCE.findall(item.text)) == 2
        assert "feedburner" not in item.text
        assert item.link is not None
        assert item.link.startswith("https://wire.example.com/world/")
        assert "utm_" not in item.link


def test_wordpress_text_is_the_full_post_not_the_excerpt() -> None:
    first = items("wordpress.xml")[0]
    assert "[…]" not in first.text  # the excerpt's mark
    assert len(SENTENCE.findall(first.text)) == 9  # three paragraphs of three
    assert first.text.endswith("appeared first on Harbour Notes.")
    assert first.entry_key == "https://blog.example.net/?p=4100"


def test_media_captions_are_never_the_text() -> None:
    found = items("nyt_media.xml")
    assert len(found) == 24
    assert not [item.title for item in found if "Photo caption" in item.text]
    for number, item in enumerate(found):
        # the photo is before the description in every fourth item: it still is the text
        assert SENTENCE.fullmatch(item.text) or (number == 5 and item.text == ""), number


MEDIA_RSS = 'xmlns:media="http://search.yahoo.com/mrss/"'
CAPTIONED = """<?xml version="1.0"?><rss version="2.0" {namespace}><channel><title>Wire</title>
<item><title>Cafe opens</title><guid isPermaLink="false">a</guid>{before}
<media:content url="https://img.example.org/cafe.jpg" medium="image">
<media:description>French troops parade in Kyiv (file photo)</media:description>
</media:content>{after}</item></channel></rss>"""
OWN = "<description>A new cafe opened downtown.</description>"


@pytest.mark.parametrize("namespace", [MEDIA_RSS, ""])  # "": feedparser's loose parser
@pytest.mark.parametrize("photo_first", [False, True])
def test_a_caption_is_not_the_text_whether_its_prefix_is_declared_or_not(
    namespace: str, photo_first: bool
) -> None:
    places = {"before": "", "after": OWN} if photo_first else {"before": OWN, "after": ""}
    body = CAPTIONED.format(namespace=namespace, **places).encode()
    (item,) = parse_feed("feed", body, "https://wire.example.org/feed", {}).items
    assert item.text == "A new cafe opened downtown."


def test_a_media_prefix_bound_to_another_namespace_is_not_media_rss() -> None:
    other = CAPTIONED.format(namespace='xmlns:media="https://example.org/ns"', before=OWN, after="")
    assert captions_apart(other.encode()) == other.encode()


def test_an_empty_content_falls_back_to_the_summary() -> None:
    found = items("google_blog.atom")
    assert len(found) == 20
    assert all(len(SENTENCE.findall(item.text)) == 2 for item in found)


def test_atom_xhtml_content_with_xml_base() -> None:
    first = items("atom_xhtml_base.atom")[0]
    slug = "ministers-vote-against-a-ban-on-night-flights-in-lyon"
    assert first.link == f"https://notes.example.org/2024/03/{slug}.html"
    assert first.title == "Ministers vote against a ban on night flights in Lyon & more"
    # the content, not the one-sentence summary; inline tags join their word
    assert " See the background. " in first.text
    assert "Footnote 1: " in first.text  # <sup> stays apart
    assert len(SENTENCE.findall(first.text)) == 5
    assert first.language == "en"


def test_rdf_items_and_their_dc_dates() -> None:
    found = items("rdf.xml")
    assert len(found) == 20
    assert found[0].published == datetime(2024, 3, 5, 18, 30, tzinfo=UTC)
    assert found[0].entry_key == found[0].link
    assert all(len(SENTENCE.findall(item.text)) == 2 for item in found)


@pytest.mark.parametrize(
    ("name", "first_date"),
    [
        ("chinese_gb18030.xml", datetime(2024, 3, 5, 18, 30, tzinfo=UTC)),  # 2024-03-06 02:30:00
        ("chinese_utf8.xml", datetime(2024, 3, 5, 18, 39, tzinfo=UTC)),  # 2024年3月6日 02:39
    ],
)
def test_chinese_news_in_its_encoding_and_zone(name: str, first_date: datetime) -> None:
    found = items(name, timezone="Asia/Shanghai")
    assert len(found) == 25
    assert found[0].title in {"广东省推进跨境电商试点", "国务院启动跨境电商试点"}
    assert all(item.text.count("确保各项任务落到实处。") == 8 for item in found)
    assert found[0].published == first_date
    assert all(item.published is not None for item in found)
    assert found[0].language == "zh-cn"


def test_russian_windows_1251() -> None:
    found = items("russian_cp1251.xml")
    assert found[0].title == "Мэрия Москвы одобрило программу переселения «0»"
    assert found[0].text.endswith("сообщили в пресс-службе.")
    # `5 марта 2024 18:20 +0000` and RFC 822 dates alike
    assert found[0].published == datetime(2024, 3, 5, 18, 20, tzinfo=UTC)
    assert all(item.published is not None for item in found)


def test_json_feed_html_content_before_its_summary() -> None:
    found = items("jsonfeed.json")
    assert len(SENTENCE.findall(found[0].text)) == 3  # content_text
    assert len(SENTENCE.findall(found[1].text)) == 4  # content_html, not the summary's one
    assert found[1].published == datetime(2024, 3, 5, 17, 51, tzinfo=UTC)


VIDEOS = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:m="http://search.yahoo.com/mrss/"
 xmlns="http://www.w3.org/2005/Atom"><title>Channel</title>
<entry><id>yt:video:abc</id><title>Harbour tour</title>
<link rel="alternate" href="https://video.example.com/watch?v=abc"/>
<published>2024-03-05T10:00:00+00:00</published>
<m:group><m:title>Harbour tour</m:title>
<m:content url="https://video.example.com/v/abc" type="application/x-shockwave-flash"/>
<m:thumbnail url="https://i.video.example.com/abc.jpg" width="480" height="360"/>
<m:description>A walk along the new quay with the harbour master.</m:description>
</m:group></entry>
<entry><id>yt:video:def</id><title>With a summary</title>
<summary>The entry's own summary.</summary>
<m:content url="https://video.example.com/v/def">
<m:description type="html">A &lt;b&gt;clip&lt;/b&gt; caption</m:description></m:content>
<m:description>What the video is about.</m:description>
</entry></feed>"""


def test_media_that_is_the_item_describes_it_when_nothing_else_does() -> None:
    """A video feed's only text is its media's description (any prefix); a clip's caption
    inside `media:content` is still never used, and an entry's summary comes first."""
    video, summarised = parse_feed("v", VIDEOS, "https://video.example.com/feed", {}).items
    assert video.text == "A walk along the new quay with the harbour master."
    assert summarised.text == "The entry's own summary."
