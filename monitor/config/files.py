"""Reading one TOML file of the config directory, as `check` and `import-opml` both do."""

import tomllib
from pathlib import Path
from typing import Any


class UnreadableFileError(ValueError):
    """A config file that cannot be read as TOML in UTF-8; the message names the file."""


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document in `path`; raises `UnreadableFileError` naming it. A byte-order mark
    in front, as Windows editors write one, is no error: tomllib alone refuses the first line
    ("Invalid statement (at line 1, column 1)"), which the file's author cannot see."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise UnreadableFileError(f"{path}: cannot read: {exc}") from None
