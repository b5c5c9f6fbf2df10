"""Hostile and mistaken config values, each kept from a red-team round (issue 18): `check`
refuses every one with exit 2 and a message naming the file and the setting, never a traceback
(exit 1 would make systemd restart the service in a loop)."""

from pathlib import Path

import pytest

from monitor.config.durations import parse_duration
from monitor.config.load import ConfigError, load_config
from monitor.config.opml import append_feeds, read_opml
from tests.support.cli import cli

FEED_XML = '<?xml version="1.0"?><rss version="2.0"><channel><title>w</title></channel></rss>'
CHANNEL = '[channels.desk]\nurls = ["console://"]\n'
RULE = '[[rules]]\nname = "r"\nquery = "troops"\nchannels = ["desk"]\n'


def feed(**fields: str) -> str:
    """A `[[feeds]]` entry: the wire feed, with `fields` (TOML values as written) replaced."""
    values = {"name": '"Wire"', "url": '"wire.xml"', **fields}
    return "[[feeds]]\n" + "".join(f"{key} = {value}\n" for key, value in values.items())


# (what is tried, the file it is in, its TOML, what the message must say)
CORPUS = [
    ("infinite interval", "monitor", "poll_interval = inf", "poll_interval: inf is too long"),
    ("NaN interval", "monitor", "poll_interval = nan", "poll_interval: nan is not a duration"),
    ("huge days", "monitor", 'poll_interval = "999999999999d"', "poll_interval: '999999999999d'"),
    ("huge seconds", "monitor", "max_item_age = 1e300", "max_item_age: 1e+300 is too long"),
    ("400 digits", "monitor", f'timeout = "{"9" * 400}s"', "timeout: '999"),
    ("negative interval", "monitor", "poll_interval = -5", "poll_interval: -5 is negative"),
    ("zero interval", "monitor", 'poll_interval = "0"', "poll_interval: must be more than 0"),
    ("rounds to zero", "monitor", "poll_interval = 1e-9", "poll_interval: must be more than 0"),
    ("zero timeout", "monitor", "timeout = 0", "timeout: must be more than 0"),
    ("zero status", "monitor", 'status_interval = "0"', "status_interval: must be more than 0"),
    ("zero retry age", "monitor", 'max_retry_age = "0"', "max_retry_age: must be more than 0"),
    ("zero item age", "monitor", 'max_item_age = "0"', "max_item_age: must be more than 0"),
    ("negative retention", "monitor", "history_retention = -1", "history_retention: -1 is"),
    ("huge feed cap", "monitor", "max_feed_bytes = 99999999999999999999", "max_feed_bytes:"),
    ("all interfaces", "monitor", 'http = "0.0.0.0:9464"', "http: '0.0.0.0:9464' is not a loop"),
    ("IPv6 any", "monitor", 'http = "[::]:9464"', "set http_public = true"),
    ("a public name", "monitor", 'http = "metrics.example.org:9464"', "not a loopback"),
    ("NUL host", "monitor", 'http = "\\u0000:9464"', "http: '\\x00:9464' is not \"HOST:PORT\""),
    ("huge port", "monitor", 'http = "127.0.0.1:99999999999999999999"', 'is not "HOST:PORT"'),
    ("infinite digest", "channel", "digest = inf", "channel 'desk': digest: inf is too long"),
    ("NUL in URL", "feeds", feed(url='"http://a\\u0000b/feed"'), "url 'http://a\\x00b/feed'"),
    ("ESC in URL", "feeds", feed(url='"https://ex\\u001bample.org/"'), "control character"),
    ("blank URL", "feeds", feed(url='" https://example.org/"'), "control character or blank"),
    ("no host", "feeds", feed(url='"https:///feed.xml"'), "url: no host in the URL"),
    ("bad port", "feeds", feed(url='"http://example.org:99999/"'), "url: not a valid URL"),
    ("other scheme", "feeds", feed(url='"gopher://example.org/"'), "unsupported URL scheme"),
    ("not a feed", "feeds", feed(url='"shadow"'), "not a feed (RSS, Atom or JSON Feed)"),
    ("environ", "feeds", feed(url='"/proc/self/environ"'), "not a feed"),
    ("a device", "feeds", feed(url='"file:///dev/null"'), "not a regular file: /dev/null"),
    ("too long a name", "feeds", feed(url=f'"{"a" * 5000}.xml"'), "cannot use it"),
    ("negative feed interval", "feeds", feed(interval="-1"), "feed 'Wire': interval: -1 is"),
    ("zero feed interval", "feeds", feed(interval='"0"'), "feed 'Wire': interval: must be"),
    ("ESC in a name", "feeds", feed(name='"W\\u001b[2J"'), "name: 'W\\x1b[2J' holds a control"),
    ("RTL override", "feeds", feed(tags='["\\u202egpj"]'), "tags.0: '\\u202egpj' holds a control"),
    ("NUL rule name", "rules", RULE.replace('"r"', '"r\\u0000"'), "name: 'r\\x00' holds a"),
]


