"""Every entry of `polling/link_data` with a realistic link that needs it: an entry without an
example here fails `test_every_entry_has_an_example`."""

import pytest

from monitor.polling.link_data import PATH_SESSION_PARAMETERS, REDIRECTORS, TRACKING_PARAMETERS
from monitor.polling.links import clean_link, unwrap

# name → (the link as a feed gives it, the link once cleaned)
TRACKING_EXAMPLES = {
    "at_campaign": (
        "https://www.lemonde.fr/international/article/2024/03/05/x_6220001_3210.html?at_campaign=rss",
        "https://www.lemonde.fr/international/article/2024/03/05/x_6220001_3210.html",
    ),
    "at_medium": (
        "https://www.francetvinfo.fr/monde/europe/x_6400001.html?at_medium=RSS&id=1",
        "https://www.francetvinfo.fr/monde/europe/x_6400001.html?id=1",
    ),
    "cmp": (
        "https://www.theguardian.com/world/2024/mar/05/ukraine-x?CMP=Share_iOSApp_Other",
        "https://www.theguardian.com/world/2024/mar/05/ukraine-x",
    ),
    "cmpid": (
        "https://www.tagesspiegel.de/politik/x-11223344.html?cmpid=rss",
        "https://www.tagesspiegel.de/politik/x-11223344.html",
    ),
    "dmcid": (
        "https://www.nbcnews.com/news/x-rcna1?dmcid=sm_tw",
        "https://www.nbcnews.com/news/x-rcna1",
    ),
    "ftag": ("https://www.ft.com/content/3e7b?ftag=RSS", "https://www.ft.com/content/3e7b"),
    "guccounter": (
        "https://news.yahoo.com/ukraine-x-101500123.html?guccounter=1",
        "https://news.yahoo.com/ukraine-x-101500123.html",
    ),
    "icid": (
        "https://www.cnn.com/2024/03/05/europe/x/index.html?icid=ref",
        "https://www.cnn.com/2024/03/05/europe/x/index.html",
    ),
    "intcmp": (
        "https://www.telegraph.co.uk/world-news/2024/03/05/x/?intcmp=x1",
        "https://www.telegraph.co.uk/world-news/2024/03/05/x/",
    ),
    "ito": (
        "https://www.bbc.co.uk/news/world-europe-68473001?ito=rss",
        "https://www.bbc.co.uk/news/world-europe-68473001",
    ),
    "mbid": (
        "https://www.nytimes.com/2024/03/05/world/x.html?mbid=rss",
        "https://www.nytimes.com/2024/03/05/world/x.html",
    ),
    "mod": (
        "https://www.wsj.com/world/europe/x-1a2b3c4d?mod=rss_Top_Stories",
        "https://www.wsj.com/world/europe/x-1a2b3c4d",
    ),
    "ncid": ("https://news.yahoo.com/x-1.html?ncid=rss_twitter", "https://news.yahoo.com/x-1.html"),
    "ns_campaign": (
        "https://www.bbc.com/news/x-1?ns_campaign=bbc_news",
        "https://www.bbc.com/news/x-1",
    ),
    "ns_fee": ("https://www.bbc.com/news/x-1?ns_fee=0", "https://www.bbc.com/news/x-1"),
    "ns_linkname": (
        "https://www.bbc.com/news/x-1?ns_linkname=news_central",
        "https://www.bbc.com/news/x-1",
    ),
    "ns_mchannel": (
        "https://www.bbc.com/news/x-1?ns_mchannel=social",
        "https://www.bbc.com/news/x-1",
    ),
    "ocid": (
        "https://www.msn.com/en-us/news/world/x/ar-BB1jk?ocid=msedgntp",
        "https://www.msn.com/en-us/news/world/x/ar-BB1jk",
    ),
    "partner": (
        "https://www.nytimes.com/2024/03/05/world/x.html?partner=rss&emc=rss",
        "https://www.nytimes.com/2024/03/05/world/x.html?emc=rss",
    ),
    "rss": (
        "https://www.ilmessaggero.it/mondo/x-7993001.html?rss=1",
        "https://www.ilmessaggero.it/mondo/x-7993001.html",
    ),
    "smid": (
        "https://www.nytimes.com/2024/03/05/world/x.html?smid=tw-share",
        "https://www.nytimes.com/2024/03/05/world/x.html",
    ),
    "smtyp": (
        "https://www.nytimes.com/2024/03/05/world/x.html?smtyp=cur",
        "https://www.nytimes.com/2024/03/05/world/x.html",
    ),
    "soc_src": (
        "https://www.nbcnews.com/news/x-rcna1?soc_src=social",
        "https://www.nbcnews.com/news/x-rcna1",
    ),
    "soc_trk": (
        "https://www.nbcnews.com/news/x-rcna1?soc_trk=tw",
        "https://www.nbcnews.com/news/x-rcna1",
    ),
    "spm": (
        "https://news.qq.com/rain/a/20240305A01XYZ00?spm=a2c4g.1",
        "https://news.qq.com/rain/a/20240305A01XYZ00",
    ),
    "sr_share": (
        "https://www.nytimes.com/2024/03/05/world/x.html?sr_share=twitter",
        "https://www.nytimes.com/2024/03/05/world/x.html",
    ),
    "taid": (
        "https://www.cnbc.com/2024/03/05/x.html?taid=65e6",
        "https://www.cnbc.com/2024/03/05/x.html",
    ),
    "trk": (
        "https://www.linkedin.com/pulse/x-jane-doe?trk=public_post",
        "https://www.linkedin.com/pulse/x-jane-doe",
    ),
    "wpisrc": (
        "https://www.washingtonpost.com/world/2024/03/05/x/?wpisrc=nl_todayworld",
        "https://www.washingtonpost.com/world/2024/03/05/x/",
    ),
    "wpmm": (
        "https://www.washingtonpost.com/world/2024/03/05/x/?wpmm=1",
        "https://www.washingtonpost.com/world/2024/03/05/x/",
    ),
    "wt.mc_id": (
        "https://www.theguardian.com/world/x?WT.mc_id=rss",
        "https://www.theguardian.com/world/x",
    ),
    "wt_mc": (
        "https://www.spiegel.de/ausland/x-a-1234.html?wt_mc=rss.ausland",
        "https://www.spiegel.de/ausland/x-a-1234.html",
    ),
    "wt_zmc": (
        "https://www.zeit.de/politik/ausland/2024-03/x?wt_zmc=sm.ext",
        "https://www.zeit.de/politik/ausland/2024-03/x",
    ),
    "_hsenc": ("https://blog.example.com/post?_hsenc=p2ANqtz-8", "https://blog.example.com/post"),
    "_hsmi": ("https://blog.example.com/post?_hsmi=299999", "https://blog.example.com/post"),
    "_": (
        "https://www.unian.net/war/x-12560001.html?_=1709640000123",
        "https://www.unian.net/war/x-12560001.html",
    ),
    "cachebuster": (
        "https://www.liga.net/politics/news/x?cachebuster=a1b2",
        "https://www.liga.net/politics/news/x",
    ),
    "cb": (
        "https://www.liga.net/politics/news/x?cb=1709640000",
        "https://www.liga.net/politics/news/x",
    ),
    "jsessionid": (
        "https://www.mos.ru/news/item/130001073/?jsessionid=A1B2C3D4",
        "https://www.mos.ru/news/item/130001073/",
    ),
    "nocache": ("https://www.sozcu.com.tr/x-p1?nocache=1", "https://www.sozcu.com.tr/x-p1"),
    "phpsessid": (
        "https://www.example.ru/news/1234?PHPSESSID=f0e1d2c3b4a5",
        "https://www.example.ru/news/1234",
    ),
    "rnd": ("https://www.dn.se/varlden/x/?rnd=83741", "https://www.dn.se/varlden/x/"),
    "sid": ("https://www.uol.com.br/x.htm?sid=a8F3kL0pQ2zX9wY7vB", "https://www.uol.com.br/x.htm"),
    "ts": (
        "https://www.unian.net/war/x-12560001.html?ts=1709640000",
        "https://www.unian.net/war/x-12560001.html",
    ),
}

