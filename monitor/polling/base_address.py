"""Whether feedparser needs a document's own address to read its entries' ids and links.

Given the address (`Content-Location`), feedparser joins it with the base URI of every
element it opens, and every id and link it reads with the base (`urljoin`): ~22% of its time
on the bench's documents, for nothing when the feed gives absolute URLs, as nearly every feed
does. Left out, feedparser returns the values as written. The two agree when no value could
be changed by the join, which `needs_address` checks in the bytes (a few scans, each linear):

- no `xml:base` (nor a `base` attribute, which feedparser also follows);
- the text of every element that feedparser resolves and that gives an entry its id or link
  (`link`, `id`, `guid` but one with `isPermaLink="false"`; with any prefix, its name in any
  case, which feedparser folds) and the `href` (or `url`, `uri`) of every `link` element is
  absolute and unchanged by `urljoin`: an `http(s)://` URL in lower case with a host, without
  an empty query or fragment (`?` or `#` at its end or together, which the join drops), or a
  URI of another scheme (`tag:`, `urn:`), which the join leaves alone; neither with `;`,
  brackets (which make `urlparse` fail), white space or character references.

Anything else (a relative `guid`, a CDATA section, a child element, an empty `<link>`) keeps
the address: the answer errs toward it.
"""

import re

_BASE = re.compile(rb"base\s*=")
# The elements whose text feedparser resolves and `parse` reads (an entry's id and links), in
# the lower-cased document: their attributes, the text up to the next tag, and whether that tag
# ends the element.
_RESOLVED_TEXT = re.compile(rb"<(?:[\w.-]+:)?(link|guid|id)(\s[^<>]*)?>([^<]*)(</)?")
# A `guid` that says it is no link is read as written.
_NOT_PERMALINK = re.compile(rb"""\bispermalink\s*=\s*["'](?!true["'])""")
# feedparser takes a link's address from its `url`, `uri` or `href` attribute.
_HREF = re.compile(rb"\b(?:href|url|uri)\s*=")
_LINK_HREF = re.compile(
    rb"""<(?:[\w.-]+:)?link\s[^<>]*?\b(?:href|url|uri)\s*=\s*(?:"([^"]*)"|'([^']*)')"""
)
_SCHEME = re.compile(rb"([a-zA-Z][a-zA-Z0-9+.-]*):")
_CHANGED_BY_JOIN = re.compile(rb"[\s\[\]]|(?<!&amp);|&(?!amp;)|\?#")


def _unchanged(value: bytes) -> bool:
    """Is `value` (as written) left as it is by `urljoin` with any http(s) base?"""
    scheme = _SCHEME.match(value)
    if scheme is None or _CHANGED_BY_JOIN.search(value):
        return False
    if scheme[0] in (b"http:", b"https:"):
        # A host must follow (feedparser drops extra slashes first); an empty query or
        # fragment at the end is dropped by the join.
        rest = value[scheme.end() :]
        host = rest.lstrip(b"/")
        return rest.startswith(b"//") and host[:1] not in b"?#" and value[-1:] not in b"?#"
    return scheme[1].lower() not in (b"http", b"https")


def needs_address(body: bytes) -> bool:
    """Could joining with the document's address change any id or link feedparser reads?"""
    # Names in lower case, as feedparser folds them; values are read from `body` as written.
    folded = body.lower()
    if _BASE.search(folded):
        return True
    for found in _RESOLVED_TEXT.finditer(folded):
        name, attributes = found[1], found[2] or b""
        if (
            attributes.endswith(b"/")  # an empty element
            or (name == b"link" and _HREF.search(attributes))  # its value is its href
            or (name == b"guid" and _NOT_PERMALINK.search(attributes))  # read as written
        ):
            continue
        if found[4] is None or not _unchanged(body[found.start(3) : found.end(3)].strip()):
            return True
    for found in _LINK_HREF.finditer(folded):
        start, end = found.span(1) if found[1] is not None else found.span(2)
        if not _unchanged(body[start:end]):
            return True
    return False