def write(directory: Path, part: str, toml: str) -> Path:
    """A config directory whose `part` (monitor, channel, feeds or rules) holds `toml`."""
    directory.mkdir(exist_ok=True)
    (directory / "wire.xml").write_text(FEED_XML, encoding="utf-8")
    (directory / "shadow").write_text("root:$6$salt$hash:19000:0:99999:7:::\n", encoding="utf-8")
    monitor = f"[monitor]\n{toml if part == 'monitor' else ''}\n"
    channel = CHANNEL + (toml if part == "channel" else "")
    files = {
        "monitor.toml": f"{monitor}\n{channel}\n",
        "feeds.toml": toml if part == "feeds" else feed(),
        "rules.toml": toml if part == "rules" else RULE,
    }
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    ("part", "toml", "message"), [case[1:] for case in CORPUS], ids=[case[0] for case in CORPUS]
)
def test_check_refuses_with_exit_2_naming_file_and_setting(
    tmp_path: Path, part: str, toml: str, message: str
) -> None:
    directory = write(tmp_path / "config", part, toml)
    file = directory / {"channel": "monitor"}.get(part, part)

    result = cli("--config", str(directory), "check", cwd=tmp_path)

    assert result.returncode == 2, result.stdout
    assert f"{file}.toml: " in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "\x1b" not in result.stderr
    assert "\x00" not in result.stderr


def test_the_corpus_holds_one_error_each(tmp_path: Path) -> None:
    # Each value is refused for itself, not for a side effect on the rest of the config (a
    # channel refused leaves its rule naming an unknown channel: that one follows from it).
    for number, (name, part, toml, _message) in enumerate(CORPUS):
        with pytest.raises(ConfigError) as caught:
            load_config(write(tmp_path / str(number), part, toml))
        found = [e for e in caught.value.errors if "unknown channel 'desk'" not in e]
        assert len(found) == 1, (name, caught.value.errors)


def test_a_loopback_address_or_http_public_is_accepted(tmp_path: Path) -> None:
    for number, settings in enumerate(
        [
            'http = "127.0.0.1:9464"',
            'http = "[::1]:9464"',
            'http = "localhost:9464"',
            'http = "0.0.0.0:9464"\nhttp_public = true',
        ]
    ):
        config = load_config(write(tmp_path / str(number), "monitor", settings))
        assert config.settings.http_address is not None


def test_a_bad_value_from_the_environment_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_POLL_INTERVAL", "inf")
    monkeypatch.setenv("MONITOR_HTTP", "0.0.0.0:9464")

    result = cli("--config", str(write(tmp_path / "c", "monitor", "")), "check", cwd=tmp_path)

    assert result.returncode == 2
    assert "environment MONITOR_POLL_INTERVAL: [monitor] poll_interval: 'inf'" in result.stderr
    assert "not a loopback address" in result.stderr


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("0", 0), ("90s", 90), ("1.5m", 90), (90, 90), ("250ms", 0.25), ("36500d", 36500 * 86400)],
)
def test_durations_still_read_as_before(written: object, seconds: float) -> None:
    assert parse_duration(written).total_seconds() == seconds


def test_local_feeds_in_the_config_directory_or_as_file_urls_still_load(tmp_path: Path) -> None:
    directory = write(tmp_path / "config", "feeds", "")
    (directory / "bom.xml").write_bytes(b"\xef\xbb\xbf\n  " + FEED_XML.encode())
    (directory / "utf16.xml").write_bytes(FEED_XML.encode("utf-16"))
    (directory / "feed.json").write_text('{"version": "https://jsonfeed.org/version/1.1"}')
    urls = ["wire.xml", "bom.xml", "utf16.xml", "feed.json", (directory / "wire.xml").as_uri()]
    (directory / "feeds.toml").write_text(
        "".join(feed(name=f'"f{n}"', url=f'"{url}"') for n, url in enumerate(urls))
    )

    config = load_config(directory)

    assert [f.url for f in config.feeds.values()][:4] == [
        (directory / name).as_uri() for name in urls[:4]
    ]


def test_an_imported_feed_name_with_markup_and_escapes_passes_check(tmp_path: Path) -> None:
    # The red-team's OPML: rich markup crashed `check`, and ESC reached the terminal.
    opml = (
        '<?xml version="1.0"?><opml version="2.0"><body><outline text="[bold]News">'
        '<outline type="rss" text="[/] Wire &#x202e;gpj.exe &#x1b;[2J" xmlUrl="wire.xml"/>'
        "</outline></body></opml>"
    )
    directory = write(tmp_path / "config", "feeds", "")
    (directory / "feeds.toml").write_text("")
    (tmp_path / "list.opml").write_text(opml, encoding="utf-8")
    (listed,) = read_opml((tmp_path / "list.opml").read_bytes())
    append_feeds(
        directory / "feeds.toml", [{"name": listed.title, "url": "wire.xml", "tags": listed.tags}]
    )

    result = cli("--config", str(directory), "check", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "[/] Wire \\u202egpj.exe \\x1b[2J" in result.stdout
    assert "[bold]News" in result.stdout
    assert "\x1b" not in result.stdout
    assert "\u202e" not in result.stdout
