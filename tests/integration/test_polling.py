"""Polling real misbehaving servers on loopback: every fault is contained to its own feed,
servers' hints are honoured, and a healthy feed polled in the same run still alerts."""

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.model import ParsedFeed
from monitor.polling.decide import GONE_CONFIRMATIONS, GONE_RECHECK
from monitor.polling.parse import parse_feed
from monitor.state.tables import history
from tests.support import faults
from tests.support.cli import cli
from tests.support.config import RULES, SEED, SEED_HEADLINE, desk, feeds_toml, once, write_config
from tests.support.daemon import polls_of
from tests.support.feeds import Entry, rss
from tests.support.loopback import FeedServer
from tests.support.state import stored_column, stored_feeds

LATIN = Entry(guid="latin-1", title="Macron à Kyiv: troops françaises en Ukraine")
MB = 1 << 20


def once_measured(config: Path, cwd: Path) -> tuple[str, int]:
    """Run `once` as a user would; its output, and its own peak RSS in MB.

    The peak is the process's `VmHWM`, read until it exits: `ru_maxrss` would not do, as a
    child started by vfork and exec inherits its parent's high-water mark (the test worker's,
    which other tests' data had taken to 275 MB)."""
    out = cwd / "once.out"
    peak_kb = 0
    with out.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config), "once"],
            cwd=cwd,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=os.environ,
        )
        while process.poll() is None:
            peak_kb = max(peak_kb, high_water_kb(process.pid))
            time.sleep(0.05)
    assert process.returncode == 0, out.read_text()
    return out.read_text(), peak_kb // 1024


