"""One conditional GET of a feed: aiohttp for http(s), the file system for file:// URLs.

Every request has an overall deadline (per-read timeouts never fire on a trickling server) and
a cap on the decompressed size, counted as the bytes arrive.
"""

import asyncio
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiohttp

from monitor import __version__

USER_AGENT = f"media-monitor/{__version__} (RSS/Atom feed reader)"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch produced: a body, a 304, or an error (`error` set, `body` None)."""

    url: str
    status: int | None = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None

    @property
    def not_modified(self) -> bool:
        """The server answered 304: nothing new since the validators we sent."""
        return self.status == 304


class _TooLargeError(Exception):
    pass


def _read_file(url: str, max_bytes: int) -> bytes:
    path = Path(unquote(urlsplit(url).path))
    with path.open("rb") as stream:
        body = stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise _TooLargeError
    return body


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(65536):
        size += len(chunk)
        if size > max_bytes:
            raise _TooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    timeout: float,
    max_bytes: int,
) -> FetchResult:
    """Fetch `url` once; never raises for network, HTTP or size problems (see `error`)."""
    try:
        async with asyncio.timeout(timeout):
            if url.startswith("file://"):
                body = await asyncio.to_thread(_read_file, url, max_bytes)
                kind = mimetypes.guess_type(url)[0] or "application/xml"
                return FetchResult(url, 200, body, headers={"Content-Type": kind})
            headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            async with session.get(url, headers=headers) as response:
                if response.status == 304:
                    return FetchResult(
                        str(response.url), 304, etag=etag, last_modified=last_modified
                    )
                if response.status >= 400:
                    return FetchResult(
                        str(response.url), response.status, error=f"HTTP {response.status}"
                    )
                body = await _read_capped(response, max_bytes)
                return FetchResult(
                    url=str(response.url),
                    status=response.status,
                    body=body,
                    headers=dict(response.headers),
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                )
    except TimeoutError:
        return FetchResult(url, error=f"timed out after {timeout:g}s")
    except _TooLargeError:
        return FetchResult(url, error=f"response larger than {max_bytes} bytes")
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        return FetchResult(url, error=f"{type(exc).__name__}: {exc}".rstrip(": "))
