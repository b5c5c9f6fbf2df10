"""`import-opml` as a user runs it: the config's feeds.toml grows, comments survive, and the
config it leaves behind passes `check`."""

import tomllib
from pathlib import Path

from tests.support.cli import REPO, cli, example

OPML = REPO / "tests" / "data" / "subscriptions.opml"


def feed_names(config: Path) -> list[str]:
    document = tomllib.loads((config / "feeds.toml").read_text(encoding="utf-8"))
    return [feed["name"] for feed in document["feeds"]]


def test_import_appends_new_feeds_once_and_keeps_the_file_readable(tmp_path: Path) -> None:
    config = example(tmp_path) / "config"
    before = (config / "feeds.toml").read_text(encoding="utf-8")

    dry = cli("--config", "config", "import-opml", str(OPML), "--dry-run", cwd=tmp_path)
    unchanged = (config / "feeds.toml").read_text(encoding="utf-8")
    first = cli("--config", "config", "import-opml", str(OPML), cwd=tmp_path)
    after_first = feed_names(config)
    second = cli("--config", "config", "import-opml", str(OPML), cwd=tmp_path)
    checked = cli("--config", "config", "check", cwd=tmp_path)

    assert (dry.returncode, first.returncode, second.returncode) == (0, 0, 0), first.stderr
    assert unchanged == before
    assert "Would add 4 feed(s)" in dry.stdout
    assert "Added 4 feed(s)" in first.stdout
    assert "skipped file:///etc/passwd: not an http(s) URL" in first.stdout
    assert "skipped https://AP.example.org/top.xml: already configured" in first.stdout
    assert after_first == [
        "Sample wire",
        "Sample wire (2)",
        "AP Top",
        "TASS (EN)",
        "noname.example.org",
    ]
    assert feed_names(config) == after_first
    assert "Added 0 feed(s)" in second.stdout
    text = (config / "feeds.toml").read_text(encoding="utf-8")
    assert text.startswith(before)  # the user's comments and layout are kept
    assert 'tags = ["Russia"]' in text
    assert checked.returncode == 0, checked.stderr
    assert "5 feeds" in checked.stdout


def test_bad_input_is_a_clear_error_and_changes_nothing(tmp_path: Path) -> None:
    example(tmp_path)
    before = (tmp_path / "config" / "feeds.toml").read_bytes()
    (tmp_path / "feed.xml").write_bytes((REPO / "config/feeds/sample-wire.xml").read_bytes())

    missing = cli("--config", "config", "import-opml", "nope.opml", cwd=tmp_path)
    not_opml = cli("--config", "config", "import-opml", "feed.xml", cwd=tmp_path)
    no_config = cli("--config", "elsewhere", "import-opml", str(OPML), cwd=tmp_path)

    for result in (missing, not_opml, no_config):
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
    assert "No such file or directory" in missing.stderr
    assert "not an OPML file" in not_opml.stderr
    assert "Config directory not found: elsewhere" in no_config.stderr
    assert (tmp_path / "config" / "feeds.toml").read_bytes() == before


def test_a_config_file_that_is_not_toml_is_named_and_a_bom_is_no_error(tmp_path: Path) -> None:
    example(tmp_path)
    feeds = tmp_path / "config" / "feeds.toml"
    feeds.write_bytes(b"\xef\xbb\xbf" + feeds.read_bytes())  # as Windows editors save it
    (tmp_path / "config" / "extra.toml").write_text("x = = 1\n", encoding="utf-8")

    broken = cli("--config", "config", "import-opml", str(OPML), cwd=tmp_path)
    (tmp_path / "config" / "extra.toml").unlink()
    imported = cli("--config", "config", "import-opml", str(OPML), cwd=tmp_path)

    assert broken.returncode == 2, broken.stderr
    assert f"{Path('config') / 'extra.toml'}: cannot read: Invalid value" in broken.stderr
    assert imported.returncode == 0, imported.stderr
    assert cli("--config", "config", "check", cwd=tmp_path).returncode == 0


def test_inward_urls_are_imported_only_with_allow_private(tmp_path: Path) -> None:
    config = example(tmp_path) / "config"
    hostile = tmp_path / "hostile.opml"
    hostile.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>Shared list</title></head><body>'
        '<outline type="rss" text="Admin" xmlUrl="http://127.0.0.1:8080/admin"/>'
        '<outline type="rss" text="Cloud" xmlUrl="http://169.254.169.254/latest/meta-data/"/>'
        '<outline type="rss" text="Wire" xmlUrl="http://wire.example.org@127.0.0.2/secret"/>'
        "</body></opml>",
        encoding="utf-8",
    )

    refused = cli("--config", "config", "import-opml", str(hostile), cwd=tmp_path)
    names_then = feed_names(config)
    vouched = cli(
        "--config", "config", "import-opml", str(hostile), "--allow-private", cwd=tmp_path
    )

    assert (refused.returncode, vouched.returncode) == (0, 0)
    assert "Added 0 feed(s)" in refused.stdout
    assert (
        "skipped http://127.0.0.1:8080/admin: 127.0.0.1 is a loopback address "
        "(--allow-private imports it)"
    ) in refused.stdout
    assert "169.254.169.254 is a link-local address" in refused.stdout
    assert "credentials in the URL" in refused.stdout
    assert names_then == ["Sample wire"]
    assert "Added 3 feed(s)" in vouched.stdout
    assert feed_names(config) == ["Sample wire", "Admin", "Cloud", "Wire"]
