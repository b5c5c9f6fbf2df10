"""A big feeds file read in pieces (`config/files.read_toml_pieces`) means what it means read
whole: the same feeds in the same order, the same errors with the same line numbers, and the
whole file wherever a cut could change its meaning."""

import tomllib
from pathlib import Path
from typing import Any

import pytest

from monitor.config.files import PIECE_CHARS, UnreadableFileError, read_toml_pieces
from monitor.config.load import ConfigError, load_config

MONITOR = '[monitor]\n\n[channels.desk]\nurls = ["console://"]\n'
RULES = '[[rules]]\nname = "r"\nquery = "troops"\nchannels = ["desk"]\n'


def feeds_file(count: int, end: str = "\n") -> str:
    """`count` feeds as import-opml writes them, each with a comment, a tag list and a header
    written with spaces in it now and then (`[[ feeds ]]` is the same header)."""
    return "".join(
        f"{'[[ feeds ]]' if n % 7 == 0 else '[[feeds]]'}  # feed {n}{end}"
        f'name = "wire-{n}"{end}url = "https://news{n % 13}.example/rss?page={n}"{end}'
        f'tags = ["world", "n{n % 5}"]{end}{end}'
        for n in range(count)
    )


def pieces(tmp_path: Path, text: str) -> list[dict[str, Any]]:
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    return list(read_toml_pieces(path))


def merged_feeds(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [feed for document in documents for feed in document.get("feeds", [])]


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_thousands_of_feeds_are_read_in_pieces_that_add_up_to_the_file(
    tmp_path: Path, end: str
) -> None:
    text = feeds_file(3000, end)
    assert len(text) > 3 * PIECE_CHARS

    documents = pieces(tmp_path, text)

    assert len(documents) > 3
    assert all(set(document) == {"feeds"} for document in documents)
    assert merged_feeds(documents) == tomllib.loads(text)["feeds"]


@pytest.mark.parametrize(
    ("why", "text"),
    [
        ("small", feeds_file(10)),
        ("a multi-line string", feeds_file(1500) + '[[feeds]]\nname = """x\n[[feeds]]\n"""\n'),
        ("another table", feeds_file(1500) + "[channels.desk]\nurls = []\n"),
        ("a key before the first feed", "feeds_seen = 1\n" + feeds_file(1500)),
        ("an array of arrays over lines", feeds_file(1500) + "[[feeds]]\nx = [\n[1],\n]\n"),
    ],
)
def test_a_file_a_cut_could_change_is_read_whole(tmp_path: Path, why: str, text: str) -> None:
    documents = pieces(tmp_path, text)

    assert len(documents) == 1, why
    assert documents[0] == tomllib.loads(text)


def test_a_mistake_deep_in_a_big_file_is_told_at_its_line_in_the_file(tmp_path: Path) -> None:
    good = feeds_file(2000)
    text = good + '[[feeds]]\nname = "broken\nurl = "x"\n'
    line = good.count("\n") + 2

    with pytest.raises(UnreadableFileError) as caught:
        pieces(tmp_path, text)

    assert str(caught.value).startswith(f"{tmp_path / 'feeds.toml'}: cannot read: ")
    assert f"line {line}," in str(caught.value)


def test_a_config_of_thousands_of_feeds_loads_as_written(tmp_path: Path) -> None:
    (tmp_path / "monitor.toml").write_text(MONITOR, encoding="utf-8")
    (tmp_path / "rules.toml").write_text(RULES, encoding="utf-8")
    (tmp_path / "feeds.toml").write_text(feeds_file(3000), encoding="utf-8")

    config = load_config(tmp_path)

    assert list(config.feeds) == [f"wire-{n}" for n in range(3000)]
    assert config.feeds["wire-2999"].url == "https://news9.example/rss?page=2999"
    assert config.feeds["wire-2999"].tags == ("world", "n4")


def test_mistakes_in_a_big_feeds_file_are_told_as_in_a_small_one(tmp_path: Path) -> None:
    # A feed without a name is told by its place in the file, and a name used twice is found
    # across pieces: both as far apart as the file allows.
    (tmp_path / "monitor.toml").write_text(MONITOR, encoding="utf-8")
    (tmp_path / "rules.toml").write_text(RULES, encoding="utf-8")
    text = feeds_file(2000) + '[[feeds]]\nurl = "https://x.example/rss"\n\n'
    text += '[[feeds]]\nname = "wire-0"\nurl = "https://y.example/rss"\n'
    (tmp_path / "feeds.toml").write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)

    path = tmp_path / "feeds.toml"
    assert caught.value.errors == [
        f"{path}: feed '#2001': name: Field required",
        f"{path}: feed 'wire-0' is also defined in {path}",
    ]
