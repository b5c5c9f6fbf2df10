"""What a service shows a person, decoded from what it received, the way that service reads
it: the text, which parts are emphasised, and which links there are.

Each reader follows its service's documented rules and refuses what the service refuses
(Telegram rejects tags and named entities it does not know, so the reader raises on them).
"""

import email
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from html.parser import HTMLParser
from typing import Any


@dataclass
class Shown:
    """A message as a person sees it."""

    text: str = ""
    emphasised: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # the targets


class _Html(HTMLParser):
    """HTML as a mail client or Telegram shows it; `tags` None: any tag."""

    EMPHASIS = frozenset({"b", "strong", "i", "em", "u"})

    def __init__(self, tags: frozenset[str] | None, entities: frozenset[str] | None) -> None:
        super().__init__(convert_charrefs=False)
        self.tags, self.entities = tags, entities
        self.shown = Shown()
        self._open: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.tags is not None and tag not in self.tags:
            raise ValueError(f"unsupported start tag {tag!r}")  # Telegram: "Can't parse entities"
        if tag == "a":
            self.shown.links.append(dict(attrs).get("href") or "")
        if tag in self.EMPHASIS:
            self._open.append(len(self.shown.text))
        if tag in ("br", "p", "div") and self.shown.text:
            self.shown.text += "\n"

    def handle_endtag(self, tag: str) -> None:
        if tag in self.EMPHASIS and self._open:
            self.shown.emphasised.append(self.shown.text[self._open.pop() :])

    def handle_data(self, data: str) -> None:
        self.shown.text += data

    def handle_entityref(self, name: str) -> None:
        if self.entities is not None and name not in self.entities:
            raise ValueError(f"unsupported entity &{name};")
        from html import unescape

        self.shown.text += unescape(f"&{name};")

    def handle_charref(self, name: str) -> None:
        number = int(name[1:], 16) if name.lower().startswith("x") else int(name)
        self.shown.text += chr(number)


def html(body: str) -> Shown:
    """An HTML body as a mail client shows it (line breaks by `<br>`, not newlines)."""
    parser = _Html(None, None)
    parser.feed(body.replace("\r", "").replace("\n", " "))
    parser.close()
    return parser.shown


TELEGRAM_TAGS = frozenset(
    [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    ]
)


def telegram(message: dict[str, Any]) -> Shown:
    """A Bot API `sendMessage` as Telegram shows it, in its `parse_mode`."""
    text = message["text"]
    if message.get("parse_mode") == "HTML":
        parser = _Html(TELEGRAM_TAGS, frozenset({"lt", "gt", "amp", "quot"}))
        parser.feed(text)
        parser.close()
        return parser.shown
    assert str(message.get("parse_mode")).lower() == "markdown", message.get("parse_mode")
    return _markdown(text, escapable="_*`[", bold="*", italic="_")


_ANGLE = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def slack(payload: dict[str, Any]) -> Shown:
    """A webhook payload as Slack shows it: `<…>` are links or mentions; only `&amp;`, `&lt;`
    and `&gt;` are entities; in mrkdwn, `*bold*` and `_italic_`, and no backslash escapes."""
    attachment = payload["attachments"][0]
    body = attachment["text"]
    shown = Shown()
    for match in _ANGLE.finditer(body):
        shown.links.append(match[1])
    body = _ANGLE.sub(lambda m: m[2] or m[1], body)
    if payload.get("mrkdwn"):
        shown.emphasised = re.findall(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", body)
        shown.emphasised += re.findall(r"(?<![\w_])_([^_\n]+)_(?![\w_])", body)
    shown.text = body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return shown


def discord(payload: dict[str, Any]) -> Shown:
    """A webhook's `content` as Discord shows it (Markdown: any punctuation may be escaped)."""
    return _markdown(payload["content"], escapable=None, bold="**", italic="*")


def _markdown(text: str, escapable: str | None, bold: str, italic: str) -> Shown:
    """Chat Markdown: `[label](url)` and `<url>` links, emphasis, backslash escapes of the
    `escapable` characters (None: any ASCII punctuation)."""
    shown, out, i = Shown(), [], 0
    marks: dict[str, int] = {}
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if (escapable is None and not nxt.isalnum() and nxt.isascii()) or (
                escapable is not None and nxt in escapable
            ):
                out.append(nxt)
                i += 2
                continue
        link = re.compile(r"\[([^\]]*)\]\(<?([^)>]*)>?\)|<(https?://[^>]+)>").match(text, i)
        if link:
            shown.links.append(link[2] or link[3])
            label = link[3] if link[1] is None else _markdown(link[1], escapable, bold, italic).text
            out.append(label)
            i = link.end()
            continue
        for mark in (bold, italic):
            if text.startswith(mark, i) and (mark != italic or not text.startswith(bold, i)):
                if mark in marks:
                    shown.emphasised.append("".join(out)[marks.pop(mark) :])
                else:
                    marks[mark] = len("".join(out))
                i += len(mark)
                break
        else:
            out.append(ch)
            i += 1
    shown.text = "".join(out)
    return shown


def email_message(raw: bytes) -> tuple[str, Shown, str]:
    """(Subject, the HTML part as shown, the text part) of a message as a mail client reads
    them; the HTML part is empty for a text-only message."""
    message = email.message_from_bytes(raw)
    subject = str(make_header(decode_header(message["Subject"])))
    parts: dict[str, str] = {}
    for part in message.walk():
        if isinstance(part, Message) and not part.is_multipart():
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            parts[part.get_content_type()] = payload.decode(part.get_content_charset() or "utf-8")
    return subject, html(parts.get("text/html", "")), parts["text/plain"]
