"""A config file's named entries (`[channels.NAME]`, `[[feeds]]`, …) and how their validation
errors are told: each names its file and object."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)
Kept = TypeVar("Kept")


@dataclass(slots=True)
class Entry:
    """One named object of a config file, as written (`body`: None once validated)."""

    file: str
    name: str
    body: Any


def describe(exc: ValidationError) -> list[str]:
    """Pydantic's errors as lines: where, then what."""
    out = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        out.append(f"{where}: {message}" if where else message)
    return out


def validate_named(
    entries: list[Entry],
    kind: str,
    model: type[Model],
    errors: list[str],
    keep: Callable[[Model], Kept],
    *,
    valid: dict[str, tuple[Kept, Entry]] | None = None,
) -> dict[str, tuple[Kept, Entry]]:
    """Validate `[[feeds]]`/`[[rules]]` entries, each kept as `keep` makes it of its model
    (at once: with thousands of feeds, their models would otherwise all be alive together);
    names must be unique across files. Returns `valid` (new if None) with the valid ones added:
    entries validated a piece at a time are checked against the pieces before."""
    valid = {} if valid is None else valid
    for entry in entries:
        try:
            obj = keep(model.model_validate(entry.body))
            # The table as written is not needed again: dropped now, not with the whole file's
            # (at 50,000 feeds, the tables alive beside what is kept of them: +10 MB of peak).
            entry.body = None
        except ValidationError as exc:
            errors.extend(f"{entry.file}: {kind} '{entry.name}': {m}" for m in describe(exc))
            continue
        earlier = valid.get(entry.name)
        if earlier is not None:
            errors.append(
                f"{entry.file}: {kind} '{entry.name}' is also defined in {earlier[1].file}"
            )
            continue
        valid[entry.name] = (obj, entry)
    return valid
