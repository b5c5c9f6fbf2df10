"""A real aiohttp server on loopback (127.0.0.1 unless told), run in a thread, for integration
tests.

Routes are plain handlers; `FeedServer` adds the ones the tests need: static feeds (with ETag
support), failing and hanging feeds, and a sink that records JSON posts (Apprise's `json://`).
"""

import asyncio
import hashlib
import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FeedServer:
    """A loopback HTTP server; `url(path)` addresses it, `posts` holds what the sink received.
    `handlers` answer their path, or every path under one that ends in `*`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.feeds: dict[str, bytes] = {}
        self.handlers: dict[str, Handler] = {}
        self.posts: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.sink_status = 200
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.port = port

    def url(self, path: str) -> str:
        """The absolute URL of `path` on this server."""
        return f"http://{self.host}:{self.port}/{path.lstrip('/')}"

    def __enter__(self) -> "FeedServer":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("loopback server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        stop = self._stop
        if stop is not None:
            self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        runner = web.AppRunner(app, shutdown_timeout=1)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        self.requests.append((path, dict(request.headers)))
        if path in self.handlers:
            return await self.handlers[path](request)
        for prefix, handler in self.handlers.items():  # "rooms/*": any path under rooms/
            if prefix.endswith("*") and path.startswith(prefix[:-1]):
                return await handler(request)
        if path.startswith("sink"):
            self.posts.append({"path": path, **json.loads(await request.read())})
            return web.Response(status=self.sink_status, text="{}")
        if path in self.feeds:
            body = self.feeds[path]
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304, headers={"ETag": etag})
            return web.Response(
                body=body, content_type="application/rss+xml", headers={"ETag": etag}
            )
        return web.Response(status=404)


async def server_error(_request: web.Request) -> web.Response:
    """Always 500."""
    return web.Response(status=500, text="internal error")


def hanging(seconds: float) -> Handler:
    """A handler that sends headers, then nothing for `seconds`."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        await asyncio.sleep(seconds)
        return response

    return handler
