"""The query language's tokens: `tokenize` splits a query into them; `QueryError` is what the
tokenizer and the parser (`rules/query`) raise, with the offending position."""

from dataclasses import dataclass
from typing import Literal

import regex

MAX_QUERY_CHARS = 10_000


class QueryError(ValueError):
    """A query that cannot be parsed; `pos` is the offending character offset."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos

    def render(self, query: str) -> str:
        """The message, the query, and a caret under the offending column."""
        start = 0 if len(query) <= 120 else max(0, self.pos - 60)  # a window on a long query
        shown = ("…" if start else "") + query[start : start + 120]
        caret = self.pos - start + (1 if start else 0)
        return f"{self.message} at column {self.pos + 1}\n    {shown}\n    {' ' * caret}^"


# --- tokenizer -----------------------------------------------------------------------------

TokenKind = Literal[
    "(",
    ")",
    ",",
    "AND",
    "OR",
    "NOT",
    "-",
    "=",
    "FIELD",
    "NEAR",
    "ATLEAST",
    "WORD",
    "PHRASE",
    "REF",
]
_OPERATORS = {"AND", "OR", "NOT"}
_DELIMITERS = set('()," ') | {"\t", "\n", "\r"}
_NOT_NEGATABLE = _DELIMITERS - {"(", '"'}
_FIELD = regex.compile(r"(?i)(title|text|lead|lang):")
_ATLEAST = regex.compile(r'(?i)atleast:([^()," \t\n\r]*)')
_BARE = regex.compile(r'[^()," \t\n\r]*')


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token: its kind, its text (phrase contents unquoted) and its offset."""

    kind: TokenKind
    text: str
    pos: int


def tokenize(query: str) -> list[Token]:
    """Split a query into tokens; raises `QueryError` on an unterminated phrase."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"query longer than {MAX_QUERY_CHARS:,} characters", MAX_QUERY_CHARS)
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
        elif char in "-=" and i + 1 < len(query) and query[i + 1] not in _NOT_NEGATABLE:
            tokens.append(Token(char, char, i))  # type: ignore[arg-type]
            i += 1
        elif count := _ATLEAST.match(query, i):
            # `atleast:N` is a token of its own, its text the count as written.
            tokens.append(Token("ATLEAST", count[1], i))
            i = count.end()
        elif field := _FIELD.match(query, i):
            # `title:` is a token of its own; what follows it is lexed afresh.
            tokens.append(Token("FIELD", field[1].lower(), i))
            i = field.end()
        else:
            end = _BARE.match(query, i).end()  # type: ignore[union-attr]
            end = end if end > i else i + 1
            tokens.append(_classify(query[i:end], i))
            i = end
    return tokens


def _classify(text: str, start: int) -> Token:
    if text in _OPERATORS:
        return Token(text, text, start)  # type: ignore[arg-type]
    if text.upper().startswith("NEAR/"):
        return Token("NEAR", text[5:], start)
    if text.startswith("@"):
        return Token("REF", text[1:], start)
    return Token("WORD", text, start)
