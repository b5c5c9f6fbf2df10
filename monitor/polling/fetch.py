"""One conditional GET of a feed (or an article page): aiohttp for http(s), the file system
for file:// URLs.

Every request has an overall deadline (per-read timeouts never fire on a trickling server) and
a cap on the decompressed size, counted as the bytes arrive. Redirects are followed up to
`MAX_REDIRECTS`; a leading run of permanent ones (301/308) is reported as `moved_to`, for the
caller to remember once the new URL has answered well. A proxy is a feed's own (`proxy`), else
the environment's (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`: the session trusts it). aiohttp's
default Accept-Encoding offers gzip and deflate, and br when the brotli package is installed
(it is a dependency).
"""

import asyncio
import mimetypes
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiohttp

from monitor import PROJECT_URL, __version__
from monitor.model import FetchResult
from monitor.polling.outbound import OutboundRefusedError, configured_origin

USER_AGENT = f"media-monitor/{__version__} (+{PROJECT_URL})"
MAX_REDIRECTS = 5
_PERMANENT = frozenset({301, 308})


class TooLargeError(ValueError):
    """More bytes than the limit (`max_feed_bytes`) were offered."""


def read_at_most(path: Path, max_bytes: int) -> bytes:
    """The bytes of the file at `path`; raises `TooLargeError` past `max_bytes`, having read
    no more than one byte past them (`/dev/zero` or a huge file is refused, not read whole)."""
    with path.open("rb") as stream:
        body = stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise TooLargeError(f"{path}: larger than {max_bytes:,} bytes (max_feed_bytes)")
    return body


def _read_file(url: str, max_bytes: int) -> bytes:
    return read_at_most(Path(unquote(urlsplit(url).path)), max_bytes)


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(65536):
        size += len(chunk)
        if size > max_bytes:
            raise TooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def _permanent_target(response: aiohttp.ClientResponse) -> str | None:
    """The URL a leading run of permanent redirects ends at (None if the first hop was not)."""
    hops = [str(hop.url) for hop in response.history] + [str(response.url)]
    target = None
    for index, hop in enumerate(response.history):
        if hop.status not in _PERMANENT:
            break
        target = hops[index + 1]
    return target


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    timeout: float,
    max_bytes: int,
    configured_url: str | None = None,
    proxy: str | None = None,
) -> FetchResult:
    """Fetch `url` once (through `proxy`, if given, else the session's, from the environment);
    never raises for network, HTTP or size problems (see `error`). `configured_url`: the feed
    URL the operator configured, whose host and port may be a non-public address through a
    `GuardedConnector` (see `outbound`)."""
    try:
        async with asyncio.timeout(timeout):
            if url.startswith("file://"):
                body = await asyncio.to_thread(_read_file, url, max_bytes)
                kind = mimetypes.guess_type(url)[0] or "application/xml"
                return FetchResult(url, 200, body, headers={"Content-Type": kind})
            headers = {"User-Agent": USER_AGENT}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            with configured_origin(configured_url):
                response = await session.get(
                    url, headers=headers, max_redirects=MAX_REDIRECTS, proxy=proxy
                )
            async with response:
                answer = FetchResult(
                    str(response.url),
                    response.status,
                    headers=dict(response.headers),
                    moved_to=_permanent_target(response),
                )
                if response.status == 304 and not (etag or last_modified):
                    # Nothing was asked to be validated, so nothing is unchanged: taken for a
                    # 304, the feed would never be read nor recorded, and look healthy.
                    return replace(
                        answer, error="HTTP 304 Not Modified to a request without validators"
                    )
                if response.status == 304:
                    return replace(answer, etag=etag, last_modified=last_modified)
                if response.status >= 400:
                    reason = f" {response.reason}" if response.reason else ""
                    return replace(answer, error=f"HTTP {response.status}{reason}")
                return replace(
                    answer,
                    body=await _read_capped(response, max_bytes),
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                )
    except TimeoutError:
        return FetchResult(url, error=f"timed out after {timeout:g}s")
    except TooLargeError:
        return FetchResult(url, error=f"response larger than {max_bytes} bytes")
    except OutboundRefusedError as exc:
        return FetchResult(url, error=f"refused: {exc}")
    except aiohttp.TooManyRedirects:
        return FetchResult(url, error=f"more than {MAX_REDIRECTS} redirects (a loop?)")
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        return FetchResult(url, error=f"{type(exc).__name__}: {exc}".rstrip(": "))
