"""Text from outside shown to people: control and bidi characters escaped, URL credentials
masked, wherever it goes (an alert's subject and body, a log line, a table of `check`)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.config.secrets import hidden_parts
from monitor.delivery.alerts import Alert
from monitor.delivery.escaping import Format
from monitor.delivery.render import render, render_digest
from monitor.display import redact_urls, url_secrets, visible

# What a hostile feed puts in a title: a terminal escape that clears the screen and recolours,
# an OSC 8 hyperlink, NUL, a carriage return that overwrites the line, and the right-to-left
# override that makes "gpj.exe" read as "exe.jpg".
HOSTILE = (
    "Breaking\x00 \x1b[2J\x1b[31mred \x1b]8;;http://evil\x07x\x1b]8;;\x07 \r\x85 \u202egpj.exe"
)
FORMATS: list[Format] = ["text", "markdown", "html"]
UNSAFE = ["\x00", "\x1b", "\x07", "\r", "\x85", "\u202e"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[31mred", "\\x1b[31mred"),
        ("a\x00b\x7fc", "a\\x00b\\x7fc"),
        ("x\u202eexe.jpg", "x\\u202eexe.jpg"),
        ("\u2066isolated\u2069", "\\u2066isolated\\u2069"),
        ("line one\n\tline two", "line one\n\tline two"),  # layout is kept
        ("Élysée, Украина, 巴黎, الجيش \u200f", "Élysée, Украина, 巴黎, الجيش \u200f"),
    ],
)
def test_visible_escapes_what_acts_on_a_terminal_and_keeps_text(text: str, shown: str) -> None:
    assert visible(text) == shown
    assert visible(shown) == shown  # escaping twice changes nothing


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://user:pass@example.org/feed", "https://user:***@example.org/feed"),
        ("GET https://ghp_T0ken@host/x failed", "GET https://***@host/x failed"),
        ("https://h/f?token=abc&page=2", "https://h/f?token=***&page=2"),
        (
            "https://h/f?a=1&api_key=k;X-Amz-Signature=s",
            "https://h/f?a=1&api_key=***;X-Amz-Signature=***",
        ),
        ("https://h/f?keyword=troops&monkey=1", "https://h/f?keyword=troops&monkey=1"),
        ("write to desk@example.org", "write to desk@example.org"),
    ],
)
def test_redact_urls_masks_credentials_only(text: str, shown: str) -> None:
    assert redact_urls(text) == shown


def test_url_secrets_are_what_redaction_masks() -> None:
    assert url_secrets("https://reader:p%40ss@h/f?token=t0k&x=1") == ("p%40ss", "t0k", "p@ss")
    assert url_secrets("https://ghp_T0ken@host/x") == ("ghp_T0ken",)
    assert url_secrets("https://example.org/feed.xml") == ()
    assert url_secrets("http://[::1") == ()  # not a URL: nothing, and no exception


def test_tokens_written_in_a_channel_url_are_found_from_apprises_privacy_form() -> None:
    url = "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/4242"
    private = "tgram://1...w/4242/?image=False&detect=no"
    assert hidden_parts(url, private) == ["123456789", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"]
    mail = "mailtos://desk:hunter2pass@mail.example.org?to=desk@example.org"
    shown = "mailtos://desk:****@mail.example.org/desk%40example.org?mode=starttls"
    assert hidden_parts(mail, shown) == ["hunter2pass"]


ALERT = Alert(
    rules=("france-troops",),
    title=HOSTILE,
    feed="Wire \x1b[1m[/]",
    link="https://news.example.org/a\x1b[31m\u202e",
    published=datetime(2026, 12, 1, 6, 0, tzinfo=UTC),
    snippet=f"Troops {HOSTILE} troops",
    highlights=((0, 6),),
    actors=("Ukraine\u202e",),
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_control_or_bidi_character_reaches_an_alert(fmt: Format) -> None:
    tz = ZoneInfo("Europe/Paris")
    for rendered in (render(ALERT, fmt, tz), render_digest([ALERT, ALERT], fmt, tz)):
        message = rendered.title + rendered.body
        assert not [c for c in UNSAFE if c in message], repr(message)
    subject = render(ALERT, fmt, tz).title
    assert "x1b" in subject
    assert "u202egpj" in subject
