"""Misbehaving publishers for the loopback server: each function returns a handler (or a
document) that breaks a feed reader in one particular way."""

import asyncio
import contextlib
import functools
import socket
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

from tests.support.feeds import Entry, rss
from tests.support.loopback import Handler

LOL_DOCTYPE = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{n} "{("&lol;" if n == 1 else f"&lol{n - 1};") * 10}">' for n in range(1, 10)
)


def status(code: int, **headers: str) -> Handler:
    """Always `code`, with `headers` (429 with Retry-After, 410 Gone…)."""

    async def handler(_request: web.Request) -> web.Response:
        return web.Response(status=code, headers=headers)

    return handler


def redirect(code: int, to: str) -> Handler:
    """A redirect (`code`: 301, 302, 307, 308) to the absolute URL `to`."""
    return status(code, Location=to)


def last_modified_only(body: bytes, stamp: str = "Tue, 24 Nov 2026 08:00:00 GMT") -> Handler:
    """A feed validated by Last-Modified alone (no ETag)."""

    async def handler(request: web.Request) -> web.Response:
        if request.headers.get("If-Modified-Since") == stamp:
            return web.Response(status=304)
        return web.Response(
            body=body, content_type="application/rss+xml", headers={"Last-Modified": stamp}
        )

    return handler


def trickle(seconds: float) -> Handler:
    """Slowloris: the start of a feed, then one byte per second for `seconds`."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            await response.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
            for _ in range(int(seconds)):
                await asyncio.sleep(1)
                await response.write(b" ")
        return response

    return handler


def drip(seconds: float) -> Handler:
    """A notification endpoint that takes the message, then answers one byte a second for
    `seconds` (a client's per-read timeout never fires)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = int(seconds) + 2
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            for _ in range(int(seconds)):
                await asyncio.sleep(1)
                await response.write(b" ")
        return response

    return handler


def slow_sink(seconds: float, posts: list[dict[str, Any]], busy: list[int]) -> Handler:
    """A notification endpoint that takes `seconds` to accept each message: it appends the JSON
    posted to `posts` once accepted, and keeps in `busy` how many requests it holds at once
    (`busy[0]` now, `busy[1]` the most)."""

    async def handler(request: web.Request) -> web.Response:
        busy[0] += 1
        busy[1] = max(busy[1], busy[0])
        try:
            await asyncio.sleep(seconds)
            posts.append({"path": request.match_info["path"], **await request.json()})
        finally:
            busy[0] -= 1
        return web.Response(text="{}")

    return handler


@contextlib.contextmanager
def silent_port() -> Iterator[int]:
    """A port on 127.0.0.1 that takes connections and never says a word (an SMTP server that
    never answers): connections wait in its backlog until the client gives up."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def huge(size: int) -> Handler:
    """A well-formed start, then `size` bytes of padding, streamed."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        chunk = b" " * (1 << 20)
        with contextlib.suppress(ConnectionError):
            await response.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
            for _ in range(size // len(chunk)):
                await response.write(chunk)
        return response

    return handler


@functools.cache
def _bomb(decompressed: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    zeros = bytes(1 << 20)
    parts = [packer.compress(zeros) for _ in range(decompressed >> 20)]
    return b"".join([*parts, packer.flush()])


def gzip_bomb(decompressed: int) -> Handler:
    """A small gzip body (Content-Encoding: gzip) that inflates to `decompressed` bytes."""
    body = _bomb(decompressed)  # now, not in the server's event loop

    async def handler(_request: web.Request) -> web.Response:
        return web.Response(
            body=body,
            headers={"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
        )

    return handler


def billion_laughs() -> bytes:
    """Nested entities expanding to 10⁹ "lol"s, behind a comment (which slips past feedparser's
    own DOCTYPE filter)."""
    return (
        f'<?xml version="1.0"?><!-- laughs --><!DOCTYPE rss [{LOL_DOCTYPE}]>'
        '<rss version="2.0"><channel><title>laughs</title>'
        "<item><guid>lol-1</guid><title>Weather &lol9; report</title></item></channel></rss>"
    ).encode()


def external_entity(path: str) -> bytes:
    """XXE: an item whose title pulls in the local file at `path`."""
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{path}">]>'
        '<rss version="2.0"><channel><title>xxe</title>'
        "<item><guid>xxe-1</guid><title>Leak: &xxe;</title></item></channel></rss>"
    ).encode()


def latin1_declared_utf8(entry: Entry) -> bytes:
    """A feed encoded in Latin-1 whose XML declaration says UTF-8."""
    return rss(entry).decode().encode("latin-1")


def ill_formed() -> bytes:
    """Unclosed tags, a bare ampersand, no closing </rss>: feedparser's loose parser's job."""
    return (
        b'<rss version="2.0"><channel><title>x & y</title><item><guid>ill-1</guid>'
        b"<title>Kyiv: French troops <b>arrive & dig in</title>"
        + f"<pubDate>{format_datetime(datetime.now(UTC))}</pubDate>".encode()
        + b"<description>unclosed</item></channel>"
    )


def page(html: str) -> Handler:
    """An HTML page."""

    async def handler(_request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    return handler
