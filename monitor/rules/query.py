"""The query language's recursive-descent parser (the tokens are in `rules/tokens`, the tree
in `rules/nodes`).

Grammar (NOT binds tightest, then AND — written or implied by juxtaposition — then OR)::

    query    := or_expr EOF
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := not_expr (["AND"] not_expr)*
    not_expr := ("NOT" | "-") not_expr | primary
    primary  := "(" or_expr ")" | FIELD ":" primary | "lang:" code | "lang:(" code (OR code)* ")"
              | "NEAR/" n "(" or_expr ("," or_expr)+ ")" | "atleast:" n "(" or_expr ")"
              | ["="] word | prefix* | ["="] "phrase" | @Name

FIELD is `title`, `text` or `lead` (the title and the text's first sentence, `rules/lead`).

Operators are upper case; `and`, `or`, `not` in lower case are ordinary words (`check` warns).
Limits keep a hostile or mistyped config from exhausting the parser or the automaton:
`MAX_DEPTH` levels of nesting, terms of `MAX_TERM_CHARS` characters, queries of
`MAX_QUERY_CHARS`, `NEAR` distances up to `MAX_DISTANCE` words, `atleast:` counts up to
`MAX_COUNT`.
"""

from difflib import get_close_matches

import regex

from monitor.rules.language import CODES
from monitor.rules.nodes import (
    And,
    AtLeast,
    InField,
    Lang,
    Near,
    Node,
    Not,
    Or,
    Ref,
    Term,
    has_lang,
)
from monitor.rules.text import ends_without_space, fold_cased, folded_words, units
from monitor.rules.tokens import QueryError, Token, TokenKind, tokenize

# QueryError and tokenize live in `rules/tokens`; callers take them from here, with the parser.
__all__ = ["QueryError", "parse", "parse_alias", "tokenize"]

