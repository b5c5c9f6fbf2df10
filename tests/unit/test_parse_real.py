"""Feeds as they really are: FeedBurner, AMP twins, localised and zoneless dates, JSON Feed,
legacy encodings, declared languages. Each document is written here in the shape of the real
publisher's (names and texts made up)."""

import json
from datetime import UTC, datetime

import pytest

from monitor.model import ParsedFeed
from monitor.polling.parse import FeedParseError, parse_feed

XML = {"Content-Type": "application/rss+xml"}


def parse(
    body: bytes, headers: dict[str, str] | None = None, timezone: str | None = None
) -> ParsedFeed:
    return parse_feed(
        "wire", body, "https://feeds.example.org/feed", headers or XML, timezone=timezone
    )


FEEDBURNER = b"""<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" media="screen" href="/~d/styles/rss2full.xsl"?>
<rss xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0" version="2.0">
<channel><title>Reuters: World News</title><link>https://www.reuters.com</link>
<language>en-US</language>
<atom10:link xmlns:atom10="http://www.w3.org/2005/Atom" rel="self"
 href="http://feeds.reuters.com/Reuters/worldNews" type="application/rss+xml" />
<item>
<title>France says it will train Ukrainian troops</title>
<link>http://feeds.reuters.com/~r/Reuters/worldNews/~3/a1B2c3D4e5F/idUSKBN2X0123</link>
<guid isPermaLink="false">https://www.reuters.com/article/idUSKBN2X0123</guid>
<pubDate>Tue, 05 Mar 2024 10:15:00 -0500</pubDate>
<description>Paris will send instructors, the minister said.&lt;img
 src="http://feeds.feedburner.com/~r/Reuters/worldNews/~4/a1B2c3D4e5F" height="1"/&gt;
</description>
<feedburner:origLink>https://www.reuters.com/world/europe/france-train-ukrainian-troops-2024-03-05/?utm_source=feedburner&amp;utm_medium=feed</feedburner:origLink>
</item></channel></rss>"""


def test_feedburner_items_are_known_by_their_original_link() -> None:
    (item,) = parse(FEEDBURNER).items
    original = "https://www.reuters.com/world/europe/france-train-ukrainian-troops-2024-03-05/"
    assert item.link == original  # what the alert shows: no proxy, no trackers
    assert item.story_key == original.replace("www.", "").rstrip("/")
    assert item.entry_key == "https://www.reuters.com/article/idUSKBN2X0123"
    assert item.published == datetime(2024, 3, 5, 15, 15, tzinfo=UTC)
    assert item.language == "en-us"


def rss(items: str, channel: str = "", encoding: str = "UTF-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>t</title><link>https://example.org/</link>{channel}{items}</channel></rss>"
    ).encode(encoding)


def test_amp_twins_in_two_feeds_are_one_story() -> None:
    web = rss(
        "<item><title>Guerra in Ucraina, il vertice di Parigi</title>"
        "<link>https://www.ilmessaggero.it/mondo/guerra_ucraina_parigi-7993001.html?rss=1</link>"
        "</item>"
    )
    amp = rss(
        "<item><title>Guerra in Ucraina, il vertice di Parigi</title>"
        "<link>https://www.ilmessaggero.it/AMP/mondo/guerra_ucraina_parigi-7993001.html</link>"
        "</item>"
    )
    assert parse(web).items[0].story_key == parse(amp).items[0].story_key


UOL = """<item><title>Governo anuncia novo pacote de medidas</title>
<link>https://noticias.uol.com.br/politica/ultimas-noticias/2018/09/24/governo-anuncia.htm</link>
<pubDate>Seg, 24 Set 2018 18:42:00 -0300</pubDate></item>
<item><title>Chuva forte atinge São Paulo</title>
<link>https://noticias.uol.com.br/cotidiano/ultimas-noticias/2018/09/25/chuva.htm</link>
<pubDate>Ter, 25 Set 2018 07:05:00 -0300</pubDate></item>"""


