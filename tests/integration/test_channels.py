"""Alerts through Apprise's real Telegram, Slack and email plugins to fake services on loopback:
what the services receive, escaping, outages and channels with several URLs."""

import email
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest
from sqlalchemy import update

from monitor.config.load import ConfigError, load_config
from monitor.state.tables import outbox
from tests.support.config import feeds_toml, once, write_config
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer
from tests.support.services import TELEGRAM_CHAT, FakeSlack, FakeTelegram, smtp_server
from tests.support.state import opened, writing

# RSS titles are HTML: this is how a feed says the text "<b>x</b> *y* [z](http://evil)".
HOSTILE = "&lt;b&gt;x&lt;/b&gt; *y* [z](http://evil)"
STORY = Entry(
    guid="h-1",
    title=f"{HOSTILE} Macron sends troops to Kyiv",
    description="French soldiers &lt;i&gt;arrive&lt;/i&gt; in Ukraine & dig in.",
    link="https://news.example.org/a?b=1&c=2",
)


def rules(*channels: str) -> str:
    listed = ", ".join(f'"{c}"' for c in channels)
    return (
        f'[[rules]]\nname = "france-troops-ukraine"\nquery = "@France AND @Ukraine AND @troops"'
        f"\nchannels = [{listed}]\n"
    )


def channel(name: str, fmt: str, *urls: str) -> str:
    listed = ", ".join(f'"{u}"' for u in urls)
    return f'[channels.{name}]\nurls = [{listed}]\nformat = "{fmt}"\n\n'


def wire_config(server: FeedServer, tmp_path: Path, rules_toml: str, channels: str) -> Path:
    """A config polling the server's wire.xml with these rules and channels."""
    return write_config(
        tmp_path / "config",
        tmp_path / "state",
        feeds_toml(server, "wire.xml"),
        rules_toml,
        channels,
    )


