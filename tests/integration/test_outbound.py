"""The outbound policy against the red team's SSRF attacks (issue 18, item 1), on loopback only.

127.0.0.1 plays the public internet (the config's `allow_private` lists it, as an operator would
list a host of theirs); 127.0.0.2 and 127.0.0.3 play the internal network that no link or
redirect from a feed may reach.
"""

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from monitor.polling.fetch import fetch
from monitor.polling.outbound import GuardedConnector, OutboundPolicy
from monitor.state.tables import history
from tests.support import faults
from tests.support.config import RULES, desk, feeds_toml, once, write_config
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer
from tests.support.state import stored_column, stored_feeds

PUBLIC = 'allow_private = ["127.0.0.1"]'  # the stand-in for the internet is "public"
SECRET = (
    "<html><head><title>Intranet</title></head><body><article><h1>Staff only</h1>"
    + "<p>INTERNAL-SECRET: Macron said French troops will be sent to Ukraine.</p>" * 3
    + "</article></body></html>"
)


@pytest.fixture
def internal() -> Iterator[FeedServer]:
    """A server on the "internal network" (127.0.0.2), holding a page worth stealing."""
    with FeedServer("127.0.0.2") as running:
        running.handlers["secret"] = faults.page(SECRET)
        yield running


def config_for(server: FeedServer, tmp_path: Path, feeds: str, settings: str = PUBLIC) -> Path:
    """`feeds` (TOML), alerting the desk on `server`, with `settings`."""
    return write_config(
        tmp_path / "config", tmp_path / "state", feeds, RULES, desk(server), settings=settings
    )


def test_item_links_never_reach_an_internal_address(
    server: FeedServer, internal: FeedServer, tmp_path: Path
) -> None:
    port = internal.port
    server.handlers["article/public"] = faults.page(SECRET.replace("INTERNAL-SECRET", "Public"))
    server.handlers["go"] = faults.redirect(302, internal.url("secret"))
    links = [
        internal.url("secret"),  # straight there
        server.url("go"),  # a public page that redirects there
        f"http://news.example.org@127.0.0.2:{port}/secret",  # credentials hide the host
        f"http://[::ffff:127.0.0.2]:{port}/secret",  # the same address as IPv6
        f"http://2130706434:{port}/secret",  # 127.0.0.2 as one number
        f"http://0x7f.0.0.2:{port}/secret",
        "file:///etc/hostname",
    ]
    entries = [
        Entry(guid=f"t{n}", title=f"Read our report {n}", link=link) for n, link in enumerate(links)
    ]
    control = Entry(guid="ok", title="Read this one", link=server.url("article/public"))
    server.feeds["teasers.xml"] = rss(*entries, control)
    config = config_for(server, tmp_path, feeds_toml(server, "teasers.xml") + "full_text = true\n")

    report = once(config)

    assert internal.requests == []
    # Only the control's public article matched; the others kept their (unmatched) feed text.
    assert report.alerts_queued == 1
    assert "Read this one" in server.posts[0]["title"]
    stored = stored_column(tmp_path / "state", history.c.title, history.c.text)
    assert len(stored) == len(links) + 1
    assert not any("INTERNAL-SECRET" in (text or "") for text in stored.values())


def test_a_public_feed_moving_to_an_internal_address_is_neither_followed_nor_remembered(
    server: FeedServer, internal: FeedServer, tmp_path: Path
) -> None:
    internal.feeds["feed.xml"] = rss(Entry(guid="i1", title="Kremlin warns Paris"))
    server.handlers["moved.xml"] = faults.redirect(301, internal.url("feed.xml"))
    config = config_for(server, tmp_path, feeds_toml(server, "moved.xml"))

    first, second = once(config), once(config)

    assert internal.requests == []
    assert (first.failed_feeds, second.failed_feeds) == (1, 1)
    stored = stored_feeds(tmp_path / "state")["moved.xml"]
    assert stored["fetch_url"] is None
    assert str(stored["last_error"]).startswith("refused: 127.0.0.2 is a loopback address")
    assert server.posts == []


def test_a_feed_configured_on_an_internal_address_works_but_lends_its_links_no_pass(
    server: FeedServer, internal: FeedServer, tmp_path: Path
) -> None:
    with FeedServer("127.0.0.3") as elsewhere:
        elsewhere.feeds["feed.xml"] = rss(Entry(guid="e1", title="Kremlin warns Paris"))
        internal.feeds["feed.xml"] = rss(
            Entry(guid="i1", title="Moscow warns Paris over troops", link=internal.url("secret")),
            Entry(guid="i2", title="Read our report", link=internal.url("secret")),
        )
        internal.handlers["hop.xml"] = faults.redirect(302, internal.url("feed.xml"))
        internal.handlers["away.xml"] = faults.redirect(302, elsewhere.url("feed.xml"))
        feeds = feeds_toml(internal, "feed.xml", "hop.xml", "away.xml") + "full_text = true\n"
        config = config_for(server, tmp_path, feeds, settings="")  # nothing allowed

        report = once(config)

        assert elsewhere.requests == []
    # The configured feeds (and a redirect on their own host and port) are read and alert;
    # their item links, on that same internal host, are not fetched.
    requested = sorted(path for path, _ in internal.requests)
    assert requested == ["away.xml", "feed.xml", "feed.xml", "hop.xml"]
    errors = {name: row["last_error"] for name, row in stored_feeds(tmp_path / "state").items()}
    assert errors["feed.xml"] is None
    assert errors["hop.xml"] is None
    assert str(errors["away.xml"]).startswith("refused: 127.0.0.3 is a loopback address")
    assert report.alerts_queued == 1
    assert "INTERNAL-SECRET" not in str(server.posts)