def test_portuguese_dates_are_read() -> None:
    items = parse(rss(UOL, "<language>pt-br</language>", "ISO-8859-1")).items
    assert [i.published for i in items] == [
        datetime(2018, 9, 24, 21, 42, tzinfo=UTC),
        datetime(2018, 9, 25, 10, 5, tzinfo=UTC),
    ]
    assert items[1].title == "Chuva forte atinge São Paulo"
    assert items[0].language == "pt-br"


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("mer, 16 nov 2022 08:15:00 +0100", datetime(2022, 11, 16, 7, 15, tzinfo=UTC)),  # it
        ("ons, 06 mar 2024 12:00:00 +0100", datetime(2024, 3, 6, 11, 0, tzinfo=UTC)),  # sv
        ("Çar, 06 Mar 2024 14:00:00 +0300", datetime(2024, 3, 6, 11, 0, tzinfo=UTC)),  # tr
        ("середа, 6 березня 2024 10:00 +0200", datetime(2024, 3, 6, 8, 0, tzinfo=UTC)),  # uk
        ("Mittwoch, 6. März 2024 10:00 +0100", datetime(2024, 3, 6, 9, 0, tzinfo=UTC)),  # de
        ("not a date at all", None),
    ],
)
def test_localised_dates_are_read(written: str, read: datetime | None) -> None:
    (item,) = parse(rss(f"<item><title>x</title><pubDate>{written}</pubDate></item>")).items
    assert item.published == read


QQ = """<?xml version="1.0"?><rss version="2.0"><channel><title>腾讯新闻</title>
<link>https://news.qq.com/</link>
<item><title>国务院常务会议研究部署稳就业工作</title>
<link>https://news.qq.com/rain/a/20240305A01XYZ00</link>
<description>会议指出，要加大对中小企业的支持力度，进一步稳定就业岗位。</description>
<pubDate>2024-03-05 18:30:00</pubDate></item>
<item><title>北京今日迎来降雪天气</title><link>https://news.qq.com/rain/a/20240305A02XYZ00</link>
<pubDate>2024-03-05T09:00:00Z</pubDate></item></channel></rss>"""


def test_zoneless_dates_are_in_the_feeds_time_zone() -> None:
    body = QQ.encode("gb2312")  # GB2312, declared nowhere
    utc = parse(body, {"Content-Type": "text/xml"}).items
    shanghai = parse(body, {"Content-Type": "text/xml"}, timezone="Asia/Shanghai").items

    assert utc[0].title == "国务院常务会议研究部署稳就业工作"
    assert utc[0].published == datetime(2024, 3, 5, 18, 30, tzinfo=UTC)
    assert shanghai[0].published == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)
    assert shanghai[1].published == utc[1].published  # it names its zone


RUSSIAN = "Президент Украины провёл переговоры с премьер-министром Франции о поставках"
CHINESE = "国务院总理主持召开常务会议，研究部署进一步做好稳就业工作"
POLISH = "Prezydent spotkał się z premierem w Pałacu; rozmowa dotyczyła budżetu i granicy"
JAPANESE = "東京都知事が記者会見で新たな防災計画を発表、避難所の整備を進める方針"
ENCODED = [
    ("windows-1251", RUSSIAN),
    ("koi8-r", RUSSIAN),
    ("gb2312", CHINESE),
    ("iso-8859-2", POLISH),
    ("shift_jis", JAPANESE),
]


def news(encoding: str, text: str, declared: bool) -> bytes:
    declaration = f' encoding="{encoding}"' if declared else ""
    items = "".join(
        f"<item><title>{text}</title><description>{text} ({n}).</description></item>"
        for n in range(1, 4)
    )
    return (
        f'<?xml version="1.0"{declaration}?><rss version="2.0"><channel><title>{text[:12]}'
        f"</title><link>https://example.org/</link>{items}</channel></rss>"
    ).encode(encoding)


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
@pytest.mark.parametrize(("encoding", "text"), ENCODED, ids=[e for e, _ in ENCODED])
def test_legacy_encodings_are_read(encoding: str, text: str, declared: bool) -> None:
    items = parse(news(encoding, text, declared), {"Content-Type": "application/rss+xml"}).items
    assert [i.title for i in items] == [text] * 3


def test_the_xml_declaration_beats_a_contradicting_http_charset() -> None:
    body = news("windows-1251", RUSSIAN, declared=True)
    items = parse(body, {"Content-Type": "text/xml; charset=utf-8"}).items
    assert items[0].title == RUSSIAN


def test_an_http_charset_is_used_when_the_body_declares_nothing() -> None:
    body = news("koi8-r", RUSSIAN, declared=False)
    items = parse(body, {"Content-Type": "application/xml; charset=KOI8-R"}).items
    assert items[0].title == RUSSIAN


