"""Loading the config directory: merging, validation, secrets and overrides."""

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config.load import ConfigError, load_config

CHANNEL = '[channels.desk]\nurls = ["console://"]\n'
FEED = '[[feeds]]\nname = "Wire"\nurl = "wire.xml"\ntags = ["wires"]\n'
RULES = """
[actors.France]
aliases = ["France", "Paris"]
[[rules]]
name = "r1"
query = "@France"
channels = ["desk"]
feeds = ["Wire", "tag:wires"]
"""


def make(tmp_path: Path, **files: str) -> Path:
    (tmp_path / "wire.xml").write_text("<rss/>", encoding="utf-8")
    for name, body in files.items():
        (tmp_path / f"{name}.toml").write_text(body, encoding="utf-8")
    return tmp_path


def errors(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(directory)
    return caught.value.errors


def test_valid_directory_merges_all_files(tmp_path: Path) -> None:
    config = load_config(
        make(
            tmp_path, monitor=f'[monitor]\npoll_interval = "5m"\n{CHANNEL}', feeds=FEED, rules=RULES
        )
    )
    assert config.settings.poll_interval == timedelta(minutes=5)
    assert config.feeds["Wire"].url == (tmp_path / "wire.xml").resolve().as_uri()
    assert list(config.rules) == ["r1"]
    assert config.channels["desk"].shown_urls == ("console://",)


def test_every_error_is_reported_with_file_and_name(tmp_path: Path) -> None:
    bad_rules = """
[[rules]]
name = "unknown-ref"
query = "@Nobody"
channels = ["desk"]
[[rules]]
name = "bad-channel"
query = "x"
channels = ["nowhere"]
feeds = ["tag:none"]
[[feeds]]
name = "Broken"
url = "wire.xml"
interval = "soon"
[[feeds]]
name = "Gopher"
url = "gopher://x"
"""
    found = errors(make(tmp_path, monitor=f'[monitor]\ntimeout = "x"\n{CHANNEL}', rules=bad_rules))
    joined = "\n".join(found)
    assert f"{tmp_path / 'rules.toml'}: rule 'unknown-ref': unknown @Nobody" in joined
    assert "rule 'bad-channel': unknown channel 'nowhere'" in joined
    assert "rule 'bad-channel': feeds: no feed has 'tag:none'" in joined
    assert "feed 'Broken': interval: 'soon' is not a duration" in joined
    assert f"{tmp_path / 'rules.toml'}: feed 'Gopher': unsupported URL scheme 'gopher://'" in joined
    assert "[monitor] timeout: 'x' is not a duration" in joined
    assert len(found) == 6


def test_same_name_in_two_files_names_both(tmp_path: Path) -> None:
    found = errors(make(tmp_path, a=CHANNEL + FEED, b=CHANNEL + FEED))
    assert (
        f"{tmp_path / 'b.toml'}: channel 'desk' is also defined in {tmp_path / 'a.toml'}" in found
    )
    assert f"{tmp_path / 'b.toml'}: feed 'Wire' is also defined in {tmp_path / 'a.toml'}" in found


def test_unknown_section_and_bad_toml(tmp_path: Path) -> None:
    found = errors(make(tmp_path, a="[sources]\nx = 1\n", b="this is = = not toml"))
    assert any("a.toml: unknown section [sources]" in e for e in found)
    assert any("b.toml: cannot read" in e for e in found)


def test_a_file_saved_with_a_byte_order_mark_reads_as_written(tmp_path: Path) -> None:
    # Windows editors (Notepad) save UTF-8 with a BOM, which tomllib refused as an "Invalid
    # statement (at line 1, column 1)" that nobody can see in the file.
    make(tmp_path, monitor=CHANNEL, feeds=FEED)
    (tmp_path / "rules.toml").write_bytes(b"\xef\xbb\xbf" + RULES.replace("\n", "\r\n").encode())
    config = load_config(tmp_path)
    assert list(config.rules) == ["r1"]


def test_environment_overrides_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_POLL_INTERVAL", "90s")
    monkeypatch.setenv("STATE_DIRECTORY", "/var/lib/media-monitor")
    config = load_config(make(tmp_path, monitor=f'[monitor]\npoll_interval = "5m"\n{CHANNEL}'))
    assert config.settings.poll_interval == timedelta(seconds=90)
    assert config.settings.state_dir == Path("/var/lib/media-monitor")


def test_secrets_from_environment_and_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "TG_TOKEN").write_text("123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ\n")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    monkeypatch.setenv("TG_CHAT", "4242")
    channel = '[channels.tg]\nurls = ["tgram://${TG_TOKEN}/${TG_CHAT}"]\n'
    (tmp_path / "config").mkdir()
    config = load_config(make(tmp_path / "config", monitor=channel))
    url = config.channels["tg"].urls[0].get_secret_value()
    assert url == "tgram://123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ/4242"
    assert "AAbb" not in config.channels["tg"].shown_urls[0]
    assert "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ" in config.secrets


