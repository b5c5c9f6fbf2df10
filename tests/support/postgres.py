"""A real PostgreSQL for the tests: a throwaway server started for the test run, shared by its
pytest-xdist workers, and a database of its own for each test.

The server is `initdb` + `pg_ctl` (from PATH, else `/usr/lib/postgresql/*/bin`) in a temporary
directory, listening on a Unix socket there only, with durability off (a test database dies
with its run). As root it runs as the `postgres` user, since `initdb` refuses root. The run's
first process (pytest-xdist's controller) names the directory (`prepare`) and stops the server
at the end (`finish`); the first test that needs it starts it, under a file lock, and the
other workers find it running. `MONITOR_TEST_DATABASE_URL` names a server to use instead (a
URL whose user may create databases): the run makes its template database there, and drops it
at the end with the tests' own. With neither, the tests that need it are skipped with
the reason, except in CI (`CI` set), where they fail: there they must run.
"""

import contextlib
import fcntl
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

SERVER_URL = "MONITOR_TEST_DATABASE_URL"
_DIRECTORY = "MONITOR_TEST_POSTGRES_DIR"  # set by the controller, inherited by the workers
_FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


class UnavailableError(Exception):
    """No PostgreSQL server can be had here (the message says why)."""


def prepare() -> None:
    """In the run's first process: name the directory the server will live in (with a server
    named by `MONITOR_TEST_DATABASE_URL`, what the run's processes share about it), for this
    process and the workers it starts (they inherit the environment)."""
    if os.environ.get(_DIRECTORY):
        return
    root = Path(tempfile.mkdtemp(prefix="mm-pg-"))
    root.chmod(0o755)  # the postgres user must reach the socket and the data directory in it
    os.environ[_DIRECTORY] = str(root)


def finish() -> None:
    """In the run's first process, at the end: stop the server if a test started it (the
    postmaster whose pid its data directory names, nothing else), and remove its directory."""
    root = os.environ.get(_DIRECTORY)
    if root is None:
        return
    data, told = Path(root) / "data", Path(root) / "url"
    if (data / "postmaster.pid").is_file():
        _as_owner(_binary("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    elif told.is_file():  # someone else's server: only the run's template goes
        template = make_url(told.read_text()).set(database=_template())
        with contextlib.suppress(SQLAlchemyError):  # the server may be gone: nothing to drop
            drop_database(template.render_as_string(hide_password=False))
    del os.environ[_DIRECTORY]
    shutil.rmtree(root, ignore_errors=True)


def server() -> str:
    """The URL of the run's server (its `postgres` database, or the one `MONITOR_TEST_DATABASE_URL`
    names), started now if no test has yet, with the run's template database made on it;
    raises `UnavailableError`."""
    root = os.environ.get(_DIRECTORY)
    if root is None:
        raise UnavailableError(f"the run named no server directory ({_DIRECTORY})")
    with _locked(Path(root) / "lock"):
        told, failed = Path(root) / "url", Path(root) / "unavailable"
        if failed.is_file():  # another worker tried: one try per run
            raise UnavailableError(failed.read_text())
        if not told.is_file():
            try:
                url = os.environ.get(SERVER_URL) or _start(Path(root))
                try:
                    _make_template(url)
                except SQLAlchemyError as exc:
                    raise UnavailableError(f"{make_url(url)}: {exc}") from exc
            except UnavailableError as exc:
                failed.write_text(str(exc))
                raise
            told.touch(mode=0o600)  # it may hold the password of MONITOR_TEST_DATABASE_URL
            told.write_text(url)
        return told.read_text()


def fresh_database(server_url: str, *, empty: bool = False) -> str:
    """A new database of its own on the server: with the schema at head, or `empty` (as a new
    install meets it); its URL."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    template = "template0" if empty else _template()
    _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database `url` names, closing its connections first."""
    name = make_url(url).database
    _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(url: str, statement: str) -> None:
    """Run `statement` outside a transaction, connected to the server's `postgres` database."""
    engine = create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def _template() -> str:
    """The name of the run's template database: its own, should the server be shared."""
    return "monitor_at_head_" + Path(os.environ[_DIRECTORY]).name.replace("-", "_")


def _make_template(url: str) -> None:
    """The database each test's is copied from, created at head by the app's own migrations."""
    from monitor.state.store import Store  # here: the suite's start need not load SQLAlchemy

    _admin(url, f'CREATE DATABASE "{_template()}"')
    template = make_url(url).set(database=_template())
    Store.open(Path(), template.render_as_string(hide_password=False)).close()


def _start(root: Path) -> str:
    """Create and start a server in `root`; its URL (the `postgres` database, over the socket)."""
    data, socket_dir = root / "data", root / "socket"
    owner = _owner()
    for directory in (data, socket_dir):
        directory.mkdir(mode=0o700)
        if owner is not None:
            os.chown(directory, owner.pw_uid, owner.pw_gid)
    initdb = ["-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"]
    _as_owner(_binary("initdb"), *initdb, "--no-sync")
    options = f"-k {socket_dir} -c listen_addresses='' {_FAST}"
    log = root / "server.log"
    log.touch()
    if owner is not None:
        os.chown(log, owner.pw_uid, owner.pw_gid)
    _as_owner(_binary("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
    return f"postgresql+psycopg://postgres@/postgres?host={socket_dir}"


def _binary(name: str) -> str:
    """`initdb` or `pg_ctl`: on PATH, else the newest in `/usr/lib/postgresql/*/bin`."""
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    )
    if not installed:
        raise UnavailableError(f"no {name} on PATH or in /usr/lib/postgresql/*/bin")
    return str(installed[-1])


def _owner() -> pwd.struct_passwd | None:
    """The user the server runs as: `postgres` when we are root (initdb refuses root), else us."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise UnavailableError("running as root, and there is no postgres user to run it") from None


def _as_owner(*command: str) -> None:
    """Run `command` as the server's owner; `UnavailableError` with its output if it fails."""
    owner = _owner()
    if owner is not None:
        command = ("runuser", "-u", owner.pw_name, "--", *command)
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise UnavailableError(f"{' '.join(command)} failed: {done.stderr or done.stdout}")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """The run's processes one at a time."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
