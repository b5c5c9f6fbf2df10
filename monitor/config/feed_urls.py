"""A feed's URL checked: an http(s) URL with a host and a port that is one, or a local feed
document (`file://` or a path relative to the config directory) that exists and starts like
one. No URL may hold a control character."""

from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from monitor.config.model import FeedSpec
from monitor.display import visible


def resolve_feed_url(feed: FeedSpec, directory: Path, where: str, errors: list[str]) -> FeedSpec:
    """`feed` with its http(s) URL checked, or its local file (`file://` or a path relative to
    `directory`) made a `file://` URL; each problem added to `errors`, prefixed by `where`."""
    scheme = feed.url.partition("://")[0].lower() if "://" in feed.url else ""
    if visible(feed.url) != feed.url or feed.url.strip() != feed.url:
        errors.append(f"{where}: url {feed.url!r} holds a control character or blank")
    elif scheme in ("http", "https"):
        problem = _web_url_problem(feed.url)
        if problem:
            errors.append(f"{where}: url: {problem}")
    elif scheme not in ("", "file"):
        errors.append(f"{where}: unsupported URL scheme '{scheme}://'")
    else:
        path = Path(feed.url[len("file://") :] if scheme else feed.url)
        path = path if path.is_absolute() else (directory / path)
        try:
            problem = _local_feed_problem(path)
            if problem is None:
                return replace(feed, url=path.resolve().as_uri())
        except (OSError, RuntimeError) as exc:  # no permission, a name too long, a symlink loop
            problem = f"cannot use it ({getattr(exc, 'strerror', None) or exc})"
        errors.append(f"{where}: {problem}: {path}")
    return feed


def _web_url_problem(url: str) -> str | None:
    """Why `url` (http or https) cannot be fetched, if it cannot."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError when the port is not a port)
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if not parts.hostname:
        return "no host in the URL"
    return None


def _local_feed_problem(path: Path) -> str | None:
    """Why the local file `path` cannot be a feed, if it cannot. Only a document that starts
    like XML or JSON can be one: a typo, or a path such as /etc/shadow or /proc/self/environ,
    is refused here rather than read at every poll."""
    if not path.is_file():
        return "not a regular file" if path.exists() else "file not found"
    with path.open("rb") as stream:  # (an OSError, such as no permission, is the caller's)
        start = stream.read(512)
    # Byte-order marks, and the NULs of UTF-16, before the first character.
    text = start.removeprefix(b"\xef\xbb\xbf").lstrip(b"\xff\xfe").replace(b"\0", b"").lstrip()
    if not text.startswith((b"<", b"{")):
        return "not a feed (RSS, Atom or JSON Feed)"
    return None
