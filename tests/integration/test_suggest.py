"""What a rule misses, on a real state: `test-rule --near-misses`, `history` with its ids and
`--reject`, `suggest`, and `min_prominence` in `once`."""

import json
from pathlib import Path
from typing import Any

from tests.support.cli import cli
from tests.support.feeds import Entry, rss

RULES = """
[actors.France]
aliases = ["France", "French", "Paris", "Macron", "Франци*"]
[actors.Ukraine]
aliases = ["Ukraine", "Kyiv", "Украин*"]
[topics.troops]
terms = ["troops", "soldiers"]

[[rules]]
name = "france-troops-ukraine"
query = "@France AND @Ukraine AND @troops"
channels = ["console"]

[[rules]]
name = "ukraine-lead"
query = "@Ukraine"
channels = ["console"]
min_prominence = 25
below_min_prominence = "drop"
"""
MATCHED = [
    ("French troops to train in western Ukraine", "Paris will send troops to Ukraine."),
    ("Macron: no French soldiers in Ukraine", "The Élysée ruled out soldiers in Kyiv."),
    ("French troops drill with allies near Ukraine", "A drill in Romania, close to Ukraine."),
    ("Drill: French soldiers rehearse a Ukraine scenario", "The drill ends on Friday in France."),
]
NEAR = [
    ("France sends military instructors to Ukraine", "Instructors will train a contingent."),
    ("French instructors arrive in Kyiv", "A small contingent of instructors from France."),
    ("Macron confirms instructors for Ukraine", "The contingent is expected in spring."),
    ("Франция направит инструкторов на Украину", "Французский контингент инструкторов."),
]
OTHER = [
    ("Parliament debates the budget", "Deputies argued about taxes and pensions all night."),
    ("Storm closes ports in the north", "Ferries were cancelled and roads flooded."),
    ("Football: a late goal wins the derby", "The striker scored in the last minute."),
    ("Bakers protest against flour prices", "Prices rose by a third in a year, they said."),
    (
        "Grain harvest up a tenth this year",
        "Farmers in the south had a good season. Prices held. Exports to Ukraine were small.",
    ),
]


def _state(tmp_path: Path) -> Path:
    """A config whose one feed lists every story above, polled once."""
    config = tmp_path / "config"
    config.mkdir()
    stories = MATCHED + NEAR + OTHER
    entries = [Entry(f"id-{n}", title, text) for n, (title, text) in enumerate(stories)]
    (config / "wire.xml").write_bytes(rss(*entries))
    (config / "monitor.toml").write_text(
        '[monitor]\nstate_dir = "state"\n[channels.console]\nurls = ["console://"]\n',
        encoding="utf-8",
    )
    (config / "feeds.toml").write_text(
        '[[feeds]]\nname = "Wire"\nurl = "wire.xml"\n', encoding="utf-8"
    )
    (config / "rules.toml").write_text(RULES, encoding="utf-8")
    assert cli("--config", "config", "once", cwd=tmp_path).returncode == 0
    return tmp_path


def _json(*args: str, cwd: Path) -> Any:
    result = cli("--config", "config", *args, "--json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_near_misses_are_grouped_by_the_part_they_lack_with_their_words(tmp_path: Path) -> None:
    cwd = _state(tmp_path)
    args = ("test-rule", "france-troops-ukraine", "--history", "1", "--near-misses")

    shown = cli("--config", "config", *args, cwd=cwd)
    groups = _json(*args, cwd=cwd)

    assert shown.returncode == 0, shown.stderr
    assert "items with @France and @Ukraine but no @troops: 4 (en 3, ru 1)" in shown.stdout
    assert isinstance(groups, list)
    assert len(groups) == 1
    group = groups[0]
    assert group["missing"] == "@troops"
    assert group["present"] == ["@France", "@Ukraine"]
    assert (group["items"], group["languages"]) == (4, {"en": 3, "ru": 1})
    # Both in three of the four, and in nothing else stored: equally specific.
    assert [(w["word"], w["items"]) for w in group["words"]["en"]] == [
        ("contingent", 3),
        ("instructors", 3),
    ]
    assert "  en: contingent (3), instructors (3)" in shown.stdout


def test_suggest_learns_terms_from_near_misses_and_exclusions_from_rejections(
    tmp_path: Path,
) -> None:
    cwd = _state(tmp_path)
    alerts = _json("history", "--rule", "france-troops-ukraine", cwd=cwd)
    drills = [a["id"] for a in alerts if "rill" in a["title"]]
    assert len(drills) == 2
    listed = cli("--config", "config", "history", cwd=cwd)
    assert str(drills[0]) in listed.stdout

    for alert_id in drills:
        rejected = cli("--config", "config", "history", "--reject", str(alert_id), cwd=cwd)
        assert rejected.returncode == 0, rejected.stderr
        assert "marked not relevant" in rejected.stdout
    unknown = cli("--config", "config", "history", "--reject", "999", cwd=cwd)
    suggested = cli(
        "--config", "config", "suggest", "france-troops-ukraine", "--history", "1", cwd=cwd
    )

    assert unknown.returncode == 1
    assert "No alert 999" in unknown.stderr
    assert suggested.returncode == 0, suggested.stderr
    out = suggested.stdout
    assert "4 of 13 stored items match, 2 alert(s) rejected" in out
    assert "add instructors to @troops: (@troops OR instructors)" in out
    assert "+3 alerts over 1 day, 0 of them previously rejected" in out
    assert "exclude drill: add -drill" in out
    assert "−2 alerts over 1 day, 2 of them previously rejected" in out
    assert "Nothing is applied" in out


def test_below_min_prominence_a_passing_mention_does_not_alert(tmp_path: Path) -> None:
    cwd = _state(tmp_path)

    alerts = _json("history", "--rule", "ukraine-lead", cwd=cwd)

    titles = {a["title"] for a in alerts}
    assert "Grain harvest up a tenth this year" not in titles  # Ukraine once, deep in the text
    assert "French instructors arrive in Kyiv" in titles