def test_invalid_apprise_url_and_missing_directory(tmp_path: Path) -> None:
    found = errors(make(tmp_path, monitor='[channels.x]\nurls = ["nosuchservice://abc"]\n'))
    assert any(
        "channel 'x': URL 1 (nosuchservice://…) is not a valid Apprise URL" in e for e in found
    )
    assert errors(tmp_path / "missing") == [f"{tmp_path / 'missing'}: config directory not found"]


def test_rule_examples_are_checked(tmp_path: Path) -> None:
    rules = RULES.replace(
        'feeds = ["Wire", "tag:wires"]',
        'feeds = ["Wire", "tag:wires"]\n'
        'must_match = ["Paris talks", { title = "Macron in Kyiv" }]\n'
        'must_not_match = ["A Parisian café", { title = "Paris", text = "weather" }]',
    )
    found = errors(make(tmp_path, monitor=CHANNEL, feeds=FEED, rules=rules))
    where = f"{tmp_path / 'rules.toml'}: rule 'r1'"
    assert found == [
        f"{where}: must_match example 2 does not match: 'Macron in Kyiv'",
        f"{where}: must_not_match example 2 matches: 'Paris | weather'",
    ]


def test_example_config_is_valid_and_its_examples_pass() -> None:
    config = load_config(Path(__file__).resolve().parents[2] / "config")
    assert sum(len(rule.examples) for rule in config.rules.values()) == 10


def test_state_retention_must_outlive_fresh_items(tmp_path: Path) -> None:
    settings = '[monitor]\nmax_item_age = "3d"\nstate_retention = "4d"\n'
    found = errors(make(tmp_path, monitor=settings + CHANNEL))
    assert found == [
        f"{tmp_path / 'monitor.toml'}: [monitor] state_retention: must be longer than "
        "max_item_age + 1d (4d), or forgotten items could alert again"
    ]
    (tmp_path / "monitor.toml").write_text(settings.replace('"4d"', '"5d"') + CHANNEL)
    assert load_config(tmp_path).settings.state_retention == timedelta(days=5)


def test_interactive_needs_a_telegram_url(tmp_path: Path) -> None:
    channel = CHANNEL + "interactive = true\n"
    found = errors(make(tmp_path, monitor=channel, feeds=FEED, rules=RULES))
    assert found == [
        f"{tmp_path / 'monitor.toml'}: channel 'desk': interactive needs a Telegram URL (tgram://…)"
    ]


def test_a_disabled_rule_is_kept_but_not_matched(tmp_path: Path) -> None:
    rules = RULES.replace('channels = ["desk"]', 'channels = ["desk"]\nenabled = false')
    off = CHANNEL + "enabled = false\n"
    config = load_config(make(tmp_path, monitor=off, feeds=FEED, rules=rules))
    assert not config.rules["r1"].enabled
    assert not config.channels["desk"].enabled
    assert not config.matcher.match("Paris talks", "").matches
