"""JSON log lines: text in any script as it is, valid JSON, secrets still redacted."""

import contextlib
import io
import json
import logging
from collections.abc import Iterator
from typing import Any, TextIO

import pytest
import structlog

from monitor import log as logging_setup
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