JSON_FEED = """{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Dagens Nyheter – Världen",
  "home_page_url": "https://www.dn.se/varlden/",
  "language": "sv-SE",
  "items": [
    {"id": "https://www.dn.se/varlden/a1", "url": "https://www.dn.se/varlden/a1/?rss=1",
     "title": "Frankrike skickar instruktörer till Ukraina",
     "content_html": "<p>Paris bekräftar <b>planerna</b>.</p>",
     "date_published": "2024-03-06T10:00:00+01:00"},
    {"id": 42, "title": "Kort notis", "content_text": "Bara text.",
     "summary": "Sammanfattning", "date_modified": "2024-03-06T11:30:00Z", "language": "en"},
    {"id": "s1", "external_url": "https://example.com/elsewhere", "summary": "Only a summary",
     "date_published": "ons, 06 mar 2024 12:00:00 +0100"},
    "not an item"
  ]
}"""


def test_json_feed_items_are_read_like_rss() -> None:
    parsed = parse(JSON_FEED.encode(), {"Content-Type": "application/feed+json"})
    first, second, third = parsed.items
    assert (first.entry_key, first.title) == (
        "https://www.dn.se/varlden/a1",
        "Frankrike skickar instruktörer till Ukraina",
    )
    assert first.text == "Paris bekräftar planerna."
    assert first.link == "https://www.dn.se/varlden/a1/"
    assert first.published == datetime(2024, 3, 6, 9, 0, tzinfo=UTC)
    assert first.language == "sv-se"
    assert (second.entry_key, second.text, second.language) == ("42", "Bara text.", "en")
    assert second.published == datetime(2024, 3, 6, 11, 30, tzinfo=UTC)
    assert (third.link, third.text) == ("https://example.com/elsewhere", "Only a summary")
    assert third.published == datetime(2024, 3, 6, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"title": "an API answer"}', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": 3}', "without items"),
        (b"{" * 100_000, "invalid JSON"),
    ],
)
def test_json_that_is_not_a_json_feed_is_refused(body: bytes, why: str) -> None:
    with pytest.raises(FeedParseError, match=why):
        parse(body, {"Content-Type": "application/json"})


def test_atom_xml_lang_is_the_items_language() -> None:
    body = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr-FR"><title>Le Monde</title>
<id>urn:x</id><updated>2024-03-05T10:00:00Z</updated>
<entry><id>urn:1</id><title>Un titre</title><updated>2024-03-05T10:00:00Z</updated></entry>
<entry xml:lang="en"><id>urn:2</id><title>A title</title><updated>2024-03-05T10:00:00Z</updated>
</entry></feed>"""
    assert [i.language for i in parse(body).items] == ["fr-fr", "en"]


def test_a_language_that_is_not_a_tag_is_none() -> None:
    (item,) = parse(rss("<item><title>x</title></item>", "<language>English!</language>")).items
    assert item.language is None


def test_the_entry_cap_holds_for_utf16_and_json_feeds_too() -> None:
    # The cap applies once the body is UTF-8 (a cut of the raw bytes could not see into
    # UTF-16), and a JSON Feed is cut by its items, never as text.
    rss = (
        '<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>t</title>'
        + "".join(f"<item><guid>g{n}</guid><title>Kyiv update {n}</title></item>" for n in range(9))
        + "</channel></rss>"
    ).encode("utf-16")
    items = [
        {"id": f"j{n}", "title": f"Kyiv update {n}", "content_html": "<entry>not XML</entry>"}
        for n in range(9)
    ]
    json_feed = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": items}
    ).encode()

    for body in (rss, json_feed):
        parsed = parse_feed("wire", body, "https://feeds.example.org/feed", {}, max_entries=3)
        assert [i.title for i in parsed.items] == [
            "Kyiv update 0",
            "Kyiv update 1",
            "Kyiv update 2",
        ]
        assert parsed.warning is not None
        assert "only the first 3" in parsed.warning


def test_a_json_feed_date_past_the_calendar_is_no_date_not_a_crash() -> None:
    # Found by `make fuzz`: in UTC, 9999-12-31T23:59:59-23:59 is in the year 10000.
    item = {"id": "1", "title": "Kyiv", "date_published": "9999-12-31T23:59:59-23:59"}
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": [item]}).encode()

    (parsed,) = parse(body, {"Content-Type": "application/feed+json"}).items

    assert (parsed.title, parsed.published) == ("Kyiv", None)
