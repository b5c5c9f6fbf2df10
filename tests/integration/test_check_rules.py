"""`check` on rules that cannot work, hostile or mistyped: each is a clear error naming the file
and the rule (exit 2, never a traceback or a stall), or a warning when the rule may be meant.
Several cases are the config attacks of a red-team round, kept as regressions."""

from pathlib import Path

import pytest

from tests.support.cli import cli
from tests.support.config import write_config

CHANNELS = '[channels.desk]\nurls = ["console://"]\n'


def check(tmp_path: Path, rules: str) -> tuple[int, str, str]:
    """`check` on a config with the shared vocabulary and `rules`."""
    config = write_config(tmp_path / "c", tmp_path / "s", "", rules, CHANNELS)
    result = cli("--config", str(config), "check", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout, result.stderr


def rule(query: str, name: str = "r") -> str:
    escaped = query.replace("\\", "\\\\").replace('"', '\\"')
    return f'\n[[rules]]\nname = "{name}"\nquery = "{escaped}"\nchannels = ["desk"]\n'


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(" * 250 + "troops" + ")" * 250, "query nested more than 32 levels deep at column 33"),
        ("title:" * 5000 + "troops", "query longer than 10,000 characters"),
        ("title:" * 1500 + "troops", "query nested more than 32 levels deep"),
        ("NEAR/²(@France, troops)", "NEAR needs a distance: NEAR/n( … ) with n a number"),
        ("NEAR5(@France, troops)", "NEAR5( is not an operator: did you mean NEAR/5(…)?"),
        ("-sport", "this query matches stories that contain none of its words"),
        ("troops OR NOT sport", "this query matches stories that contain none of its words"),
        ("lang:fr", "this query matches stories that contain none of its words"),
        ('"target*"', "'*' does not work inside a phrase"),
        ("tar*get", "'*' is allowed only at the end of a word"),
    ],
)
def test_a_rule_that_cannot_work_is_a_config_error(
    tmp_path: Path, query: str, message: str
) -> None:
    code, _out, err = check(tmp_path, rule(query))
    assert code == 2
    assert "rule 'r': " + message in err


def test_a_huge_alias_is_refused_before_it_reaches_the_automaton(tmp_path: Path) -> None:
    # A ~1M-character alias made pyahocorasick crash (segfault) when the matcher was freed.
    huge = f'[actors.Huge]\naliases = ["{"x" * 1_000_000}"]\n'
    code, _out, err = check(tmp_path, huge + rule("@Huge troops"))
    assert code == 2
    assert "actor 'Huge': alias 'xxxx" in err
    assert "a term longer than 200 characters" in err


def test_too_many_rules_is_a_config_error(tmp_path: Path) -> None:
    rules = "".join(rule(f"troops{i}", name=f"r{i}") for i in range(20_001))
    code, _out, err = check(tmp_path, rules)
    assert code == 2
    assert "20,001 rules: at most 20,000 can be configured" in err


def test_lower_case_operators_are_warned_about_not_refused(tmp_path: Path) -> None:
    code, out, err = check(tmp_path, rule("@France and @Ukraine or troops not sport"))
    assert code == 0
    assert "rule 'r': 'and' at column 9 is matched as a word; operators are written in " in err
    assert "capitals: AND" in err
    assert "'or' at column 22 is matched as a word; operators are written in capitals: OR" in err
    assert "'not' at column 32" in err
    assert "1 rules" in out


def test_sample_config_checks_clean(tmp_path: Path) -> None:
    result = cli("--config", str(Path(__file__).parents[2] / "config"), "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
