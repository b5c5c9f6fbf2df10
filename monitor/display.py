"""Text from outside (feeds, OPML, the config) made safe to show a person (pure).

`visible` writes the characters that act on a terminal or reorder text (C0/C1 controls, DEL,
bidirectional overrides and isolates) as escapes such as `\\x1b` and `\\u202e`: a feed cannot
recolour a terminal, move its cursor, or make `gpj.exe` read as `exe.jpg`, and the reader still
sees that something was there. `redact_urls` masks the credentials a URL may carry (its
user-info, and query values whose names say they are secrets); `url_secrets` lists them, for
the log's redaction.
"""

import re
from urllib.parse import parse_qsl, unquote, urlsplit

# C0 controls but tab and newline, DEL, C1 controls; LRE RLE PDF LRO RLO; LRI RLI FSI PDI.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A query parameter named for a secret: `token`, `api_key`, `X-Amz-Signature`, `jsessionid`… but
# not `keyword` or `monkey`.
_HIDDEN_NAME = (
    r"(?:[\w.\-]*?(?:[_.\-]|api|access|auth|client|private))?"
    r"(?:token|key|secret|pass|passwd|password|pwd|auth|sig|signature|j?session(?:id)?|sid"
    r"|credentials?)"
)
# scheme://user:password@ or scheme://token@, wherever a URL starts: the user name is kept when
# a password follows it, the rest is masked.
_USER_INFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]{0,31}://)(?:([^/@\s?#:]*):)?[^/@\s?#]+@")
# ?name=value, &name=value or ;name=value; masked if its name says it holds a secret.
_PARAM = re.compile(r"([?&;])([^=&;#?\s]+)=([^&;#\s]+)")
_HIDDEN_KEY = re.compile(rf"(?i){_HIDDEN_NAME}")
MASK = "***"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control and bidirectional-override character written as an escape."""
    # Every character escaped is unprintable: most text is all printable, and this is quicker.
    return text if text.isprintable() else _UNSAFE.sub(_escape, text)


def redact_urls(text: str) -> str:
    """`text` with the user-info of every URL in it, and the values of its secret-named query
    parameters (`token`, `api_key`, `password`, `sig`…), replaced by `***` (a user name
    followed by a password is kept)."""
    # Each pattern only where it can match: a log line is checked field by field, every time.
    if "@" in text and "://" in text:
        text = _USER_INFO.sub(_mask_user_info, text)
    return _PARAM.sub(_mask_param, text) if "=" in text else text


def _mask_param(match: re.Match[str]) -> str:
    start, name, _value = match.groups()
    return f"{start}{name}={MASK}" if _HIDDEN_KEY.fullmatch(name) else match.group()


def _mask_user_info(match: re.Match[str]) -> str:
    scheme, user = match.groups()
    return f"{scheme}{MASK}@" if user is None else f"{scheme}{user}:{MASK}@"


def url_secrets(url: str) -> tuple[str, ...]:
    """The credentials in `url` that `redact_urls` masks (as written, and decoded), for the log's
    redaction."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return ()
    # With a password, the user name is a name; alone, it is the token (`https://TOKEN@host`).
    found = [password if password is not None else parts.username]
    found += [v for k, v in parse_qsl(parts.query, separator="&") if _HIDDEN_KEY.fullmatch(k)]
    written = [v for v in found if v]
    return tuple(dict.fromkeys([*written, *(unquote(v) for v in written)]))
