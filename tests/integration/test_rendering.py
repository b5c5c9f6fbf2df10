"""A hostile title through every format and Apprise's real plugins to fake services on
loopback, asserting what each service would show: as written, once, no markup injected, no
stray backslash or entity, the subject plain text."""

import asyncio
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from monitor.config.model import Channel
from monitor.delivery.alerts import Alert
from monitor.delivery.escaping import FORMATS, Format
from monitor.delivery.sender import Notifier
from monitor.delivery.templates import Template
from tests.support import shown
from tests.support.loopback import FeedServer
from tests.support.services import (
    FakeDiscord,
    FakeMatrix,
    FakeNtfy,
    FakeSlack,
    FakeTelegram,
    smtp_server,
)

HOSTILE = "<b>x</b> *y* _z_ [l](http://evil) & 'quote' – 2026-12-01"
TITLE = f"{HOSTILE} Macron sends troops"
LINK = "https://news.example.org/a_b_c?b=1&c=2"  # `_`: emphasis in Telegram's Markdown
SUBJECT = f"[france-troops-ukraine] {TITLE}"
# Our own emphasis: the matched word, and the default template's labels.
OURS = {"troops", "Source:", "Published:", "Rules:", "Actors:", "Language:", "Link:"}


def hostile_alert() -> Alert:
    snippet = f"Text: {HOSTILE} and troops."
    return Alert(
        rules=("france-troops-ukraine",),
        title=TITLE,
        feed="Wire",
        link=LINK,
        published=datetime(2026, 12, 1, 6, 0, tzinfo=UTC),
        snippet=snippet,
        highlights=((snippet.index("troops"), snippet.index("troops") + 6),),
        actors=("France",),
        language="en",
        title_highlights=((TITLE.index("troops"), TITLE.index("troops") + 6),),
    )


def send(url: str, fmt: Format, template: Template | None = None) -> None:
    """One alert through a channel of one URL, rendered and sent as `run` does."""
    channel = Channel("desk", (SecretStr(url),), (url,), fmt, template=template)
    notifier = Notifier({"desk": channel})
    message = notifier.render("desk", [hostile_alert()], ZoneInfo("Europe/Paris"))
    verdicts = asyncio.run(notifier.send_each("desk", message))
    assert [v.accepted for v in verdicts] == [True], verdicts


def assert_as_written(seen: shown.Shown, *, headline: bool = True) -> None:
    # The title once («troops» where the service shows plain text).
    assert seen.text.count(f"{HOSTILE} Macron sends") == (1 if headline else 0), seen.text
    assert f"Text: {HOSTILE} and" in seen.text  # the snippet
    assert "\\" not in seen.text
    assert not re.search(r"&#?\w+;", seen.text), seen.text
    assert set(seen.links) <= {LINK}, seen.links
    assert set(seen.emphasised) <= OURS, seen.emphasised
    assert "Published: 2026-12-01 07:00 CET" in seen.text.replace("\xa0", " ")
    assert LINK in seen.text
    assert re.search(r"\n\s*Source: Wire", seen.text), seen.text  # one line each


@pytest.mark.parametrize("fmt", FORMATS)
def test_telegram_shows_feed_text_as_written(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, fmt: Format
) -> None:
    telegram = FakeTelegram(server, monkeypatch)
    send(telegram.url, fmt)
    (message,) = telegram.messages
    seen = shown.telegram(message)  # raises on what Telegram would refuse
    assert_as_written(seen)
    assert seen.text.startswith(f"{HOSTILE} Macron sends")
    if fmt != "text":
        assert seen.emphasised.count("troops") == 2  # in the title and in the snippet
        assert seen.links == [LINK]


@pytest.mark.parametrize("fmt", FORMATS)
def test_slack_shows_feed_text_as_written_without_backslashes(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, fmt: Format
) -> None:
    slack = FakeSlack(server, monkeypatch)
    send(slack.url, fmt)
    (payload,) = slack.payloads
    seen = shown.slack(payload)
    assert_as_written(seen)
    assert not payload["attachments"][0]["title"]  # the body's first line is the title
    assert "«troops»" in seen.text
    assert "&lt;b&gt;x&lt;/b&gt;" in payload["attachments"][0]["text"]  # Slack's escaping


@pytest.mark.parametrize("fmt", FORMATS)
def test_email_subject_is_plain_text_and_both_parts_show_as_written(fmt: Format) -> None:
    with smtp_server() as (mailbox, url):
        send(url, fmt)
    (raw,) = mailbox.messages
    subject, html_part, text_part = shown.email_message(raw)
    assert subject == SUBJECT
    if fmt == "text":
        assert not html_part.text
    else:
        assert_as_written(html_part)
        assert html_part.links == [LINK]
    assert_as_written(shown.Shown(text_part))


@pytest.mark.parametrize("fmt", FORMATS)
def test_discord_shows_feed_text_as_written(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, fmt: Format
) -> None:
    discord = FakeDiscord(server, monkeypatch)
    send(discord.url, fmt)
    (payload,) = discord.payloads
    assert_as_written(shown.discord(payload))


@pytest.mark.parametrize("fmt", FORMATS)
def test_ntfy_gets_plain_text(server: FeedServer, fmt: Format) -> None:
    ntfy = FakeNtfy(server)
    send(ntfy.url, fmt)
    ((message, headers),) = ntfy.messages
    assert "X-Markdown" not in headers
    assert "title" not in message
    assert_as_written(shown.Shown(message["message"]))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_json_webhook_gets_a_plain_title_and_the_body_in_the_format(
    server: FeedServer, fmt: Format
) -> None:
    send(f"json://127.0.0.1:{server.port}/sink/desk", fmt)
    (post,) = server.posts
    assert post["title"] == SUBJECT
    body = post["message"]
    decoded = {
        "html": lambda: shown.html(body),
        "markdown": lambda: shown.discord({"content": body}),  # CommonMark's escapes
        "text": lambda: shown.Shown(body),
    }[fmt]()
    assert_as_written(decoded)


@pytest.mark.parametrize("fmt", FORMATS)
def test_matrix_shows_feed_text_as_written(server: FeedServer, fmt: Format) -> None:
    matrix = FakeMatrix(server)
    send(matrix.url, fmt)
    (event,) = matrix.events
    assert event["msgtype"] == "m.text"
    if fmt == "text":
        assert "formatted_body" not in event
    else:
        assert event["format"] == "org.matrix.custom.html"
        assert_as_written(shown.html(event["formatted_body"]))
    assert_as_written(shown.Shown(event["body"]))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("filtered", ["e", "escape", "forceescape", "safe", "tojson"])
def test_no_filter_of_a_template_lets_feed_text_through_as_markup(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, fmt: Format, filtered: str
) -> None:
    telegram = FakeTelegram(server, monkeypatch)
    send(telegram.url, fmt, Template(body=f"{{{{ title|{filtered} }}}}"))
    (message,) = telegram.messages
    seen = shown.telegram(message)
    assert (seen.links, seen.emphasised) == ([], [])
    if filtered != "tojson":  # as written: no `&lt;` from `|e`, no backslash
        assert seen.text.strip() == TITLE
