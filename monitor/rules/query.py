"""The query language: tokenizer, recursive-descent parser and printer.

Grammar (NOT binds tightest, then AND — written or implied by juxtaposition — then OR)::

    query    := or_expr EOF
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := not_expr (["AND"] not_expr)*
    not_expr := ("NOT" | "-") not_expr | primary
    primary  := "(" or_expr ")" | FIELD ":" primary | "NEAR/" n "(" or_expr ("," or_expr)+ ")"
              | word | prefix* | "phrase" | @Name

Operators are upper case; `and`, `or`, `not` in lower case are ordinary words.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from monitor.rules.text import FIELDS, Field, folded_words


class QueryError(ValueError):
    """A query that cannot be parsed; `pos` is the offending character offset."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos

    def render(self, query: str) -> str:
        """The message, the query, and a caret under the offending position."""
        return f"{self.message} at position {self.pos + 1}\n    {query}\n    {' ' * self.pos}^"


# --- AST -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """A word, a `prefix*` or a `"phrase"`: `words` are folded; `raw` is as written."""

    words: tuple[str, ...]
    prefix: bool
    raw: str
    pos: int


@dataclass(frozen=True, slots=True)
class Ref:
    """`@Name`: any alias of the actor or topic `name`."""

    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class InField:
    """`title:X` / `text:X`: `child` must occur in that field."""

    field: Field
    child: "Node"
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


Node = Term | Ref | InField | Not | And | Or | Near


def refs(node: Node) -> Iterator[Ref]:
    """Every `@Name` reference in `node`, in query order."""
    match node:
        case Ref():
            yield node
        case InField(child=child) | Not(child=child):
            yield from refs(child)
        case And(children=children) | Or(children=children) | Near(children=children):
            for child in children:
                yield from refs(child)


# --- tokenizer -----------------------------------------------------------------------------

