"""Channel templates end to end: `check` refuses a broken one naming the channel and shows a
working one rendered; `notify-test` and `once` send with it, in the channel's time zone, with
the user's own labels, feed text still escaped."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config.load import load_config
from tests.support.cli import REPO, cli
from tests.support.config import RULES, SEED, SEED_HEADLINE, desk, feeds_toml, once, write_config
from tests.support.feeds import Entry, rss
from tests.support.logs import json_log
from tests.support.loopback import FeedServer
from tests.support.services import SLACK_TOKENS, TELEGRAM_TOKEN

FRENCH = '''
[channels.desk.template]
title = "{{ rules|join(', ') }} : {{ title }}"
body = """
{{ headline }}
**Source :** {{ feed }} ({{ publisher }}), {{ published_at or "date inconnue" }}
{% if link %}**Lien :** {{ link_to(link, "lire l'article") }}{% endif +%}
{% if prominence is not none %}**Poids :** {{ prominence }}{% endif %}
"""
'''


def config_with(tmp_path: Path, server: FeedServer, channel: str) -> Path:
    return write_config(
        tmp_path / "config", tmp_path / "state", feeds_toml(server, "wire.xml"), RULES, channel
    )


def markdown_desk(server: FeedServer, template: str, timezone: str = "") -> str:
    return desk(server) + 'format = "markdown"\n' + timezone + template


def test_a_template_writes_the_alert_in_the_users_words_with_feed_text_escaped(
    server: FeedServer, tmp_path: Path
) -> None:
    hostile = Entry(
        guid="h",
        title="&lt;b&gt;Macron&lt;/b&gt; *sends* troops to Ukraine, says Russia warns",
        link="https://news.example.org/a?utm_source=rss&id=7",
        published=datetime(2026, 12, 1, 6, 0, tzinfo=UTC),
    )
    server.feeds["wire.xml"] = rss(hostile)
    channel = markdown_desk(server, FRENCH, 'timezone = "Europe/Paris"\n')
    config = config_with(tmp_path, server, channel)

    report = once(config, datetime(2026, 12, 1, 7, 0, tzinfo=UTC))

    assert report.delivery.sent == 1
    (post,) = server.posts
    assert post["title"] == (
        "france-troops-ukraine, russia-warns : <b>Macron</b> *sends* troops to Ukraine, says "
        "Russia warns"
    )
    assert post["message"].splitlines() == [
        r"\<b\>**Macron**\</b\> \*sends\* **troops** to **Ukraine**, says **Russia** **warns**",
        "**Source :** wire\\.xml (news\\.example\\.org), 2026\\-12\\-01 07:00 CET",
        "**Lien :** [lire l'article](<https://news.example.org/a?id=7>)",
        "**Poids :** 50",  # the match's prominence: the rules' words in the title
    ]


def test_check_refuses_a_broken_template_naming_the_channel(
    server: FeedServer, tmp_path: Path
) -> None:
    broken = '\n[channels.desk.template]\nbody = "{{ title.__class__ }} {{ nope }}"\n'
    config = config_with(tmp_path / "a", server, desk(server) + broken)
    unclosed = config_with(tmp_path / "b", server, desk(server) + 'template = { title = "{{ x" }\n')

    refused = cli("--config", str(config), "check", cwd=tmp_path)
    refused_too = cli("--config", str(unclosed), "check", cwd=tmp_path)

    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr + refused.stdout
    assert "channel 'desk': template body: unknown variable 'nope'" in refused.stderr
    assert refused_too.returncode == 2
    assert "channel 'desk': template title: line 1: unexpected end of template" in (
        refused_too.stderr
    )


def test_check_shows_a_template_rendered_and_notify_test_sends_with_it(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    config = config_with(tmp_path, server, markdown_desk(server, FRENCH))

    checked = cli("--config", str(config), "check", cwd=tmp_path)
    sent = cli("--config", str(config), "notify-test", "desk", cwd=tmp_path)

    assert checked.returncode == 0, checked.stderr
    assert "Channel 'desk': its template with a sample alert (markdown)" in checked.stdout
    assert "**Lien :** [lire l'article](<https://example.org/media-monitor/notify-test>)" in (
        checked.stdout
    )
    assert sent.returncode == 0, sent.stderr
    (post,) = server.posts
    assert post["title"].startswith("notify-test : media-monitor test alert")
    assert "**Source :** media\\-monitor (example\\.org), " in post["message"]


SECRETS = {
    "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
    "SLACK_WEBHOOK": SLACK_TOKENS,
    "SMTP_PASSWORD": "hunter2",
    "HOOK_PASSWORD": "hunter2",
}


def test_the_readmes_channel_examples_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    part = readme[readme.index("### Channels, service by service") : readme.index("### Stories")]
    blocks = re.findall(r"```toml\n(.*?)```", part, re.DOTALL)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)

    loaded = [
        load_config(write_config(tmp_path / str(n), tmp_path / "state", "", "", block))
        for n, block in enumerate(blocks)
    ]

    assert len(loaded) == 6
    templated = [c for config in loaded for c in config.channels.values() if c.template]
    assert [c.timezone for c in templated] == ["Europe/Paris", None]
    assert [c.template.title for c in templated if c.template] == [
        "{{ rules|join(', ') }} : {{ title }}",
        None,  # a string: the body alone
    ]


def test_an_alert_the_template_fails_on_goes_out_in_the_default_layout(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(SEED)  # one outlet: no `sources[0]`, as the sample has
    first_source = '[channels.desk.template]\nbody = "Also in {{ sources[0] }}"\n'
    config = config_with(tmp_path, server, desk(server) + first_source)

    with json_log() as log:
        report = once(config)

    assert report.delivery.sent == 1
    (post,) = server.posts
    assert post["message"].startswith(SEED_HEADLINE)
    (warning,) = log.logged("channel template failed: the default one was used")
    assert warning["channel"] == "desk"
    assert "no element 0" in str(warning["error"])


def test_a_channels_unknown_time_zone_is_a_config_error_naming_it(
    server: FeedServer, tmp_path: Path
) -> None:
    config = config_with(tmp_path, server, desk(server) + 'timezone = "Mars/Olympus"\n')

    refused = cli("--config", str(config), "check", cwd=tmp_path)

    assert refused.returncode == 2
    assert "channel 'desk': timezone: unknown time zone 'Mars/Olympus'" in refused.stderr


def test_check_ends_with_an_error_on_a_template_that_would_never_finish(
    server: FeedServer, tmp_path: Path
) -> None:
    endless = (
        "\n[channels.desk.template]\n"
        'body = "{% for i in range(100000) %}{% for j in range(100000) %}.{% endfor %}'
        '{% endfor %}"\n'
    )
    huge = '\n[channels.desk.template]\nbody = "{{ title * 1000000000 }}"\n'
    looping = config_with(tmp_path / "a", server, desk(server) + endless)
    repeating = config_with(tmp_path / "b", server, desk(server) + huge)

    refused = cli("--config", str(looping), "check", cwd=tmp_path)
    refused_too = cli("--config", str(repeating), "check", cwd=tmp_path)

    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr + refused.stdout
    assert (
        "channel 'desk': template body: the loops went through more than 10,000 items"
        in refused.stderr
    )
    assert refused_too.returncode == 2
    assert "channel 'desk': template body: a repetition longer than 100,000" in (refused_too.stderr)


def test_a_template_given_as_a_string_is_the_body(server: FeedServer, tmp_path: Path) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    body = '\ntemplate = """\n{{ headline }}\nvia {{ feed }}\n"""\n'
    config = config_with(tmp_path, server, desk(server) + body)

    checked = cli("--config", str(config), "check", cwd=tmp_path)
    report = once(config)

    assert checked.returncode == 0, checked.stderr
    assert report.delivery.sent == 1
    (post,) = server.posts
    assert post["message"].splitlines() == [SEED_HEADLINE, "via wire.xml"]
    assert post["title"].endswith(SEED.title)  # the default title
