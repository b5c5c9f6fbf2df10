"""The link that names a story (pure).

`clean_link` is the link an alert shows: a redirect wrapper (Google Alerts, Bing News, the AMP
cache…) replaced by its target, normalised by courlan, tracking parameters and session ids
removed. `story_key_link` goes further for the story key: the forms one article takes (http or
https, `www.`/`m.`/`amp.` hosts, AMP paths and queries, a trailing slash) fold into one, so that a
story linked both ways alerts once. The data is in `polling/link_data`.
"""

import base64
import binascii
import re
from collections.abc import Iterable
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from monitor.polling.link_data import (
    AMP_PARAMETERS,
    GOOGLE_NEWS,
    HOST_PREFIXES,
    PATH_REDIRECTORS,
    PATH_SESSION_PARAMETERS,
    REDIRECTORS,
    TRACKING_PARAMETERS,
)

# Wrappers of wrappers (an Alert linking a Bing News link) are unwrapped this deep, no deeper.
_MAX_UNWRAP = 3
_TRACKING = {
    name: re.compile(pattern) if pattern is not None else None
    for name, pattern in TRACKING_PARAMETERS.items()
}
_TRACKING_PREFIXES = ("at_", "wt_", "wt.", "ns_")
_PATH_SESSION = re.compile(
    "(?:;|%3B)(?:" + "|".join(PATH_SESSION_PARAMETERS) + ")=[^/;?#]*", re.IGNORECASE
)
# `story.amp`, `story.amp.html`: the AMP twin of `story`, `story.html`.
_AMP_SUFFIX = re.compile(r"\.amp(\.s?html?|\.php)?\Z", re.IGNORECASE)
# The host of an http(s) URL, quickly (user info and port skipped).
_AUTHORITY = re.compile(r"[A-Za-z]+://(?:[^/?#@]*@)?([^/?#:]*)")
_EMBEDDED_URL = re.compile(rb"https?://[!-~]+")
# A Bluesky post's AT URI, and the web page that shows it.
_AT_POST = re.compile(r"at://(did:[a-z0-9]+:[A-Za-z0-9._:%-]+)/app\.bsky\.feed\.post/(\w+)")


def _web(link: str) -> bool:
    return link[:8].lower().startswith(("http://", "https://"))


def _on(host: str, domain: str) -> bool:
    return host == domain or host.endswith(f".{domain}")


# Every host that wraps links, for one quick look before the slower matching.
_WRAPPING_DOMAINS = frozenset(
    [domain for domain, _prefix, _name in REDIRECTORS]
    + [domain for domain, _prefix in PATH_REDIRECTORS]
    + [GOOGLE_NEWS[0]]
)


def _may_wrap(host: str) -> bool:
    labels = host.split(".")
    return any(".".join(labels[i:]) in _WRAPPING_DOMAINS for i in range(len(labels) - 1))


def _google_news_target(path: str) -> str | None:
    """The target a Google News article id holds, if it is of the kind that holds one."""
    for prefix in GOOGLE_NEWS[1]:
        if path.startswith(prefix):
            encoded = path[len(prefix) :].split("/", maxsplit=1)[0]
            try:
                raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            except (binascii.Error, ValueError):
                return None
            found = _EMBEDDED_URL.search(raw)
            return found.group().decode("ascii") if found else None
    return None


def _target(link: str) -> str | None:
    """Where a known redirect wrapper `link` leads, or None if it is not one."""
    parts = urlsplit(link)
    host = (parts.hostname or "").lower()
    for domain, prefix, name in REDIRECTORS:
        if _on(host, domain) and parts.path.startswith(prefix):
            values = parse_qs(parts.query).get(name)
            if values and _web(values[0]):
                return values[0]
    for domain, prefix in PATH_REDIRECTORS:
        if _on(host, domain) and parts.path.startswith(prefix):
            rest = parts.path[len(prefix) :]
            return f"https://{rest}" + (f"?{parts.query}" if parts.query else "")
    if host == GOOGLE_NEWS[0]:
        return _google_news_target(parts.path)
    return None