MAX_DEPTH = 32
MAX_TERM_CHARS = 200
MAX_DISTANCE = 1_000
MAX_COUNT = 100
_CODE = regex.compile(r"[a-z]{2,3}")
_NEAR_TYPO = regex.compile(r"(?i)near/?([0-9]*)")


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = tokenize(query)
        self.i = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> Token | None:
        at = self.i + ahead
        return self.tokens[at] if at < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, kind: TokenKind, what: str) -> Token:
        token = self.peek()
        if token is None or token.kind != kind:
            raise QueryError(f"expected {what}", token.pos if token else len(self.query))
        return self.take()

    def deeper(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"query nested more than {MAX_DEPTH} levels deep", token.pos)

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
            self.deeper(token)
            node = Not(self.not_expr(), token.pos)
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise QueryError("query ends where a term was expected", len(self.query))
        self.deeper(token)
        node = self._primary(token)
        self.depth -= 1
        return node

    def _primary(self, token: Token) -> Node:
        match token.kind:
            case "(":
                self.take()
                node = self.or_expr()
                if self.peek() is None:
                    raise QueryError("unbalanced parenthesis: '(' is never closed", token.pos)
                self.expect(")", "')'")
                return node
            case "FIELD" if token.text == "lang":
                self.take()
                return self.lang(token)
            case "FIELD":
                self.take()
                child = self.primary()
                if has_lang(child):
                    raise QueryError("lang: is about the whole story, not a field", token.pos)
                return InField(token.text, child, token.pos)  # type: ignore[arg-type]
            case "NEAR" | "ATLEAST":
                return (self.near if token.kind == "NEAR" else self.atleast)(self.take())
            case "REF":
                self.take()
                if not token.text:
                    raise QueryError("'@' must be followed by an actor or topic name", token.pos)
                return Ref(token.text, token.pos)
            case "=":
                return self.exact(self.take())
            case "WORD" | "PHRASE":
                self.take()
                self.near_typo(token)
                return _term(token)
            case ")":
                raise QueryError("unbalanced parenthesis: ')' without '('", token.pos)
            case _:
                raise QueryError(f"{token.text!r} needs a term before and after it", token.pos)

    def exact(self, token: Token) -> Term:
        term = self.peek()
        if term is None or term.kind not in ("WORD", "PHRASE"):
            raise QueryError("'=' (exact case) goes before a word or a phrase", token.pos)
        return _term(self.take(), exact=True)

    def near_typo(self, token: Token) -> None:
        """`NEAR5(` or `NEAR(`: a NEAR that lost its slash or its distance."""
        typo = _NEAR_TYPO.fullmatch(token.text) if token.kind == "WORD" else None
        following = self.peek()
        touching = following is not None and following.pos == token.pos + len(token.text)
        if typo and touching and following is not None and following.kind == "(":
            shown = f"NEAR/{typo[1] or 'n'}(…)"
            raise QueryError(f"{token.text}( is not an operator: did you mean {shown}?", token.pos)

    def lang(self, token: Token) -> Lang:
        where = self.peek()
        if where is not None and where.kind == "(":
            self.take()
            codes = [self.code()]
            while (sep := self.peek()) is not None and sep.kind == "OR":
                self.take()
                codes.append(self.code())
            self.expect(")", "')' closing lang:( … ) (languages are separated by OR)")
        else:
            codes = [self.code()]
        return Lang(tuple(sorted(set(codes))), token.pos)

    def code(self) -> str:
        token = self.peek()
        if token is None or token.kind != "WORD":
            raise QueryError("lang: needs a language code such as fr, ru or zh", self._at(token))
        self.take()
        code = token.text.lower()
        if not _CODE.fullmatch(code) or code not in CODES:
            close = get_close_matches(code, sorted(CODES), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise QueryError(f"unknown language code {token.text!r}{hint}", token.pos)
        return code

    def _at(self, token: Token | None) -> int:
        return token.pos if token is not None else len(self.query)

    def near(self, token: Token) -> Near:
        if not token.text.isascii() or not token.text.isdigit():
            raise QueryError("NEAR needs a distance: NEAR/n( … ) with n a number", token.pos)
        distance = int(token.text[:6])
        if not 1 <= distance <= MAX_DISTANCE or len(token.text) > 6:
            raise QueryError(f"NEAR's distance must be from 1 to {MAX_DISTANCE}", token.pos)
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
        return Near(distance, tuple(operands), token.pos)

    def near_operand(self, what: str = "NEAR operands are") -> Node:
        node = self.or_expr()
        for leaf in node.children if isinstance(node, Or) else (node,):
            if not isinstance(leaf, Term | Ref):
                raise QueryError(
                    f"{what} words, prefixes, phrases, @Names or OR-groups of those", leaf.pos
                )
        return node

    def atleast(self, token: Token) -> AtLeast:
        text = token.text
        if not text.isascii() or not text.isdigit() or not 1 <= int(text[:4]) <= MAX_COUNT:
            raise QueryError(
                f"atleast: needs a count from 1 to {MAX_COUNT}: atleast:3( … )", token.pos
            )
        self.expect("(", "'(' after atleast:n")
        if self.peek() is None:
            raise QueryError("unbalanced parenthesis: atleast's '(' is never closed", token.pos)
        child = self.near_operand("atleast: counts")
        if self.peek() is None:
            raise QueryError("unbalanced parenthesis: atleast's '(' is never closed", token.pos)
        self.expect(")", "')' closing atleast: (it counts one term or OR-group)")
        return AtLeast(int(text), child, token.pos)


def _term(token: Token, *, exact: bool = False) -> Term:
    text = token.text
    if len(text) > MAX_TERM_CHARS:
        raise QueryError(f"a term longer than {MAX_TERM_CHARS} characters", token.pos)
    if token.kind == "PHRASE" and "*" in text:
        raise QueryError(
            f"'*' does not work inside a phrase (\"{text}\" would match a word as written, "
            "without its '*'): write the prefix without quotes",
            token.pos,
        )
    prefix = token.kind == "WORD" and text.endswith("*")
    core = text.rstrip("*") if prefix else text
    if token.kind == "WORD" and "*" in core:
        raise QueryError("'*' is allowed only at the end of a word", token.pos)
    folded = tuple(folded_words(core))
    if not folded:
        raise QueryError(f"{text!r} has no letters or digits to match", token.pos)
    if prefix and len(folded) > 1:
        raise QueryError("a prefix* must be a single word", token.pos)
    if prefix and ends_without_space(folded[-1]):
        prefix = False  # such a term already matches inside longer runs of its script
    raw = f'"{text}"' if token.kind == "PHRASE" else text
    cased = tuple(units(fold_cased(core))) if exact else None
    return Term(folded, prefix, f"={raw}" if exact else raw, token.pos, cased)


def parse(query: str) -> Node:
    """Parse a query into its AST; raises `QueryError` with the position of the problem."""
    return _Parser(query).parse()


def parse_alias(alias: str) -> Term:
    """An actor alias or topic term: a word, `prefix*`, or several words read as a phrase;
    `=` in front for exact case."""
    stripped = alias.strip()
    exact = stripped.startswith("=")
    stripped = stripped.removeprefix("=")
    quoted = len(stripped) >= 2 and stripped[0] == stripped[-1] == '"'
    text = stripped[1:-1] if quoted else stripped
    kind: TokenKind = "PHRASE" if quoted or " " in text else "WORD"
    return _term(Token(kind, text, 0), exact=exact)
