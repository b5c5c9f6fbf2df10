"""A rule's story settings (`priority`, `cooldown`, `spread`, `spike`, `follow_up_cooldown`)
and `story_window`: read into `Rule.story`, and every bad value a config error naming it."""

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config.load import load_config
from monitor.model import MinProminence
from monitor.stories.signals import Spike, Spread, StoryRule
from tests.unit.test_config import CHANNEL, FEED, errors, make

RULE = '[[rules]]\nname = "r1"\nquery = "France"\nchannels = ["desk"]\n'


def test_story_settings_are_read(tmp_path: Path) -> None:
    rules = (
        RULE
        + 'priority = "high"\ncooldown = "1h"\nfollow_up_cooldown = "45m"\n'
        + 'spread = { sources = 5, within = "2h" }\n'
        + 'spike = { factor = 3, min = 5, window = "2h", baseline = "7d" }\n'
        + '[[rules]]\nname = "r2"\nquery = "Paris"\nchannels = ["desk"]\n'
    )
    monitor = f'[monitor]\nstory_window = "24h"\n{CHANNEL}'
    config = load_config(make(tmp_path, monitor=monitor, feeds=FEED, rules=rules))

    assert config.settings.story_window == timedelta(hours=24)
    assert config.rules["r1"].story == StoryRule(
        priority="high",
        cooldown=timedelta(hours=1),
        spread=Spread(5, timedelta(hours=2)),
        spike=Spike(3.0, 5, timedelta(hours=2), timedelta(days=7)),
        follow_up_cooldown=timedelta(minutes=45),
    )
    assert config.rules["r2"].story == StoryRule()
    assert load_config(make(tmp_path, monitor=f"[monitor]\n{CHANNEL}")).settings.story_window == (
        timedelta(hours=48)
    )


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ('priority = "urgent"', "priority"),
        ('cooldown = "soon"', "cooldown"),
        ("spread = { sources = 1 }", "spread.sources"),
        ('spread = { within = "2h" }', "spread.sources"),
        ('spike = { window = "7d", baseline = "2h" }', "spike.baseline"),
        ("spike = { factor = 0.5 }", "spike.factor"),
        ("spike = { bogus = 1 }", "spike.bogus"),
    ],
)
def test_bad_story_settings_are_config_errors(tmp_path: Path, setting: str, said: str) -> None:
    found = errors(
        make(tmp_path, monitor=f"[monitor]\n{CHANNEL}", feeds=FEED, rules=f"{RULE}{setting}\n")
    )

    assert any(said in error for error in found), found


def test_a_story_window_must_be_positive(tmp_path: Path) -> None:
    found = errors(make(tmp_path, monitor=f'[monitor]\nstory_window = "0s"\n{CHANNEL}'))

    assert any("story_window" in error for error in found), found


def test_a_story_window_cannot_outlast_the_stories_it_groups(tmp_path: Path) -> None:
    monitor = f'[monitor]\nstate_retention = "10d"\nstory_window = "30d"\n{CHANNEL}'

    found = errors(make(tmp_path, monitor=monitor))

    assert any("story_window" in e and "state_retention (10d)" in e for e in found), found


def test_min_prominence_is_read_and_checked(tmp_path: Path) -> None:
    rules = (
        f"{RULE}min_prominence = 25\n"
        '[[rules]]\nname = "r2"\nquery = "Paris"\nchannels = ["desk"]\n'
        'min_prominence = 50\nbelow_min_prominence = "drop"\n'
    )
    config = load_config(make(tmp_path, monitor=f"[monitor]\n{CHANNEL}", feeds=FEED, rules=rules))

    assert config.rules["r1"].min_prominence == MinProminence(25, drop=False)
    assert config.rules["r2"].min_prominence == MinProminence(50, drop=True)
    for setting, said in [
        ("min_prominence = 101", "min_prominence"),
        ('below_min_prominence = "hide"', "below_min_prominence"),
    ]:
        found = errors(
            make(tmp_path, monitor=f"[monitor]\n{CHANNEL}", feeds=FEED, rules=f"{RULE}{setting}\n")
        )
        assert any(said in error for error in found), found
