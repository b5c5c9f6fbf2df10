"""Media RSS descriptions renamed before feedparser reads the document, so that a photo's
caption never becomes an entry's text.

feedparser reads `media:description` as a second `description`: an item that has one already
gets the caption as its `content` (which is preferred to the summary), and an item whose photo
comes first gets the caption as its summary and its own description as `content`. Either way
the NYT's items were matched on the caption. Nothing in what feedparser returns tells the two
apart (both are plain `content` values with the same `type` and `base`), so the element is
renamed in the bytes, where it can be seen:

- inside `media:content` it is the caption of that picture or clip: `media:caption`, which
  feedparser keeps under its own key and nothing reads;
- elsewhere (in `media:group`, or in the item) it describes what the item itself is, as in a
  video feed whose items have no other text: `media:about`, kept as `MEDIA_ABOUT` and read
  only when the entry has no content and no summary.

The Media RSS prefix is whatever the document binds to its namespace (`media` nearly always),
and `media` itself when the document binds that prefix to nothing: feedparser's loose parser,
which reads a document that is not well-formed XML, reads `media:description` all the same.
"""

import re

# feedparser's key for the renamed description that is not a caption.
MEDIA_ABOUT = "media_about"

_NAMESPACE = b"search.yahoo.com/mrss"
_PREFIXES = re.compile(
    rb"""xmlns:([A-Za-z_][\w.-]*)\s*=\s*["']http://search\.yahoo\.com/mrss/?["']"""
)
_USUAL = b"media"
_USUAL_BOUND = re.compile(rb"xmlns:media\s*=")


def _renamed(body: bytes, prefix: bytes, name: bytes) -> bytes:
    """`body` with every `prefix:description` element renamed `prefix:name`."""
    return re.sub(
        rb"(</?)" + re.escape(prefix) + rb":description(?=[\s/>])",
        rb"\g<1>" + prefix + b":" + name,
        body,
    )


def _captions_renamed(body: bytes, prefix: bytes) -> bytes:
    """`body` with the descriptions inside `prefix:content` elements renamed `caption`. One
    forward scan (each element's end is found from where its opening ends, and a search that
    finds none ends the scan): hostile input stays linear."""
    # An opening tag that does not close itself; its attributes bounded, as real ones are.
    opening = re.compile(rb"<" + re.escape(prefix) + rb":content\b(?:[^<>/]|/(?!>)){0,4096}>")
    closing = b"</" + prefix + b":content"
    parts, position = [], 0
    while (found := opening.search(body, position)) is not None:
        end = body.find(closing, found.end())
        if end < 0:
            break
        parts += [
            body[position : found.end()],
            _renamed(body[found.end() : end], prefix, b"caption"),
        ]
        position = end
    return b"".join([*parts, body[position:]])


def _media_prefixes(body: bytes) -> set[bytes]:
    """The prefixes `body` uses for Media RSS: those bound to its namespace, and `media` if it
    is used (for a description) without being bound to any."""
    prefixes = set(_PREFIXES.findall(body)) if _NAMESPACE in body else set()
    if b"<" + _USUAL + b":description" in body and not _USUAL_BOUND.search(body):
        prefixes.add(_USUAL)
    return prefixes


def captions_apart(body: bytes) -> bytes:
    """`body` (XML) with its Media RSS descriptions renamed (see the module's docstring);
    as it is when it has no prefixed description, which is found without a regular
    expression."""
    if b":description" not in body:
        return body
    for prefix in _media_prefixes(body):
        if prefix + b":description" in body:
            body = _renamed(_captions_renamed(body, prefix), prefix, b"about")
    return body