# A value that names the story is kept: (link, the parameter that must stay).
KEPT = [
    ("https://slashdot.org/story.pl?sid=24/03/05/1234", "sid"),  # a story id, not a session
    ("https://www.example.com/watch?_=abc", "_"),  # not a timestamp
    ("https://www.example.com/feed.php?rss=world", "rss"),
    ("https://www.example.com/news?cb=yes", "cb"),
]

PATH_EXAMPLES = {
    "jsessionid": (
        "https://www.mos.ru/news/item/130001073;jsessionid=A1B2C3D4E5?lang=ru",
        "https://www.mos.ru/news/item/130001073?lang=ru",
    ),
    "phpsessid": (
        "https://www.example.ru/news.php;PHPSESSID=f0e1d2?id=7",
        "https://www.example.ru/news.php?id=7",
    ),
    "sessionid": ("https://www.example.com/a/b;sessionid=42/c", "https://www.example.com/a/b/c"),
}

TARGET = "https://www.reuters.com/world/europe/x-2024-03-05/"
REDIRECT_EXAMPLES = {
    (
        "google.com",
        "/url",
        "url",
    ): f"https://www.google.com/url?rct=j&sa=t&url={TARGET}&ct=ga&cd=CAIyGjQ&usg=AOvVaw3",
    ("google.com", "/url", "q"): f"https://www.google.com/url?q={TARGET}&sa=U&ved=2ahUKE",
    (
        "news.google.com",
        "/news/url",
        "url",
    ): f"https://news.google.com/news/url?sa=t&fd=R&url={TARGET}",
    ("bing.com", "/news/apiclick.aspx", "url"): (
        "http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=65E6&url="
        "https%3a%2f%2fwww.reuters.com%2fworld%2feurope%2fx-2024-03-05%2f&c=1234&mkt=en-us"
    ),
    ("l.facebook.com", "/l.php", "u"): f"https://l.facebook.com/l.php?u={TARGET}&h=AT0x",
    ("out.reddit.com", "/", "url"): f"https://out.reddit.com/t3_1b7?url={TARGET}&token=x",
    ("safelinks.protection.outlook.com", "/", "url"): (
        f"https://eur01.safelinks.protection.outlook.com/?url={TARGET}&data=05%7C02"
    ),
    ("youtube.com", "/redirect", "q"): f"https://www.youtube.com/redirect?event=video&q={TARGET}",
    ("vk.com", "/away.php", "to"): f"https://vk.com/away.php?to={TARGET}&cc_key=",
    (
        "linkedin.com",
        "/redir/redirect",
        "url",
    ): f"https://www.linkedin.com/redir/redirect?url={TARGET}",
    ("t.umblr.com", "/redirect", "z"): f"https://t.umblr.com/redirect?z={TARGET}&t=YjQ",
}