def high_water_kb(pid: int) -> int:
    """The process's peak RSS so far (its memory's own, unlike `ru_maxrss`); 0 once gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return 0
    return next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0
    )


def test_every_bad_feed_fails_its_own_way_while_good_ones_alert(
    server: FeedServer, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-42", encoding="utf-8")
    server.feeds["good.xml"] = rss(SEED)
    server.handlers["slowloris.xml"] = faults.trickle(seconds=30)
    server.handlers["huge.xml"] = faults.huge(50 * MB)
    server.handlers["bomb.xml"] = faults.gzip_bomb(200 * MB)
    server.feeds["laughs.xml"] = faults.billion_laughs()
    server.feeds["xxe.xml"] = faults.external_entity(str(secret))
    server.handlers["loop.xml"] = faults.redirect(302, server.url("loop.xml"))
    server.feeds["latin1.xml"] = faults.latin1_declared_utf8(LATIN)
    server.feeds["ill.xml"] = faults.ill_formed()
    names = ["good", "slowloris", "huge", "bomb", "laughs", "xxe", "loop", "latin1", "ill"]
    config = write_config(
        tmp_path / "config",
        tmp_path / "state",
        feeds_toml(server, *(f"{n}.xml" for n in names)),
        RULES,
        desk(server),
    )

    output, peak_mb = once_measured(config, tmp_path)

    assert "Traceback" not in output
    assert 0 < peak_mb < 250, f"peak RSS {peak_mb} MB"
    errors = {name: row["last_error"] for name, row in stored_feeds(tmp_path / "state").items()}
    assert errors["slowloris.xml"] == "timed out after 1s"
    assert errors["huge.xml"] == "response larger than 10000000 bytes"
    assert errors["bomb.xml"] == "response larger than 10000000 bytes"
    assert errors["loop.xml"] == "more than 5 redirects (a loop?)"
    # Entity declarations are dropped, so neither the laughs nor the file are expanded; the
    # rest of those documents still counts, and so do the mis-encoded and ill-formed feeds.
    for name in ("good", "laughs", "xxe", "latin1", "ill"):
        assert errors[f"{name}.xml"] is None, name
    alerted = sorted(post["title"].split("] ", 1)[1] for post in server.posts)
    assert alerted == sorted([SEED.title, LATIN.title, "Kyiv: French troops arrive & dig in"]), (
        alerted
    )
    titles = stored_column(tmp_path / "state", history.c.feed, history.c.title)
    assert titles["xxe.xml"] == "Leak: &xxe;"
    assert titles["laughs.xml"] == "Weather &lol9; report"
    state_bytes = b"".join(p.read_bytes() for p in (tmp_path / "state").iterdir())
    assert b"TOPSECRET" not in state_bytes
    assert "TOPSECRET" not in output


def test_rate_limited_feed_waits_for_retry_after(server: FeedServer, tmp_path: Path) -> None:
    server.handlers["busy.xml"] = faults.status(429, **{"Retry-After": "3600"})
    server.feeds["good.xml"] = rss(SEED)
    config = write_config(
        tmp_path / "config",
        tmp_path / "state",
        feeds_toml(server, "busy.xml", "good.xml"),
        RULES,
        desk(server),
    )

    first, second = once(config), once(config)

    assert [path for path, _ in server.requests].count("busy.xml") == 1
    assert (first.failed_feeds, second.skipped_feeds) == (1, 1)
    assert len(server.posts) == 1
    busy = stored_feeds(tmp_path / "state")["busy.xml"]
    assert busy["last_error"] == "HTTP 429 Too Many Requests"
    assert busy["hold_until"] == busy["next_poll_at"]


def test_permanent_redirects_are_remembered_and_temporary_ones_are_not(
    server: FeedServer, tmp_path: Path
) -> None:
    server.handlers["old-301.xml"] = faults.redirect(301, server.url("new-301.xml"))
    server.handlers["old-308.xml"] = faults.redirect(308, server.url("new-308.xml"))
    server.handlers["temp-302.xml"] = faults.redirect(302, server.url("new-302.xml"))
    for path in ("new-301.xml", "new-308.xml", "new-302.xml"):
        server.feeds[path] = rss(Entry(guid=path, title=f"Weather {path}"))
    olds = ("old-301.xml", "old-308.xml", "temp-302.xml")
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds_toml(server, *olds), RULES, desk(server)
    )

    once(config)
    once(config)

    requested = [path for path, _ in server.requests]
    assert (requested.count("old-301.xml"), requested.count("new-301.xml")) == (1, 2)
    assert (requested.count("old-308.xml"), requested.count("new-308.xml")) == (1, 2)
    assert (requested.count("temp-302.xml"), requested.count("new-302.xml")) == (2, 2)
    state = stored_feeds(tmp_path / "state")
    assert state["old-301.xml"]["fetch_url"] == server.url("new-301.xml")
    assert state["old-301.xml"]["url"] == server.url("old-301.xml")  # the config is the user's
    assert state["temp-302.xml"]["fetch_url"] is None
    # The second poll of the moved feeds sent the new URL's validators and got a 304.
    assert state["old-301.xml"]["items_seen"] == 1


def test_gone_feed_is_not_polled_again_until_its_url_changes(
    server: FeedServer, tmp_path: Path
) -> None:
    server.handlers["gone.xml"] = faults.status(410)
    server.feeds["back.xml"] = rss(SEED)
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds_toml(server, "gone.xml"), RULES, desk(server)
    )
    start = datetime.now(UTC) - timedelta(days=2)
    # A 410 counts once confirmed: three of them, GONE_RECHECK apart; a run in between is held.
    once(config, start)
    held = once(config, start + GONE_RECHECK / 2)
    once(config, start + GONE_RECHECK)
    once(config, start + 2 * GONE_RECHECK)
    once(config)
    table = cli("--config", str(config), "feeds", cwd=tmp_path)
    rows = json.loads(cli("--config", str(config), "feeds", "--json", cwd=tmp_path).stdout)
    (config / "feeds.toml").write_text(
        f'[[feeds]]\nname = "gone.xml"\nurl = "{server.url("back.xml")}"\n', encoding="utf-8"
    )
    resumed = once(config)

    assert [path for path, _ in server.requests].count("gone.xml") == GONE_CONFIRMATIONS
    assert held.skipped_feeds == 1
    assert "stopped (410)" in table.stdout
    assert "polling stopped" in rows[0]["last_error"]
    assert rows[0]["next_poll_at"] is None
    assert (resumed.skipped_feeds, resumed.alerts_queued) == (0, 1)


def test_last_modified_alone_gives_a_conditional_get(server: FeedServer, tmp_path: Path) -> None:
    server.handlers["lm.xml"] = faults.last_modified_only(rss(SEED))
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds_toml(server, "lm.xml"), RULES, desk(server)
    )

    once(config)
    second = once(config)

    sent = [headers for path, headers in server.requests if path == "lm.xml"]
    assert "If-Modified-Since" not in sent[0]
    assert sent[1]["If-Modified-Since"] == "Tue, 24 Nov 2026 08:00:00 GMT"
    assert "If-None-Match" not in sent[1]
    assert (second.new_items, len(server.posts)) == (0, 1)
    assert sent[0]["User-Agent"].startswith("media-monitor/")
    assert "br" in sent[0]["Accept-Encoding"]


def _full_text_config(server: FeedServer, tmp_path: Path) -> Path:
    """`teasers.xml` with `full_text = true`, and the usual rules and desk."""
    return write_config(
        tmp_path / "config",
        tmp_path / "state",
        feeds_toml(server, "teasers.xml") + "full_text = true\n",
        RULES,
        desk(server),
        settings='allow_private = ["127.0.0.1"]',  # the article pages are on loopback too
    )


def test_full_text_feed_matches_the_article_page(server: FeedServer, tmp_path: Path) -> None:
    article = (
        "<html><head><title>Report</title></head><body><nav>Home | World</nav><article>"
        "<h1>Report from the front</h1>"
        + "<p>Macron confirmed that French troops will train soldiers in Ukraine.</p>" * 3
        + "</article></body></html>"
    )
    server.handlers["article/1"] = faults.page(article)
    server.feeds["teasers.xml"] = rss(
        Entry(guid="t1", title="Read our report", link=server.url("article/1")),
        Entry(guid="t2", title="Kremlin warns Paris over troops in Ukraine", link=server.url("x")),
    )
    config = _full_text_config(server, tmp_path)

    report = once(config)

    # t1 matches only through its article; t2's page is a 404, so its feed text is used.
    assert report.alerts_queued == 2
    titles = sorted(post["title"] for post in server.posts)
    assert "Read our report" in titles[1]
    assert "Kremlin warns Paris" in titles[0]


def _article(*paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs) * 3
    return (
        f"<html><body><nav>Home | World</nav><article><h1>Report</h1>{body}</article></body></html>"
    )


BUDGET = "The finance minister presented next year's budget to parliament on Tuesday."
TROOPS = "Macron confirmed that French troops will train soldiers in Ukraine."


def test_an_edited_full_text_entry_is_read_and_judged_again_once(
    server: FeedServer, tmp_path: Path
) -> None:
    # Two teasers whose article pages do not match. Then the publisher edits the first teaser
    # and its page, which now matches; the second page changes too, but not its teaser.
    server.handlers["article/1"] = faults.page(_article(BUDGET))
    server.handlers["article/2"] = faults.page(_article(BUDGET))
    first = Entry(guid="t1", title="Read our report", link=server.url("article/1"))
    second = Entry(guid="t2", title="Read our analysis", link=server.url("article/2"))
    server.feeds["teasers.xml"] = rss(first, second)
    config = _full_text_config(server, tmp_path)
    assert once(config).alerts_queued == 0
    assert once(config).alerts_queued == 0  # nothing edited: no page fetched again

    server.handlers["article/1"] = faults.page(_article(BUDGET, TROOPS))
    server.handlers["article/2"] = faults.page(_article(BUDGET, TROOPS))
    edited = Entry("t1", "Read our updated report", link=first.link, published=first.published)
    server.feeds["teasers.xml"] = rss(edited, second)
    edited_poll = once(config)
    later = [once(config), once(config)]

    assert edited_poll.alerts_queued == 1
    assert [report.alerts_queued for report in later] == [0, 0]
    assert len(server.posts) == 1
    assert "Read our updated report" in server.posts[0]["title"]
    # Each page was read when first seen; only the edited teaser's page once more.
    assert (polls_of(server, "article/1"), polls_of(server, "article/2")) == (2, 1)


def test_a_host_refusing_connections_fails_only_its_own_feed(
    server: FeedServer, tmp_path: Path
) -> None:
    server.feeds["good.xml"] = rss(SEED)
    # Bound but not listening: connecting is refused, and no other test can take the port.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        feeds = feeds_toml(server, "good.xml") + (
            f'[[feeds]]\nname = "refused"\nurl = "http://127.0.0.1:{port}/feed.xml"\n'
        )
        config = write_config(tmp_path / "config", tmp_path / "state", feeds, RULES, desk(server))

        report = once(config)

    assert (report.failed_feeds, len(server.posts)) == (1, 1)
    assert SEED_HEADLINE in server.posts[0]["message"]
    refused = stored_feeds(tmp_path / "state")["refused"]
    assert str(refused["last_error"]).startswith(
        f"ClientConnectorError: Cannot connect to host 127.0.0.1:{port}"
    )
    assert (refused["consecutive_failures"], refused["last_ok_at"]) == (1, None)
    assert refused["next_poll_at"] is not None  # retried later, like any failure


def test_a_crash_in_one_feeds_poll_is_contained(
    server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.feeds["good.xml"] = rss(SEED)
    server.feeds["buggy.xml"] = rss(LATIN)

    def parse_or_crash(name: str, *args: Any, **options: Any) -> ParsedFeed:
        if name == "buggy.xml":
            raise RuntimeError("a bug met on this feed only")
        return parse_feed(name, *args, **options)

    monkeypatch.setattr("monitor.polling.poller.parse_feed", parse_or_crash)
    config = write_config(
        tmp_path / "config",
        tmp_path / "state",
        feeds_toml(server, "buggy.xml", "good.xml"),
        RULES,
        desk(server),
        settings="parse_processes = 0",  # parsed here, where the patched parser is
    )

    report = once(config)

    assert (report.feeds, report.failed_feeds) == (2, 1)
    assert [post["title"] for post in server.posts] == [
        f"[france-troops-ukraine, russia-warns] {SEED.title}"
    ]
    # The crash is recorded as the feed's failure, so it backs off instead of being retried at
    # every tick; nothing else of its poll was written.
    buggy = stored_feeds(tmp_path / "state")["buggy.xml"]
    assert buggy["last_error"] == "crashed: RuntimeError: a bug met on this feed only"
    assert (buggy["consecutive_failures"], buggy["items_seen"]) == (1, 0)