class _Dns(AbstractResolver):
    """A DNS server under an attacker's control: each lookup of any name gets the next of
    `answers` (the last one then sticks)."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = self.answers[0] if len(self.answers) == 1 else self.answers.pop(0)
        return [
            ResolveResult(
                hostname=host, host=address, port=port, family=socket.AF_INET, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        """Nothing to close."""


def _fetch_with(dns: AbstractResolver, url: str, proxy: str | None = None) -> str | None:
    """Fetch `url` (through `proxy`, if given) in a guarded session whose names `dns`
    resolves; the error, if any."""

    async def fetched() -> str | None:
        connector = GuardedConnector(OutboundPolicy.allowing(["127.0.0.1"]), dns)
        async with aiohttp.ClientSession(connector=connector) as session:
            result = await fetch(
                session, url, etag=None, last_modified=None, timeout=5, max_bytes=1000, proxy=proxy
            )
        return result.error

    return asyncio.run(fetched())


def test_dns_rebinding_is_refused_at_connect_time(server: FeedServer) -> None:
    server.feeds["page"] = b"public"
    url = f"http://rebind.example:{server.port}/page"
    with FeedServer("127.0.0.2", port=server.port) as internal:
        internal.feeds["page"] = b"INTERNAL-SECRET"

        public = _fetch_with(_Dns("127.0.0.1"), url)
        # Public when looked at, internal when connected to.
        rebound = _fetch_with(_Dns("127.0.0.1", "127.0.0.2"), url)

        assert internal.requests == []
    assert public is None
    assert [path for path, _ in server.requests] == ["page"]
    assert rebound == "refused: rebind.example (127.0.0.2) is a loopback address " + (
        "(not fetched unless allow_private lists it)"
    )


def test_a_configured_feed_may_carry_credentials_its_redirects_elsewhere_may_not(
    server: FeedServer, tmp_path: Path
) -> None:
    with FeedServer() as other:  # another "public" site
        other.feeds["x"] = rss(Entry(guid="x1", title="Kremlin warns Paris again"))
        server.feeds["private.xml"] = rss(Entry(guid="p1", title="Kremlin warns Paris"))
        server.handlers["leak.xml"] = faults.redirect(
            302, other.url("x").replace("http://", "http://reader:pw@")
        )
        url = server.url("private.xml").replace("http://", "http://reader:hunter2@")
        feeds = f'[[feeds]]\nname = "private"\nurl = "{url}"\n' + feeds_toml(server, "leak.xml")

        report = once(config_for(server, tmp_path, feeds))

        assert other.requests == []
    assert report.alerts_queued == 1
    assert dict(server.requests)["private.xml"]["Authorization"].startswith("Basic ")
    errors = {name: row["last_error"] for name, row in stored_feeds(tmp_path / "state").items()}
    assert errors["private"] is None
    assert errors["leak.xml"] == "refused: 127.0.0.1: a URL with credentials"


class _Unknown(_Dns):
    """A resolver that knows no name (as names only the proxy's network knows)."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host == "127.0.0.1":  # the proxy itself, by its address
            return await super().resolve(host, port, family)
        raise OSError(f"{host}: no such name here")


def test_through_a_proxy_a_name_that_points_inward_here_is_refused(server: FeedServer) -> None:
    server.feeds["page"] = b"through the proxy"  # the proxy serves what it is asked for
    proxy = f"http://127.0.0.1:{server.port}"

    inward = _fetch_with(_Dns("127.0.0.2"), "http://intranet.example/page", proxy)
    public = _fetch_with(_Dns("127.0.0.1"), "http://news.example/page", proxy)
    # A name this host cannot resolve is the proxy's to resolve (and to refuse: SECURITY.md).
    unknown = _fetch_with(_Unknown("127.0.0.1"), "http://elsewhere.example/page", proxy)

    assert inward == "refused: intranet.example (127.0.0.2) is a loopback address " + (
        "(not fetched unless allow_private lists it)"
    )
    assert (public, unknown) == (None, None)
    assert [path for path, _ in server.requests] == ["page", "page"]
