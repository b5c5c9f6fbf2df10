"""Muting from the command line (`mute`, `unmute`, `mute --list`) and `enabled = false`: what a
mute keeps back is recorded in `history` as muted, not sent, then or later."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.feedback import Mute
from monitor.state.store import Store
from tests.support.cli import cli, history
from tests.support.config import RULES, SEED, desk, desk_config, feeds_toml, once, write_config
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer


def test_a_muted_rule_s_alert_is_recorded_as_muted_and_not_sent_when_the_mute_ends(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    config = desk_config(server, tmp_path, "wire.xml")
    once(config)  # the state exists; nothing new yet besides the seed story
    server.posts.clear()
    muted = cli(
        "mute",
        "russia-warns",
        "--for",
        "4h",
        "--reason",
        "summit week",
        "--config",
        str(config),
        cwd=tmp_path,
    )
    listed = cli("mute", "--list", "--config", str(config), cwd=tmp_path)
    server.feeds["wire.xml"] = rss(
        Entry(
            guid="warn-2",
            title="Kremlin warns of escalation",
            description="Russia warns again.",
            link="https://news.example.org/world/warn-2",
        )
    )
    once(config)
    unmuted = cli("unmute", "russia-warns", "--config", str(config), cwd=tmp_path)
    once(config)  # the mute has ended: the muted alert is not sent late

    assert muted.returncode == 0, muted.stderr
    assert "Muted rule 'russia-warns' until" in muted.stdout
    assert "russia-warns" in listed.stdout
    assert "summit week" in listed.stdout
    assert unmuted.stdout.strip() == "Unmuted rule 'russia-warns'."
    assert server.posts == []
    (alert,) = [a for a in history(config, tmp_path) if a["title"] == "Kremlin warns of escalation"]
    assert alert["status"] == "muted"
    assert "rule 'russia-warns' muted until" in str(alert["last_error"])
    assert "summit week" in str(alert["last_error"])


def test_an_unknown_or_ambiguous_name_is_refused_naming_what_there_is(
    server: FeedServer, tmp_path: Path
) -> None:
    rules = RULES + '\n[[rules]]\nname = "desk"\nquery = "Kyiv"\nchannels = ["desk"]\n'
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds_toml(server, "wire.xml"), rules, desk(server)
    )
    server.feeds["wire.xml"] = rss(SEED)
    once(config)

    unknown = cli("mute", "nope", "--for", "1h", "--config", str(config), cwd=tmp_path)
    both = cli("mute", "desk", "--for", "1h", "--config", str(config), cwd=tmp_path)
    channel = cli("mute", "desk", "--channel", "--config", str(config), cwd=tmp_path)
    not_a_rule = cli("mute", "nope", "--rule", "--config", str(config), cwd=tmp_path)
    bad_period = cli(
        "mute", "desk", "--rule", "--for", "soon", "--config", str(config), cwd=tmp_path
    )

    assert unknown.returncode == 2
    assert "No rule or channel 'nope'" in unknown.stderr
    assert "rules: france-troops-ukraine, russia-warns, desk; channels: desk" in unknown.stderr
    assert both.returncode == 2
    assert "give --rule or --channel" in both.stderr
    assert channel.returncode == 0
    assert "Muted channel 'desk' until unmuted" in channel.stdout
    assert not_a_rule.returncode == 2
    assert "No rule 'nope'" in not_a_rule.stderr
    assert bad_period.returncode == 2
    assert "--for" in bad_period.stderr


def test_a_mute_in_the_state_is_obeyed_without_a_reload(server: FeedServer, tmp_path: Path) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    config = desk_config(server, tmp_path, "wire.xml")
    now = datetime.now(UTC)
    store = Store.open(tmp_path / "state")
    try:
        store.mute(Mute("channel", "desk", now + timedelta(hours=1), None, now, "cli"))
    finally:
        store.close()
    once(config)

    (alert,) = history(config, tmp_path)
    assert alert["status"] == "muted"
    assert server.posts == []


def test_enabled_false_disables_a_rule_and_mutes_a_channel(
    server: FeedServer, tmp_path: Path
) -> None:
    rules = (
        RULES.replace('name = "russia-warns"\n', 'name = "russia-warns"\nenabled = false\n')
        + '\n[[rules]]\nname = "kyiv"\nquery = "Kyiv OR Ukraine"\nchannels = ["off"]\n'
    )
    channels = desk(server) + (
        f'[channels.off]\nurls = ["json://127.0.0.1:{server.port}/sink/off"]\nenabled = false\n'
    )
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds_toml(server, "wire.xml"), rules, channels
    )
    server.feeds["wire.xml"] = rss(SEED)

    checked = cli("check", "--config", str(config), cwd=tmp_path)
    once(config)
    alerts = history(config, tmp_path)
    listed = cli("mute", "--list", "--config", str(config), cwd=tmp_path)

    assert checked.returncode == 0, checked.stderr
    assert "russia-warns (disabled)" in checked.stdout
    assert "off (disabled)" in checked.stdout
    # SEED matches france-troops-ukraine (desk), russia-warns (disabled: never matched) and
    # kyiv (on the disabled channel: recorded as muted).
    assert sorted((a["channel"], a["rules"], a["status"]) for a in alerts) == [
        ("desk", ["france-troops-ukraine"], "sent"),
        ("off", ["kyiv"], "muted"),
    ]
    assert [p["path"] for p in server.posts] == ["sink/desk"]
    assert "disabled in the config" in listed.stdout


def test_a_mute_before_the_first_run_makes_the_state_and_is_obeyed(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["wire.xml"] = rss(SEED)
    config = desk_config(server, tmp_path, "wire.xml")

    muted = cli("mute", "desk", "--config", str(config), cwd=tmp_path)  # no state yet
    report = once(config)
    listed = cli("mute", "--list", "--config", str(config), cwd=tmp_path)

    assert muted.returncode == 0, muted.stderr
    assert "Muted channel 'desk' until unmuted" in muted.stdout
    assert (report.delivery.sent, report.delivery.muted) == (0, 1)
    assert server.posts == []
    assert "desk" in listed.stdout
