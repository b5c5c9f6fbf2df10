"""Log lines: text in any script as it is, valid JSON, secrets and URL credentials redacted,
control characters escaped."""

import contextlib
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import pytest
import structlog

from monitor import log as logging_setup
from monitor.config.load import load_config
from tests.support.logs import logging_kept

CYRILLIC = "Не удалось получить ленту: соединение отклонено"
CHINESE = "无法获取订阅源：连接被拒绝"
SECRET = "пароль-Secret-42"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Secrets registered by a test are forgotten after it, and so is its log set-up."""
    monkeypatch.setattr(logging_setup, "_secrets", [])
    with logging_kept():
        yield


def _log_to(stream: TextIO) -> None:
    with contextlib.redirect_stderr(stream):
        logging_setup.configure("info", "json")


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_json_lines_carry_other_scripts_as_utf8() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    _log_to(stream)

    structlog.get_logger("monitor.test").warning("feed poll failed", feed="Лента", error=CYRILLIC)
    logging.getLogger("aiohttp.client").error("%s", CHINESE)

    written = raw.getvalue()
    assert CYRILLIC.encode() in written  # as it is, not \u041d…
    assert CHINESE.encode() in written
    assert b"\\u" not in written
    first, second = _lines(written.decode("utf-8"))  # each line is valid JSON
    assert (first["feed"], first["error"]) == ("Лента", CYRILLIC)
    assert second["event"] == CHINESE


def test_secrets_are_redacted_in_text_of_any_script() -> None:
    stream = io.StringIO()
    _log_to(stream)
    logging_setup.add_secrets([SECRET])

    structlog.get_logger("monitor.test").error("отправка не удалась", url=f"json://u:{SECRET}@h")
    logging.getLogger("apprise").warning("发送到 json://u:%s@h 失败", SECRET)

    output = stream.getvalue()
    assert SECRET not in output
    assert "отправка не удалась" in output
    first, second = _lines(output)
    assert (first["event"], first["url"]) == ("отправка не удалась", "json://u:***@h")
    assert second["event"] == "发送到 json://u:***@h 失败"


def test_a_stderr_that_is_not_utf8_gets_escapes_and_still_valid_json() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="latin-1", write_through=True)
    _log_to(stream)

    structlog.get_logger("monitor.test").warning("feed poll failed", error=f"Élysée: {CYRILLIC}")

    written = raw.getvalue()
    assert written.isascii()  # no latin-1 byte that would break a UTF-8 reader
    (line,) = _lines(written.decode("ascii"))
    assert line["error"] == f"Élysée: {CYRILLIC}"


def test_url_credentials_are_masked_in_any_line_without_being_registered() -> None:
    stream = io.StringIO()
    _log_to(stream)

    structlog.get_logger("monitor.test").info(
        "article page not fetched", url="http://evil.example@127.0.0.2/secret?token=t0k3n"
    )
    logging.getLogger("aiohttp.client").warning("GET https://reader:hunter2@feeds.example/x")

    first, second = _lines(stream.getvalue())
    assert first["url"] == "http://***@127.0.0.2/secret?token=***"
    assert second["event"] == "GET https://reader:***@feeds.example/x"


def test_tokens_written_in_the_config_itself_are_redacted(tmp_path: Path) -> None:
    (tmp_path / "monitor.toml").write_text(
        '[channels.desk]\nurls = ["json://desk:L1teral-T0ken@127.0.0.1:9/sink"]\n'
        '[[feeds]]\nname = "wire"\n'
        'url = "https://reader:Feed-Pa55@feeds.example.org/x?api_key=Feed-K3y&page=1"\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    stream = io.StringIO()
    _log_to(stream)
    logging_setup.add_secrets(config.secrets)

    # Libraries log secrets outside any URL too: a header, a form field, a bare token.
    logging.getLogger("aiohttp.client").warning(
        "auth failed: password=L1teral-T0ken key Feed-K3y, basic Feed-Pa55"
    )

    output = stream.getvalue()
    for secret in ("L1teral-T0ken", "Feed-Pa55", "Feed-K3y"):
        assert secret not in output
    assert _lines(output)[0]["event"] == "auth failed: password=*** key ***, basic ***"


def test_control_characters_from_feeds_never_reach_the_terminal() -> None:
    stream = io.StringIO()
    with contextlib.redirect_stderr(stream):
        logging_setup.configure("info", "console")

    title = "Wire\x1b[2J\x1b]8;;http://evil\x07 \u202egpj.exe\x00"
    structlog.get_logger("monitor.test").warning("feed poll failed", feed=title, error=title)
    logging.getLogger("feedparser").warning("bad title %s", title)  # an event is not repr()ed

    output = stream.getvalue()
    assert "\x1b" not in output  # (console lines are uncoloured: stderr is not a terminal)
    assert "\u202e" not in output
    assert "\x00" not in output
    assert "bad title Wire\\x1b[2J" in output
