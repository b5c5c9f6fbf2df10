"""`database_url`: the PostgreSQL database that holds the state instead of the SQLite file in
`state_dir`. Its `${NAME}`s are read as a channel URL's are (the environment, else systemd's
credentials), so that the password can live in a credential file; the URL is checked, spelt
for SQLAlchemy's psycopg (3) driver, and its secrets are registered for the log's redaction.

The check reads the URL as SQLAlchemy will (`make_url`, and its port): a URL that SQLAlchemy
cannot read (a port that is not a number, an IPv6 host without its `]`) is a config error
here, not a traceback when the state is first opened."""

from urllib.parse import unquote, urlsplit

from monitor.config.secrets import expand
from monitor.display import redact_urls, url_secrets

DRIVER = "postgresql+psycopg"
# What users write (libpq's own spellings among them), all meaning psycopg 3.
_SCHEMES = ("postgresql+psycopg", "postgresql", "postgres")


def resolve_database_url(template: str, where: str, secrets: list[str], errors: list[str]) -> str:
    """`template` with its `${NAME}`s expanded and its scheme made `postgresql+psycopg`; ""
    (SQLite in `state_dir`) for "". A problem is appended to `errors`, prefixed by `where`,
    and the URL's secrets (what the names expanded to, its password) to `secrets`."""
    if not template:
        return ""
    expanded = expand(template)
    if expanded.missing:
        names = ", ".join(f"${{{name}}}" for name in expanded.missing)
        errors.append(
            f"{where}: database_url: {names} not set "
            "(set it in the environment or as a file in $CREDENTIALS_DIRECTORY)"
        )
        return ""
    url = expanded.url.strip()
    secrets.extend(expanded.secrets)
    secrets.extend(_hidden(url))
    scheme, separator, rest = url.partition("://")
    if not separator or scheme.lower() not in _SCHEMES or not rest:
        errors.append(
            f"{where}: database_url: {redact_urls(url)!r} is not a PostgreSQL URL "
            f'("{DRIVER}://USER:PASSWORD@HOST/DATABASE"); leave it empty for the SQLite '
            "file in state_dir"
        )
        return ""
    spelt = f"{DRIVER}://{rest}"
    if not _readable(spelt):
        errors.append(
            f"{where}: database_url: {redact_urls(url)!r} cannot be read: its host or port is "
            'malformed ("HOST:PORT" with a port from 1 to 65535; an IPv6 host in brackets, '
            '"[::1]:5432")'
        )
        return ""
    return spelt


def _readable(url: str) -> bool:
    """Whether SQLAlchemy reads `url`, and its port, if any, is one a server can listen on."""
    # Here: only a config that names a database pays for their import (~0.2 s).
    from sqlalchemy.engine import make_url  # noqa: PLC0415
    from sqlalchemy.exc import ArgumentError  # noqa: PLC0415

    try:
        port = make_url(url).port
    except (ArgumentError, ValueError):  # ValueError: `int()` of the port as written
        return False
    return port is None or 0 < port < 65536


def _hidden(url: str) -> tuple[str, ...]:
    """The URL's password and secret-named query values; a user name without a password is a
    role (`postgres`), not the token it would be in a channel URL."""
    try:
        user, password = urlsplit(url).username, urlsplit(url).password
    except ValueError:
        return ()
    if password is None and user:
        return tuple(v for v in url_secrets(url) if v not in (user, unquote(user)))
    return url_secrets(url)