TokenKind = Literal[
    "(", ")", ",", "AND", "OR", "NOT", "-", "FIELD", "NEAR", "WORD", "PHRASE", "REF"
]
_OPERATORS = {"AND", "OR", "NOT"}
_DELIMITERS = set('()," ') | {"\t", "\n", "\r"}
_NOT_NEGATABLE = _DELIMITERS - {"(", '"'}


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token: its kind, its text (phrase contents unquoted) and its offset."""

    kind: TokenKind
    text: str
    pos: int


def _read_bare(query: str, i: int) -> int:
    end = i
    while end < len(query) and query[end] not in _DELIMITERS and query[end] != '"':
        end += 1
    return end


def tokenize(query: str) -> list[Token]:
    """Split a query into tokens; raises `QueryError` on an unterminated phrase."""
    tokens: list[Token] = []
    i = 0
    while i < len(query):
        char = query[i]
        if char.isspace():
            i += 1
        elif char in "(),":
            tokens.append(Token(char, char, i))  # type: ignore[arg-type]
            i += 1
        elif char == '"':
            close = query.find('"', i + 1)
            if close < 0:
                raise QueryError('unterminated phrase (missing closing ")', i)
            tokens.append(Token("PHRASE", query[i + 1 : close], i))
            i = close + 1
        elif char == "-" and i + 1 < len(query) and query[i + 1] not in _NOT_NEGATABLE:
            tokens.append(Token("-", "-", i))
            i += 1
        else:
            end = _read_bare(query, i)
            token = _classify(query, i, end)
            tokens.append(token)
            # `title:` is a token of its own; what follows it is lexed afresh.
            i = i + len(token.text) + 1 if token.kind == "FIELD" else end
    return tokens


def _classify(query: str, start: int, end: int) -> Token:
    text = query[start:end]
    field, colon, _rest = text.partition(":")
    if colon and field.lower() in FIELDS:
        return Token("FIELD", field.lower(), start)
    if text in _OPERATORS:
        return Token(text, text, start)  # type: ignore[arg-type]
    if text.upper().startswith("NEAR/"):
        return Token("NEAR", text[5:], start)
    if text.startswith("@"):
        return Token("REF", text[1:], start)
    return Token("WORD", text, start)


# --- parser --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = tokenize(query)
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, kind: TokenKind, what: str) -> Token:
        token = self.peek()
        if token is None or token.kind != kind:
            raise QueryError(f"expected {what}", token.pos if token else len(self.query))
        return self.take()

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("empty query", 0)
        node = self.or_expr()
        token = self.peek()
        if token is not None:
            if token.kind == ")":
                raise QueryError("unbalanced parenthesis: ')' without '('", token.pos)
            raise QueryError(f"unexpected {token.text!r}", token.pos)
        return node

    def or_expr(self) -> Node:
        first = self.and_expr()
        children = [first]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            children.append(self.and_expr())
        return first if len(children) == 1 else Or(tuple(children), first.pos)

    def and_expr(self) -> Node:
        first = self.not_expr()
        children = [first]
        while (token := self.peek()) is not None and token.kind not in ("OR", ")", ","):
            if token.kind == "AND":
                self.take()
            children.append(self.not_expr())
        return first if len(children) == 1 else And(tuple(children), first.pos)

    def not_expr(self) -> Node:
        token = self.peek()
        if token is not None and token.kind in ("NOT", "-"):
            self.take()
            return Not(self.not_expr(), token.pos)
        return self.primary()

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise QueryError("query ends where a term was expected", len(self.query))
        match token.kind:
            case "(":
                self.take()
                node = self.or_expr()
                if self.peek() is None:
                    raise QueryError("unbalanced parenthesis: '(' is never closed", token.pos)
                self.expect(")", "')'")
                return node
            case "FIELD":
                self.take()
                return InField(token.text, self.primary(), token.pos)  # type: ignore[arg-type]
            case "NEAR":
                return self.near(self.take())
            case "REF":
                self.take()
                if not token.text:
                    raise QueryError("'@' must be followed by an actor or topic name", token.pos)
                return Ref(token.text, token.pos)
            case "WORD" | "PHRASE":
                self.take()
                return _term(token)
            case ")":
                raise QueryError("unbalanced parenthesis: ')' without '('", token.pos)
            case _:
                raise QueryError(f"{token.text!r} needs a term before and after it", token.pos)

    def near(self, token: Token) -> Near:
        if not token.text.isdigit() or int(token.text) < 1:
            raise QueryError("NEAR needs a distance: NEAR/n( … ) with n ≥ 1", token.pos)
        self.expect("(", "'(' after NEAR/n")
        operands = [self.near_operand()]
        while (sep := self.peek()) is not None and sep.kind == ",":
            self.take()
            operands.append(self.near_operand())
        if self.peek() is None:
            raise QueryError("unbalanced parenthesis: NEAR's '(' is never closed", token.pos)
        self.expect(")", "')' closing NEAR")
        if len(operands) < 2:
            raise QueryError("NEAR needs at least two operands, separated by commas", token.pos)
        return Near(int(token.text), tuple(operands), token.pos)

    def near_operand(self) -> Node:
        node = self.or_expr()
        for leaf in node.children if isinstance(node, Or) else (node,):
            if not isinstance(leaf, Term | Ref):
                raise QueryError(
                    "NEAR operands are words, prefixes, phrases, @Names or OR-groups of those",
                    leaf.pos,
                )
        return node


def _term(token: Token) -> Term:
    text = token.text
    prefix = token.kind == "WORD" and text.endswith("*")
    core = text.rstrip("*") if prefix else text
    if token.kind == "WORD" and "*" in core:
        raise QueryError("'*' is allowed only at the end of a word", token.pos)
    folded = tuple(folded_words(core))
    if not folded:
        raise QueryError(f"{text!r} has no letters or digits to match", token.pos)
    if prefix and len(folded) > 1:
        raise QueryError("a prefix* must be a single word", token.pos)
    raw = f'"{text}"' if token.kind == "PHRASE" else text
    return Term(folded, prefix, raw, token.pos)


def parse(query: str) -> Node:
    """Parse a query into its AST; raises `QueryError` with the position of the problem."""
    return _Parser(query).parse()


def parse_alias(alias: str) -> Term:
    """An actor alias or topic term: a word, `prefix*`, or several words read as a phrase."""
    stripped = alias.strip()
    quoted = len(stripped) >= 2 and stripped[0] == stripped[-1] == '"'
    text = stripped[1:-1] if quoted else stripped
    kind: TokenKind = "PHRASE" if quoted or " " in text else "WORD"
    return _term(Token(kind, text, 0))


def to_string(node: Node) -> str:
    """Print a query so that `parse(to_string(n))` yields an equal AST (up to positions)."""
    match node:
        case Term(raw=raw):
            return raw
        case Ref(name=name):
            return f"@{name}"
        case InField(field=field, child=child):
            return f"{field}:{_wrap(child, bare_not=False)}"
        case Not(child=child):
            return f"NOT {_wrap(child)}"
        case And(children=children):
            return " AND ".join(_wrap(c) for c in children)
        case Or(children=children):
            return " OR ".join(_wrap(c) for c in children)
        case Near(distance=distance, children=children):
            return f"NEAR/{distance}(" + ", ".join(to_string(c) for c in children) + ")"


def _wrap(node: Node, *, bare_not: bool = True) -> str:
    """`node` as an operand: groups in parentheses, so printing never regroups or flattens."""
    if isinstance(node, Term | Ref | Near | InField) or (bare_not and isinstance(node, Not)):
        return to_string(node)
    return f"({to_string(node)})"
