"""Which queued alerts a mute keeps back (`pacing.muted`), and the chat buttons' callback data."""

from datetime import UTC, datetime, timedelta

from monitor.delivery.pacing import muted
from monitor.delivery.telegram import buttons, callback_data, read_callback
from monitor.feedback import Mute
from monitor.model import OutboxRow

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ"


def row(number: int, channel: str, *rules: str) -> OutboxRow:
    return OutboxRow(number, f"story-{number}", channel, list(rules), {}, 0, NOW, [])


def mute(kind: str, name: str, hours: float | None = 4, reason: str | None = None) -> Mute:
    until = None if hours is None else NOW + timedelta(hours=hours)
    return Mute(kind, name, until, reason, NOW - timedelta(minutes=1), "cli")  # type: ignore[arg-type]


def test_a_muted_channel_keeps_back_all_its_alerts_and_no_other() -> None:
    rows = [row(1, "desk", "a"), row(2, "slack", "a")]

    reasons = muted(rows, [mute("channel", "desk", reason="on leave")], (), NOW)

    assert reasons == {1: "channel 'desk' muted until 2026-12-01 13:00 UTC (on leave)"}


def test_an_alert_goes_out_while_one_of_its_rules_is_still_heard() -> None:
    rows = [row(1, "desk", "a", "b"), row(2, "desk", "a"), row(3, "desk", "b")]

    reasons = muted(rows, [mute("rule", "a", hours=None)], (), NOW)

    assert reasons == {2: "rule 'a' muted"}


def test_a_mute_that_has_ended_keeps_nothing_back() -> None:
    assert muted([row(1, "desk", "a")], [mute("rule", "a", hours=-1)], (), NOW) == {}


def test_a_disabled_channel_keeps_back_its_alerts() -> None:
    reasons = muted([row(1, "desk", "a"), row(2, "tg", "a")], [], {"tg"}, NOW)

    assert reasons == {2: "channel 'tg' is disabled"}


def test_callback_data_is_small_and_names_its_action_and_alert() -> None:
    keyboard = buttons(2**53, TOKEN)["inline_keyboard"]
    datas = [button["callback_data"] for line in keyboard for button in line]

    assert all(len(data.encode()) <= 64 for data in datas)
    assert [read_callback(data, TOKEN) for data in datas] == [
        ("mute1h", 2**53),
        ("mute24h", 2**53),
        ("reject", 2**53),
    ]


def test_callback_data_made_up_or_altered_is_refused() -> None:
    data = callback_data("reject", 41, TOKEN)
    code, _number, signature = data.split(":")

    assert read_callback(f"{code}:42:{signature}", TOKEN) is None  # another alert
    assert read_callback(f"m24:41:{signature}", TOKEN) is None  # another action
    assert read_callback(data, "987654321:OTHERtokenOTHERtokenOTHERtokenOTH") is None
    assert read_callback("nr:41", TOKEN) is None
    assert read_callback("hello", TOKEN) is None
    assert read_callback("m1:\u00b2:0000000000", TOKEN) is None  # "²".isdigit(), not ASCII
    assert read_callback("m1:\u0664\u0661:0000000000", TOKEN) is None  # Arabic-Indic 41
