"""`media-monitor test-rule` as a user runs it, from every source of items."""

import json
from pathlib import Path

from aiohttp import web

from tests.support.cli import cli, example
from tests.support.loopback import FeedServer

ARTICLE = b"""<html><head><title>Macron on Ukraine</title></head><body><nav>Home Sport</nav>
<article><h1>Macron on Ukraine</h1><p>French troops could be sent to Ukraine, the Elysee said
on Tuesday in a statement that ran for several paragraphs.</p><p>Officials in Paris added that
no decision had been taken and that talks with allies would continue.</p></article></body></html>"""


def run_json(*args: str, cwd: Path) -> list[dict[str, object]]:
    result = cli("--config", "config", "test-rule", *args, "--json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


def test_text_and_title_with_highlights(tmp_path: Path) -> None:
    cwd = example(tmp_path)
    found = run_json(
        "title:@France @troops",
        "--title",
        "Élysée statement",
        "--text",
        "No soldiers will go.",
        cwd=cwd,
    )
    assert found == [
        {
            "feed": "--text",
            "title": "Élysée statement",
            "link": None,
            "published": None,
            "title_highlights": [[0, 6]],
            "snippet": "No soldiers will go.",
            "snippet_highlights": [[3, 11]],
            "actors": ["France"],
            "language": "en",
            # @France in the title (50), the weakest part @troops in the text's lead (25).
            "prominence": 25,
            "rejected": None,  # a story typed in has no alert
        }
    ]
    assert run_json("text:@France", "--title", "Élysée statement", cwd=cwd) == []


def test_rule_by_name_over_a_feed_file_and_a_table(tmp_path: Path) -> None:
    cwd = example(tmp_path)
    found = run_json("france-troops-ukraine", "--file", "config/feeds/sample-wire.xml", cwd=cwd)
    assert [f["title"] for f in found] == ["Russia warns France about deploying troops in Ukraine"]
    table = cli(
        "--config",
        "config",
        "test-rule",
        "Parisian OR Kyiv",
        "--file",
        "config/feeds/sample-wire.xml",
        cwd=cwd,
    )
    assert table.returncode == 0
    assert "2 of 3 item(s) match." in table.stdout


def test_html_page_over_loopback_url(tmp_path: Path) -> None:
    cwd = example(tmp_path)
    with FeedServer() as server:
        server.handlers["article.html"] = _html
        found = run_json(
            "@France AND @Ukraine AND @troops", "--url", server.url("article.html"), cwd=cwd
        )
    assert len(found) == 1
    assert found[0]["title"] == "Macron on Ukraine"
    assert "Home Sport" not in str(found[0]["snippet"])


def test_history_backtests_stored_items(tmp_path: Path) -> None:
    cwd = example(tmp_path)
    assert cli("--config", "config", "once", cwd=cwd).returncode == 0
    found = run_json("Kyiv OR Kievskaya", "--history", "1", cwd=cwd)
    assert sorted(str(f["title"]) for f in found) == [
        "Parisian cafés brace for a quiet winter",
        "Ukraine's grain exports rise for a third month",
    ]


def test_history_marks_the_alerts_the_user_rejected(tmp_path: Path) -> None:
    cwd = example(tmp_path)
    assert cli("--config", "config", "once", cwd=cwd).returncode == 0
    history = cli("--config", "config", "history", "--json", cwd=cwd)
    (alert,) = [a for a in json.loads(history.stdout) if "france-troops-ukraine" in a["rules"]]
    rejected = cli(
        "--config", "config", "history", "--reject", str(alert["id"]), "--reason", "old news",
        cwd=cwd,
    )  # fmt: skip
    assert rejected.returncode == 0, rejected.stderr

    found = run_json("france-troops-ukraine", "--history", "1", cwd=cwd)
    wide = run_json("Kyiv OR Ukraine", "--history", "1", cwd=cwd)
    table = cli("--config", "config", "test-rule", "Kyiv OR Ukraine", "--history", "1", cwd=cwd)

    (match,) = found
    assert match["title"] == alert["title"]
    mark = match["rejected"]
    assert isinstance(mark, dict)
    assert (mark["source"], mark["rules"], mark["reason"]) == ("cli", alert["rules"], "old news")
    day = str(mark["rejected_at"])[:10]
    # only the rejected story is marked, whichever query finds it
    assert [(f["title"], f["rejected"] == mark) for f in wide if f["rejected"]] == [
        (alert["title"], True)
    ]
    assert len(wide) > 1
    assert table.returncode == 0, table.stderr
    assert f"rejected {day}" in table.stdout
    assert "old news" in table.stdout
    assert f"{len(wide)} of " in table.stdout
    assert "1 of them rejected as not relevant." in table.stdout


def test_bad_query_and_missing_source_exit_2(tmp_path: Path) -> None:
    cwd = example(tmp_path)
    bad = cli("--config", "config", "test-rule", "@Frnace AND x", "--text", "x", cwd=cwd)
    assert bad.returncode == 2
    assert "unknown @Frnace (did you mean @France?)" in bad.stderr
    assert "Traceback" not in bad.stderr
    none = cli("--config", "config", "test-rule", "x", cwd=cwd)
    assert none.returncode == 2
    assert "Give one of --text/--title, --file, --url or --history." in none.stderr


def test_a_file_past_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    # `--file /dev/zero` (or a mistyped device, a huge dump) was read whole, memory and all;
    # now no more than `max_feed_bytes` (and one byte) is read.
    cwd = example(tmp_path)
    (tmp_path / "huge.xml").write_bytes(b"<rss>" + b" " * 200_000 + b"</rss>")
    env = {"MONITOR_MAX_FEED_BYTES": "100000"}
    huge = cli("--config", "config", "test-rule", "x", "--file", "huge.xml", cwd=cwd, env=env)
    assert huge.returncode == 2
    assert "huge.xml: larger than 100,000 bytes (max_feed_bytes)" in huge.stderr


async def _html(_request: web.Request) -> web.Response:
    return web.Response(body=ARTICLE, content_type="text/html")


def test_a_query_in_another_script_and_language(tmp_path: Path) -> None:
    cwd = example(tmp_path)
    found = run_json("乌克兰 lang:zh", "--text", "法国考虑向乌克兰派遣军队。", cwd=cwd)
    assert [(f["snippet_highlights"], f["language"]) for f in found] == [([[5, 8]], "zh")]
    assert run_json("乌克兰 lang:fr", "--text", "法国考虑向乌克兰派遣军队。", cwd=cwd) == []
    table = cli(
        "--config", "config", "test-rule", "乌克兰", "--text", "法国考虑向乌克兰派遣军队", cwd=cwd
    )
    assert table.returncode == 0, table.stderr
    assert " zh " in table.stdout


def test_a_mistyped_rule_name_is_pointed_out(tmp_path: Path) -> None:
    cwd = example(tmp_path)
    args = ("--config", "config", "test-rule", "france-troops-ukrain", "--text", "Paris")
    result = cli(*args, cwd=cwd)
    assert (
        "no rule 'france-troops-ukrain'; did you mean 'france-troops-ukraine'? testing it as a "
        "query" in result.stderr
    )
    assert "0 of 1 item(s) match." in result.stdout
    assert result.returncode == 1


def test_a_query_that_can_never_match_fails(tmp_path: Path) -> None:
    cwd = example(tmp_path)
    for query in ("troops -troops", "title:troops -troops", "troops lang:fr lang:de"):
        result = cli("--config", "config", "test-rule", query, "--text", "troops", cwd=cwd)
        assert result.returncode == 2, query
        assert f"This query can never match: no story can satisfy {query!r}." in result.stderr
    refused = cli("--config", "config", "test-rule", "--text", "troops", "--", "-sport", cwd=cwd)
    assert refused.returncode == 2
    assert "matches stories that contain none of its words" in refused.stderr
