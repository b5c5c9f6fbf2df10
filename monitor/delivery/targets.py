"""What each service of a channel is handed: which title, which body, declared in which
format, so that the service shows the alert as written.

Apprise converts a body from the declared format into each service's own (CommonMark to
Telegram's Markdown or to HTML for email and Matrix; HTML reduced to Telegram's tags; text to
HTML for Telegram), and that conversion is relied on. What it does not do is done here:

- The title goes only where it is a field of its own: an email's Subject, a webhook's `title`.
  Chat services (Telegram, Slack, Discord, Matrix, ntfy…) would show it in the message, above a
  body that starts with the headline already (or, where a service has no title, Apprise puts
  it into the body unescaped when the formats match).
- A service that shows only plain text is handed plain text, not markup to show raw: Apprise
  has no Markdown-to-text conversion, and its HTML-to-Markdown one escapes with backslashes.
- Slack takes plain text: its mrkdwn has no escape for `*`, `_`, `~` or a backquote (Apprise's
  conversion leaves CommonMark's backslashes, which Slack shows), so feed text could not be
  shown as written in mrkdwn. In plain text Apprise escapes `&`, `<` and `>`, all Slack needs.
- Discord reads every message as Markdown, even one Apprise sends as text: it is handed
  CommonMark (plain text escaped by Apprise's own text-to-Markdown conversion; Discord takes
  a backslash before any punctuation).
"""

from dataclasses import dataclass
from typing import Any

from apprise import NotifyFormat
from apprise.conversion.format import html_to_text, markdown_to_html, text_to_markdown
from apprise.plugins.custom_form import NotifyForm
from apprise.plugins.custom_json import NotifyJSON
from apprise.plugins.custom_xml import NotifyXML
from apprise.plugins.discord import NotifyDiscord
from apprise.plugins.email.base import NotifyEmail
from apprise.plugins.slack import NotifySlack

from monitor.delivery.escaping import Format
from monitor.delivery.render import Rendered

# Services whose title is a field apart from the message (a Subject, a JSON member).
_TITLE_APART = (NotifyEmail, NotifyJSON, NotifyXML, NotifyForm)


@dataclass(frozen=True, slots=True)
class Target:
    """How one URL's service takes a channel's messages."""

    takes_title: bool  # the title is a field of its own there
    text_only: bool  # it is handed plain text
    markdown_only: bool = False  # it is handed CommonMark


def target_of(plugin: Any, fmt: Format) -> Target:
    """How `plugin` (an Apprise service object) takes messages of a channel of format `fmt`."""
    shown = plugin.resolve_format(NotifyFormat(fmt))
    if isinstance(plugin, NotifyDiscord):
        return Target(takes_title=False, text_only=False, markdown_only=True)
    text_only = isinstance(plugin, NotifySlack) or shown == NotifyFormat.TEXT
    return Target(takes_title=isinstance(plugin, _TITLE_APART), text_only=text_only)


def as_text(body: str, fmt: Format) -> str:
    """A body written in `fmt` as plain text, by Apprise's own conversions."""
    if fmt == "markdown":
        body = markdown_to_html(body)
    elif fmt == "text":
        return body
    text: str = html_to_text(body)  # type: ignore[no-untyped-call]
    return "\n".join(line.strip() for line in text.splitlines())


def payload(target: Target, message: Rendered, fmt: Format) -> tuple[str, str, str]:
    """(title, body, body format) to hand Apprise for `target`."""
    title = message.title if target.takes_title else ""
    if target.markdown_only and fmt != "markdown":
        text = message.text if message.text is not None else as_text(message.body, fmt)
        return title, text_to_markdown(text), "markdown"  # type: ignore[no-untyped-call]
    if target.text_only and fmt != "text":
        text = message.text if message.text is not None else as_text(message.body, fmt)
        return title, text, "text"
    return title, message.body, fmt
