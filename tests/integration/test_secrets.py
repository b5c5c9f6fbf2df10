"""Secrets from ${NAME} never reach a log line, whatever logs them."""

import asyncio
import io
import logging
from pathlib import Path

import pytest
import structlog

from monitor import log as logging_setup
from monitor.config.load import load_config
from monitor.service.once import run_once
from tests.support.cli import cli
from tests.support.config import write_config
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer
from tests.support.services import TELEGRAM_CHAT, TELEGRAM_TOKEN, FakeTelegram

SECRET = "s3cr3t-Pa55word-4242"


def test_debug_run_with_failing_channel_never_logs_the_password(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(Entry("1", "Paris sends troops to Ukraine"))
    server.sink_status = 500
    channels = (
        f'[channels.desk]\nurls = ["json://desk:${{SINK_PASSWORD}}@127.0.0.1:{server.port}/sink"]\n'
    )
    rules = '[[rules]]\nname = "r"\nquery = "@France AND @Ukraine"\nchannels = ["desk"]\n'
    feeds = f'[[feeds]]\nname = "wire"\nurl = "{server.url("wire.xml")}"\n'
    config = write_config(tmp_path / "c", tmp_path / "s", feeds, rules, channels)

    result = cli(
        "--config",
        str(config),
        "--log-level",
        "debug",
        "once",
        cwd=tmp_path,
        env={"SINK_PASSWORD": SECRET},
    )

    assert result.returncode == 0, result.stderr
    assert "alert delivery failed; will retry" in result.stderr  # the failure was logged…
    assert SECRET not in result.stderr + result.stdout  # …without the password
    assert server.posts  # and Apprise did use it to reach the sink


def test_library_log_records_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    logging_setup.configure("debug", "json")
    logging_setup.add_secrets([SECRET])

    logging.getLogger("apprise").warning("POST to https://api.example/bot%s/send", SECRET)
    structlog.get_logger("monitor.test").info("oops", url=f"tgram://{SECRET}/1")

    output = stream.getvalue()
    assert SECRET not in output
    assert output.count("***") == 2


def test_telegram_token_never_logged_at_debug_even_when_delivery_fails(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram = FakeTelegram(server, monkeypatch)
    telegram.failing = True
    server.feeds["wire.xml"] = rss(Entry("1", "Paris sends troops to Ukraine"))
    monkeypatch.setenv("TELEGRAM_TOKEN", TELEGRAM_TOKEN)
    channels = f'[channels.tg]\nurls = ["tgram://${{TELEGRAM_TOKEN}}/{TELEGRAM_CHAT}"]\n'
    rules = '[[rules]]\nname = "r"\nquery = "@France AND @Ukraine"\nchannels = ["tg"]\n'
    feeds = f'[[feeds]]\nname = "wire"\nurl = "{server.url("wire.xml")}"\n'
    config_dir = write_config(tmp_path / "c", tmp_path / "s", feeds, rules, channels)
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    logging_setup.configure("debug", "json")
    config = load_config(config_dir)
    logging_setup.add_secrets(config.secrets)
    # As if Apprise were not capped at INFO: redaction alone must catch its debug lines.
    logging.getLogger("apprise").setLevel(logging.DEBUG)

    report = asyncio.run(run_once(config))

    output = stream.getvalue()
    assert report.delivery.retrying == 1
    assert "alert delivery failed; will retry" in output
    assert "tgram://" in output  # the failing URL is named, in Apprise's privacy form…
    assert TELEGRAM_TOKEN not in output  # …never with its token
    assert TELEGRAM_TOKEN.split(":")[1] not in output
    assert "/bot***/sendMessage" in output  # Apprise's own debug line, redacted
