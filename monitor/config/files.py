"""Reading one TOML file of the config directory, as `check` and `import-opml` both do.

A feeds file of thousands of `[[feeds]]` is read some hundreds of feeds at a time
(`read_toml_pieces`): the program keeps a few hundred bytes of each feed, while the parsed
tables are several times that. Read whole, the tables of 50,000 feeds lived at once and left
the memory they freed scattered between the kept values, which Python then held: +20 MB for as
long as the daemon ran. Read in pieces, each piece's tables reuse the last one's memory.
"""

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PIECE_CHARS = 1 << 16
_TABLE_LINE = re.compile(r"^[ \t]*\[.*", re.MULTILINE)
_FEEDS_HEADER = re.compile(r"[ \t]*\[\[[ \t]*feeds[ \t]*\]\][ \t]*(?:#.*)?\r?")
_KEY_LINE = re.compile(r"^[ \t]*[^\s#]", re.MULTILINE)


class UnreadableFileError(ValueError):
    """A config file that cannot be read as TOML in UTF-8; the message names the file."""


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document in `path`; raises `UnreadableFileError` naming it. A byte-order mark
    in front, as Windows editors write one, is no error: tomllib alone refuses the first line
    ("Invalid statement (at line 1, column 1)"), which the file's author cannot see."""
    text = _text(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFileError(f"{path}: cannot read: {exc}") from None


def read_toml_pieces(path: Path) -> Iterator[dict[str, Any]]:
    """The TOML document in `path` as documents whose sections, merged, are the whole (see the
    module's docstring); raises `UnreadableFileError` naming the file, as `read_toml` does."""
    text = _text(path)
    for piece in _pieces(text):
        try:
            document = tomllib.loads(piece)
        except tomllib.TOMLDecodeError as exc:
            error = exc
            try:  # a piece's lines are numbered from its own start: the whole file's say where
                tomllib.loads(text)
            except tomllib.TOMLDecodeError as whole:
                error = whole
            raise UnreadableFileError(f"{path}: cannot read: {error}") from None
        yield document


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as exc:
        raise UnreadableFileError(f"{path}: cannot read: {exc}") from None


def _pieces(text: str) -> Iterator[str]:
    """`text` cut before `[[feeds]]` headers into pieces of about `PIECE_CHARS`; whole where a
    cut could change what it means. It cannot when the only tables are `[[feeds]]` and there is
    no multi-line string (in which a line could look like a header) nor any key before the first
    header (which would belong to no table of its piece)."""
    if len(text) <= PIECE_CHARS or "'''" in text or '"""' in text:
        yield text
        return
    headers = []
    for line in _TABLE_LINE.finditer(text):
        if not _FEEDS_HEADER.fullmatch(line.group()):
            yield text
            return
        headers.append(line.start())
    if not headers or _KEY_LINE.search(text, 0, headers[0]):
        yield text
        return
    begin = 0
    for at in headers:
        if at - begin >= PIECE_CHARS:
            yield text[begin:at]
            begin = at
    yield text[begin:]
