"""Credentials written in the config (a channel's literal token, a feed URL's user-info and
`?api_key=`) and terminal escapes from a feed never reach the debug log, `check`, `feeds` or
`history` (issue 18)."""

import base64
import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from tests.support.cli import cli
from tests.support.config import RULES, write_config
from tests.support.loopback import FeedServer

CHANNEL_TOKEN = "L1teral-Ch4nnel-T0ken"
FEED_PASSWORD = "Feed-Pa55word"
FEED_KEY = "Feed-Api-K3y"
SECRETS = (CHANNEL_TOKEN, FEED_PASSWORD, FEED_KEY)
# A title such as a hostile feed writes it: clear the screen, then override the direction.
HOSTILE_TITLE = "Paris sends troops to Ukraine &#x1b;[2J&#x1b;[31m &#x202e;gpj.exe"
# Dated: an undated item on a feed's first poll is its backlog, and would not alert.
FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
    f"<guid>1</guid><pubDate>{format_datetime(datetime.now(UTC))}</pubDate>"
    f"<title>{HOSTILE_TITLE}</title><description>French soldiers in Kyiv"
    "</description></item></channel></rss>"
).encode()


def _config(server: FeedServer, tmp_path: Path) -> Path:
    address = f"127.0.0.1:{server.port}"
    feeds = (
        '[[feeds]]\nname = "wire [/] [bold]"\n'
        f'url = "http://reader:{FEED_PASSWORD}@{address}/wire.xml?api_key={FEED_KEY}&page=1"\n'
    )
    channel = f'[channels.desk]\nurls = ["json://desk:{CHANNEL_TOKEN}@{address}/sink/desk"]\n'
    return write_config(tmp_path / "config", tmp_path / "state", feeds, RULES, channel)


def test_no_secret_or_escape_reaches_any_output(server: FeedServer, tmp_path: Path) -> None:
    server.feeds["wire.xml"] = FEED
    server.sink_status = 500  # the send fails, and its failure is logged
    config = str(_config(server, tmp_path))

    runs = {
        "once": cli("--config", config, "--log-level", "debug", "once", cwd=tmp_path),
        "check": cli("--config", config, "check", cwd=tmp_path),
        "feeds": cli("--config", config, "feeds", cwd=tmp_path),
        "feeds --json": cli("--config", config, "feeds", "--json", cwd=tmp_path),
        "history": cli("--config", config, "history", cwd=tmp_path),
        "history --json": cli("--config", config, "history", "--json", cwd=tmp_path),
    }

    # The credentials were used (the URLs were kept whole), only never shown.
    assert server.posts, "the channel was tried"
    basic = "Basic " + base64.b64encode(f"reader:{FEED_PASSWORD}".encode()).decode()
    assert ("wire.xml", basic) in [(p, h.get("Authorization")) for p, h in server.requests]
    for name, ran in runs.items():
        assert ran.returncode == 0, (name, ran.stderr)
        shown = ran.stdout + ran.stderr
        assert not [s for s in SECRETS if s in shown], (name, shown)
        assert "\x1b" not in shown, name
        assert "\u202e" not in shown, name
    assert "wire [/] [bold]" in runs["check"].stdout  # a name is shown as written, not as markup
    assert "reader:***@" in runs["check"].stdout
    assert "api_key=***&page=1" in runs["check"].stdout
    (row,) = json.loads(runs["feeds --json"].stdout)
    assert row["url"].endswith("/wire.xml?api_key=***&page=1")
    (alert,) = json.loads(runs["history --json"].stdout)
    assert alert["title"] == "Paris sends troops to Ukraine \\x1b[2J\\x1b[31m \\u202egpj.exe"
