"""Feeds as they really are, polled end to end on loopback: a backlog on a first poll, the same
story under two links, a JSON Feed, a proxy in the way, a feed that breaks or empties."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests.support import faults
from tests.support.cli import cli
from tests.support.config import RULES, desk, feeds_toml, once, write_config
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer
from tests.support.state import stored_feeds

NOW = datetime.now(UTC).replace(microsecond=0)
MATCHING = "French troops to train soldiers in Ukraine, Macron says"


def config_for(server: FeedServer, tmp_path: Path, feeds: str) -> Path:
    return write_config(tmp_path / "config", tmp_path / "state", feeds, RULES, desk(server))


def test_a_first_poll_alerts_on_news_not_on_the_undated_backlog(
    server: FeedServer, tmp_path: Path
) -> None:
    # UOL's shape: Portuguese dates (2018's backlog), plus one item of today and one undated.
    server.feeds["uol.xml"] = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel>'
        "<title>UOL Notícias</title><link>https://noticias.uol.com.br/</link>"
        "<language>pt-br</language>"
        f"<item><title>{MATCHING} (2018)</title><guid>uol-1</guid>"
        "<pubDate>Seg, 24 Set 2018 18:42:00 -0300</pubDate></item>"
        f"<item><title>{MATCHING} (undated)</title><guid>uol-2</guid></item>"
        f"<item><title>{MATCHING} (today)</title><guid>uol-3</guid>"
        f"<pubDate>{format_datetime(NOW)}</pubDate></item>"
        "</channel></rss>"
    ).encode("iso-8859-1")
    config = config_for(server, tmp_path, feeds_toml(server, "uol.xml"))

    first = once(config)
    server.feeds["uol.xml"] = server.feeds["uol.xml"].replace(
        b"</channel>",
        f"<item><title>{MATCHING} (new)</title><guid>uol-4</guid></item>".encode() + b"</channel>",
    )
    second = once(config)

    assert (first.new_items, first.alerts_queued) == (3, 1)
    assert [p["title"].split("] ", 1)[1] for p in server.posts] == [
        f"{MATCHING} (today)",
        f"{MATCHING} (new)",  # undated after the first poll: news, as before
    ]
    assert second.new_items == 1


def test_one_story_under_two_links_alerts_once(server: FeedServer, tmp_path: Path) -> None:
    story = "https://www.ilmessaggero.it/mondo/ucraina_truppe_francesi-7993001.html"
    server.feeds["web.xml"] = rss(Entry(guid="w1", title=MATCHING, link=f"{story}?rss=1"))
    server.feeds["amp.xml"] = rss(
        Entry(guid="a1", title=MATCHING, link=story.replace(".html", ".amp.html"))
    )
    config = config_for(server, tmp_path, feeds_toml(server, "web.xml", "amp.xml"))

    report = once(config)

    assert (report.new_items, report.alerts_queued) == (2, 1)
    (post,) = server.posts
    link = post["message"].rsplit("Link: ", 1)[1]
    assert link in (story, story.replace(".html", ".amp.html"))  # whichever came first, clean


def test_a_json_feed_alerts_like_rss(server: FeedServer, tmp_path: Path) -> None:
    server.feeds["feed.json"] = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Example wire",
            "items": [
                {
                    "id": "j1",
                    "url": "https://example.org/2024/troops",
                    "title": MATCHING,
                    "content_html": "<p>Paris confirmed it.</p>",
                    "date_published": NOW.isoformat(),
                }
            ],
        }
    ).encode()
    config = config_for(server, tmp_path, feeds_toml(server, "feed.json"))

    report = once(config)

    assert (report.failed_feeds, report.alerts_queued) == (0, 1)
    assert MATCHING in server.posts[0]["title"]


@pytest.fixture
def proxy() -> Iterator[FeedServer]:
    """A second loopback server, standing in for an HTTP proxy: it serves the feed asked of
    it through any host (a client that did not go through it could not resolve the host)."""
    with FeedServer() as running:
        running.feeds["world.xml"] = rss(Entry(guid="p1", title=MATCHING))
        yield running


GEO_BLOCKED = '[[feeds]]\nname = "geo"\nurl = "http://geo-blocked.invalid/world.xml"\n'


def test_a_feeds_own_proxy_is_used(server: FeedServer, proxy: FeedServer, tmp_path: Path) -> None:
    feeds = GEO_BLOCKED + f'proxy = "http://127.0.0.1:{proxy.port}"\n'

    report = once(config_for(server, tmp_path, feeds))

    assert (report.failed_feeds, report.alerts_queued) == (0, 1)
    assert [path for path, _headers in proxy.requests] == ["world.xml"]


def test_the_environments_proxy_is_used(
    server: FeedServer, proxy: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # the alert sink is reached directly

    report = once(config_for(server, tmp_path, GEO_BLOCKED))

    assert (report.failed_feeds, report.alerts_queued) == (0, 1)
    assert len(server.posts) == 1


def test_a_broken_or_emptied_feed_is_a_warning_in_feeds(server: FeedServer, tmp_path: Path) -> None:
    server.feeds["cut.xml"] = rss(Entry(guid="c1", title="Weather"))[:-20]  # truncated
    server.feeds["emptied.xml"] = rss(Entry(guid="e1", title="Weather"))
    config = config_for(server, tmp_path, feeds_toml(server, "cut.xml", "emptied.xml"))
    once(config)
    server.feeds["emptied.xml"] = rss()
    once(config)

    result = cli("--config", str(config), "feeds", "--json", cwd=tmp_path)
    warnings = {row["feed"]: row["last_warning"] for row in json.loads(result.stdout)}
    table = cli("--config", str(config), "feeds", cwd=tmp_path, env={"COLUMNS": "200"}).stdout

    assert result.returncode == 0
    assert warnings["cut.xml"].startswith("ill-formed XML (truncated?) at line 1")
    assert warnings["emptied.xml"] == "the feed lists no items, where earlier polls found 1"
    assert "warning: the feed lists no items" in table
    assert all(row["last_error"] is None for row in stored_feeds(tmp_path / "state").values())


def test_the_article_pages_canonical_link_names_the_story(
    server: FeedServer, tmp_path: Path
) -> None:
    canonical = server.url("world/2024/troops-story")
    article = (
        f'<html><head><link rel="canonical" href="{canonical}"><title>Report</title></head>'
        "<body><article><h1>Report</h1>"
        + "<p>Macron confirmed that French troops will train soldiers in Ukraine.</p>" * 3
        + "</article></body></html>"
    )
    server.handlers["r/12345"] = faults.page(article)
    server.feeds["teasers.xml"] = rss(Entry(guid="t1", title="Read", link=server.url("r/12345")))
    server.feeds["wire.xml"] = rss(Entry(guid="w1", title=MATCHING, link=canonical))
    feeds = feeds_toml(server, "teasers.xml") + "full_text = true\n"
    config = config_for(server, tmp_path, feeds + feeds_toml(server, "wire.xml"))

    report = once(config)

    assert (report.new_items, report.alerts_queued) == (2, 1)  # one story, from either feed


def test_a_flood_of_empty_items_stays_small(tmp_path: Path) -> None:
    # Issue 18: 1.4 million empty <item/> took 661 MB and 127 s.
    feed = tmp_path / "flood.xml"
    feed.write_bytes(
        b'<rss version="2.0"><channel><title>t</title>'
        + b"<item/>" * 1_400_000
        + b"</channel></rss>"
    )
    # The peak is VmHWM, the process's memory's own: ru_maxrss also counts the high-water mark
    # of the test worker it was started from (by vfork and exec).
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from monitor.polling.parse import parse_feed\n"
        "parsed = parse_feed('x', Path(sys.argv[1]).read_bytes(), 'https://x/', {})\n"
        "status = Path('/proc/self/status').read_text().splitlines()\n"
        "peak = next(int(line.split()[1]) for line in status if line.startswith('VmHWM:'))\n"
        "print(len(parsed.items), peak // 1024)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(feed)],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    items, peak_mb = map(int, done.stdout.split())
    assert items == 10_000
    assert peak_mb < 300, f"peak RSS {peak_mb} MB"  # 52 MB alone, more under coverage


def test_a_timezone_setting_is_checked(server: FeedServer, tmp_path: Path) -> None:
    feeds = feeds_toml(server, "x.xml") + 'timezone = "Mars/Olympus"\nproxy = "socks://x"\n'
    result = cli("--config", str(config_for(server, tmp_path, feeds)), "check", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown time zone 'Mars/Olympus'" in result.stdout + result.stderr
    assert "'socks://x' is not a proxy URL" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "rotating",
    [
        "?_={n}1700000000000",
        "?sid=a8F3kL0pQ2zX9wY7vB{n}",
        ";jsessionid=0A1B2C3D{n}",
        "?ts=170000000{n}",
    ],
)
def test_a_link_with_a_rotating_session_alerts_once(
    server: FeedServer, tmp_path: Path, rotating: str
) -> None:
    def feed(n: int) -> bytes:
        link = f"https://www.unian.net/war/troops-12560001.html{rotating.format(n=n)}"
        return (  # no guid: the link is all that identifies the item
            '<rss version="2.0"><channel><title>UNIAN</title><link>https://www.unian.net/</link>'
            f"<item><title>{MATCHING}</title><link>{link}</link>"
            f"<pubDate>{format_datetime(NOW)}</pubDate></item></channel></rss>"
        ).encode()

    config = config_for(server, tmp_path, feeds_toml(server, "unian.xml"))
    for n in range(3):
        server.feeds["unian.xml"] = feed(n)
        once(config)

    assert len(server.posts) == 1
