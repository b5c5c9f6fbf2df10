"""Where a relative `state_dir` points, a config loaded for commands that send nothing, and
`${NAME}` expansion."""

from pathlib import Path

import pytest

from monitor.config.load import load_config
from monitor.config.secrets import expand

SECRET_CHANNEL = '[channels.desk]\nurls = ["tgram://${MODES_TOKEN}/1", "console://"]\n'
RULE = '[actors.France]\naliases = ["France"]\n[[rules]]\nname = "r"\nquery = "@France"\n'


def make(directory: Path, settings: str = "", channels: str = SECRET_CHANNEL) -> Path:
    directory.mkdir(parents=True)
    (directory / "monitor.toml").write_text(f"[monitor]\n{settings}\n{channels}", encoding="utf-8")
    (directory / "rules.toml").write_text(RULE + 'channels = ["desk"]\n', encoding="utf-8")
    return directory


@pytest.fixture(autouse=True)
def no_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STATE_DIRECTORY", "MONITOR_STATE_DIR", "MODES_TOKEN", "CREDENTIALS_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("written", "expected"),
    [("", "state"), ('state_dir = "./db"', "db"), ('state_dir = "../shared"', "../shared")],
)
def test_a_relative_state_dir_is_relative_to_the_config_directory(
    tmp_path: Path, written: str, expected: str
) -> None:
    directory = make(
        tmp_path / "etc" / "monitor", written, channels='[channels.desk]\nurls = ["console://"]\n'
    )

    settings = load_config(directory, channel_urls=False).settings

    assert settings.state_dir == directory / expected


def test_an_absolute_state_dir_and_the_environment_are_taken_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = make(tmp_path / "c", f'state_dir = "{tmp_path / "abs"}"')
    absolute = load_config(directory, channel_urls=False).settings.state_dir
    monkeypatch.setenv("MONITOR_STATE_DIR", "here")
    from_shell = load_config(directory, channel_urls=False).settings.state_dir
    monkeypatch.setenv("STATE_DIRECTORY", "/var/lib/media-monitor")
    from_systemd = load_config(directory, channel_urls=False).settings.state_dir

    assert absolute == tmp_path / "abs"
    assert from_shell == Path("here")  # the shell's current directory, as a shell user means
    assert from_systemd == Path("/var/lib/media-monitor")


def test_without_channel_urls_no_secret_is_needed_and_no_url_kept(tmp_path: Path) -> None:
    config = load_config(make(tmp_path / "c"), channel_urls=False)

    desk = config.channels["desk"]
    assert (desk.urls, desk.shown_urls, config.secrets) == ((), (), ())
    assert config.rules["r"].channels == ("desk",)


def test_expand_reports_missing_names_and_the_values_it_put_in(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "MODES_CHAT").write_text("42\n", encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    monkeypatch.setenv("MODES_TOKEN", "t0ken")

    found = expand("tgram://${MODES_TOKEN}/${MODES_CHAT}")
    missing = expand("json://${MODES_NOPE}@host/${MODES_TOKEN}")

    assert (found.url, found.secrets, found.missing) == ("tgram://t0ken/42", ("t0ken", "42"), ())
    assert (missing.url, missing.missing) == ("json://@host/t0ken", ("MODES_NOPE",))