def unwrap(link: str) -> str:
    """`link`'s target if it is a known redirect wrapper (a few levels deep), else `link`."""
    for _ in range(_MAX_UNWRAP):
        authority = _AUTHORITY.match(link)
        if authority is None or not _may_wrap(authority.group(1).lower()):
            break
        target = _target(link)
        if target is None:
            break
        link = target
    return link


def _tracking(name: str, value: str) -> bool:
    name = name.lower()
    if name in _TRACKING:
        pattern = _TRACKING[name]
        return pattern is None or pattern.fullmatch(value) is not None
    return name.startswith(_TRACKING_PREFIXES)


def _web_form(link: str) -> str:
    """A Bluesky post's AT URI as its web page; any other link as it is."""
    post = _AT_POST.fullmatch(link)
    return f"https://bsky.app/profile/{unquote(post[1])}/post/{post[2]}" if post else link


def clean_link(link: str | None) -> str | None:
    """The link an alert shows, or None for a missing or non-http(s) link: redirect wrappers
    unwrapped, courlan's normalisation (scheme and host lower-cased, default port dropped, query
    sorted, its trackers removed), our tracking and session parameters removed, no fragment."""
    if not link:
        return None
    link = _web_form(link.strip())
    if not _web(link):
        return None
    # courlan (and urllib3 under it) costs a fifth of a second to import: only a command that
    # reads feeds pays it.
    from courlan import normalize_url  # noqa: PLC0415

    if ";" in link or "%3b" in link.lower():
        link = _PATH_SESSION.sub("", link)
    try:
        normal = normalize_url(unwrap(link))
    except ValueError:
        return None
    if "?" not in normal and "#" not in normal:
        return normal
    parts = urlsplit(normal)
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _tracking(name, value)
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _folded_host(host: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in HOST_PREFIXES:
            rest = host[len(prefix) :]
            if host.startswith(prefix) and "." in rest:
                host, changed = rest, True
    return host


def _folded_path(path: str) -> str:
    segments = [s for s in path.split("/") if s.lower() != "amp"]
    last = segments[-1] if segments else ""
    if ".amp" in last.lower() and (plain := _AMP_SUFFIX.sub(lambda m: m.group(1) or "", last)):
        segments[-1] = plain
    folded = "/".join(segments).rstrip("/")
    return folded if folded.startswith("/") else f"/{folded}"


def _amp_form(name: str, value: str) -> bool:
    name = name.lower()
    return name in AMP_PARAMETERS and AMP_PARAMETERS[name] in (None, value.lower())


def folded_link(clean: str) -> str:
    """The form of a clean link (`clean_link`'s) a story is known by across feeds: the scheme,
    the host's edition prefix, AMP forms and a trailing slash folded. (String operations, not
    `urlsplit`: this runs for every item of every feed read.)"""
    authority, _slash, rest = clean.partition("://")[2].partition("/")
    path, _mark, query = rest.partition("?")
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(name, value) for name, value in pairs if not _amp_form(name, value)])
    host = _folded_host(authority.rpartition("@")[2])
    return f"https://{host}{_folded_path('/' + path)}" + (f"?{query}" if query else "")


def story_key_link(link: str | None) -> str | None:
    """The form of `link` a story is known by across feeds (`folded_link` of the clean link);
    None for no http(s) link."""
    clean = clean_link(link)
    return None if clean is None else folded_link(clean)


def best_link(candidates: Iterable[str | None]) -> str | None:
    """The first of `candidates` (best first) that is, or names, an http(s) page."""
    for candidate in candidates:
        if candidate and _web(_web_form(candidate.strip())):
            return candidate.strip()
    return None


def canonical_story_key(canonical: str | None, page_url: str) -> str | None:
    """The story key an article page's `rel=canonical` link gives, or None: only a link to the
    page's own site (editions folded) counts, so that no page can claim another site's story
    and silence its alert."""
    claimed, page = story_key_link(canonical), story_key_link(page_url)
    if claimed is None or page is None or urlsplit(claimed).netloc != urlsplit(page).netloc:
        return None
    return claimed
