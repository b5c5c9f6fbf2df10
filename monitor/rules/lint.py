"""Rules that explain themselves: what a query does that its author probably did not mean.

- `operator_warnings`: lower-case `and`, `or`, `not` between terms are words, not operators.
- `matches_without_terms`: a query true of a story that contains none of its terms (`-sport`,
  `a OR NOT b`, `lang:fr`) would alert on nearly everything: `check` refuses it.
- `never_matches`: a query that no story can satisfy (`a -a`, `title:a -a`,
  `lang:fr lang:de`); `test-rule` says so and fails.
"""

from collections.abc import Callable, Iterator
from itertools import product

from monitor.rules.nodes import And, AtLeast, InField, Lang, Near, Node, Not, Or, Ref, Term
from monitor.rules.query import QueryError, tokenize

_LOWER_OPERATORS = {"and": "AND", "or": "OR", "not": "NOT"}
MAX_ATOMS = 14  # never_matches tries every assignment of this many conditions, at most


def operator_warnings(query: str) -> list[str]:
    """A warning for each lower-case `and`/`or`/`not` where an operator would stand."""
    tokens = tokenize(query)
    warnings = []
    for i, token in enumerate(tokens):
        operator = _LOWER_OPERATORS.get(token.text.lower())
        if token.kind != "WORD" or operator is None or token.text == operator:
            continue
        before = i > 0 and tokens[i - 1].kind not in ("(", ",")
        after = i + 1 < len(tokens) and tokens[i + 1].kind not in (")", ",")
        if after and (before or operator == "NOT"):
            warnings.append(
                f"{token.text!r} at column {token.pos + 1} is matched as a word; "
                f"operators are written in capitals: {operator}"
            )
    return warnings


def _languages(node: Node) -> set[str]:
    match node:
        case Lang(codes=codes):
            return set(codes)
        case InField(child=child) | Not(child=child) | AtLeast(child=child):
            return _languages(child)
        case And(children=kids) | Or(children=kids) | Near(children=kids):
            return set().union(*map(_languages, kids))
    return set()


def _value(node: Node, present: Callable[[Node], bool], language: str | None) -> bool:
    match node:
        case Term() | Ref() | InField() | Near() | AtLeast():
            return present(node)
        case Lang(codes=codes):
            return language in codes
        case Not(child=child):
            return not _value(child, present, language)
        case And(children=kids):
            return all(_value(k, present, language) for k in kids)
        case Or(children=kids):
            return any(_value(k, present, language) for k in kids)


def matches_without_terms(node: Node) -> QueryError | None:
    """An error if `node` is true of some story that contains none of its terms."""
    for language in [*sorted(_languages(node)), None]:
        if _value(node, lambda _atom: False, language):
            return QueryError(
                "this query matches stories that contain none of its words (a query made of "
                "NOT, or an OR with a NOT or lang: alone on one side, alerts on nearly "
                "everything): add a word every matching story must contain",
                node.pos,
            )
    return None


def _atoms(node: Node) -> Iterator[Node]:
    match node:
        case Term() | Ref():
            yield node
        case InField(child=child) | AtLeast(child=child):
            yield node
            yield from _atoms(child)
        case Near(children=kids):
            yield node
            for kid in kids:
                yield from _atoms(kid)
        case Not(child=child):
            yield from _atoms(child)
        case And(children=kids) | Or(children=kids):
            for kid in kids:
                yield from _atoms(kid)


def _key(node: Node) -> object:
    """Equal conditions compare equal, wherever they stand in the query."""
    match node:
        case Term(words=words, prefix=prefix, exact=exact):
            return ("term", words, prefix, exact)
        case Ref(name=name):
            return ("ref", name)
        case InField(field=field, child=child):
            return ("in", field, _key(child))
        case Near(distance=distance, children=kids):
            return ("near", distance, tuple(map(_key, kids)))
        case AtLeast(count=count, child=child):
            return ("atleast", count, _key(child))
        case Or(children=kids):
            return ("or", tuple(map(_key, kids)))
    return ("other", id(node))


def _implied(node: Node) -> Iterator[Node]:
    """The conditions a true `title:X`, `atleast:n(X)` or `NEAR(…)` makes true (X, each
    operand)."""
    match node:
        case InField(child=child) | AtLeast(child=child):
            yield child
        case Near(children=kids):
            yield from kids


def never_matches(node: Node) -> bool:
    """Whether no story can satisfy `node`: every assignment of its conditions (terms, fields,
    NEARs, the language) that respects what implies what makes it false. Conditions are
    otherwise taken as independent (an `@Name` is one condition), so the answer is yes only
    when it is certain; a query with more than `MAX_ATOMS` conditions is taken as
    satisfiable."""
    atoms = {_key(atom): atom for atom in _atoms(node)}
    if len(atoms) > MAX_ATOMS:
        return False
    keys = list(atoms)
    languages = [*sorted(_languages(node)), None]
    for values in product((False, True), repeat=len(keys)):
        truth = dict(zip(keys, values, strict=True))
        if any(
            truth[key] and not truth.get(_key(implied), True)
            for key, atom in atoms.items()
            for implied in _implied(atom)
        ):
            continue
        present = lambda atom, truth=truth: truth[_key(atom)]  # noqa: E731
        if any(_value(node, present, lang) for lang in languages):
            return False
    return True
