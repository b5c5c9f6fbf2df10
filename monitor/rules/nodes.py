"""The query language's syntax tree, and its printer.

`monitor.rules.query` builds these nodes from text; `to_string` prints them back so that
parsing the printed query yields an equal tree.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

# Where `title:X`, `text:X` and `lead:X` look: the lead is the title and the text's first
# sentence (`rules/lead`).
QueryField = Literal["title", "text", "lead"]


@dataclass(frozen=True, slots=True)
class Term:
    """A word, a `prefix*` or a `"phrase"`: `words` are folded (a run of characters of a script
    without spaces is one word); `raw` is as written. `exact` holds the units with their case
    (see `text.units`) for an exact-case `=TERM`."""

    words: tuple[str, ...]
    prefix: bool
    raw: str
    pos: int
    exact: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Ref:
    """`@Name`: any alias of the actor or topic `name`."""

    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class InField:
    """`title:X` / `text:X` / `lead:X`: `child` must occur in that field."""

    field: QueryField
    child: "Node"
    pos: int


@dataclass(frozen=True, slots=True)
class Lang:
    """`lang:fr`, `lang:(ru OR uk)`: the story is in one of `codes` (ISO 639 codes)."""

    codes: tuple[str, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Not:
    """Negation."""

    child: "Node"
    pos: int


@dataclass(frozen=True, slots=True)
class And:
    """Conjunction of two or more nodes."""

    children: tuple["Node", ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Or:
    """Disjunction of two or more nodes."""

    children: tuple["Node", ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Near:
    """`NEAR/n(A, B, …)`: all operands in one field, at most `distance` words between them."""

    distance: int
    children: tuple["Node", ...]
    pos: int


@dataclass(frozen=True, slots=True)
class AtLeast:
    """`atleast:N(X)`: X (a term, `@Name` or OR-group of those) occurs at least `count` times."""

    count: int
    child: "Node"
    pos: int


Node = Term | Ref | InField | Lang | Not | And | Or | Near | AtLeast


def refs(node: Node) -> Iterator[Ref]:
    """Every `@Name` reference in `node`, in query order."""
    match node:
        case Ref():
            yield node
        case InField(child=child) | Not(child=child) | AtLeast(child=child):
            yield from refs(child)
        case And(children=children) | Or(children=children) | Near(children=children):
            for child in children:
                yield from refs(child)


def has_lang(node: Node) -> bool:
    """Whether `node` says `lang:` outside a field (where the parser allows it at all)."""
    match node:
        case Lang():
            return True
        case Not(child=child):
            return has_lang(child)
        case And(children=kids) | Or(children=kids):
            return any(map(has_lang, kids))
    return False


def to_string(node: Node) -> str:
    """Print a query so that `parse(to_string(n))` yields an equal AST (up to positions)."""
    match node:
        case Term(raw=raw):
            return raw
        case Ref(name=name):
            return f"@{name}"
        case InField(field=field, child=child):
            return f"{field}:{_wrap(child, bare_not=False)}"
        case Lang(codes=codes):
            return f"lang:{codes[0]}" if len(codes) == 1 else f"lang:({' OR '.join(codes)})"
        case Not(child=child):
            return f"NOT {_wrap(child)}"
        case And(children=children):
            return " AND ".join(_wrap(c) for c in children)
        case Or(children=children):
            return " OR ".join(_wrap(c) for c in children)
        case Near(distance=distance, children=children):
            return f"NEAR/{distance}(" + ", ".join(to_string(c) for c in children) + ")"
        case AtLeast(count=count, child=child):
            return f"atleast:{count}({to_string(child)})"


def _wrap(node: Node, *, bare_not: bool = True) -> str:
    """`node` as an operand: groups in parentheses, so printing never regroups or flattens."""
    if isinstance(node, Term | Ref | Near | InField | Lang | AtLeast) or (
        bare_not and isinstance(node, Not)
    ):
        return to_string(node)
    return f"({to_string(node)})"