def html_part(raw: bytes) -> str:
    message = email.message_from_bytes(raw)
    parts: list[Message] = [p for p in message.walk() if p.get_content_type() == "text/html"]
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_feed_text_shows_literally_on_telegram_slack_and_email(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram, slack = FakeTelegram(server, monkeypatch), FakeSlack(server, monkeypatch)
    server.feeds["wire.xml"] = rss(STORY)
    with smtp_server() as (mailbox, mail_url):
        config = wire_config(
            server,
            tmp_path,
            rules("tg", "slack", "mail"),
            channel("tg", "html", telegram.url)
            + channel("slack", "markdown", slack.url)
            + channel("mail", "html", mail_url),
        )
        report = once(config, datetime.now(UTC))

    assert (report.alerts_queued, report.delivery.sent) == (3, 3)
    (sent,) = telegram.messages
    assert sent["parse_mode"] == "HTML"
    assert sent["chat_id"] == int(TELEGRAM_CHAT)
    assert sent["text"].startswith("&lt;b&gt;x&lt;/b&gt; *y* [z](http://evil) <b>Macron</b> sends")
    assert "&lt;i&gt;arrive&lt;/i&gt; in <b>Ukraine</b> &amp; dig in." in sent["text"]
    assert "<b>Source:</b>" in sent["text"]  # our own markup survives
    assert 'href="http://evil"' not in sent["text"]
    assert '<a href="https://news.example.org/a?b=1&amp;c=2">' in sent["text"]

    # Slack: plain text, escaped as Slack wants (only & < >), no backslash, no title apart.
    (posted,) = slack.payloads
    text = posted["attachments"][0]["text"]
    assert posted["mrkdwn"] is False
    assert not posted["attachments"][0]["title"]
    assert text.startswith("&lt;b&gt;x&lt;/b&gt; *y* [z](http://evil) «Macron» sends")
    assert "\\" not in text
    assert "<http://evil" not in text
    assert "Source: wire.xml" in text

    (raw,) = mailbox.messages
    body = html_part(raw)
    assert "&lt;b&gt;x&lt;/b&gt; *y* [z](http://evil)" in body
    assert "<b>x</b>" not in body
    assert 'href="http://evil"' not in body
    assert "&lt;i&gt;arrive&lt;/i&gt;" in body
    message = email.message_from_bytes(raw)
    assert message["To"] == "desk@example.org"
    assert "<b>x</b> *y* [z](http://evil) Macron sends troops to Kyiv" in message["Subject"]


def test_telegram_outage_delays_alerts_then_delivers_each_once_in_order(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram = FakeTelegram(server, monkeypatch)
    telegram.failing = True
    stories = [
        Entry(guid=f"s{n}", title=f"Macron: troops to Ukraine, part {n}", link=f"https://x.org/{n}")
        for n in range(3)
    ]
    server.feeds["wire.xml"] = rss(*stories)
    config = wire_config(server, tmp_path, rules("tg"), channel("tg", "html", telegram.url))
    start = datetime.now(UTC)

    down = [once(config, start), once(config, start + timedelta(minutes=1))]
    telegram.failing = False
    up = [
        once(config, start + timedelta(minutes=5)),
        once(config, start + timedelta(hours=1)),
    ]

    assert [r.delivery.retrying for r in down] == [3, 3]
    assert [r.delivery.sent for r in up] == [3, 0]
    received = [m["text"].splitlines()[0] for m in telegram.messages]
    assert received == [
        f"<b>Macron</b>: <b>troops</b> to <b>Ukraine</b>, part {n}" for n in range(3)
    ]


@pytest.mark.parametrize("between", ["nothing", "reordered urls", "an older version's record"])
def test_a_channel_retries_only_the_urls_that_failed(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, between: str
) -> None:
    telegram = FakeTelegram(server, monkeypatch)
    telegram.failing = True
    server.feeds["wire.xml"] = rss(STORY)
    urls = [f"json://127.0.0.1:{server.port}/sink/desk", telegram.url]
    config = wire_config(server, tmp_path, rules("desk"), channel("desk", "html", *urls))
    start = datetime.now(UTC)

    first = once(config, start)
    telegram.failing = False
    if between == "reordered urls":  # the config was edited: the retry still knows which
        wire_config(server, tmp_path, rules("desk"), channel("desk", "html", *urls[::-1]))
    elif between == "an older version's record":  # it wrote the position of the URL
        with opened(tmp_path / "state") as store, writing(store) as conn:
            conn.execute(update(outbox).values(delivered="[0]"))
    second = once(config, start + timedelta(minutes=5))

    assert (first.delivery.retrying, second.delivery.sent) == (1, 1)
    assert len(server.posts) == 1  # the webhook took it the first time, and only then
    assert len(telegram.messages) == 1


def bulletins(count: int) -> list[Entry]:
    return [
        Entry(guid=f"b{n}", title=f"Macron: troops to Ukraine, bulletin {n}", link=f"https://x/{n}")
        for n in range(count)
    ]


@pytest.mark.parametrize(
    ("pacing", "queued", "still_held", "released"),
    [
        ('digest = "1h"', (10, 5), (10, 59), (11, 0)),
        ('quiet_hours = "22:00-07:00"', (23, 0), (30, 6, 59), (30, 7, 0)),
    ],
)
def test_digest_and_quiet_hours_send_one_message_when_the_time_comes(
    server: FeedServer,
    tmp_path: Path,
    pacing: str,
    queued: tuple[int, int],
    still_held: tuple[int, ...],
    released: tuple[int, ...],
) -> None:
    server.feeds["wire.xml"] = rss(*bulletins(3))
    sink = f"json://127.0.0.1:{server.port}/sink/desk"
    config = wire_config(
        server, tmp_path, rules("desk"), channel("desk", "text", sink) + pacing + "\n"
    )

    def day(*moment: int) -> datetime:
        (date, hour, minute) = moment if len(moment) == 3 else (29, *moment)
        return datetime(2026, 11, date, hour, minute, tzinfo=UTC)

    first = once(config, day(*queued))
    held = once(config, day(*still_held))
    sent = once(config, day(*released))
    after = once(config, day(*released) + timedelta(hours=2))

    assert (first.alerts_queued, first.delivery.sent, held.delivery.sent) == (3, 0, 0)
    assert (sent.delivery.sent, after.delivery.sent) == (3, 0)
    (post,) = server.posts
    assert post["title"] == "[digest] 3 alerts"
    assert post["message"].startswith("france-troops-ukraine (3):\n• Macron: troops")
    assert all(f"bulletin {n}" in post["message"] for n in range(3))


def test_bad_pacing_is_a_config_error_naming_the_channel(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config",
        tmp_path / "state",
        "",
        rules("a", "b"),
        channel("a", "text", "json://127.0.0.1/x")
        + 'digest = "10s"\n\n'
        + channel("b", "text", "json://127.0.0.1/y")
        + 'quiet_hours = "22:00-7"\n',
    )

    with pytest.raises(ConfigError) as caught:
        load_config(config)

    errors = "\n".join(caught.value.errors)
    assert "channel 'a': digest: a digest period is at least" in errors
    assert "channel 'b': quiet_hours: '22:00-7' is not a time range" in errors


def test_a_delivery_failing_past_max_retry_age_is_given_up(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram = FakeTelegram(server, monkeypatch)
    telegram.failing = True
    server.feeds["wire.xml"] = rss(STORY)
    config = write_config(
        tmp_path / "config",
        tmp_path / "state",
        feeds_toml(server, "wire.xml"),
        rules("tg"),
        channel("tg", "html", telegram.url),
        settings='max_retry_age = "1h"\n',
    )
    start = datetime.now(UTC)

    within = once(config, start)  # queued now
    beyond = once(config, start + timedelta(minutes=70))
    later = once(config, start + timedelta(hours=3))

    assert (within.delivery.retrying, beyond.delivery.failed) == (1, 1)
    assert (later.delivery.sent, later.delivery.retrying, later.delivery.failed) == (0, 0, 0)