def test_every_entry_has_an_example() -> None:
    assert set(TRACKING_EXAMPLES) == set(TRACKING_PARAMETERS)
    assert set(PATH_EXAMPLES) == set(PATH_SESSION_PARAMETERS)
    assert set(REDIRECT_EXAMPLES) == set(REDIRECTORS)


@pytest.mark.parametrize(
    ("tracked", "clean"), TRACKING_EXAMPLES.values(), ids=list(TRACKING_EXAMPLES)
)
def test_tracking_parameter_is_removed(tracked: str, clean: str) -> None:
    assert clean_link(tracked) == clean


@pytest.mark.parametrize(("link", "name"), KEPT)
def test_a_value_that_names_the_story_is_kept(link: str, name: str) -> None:
    assert f"?{name}=" in (clean_link(link) or "")


@pytest.mark.parametrize(("tracked", "clean"), PATH_EXAMPLES.values(), ids=list(PATH_EXAMPLES))
def test_session_in_the_path_is_removed(tracked: str, clean: str) -> None:
    assert clean_link(tracked) == clean


@pytest.mark.parametrize(
    "wrapper", REDIRECT_EXAMPLES.values(), ids=[r[0] for r in REDIRECT_EXAMPLES]
)
def test_redirect_wrapper_is_unwrapped(wrapper: str) -> None:
    assert unwrap(wrapper).lower() == TARGET
    assert clean_link(wrapper) == TARGET
