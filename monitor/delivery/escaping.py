"""Text from feeds written into a message format so that it shows as written (pure).

A channel's `format` is the markup its messages are written in: `text`, `markdown`
(CommonMark: Apprise converts it to each service's own dialect, Telegram's Markdown, Slack's
mrkdwn, HTML for email and Matrix) or `html`. Feed text is escaped for that format, never
trusted: a title such as `<b>x</b> *y* [l](http://evil)` shows literally. Control and
bidi-override characters show as escapes (`display.visible`) in every format.

Only what the format itself needs is escaped here; what a service needs on top of that is
Apprise's job (`delivery/targets` says which service gets which form of a message).
"""

import html
import re
from typing import Literal
from urllib.parse import quote

from monitor.display import visible

Format = Literal["text", "markdown", "html"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "html")

# CommonMark's punctuation that can start markup anywhere in a line, or a block at its start
# (`#`, `+`, `-`, `1.`, `>`, `|`): every one is escaped, since a value may start a line. An `&`
# only where it would read as an entity (`&amp;`). Not `]`, `(`, `)`, `!`: with every `[`
# escaped they make no link or image, and Telegram's Markdown, which Apprise converts to, has no
# escape for them (it would show the backslash).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[#+\-.|<>~]|&(?=#?[0-9A-Za-z]{1,32};))")
_NEWLINES = re.compile(r"[\r\n\x0b\x0c\u2028\u2029]+")


def escape(value: str, fmt: Format) -> str:
    """`value`, plain text, written in `fmt` so that it shows as written."""
    value = visible(value)
    if fmt == "html":
        return html.escape(value, quote=True)
    if fmt == "markdown":
        return _MARKDOWN_SPECIAL.sub(r"\\\1", value)
    return value


def one_line(value: str) -> str:
    """`value` with its line breaks as spaces: a title or a subject is one line."""
    return _NEWLINES.sub(" ", value).strip()


def emphasise(value: str, fmt: Format) -> str:
    """A matched word: bold in markup, «between guillemets» in plain text."""
    escaped = escape(value, fmt)
    return {"html": f"<b>{escaped}</b>", "markdown": f"**{escaped}**", "text": f"«{escaped}»"}[fmt]


def highlighted(text: str, ranges: tuple[tuple[int, int], ...], fmt: Format) -> str:
    """`text` in `fmt` with the character `ranges` emphasised."""
    parts, cursor = [], 0
    for a, b in ranges:
        parts.append(escape(text[cursor:a], fmt))
        parts.append(emphasise(text[a:b], fmt))
        cursor = b
    parts.append(escape(text[cursor:], fmt))
    return "".join(parts)


def safe_url(link: str) -> str:
    """`link` with what could end a link early in Markdown or HTML percent-encoded."""
    return quote(link, safe=":/?#@!$&'*+,;=%~-._")


def link_to(link: str, fmt: Format, label: str | None = None) -> str:
    """A link in `fmt`: the URL shown, or `label` (plain text) linking to it."""
    url = safe_url(link)
    if fmt == "html":
        shown = html.escape(url) if label is None else escape(label, fmt)
        return f'<a href="{html.escape(url)}">{shown}</a>'
    if fmt == "markdown":
        # Never a bare `<url>`: Apprise writes it for Telegram as a bare URL, whose `_`s
        # Telegram's Markdown would read as emphasis.
        return f"[{escape(url if label is None else label, fmt)}](<{url}>)"
    return url if label is None else f"{visible(label)} {url}"
