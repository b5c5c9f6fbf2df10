"""`database_url` end to end: `once` as a real process polls loopback feeds into PostgreSQL and
delivers; the URL's password comes from a credential file and shows nowhere (`check`, `feeds`,
`history`, the log, an error); a URL that is no PostgreSQL URL is a config error."""

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from monitor.config.load import ConfigError, load_config
from tests.support.cli import cli, console_script
from tests.support.config import (
    RULES,
    SEED,
    SEED_HEADLINE,
    UNRELATED,
    desk,
    feeds_toml,
    write_config,
)
from tests.support.feeds import rss
from tests.support.loopback import FeedServer

SECRET = "pg-Pa55word-4242"


def with_password(url: str, password: str) -> str:
    """`url` with `password` for its user (the test server trusts its socket: any will do)."""
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def test_once_writes_to_postgresql_with_a_password_from_the_credentials(
    server: FeedServer, tmp_path: Path, postgres_url: str
) -> None:
    server.feeds["wire.xml"] = rss(SEED, UNRELATED)
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "DATABASE_URL").write_text(with_password(postgres_url, SECRET) + "\n")
    settings = 'database_url = "${DATABASE_URL}"\n'
    feeds = feeds_toml(server, "wire.xml")
    config = write_config(
        tmp_path / "config", tmp_path / "state", feeds, RULES, desk(server), settings=settings
    )
    env = {"CREDENTIALS_DIRECTORY": str(credentials)}
    args = ("--config", str(config), "--log-level", "debug")

    polled = console_script(*args, "once", cwd=tmp_path, env=env)
    again = console_script(*args, "once", cwd=tmp_path, env=env)
    checked = cli(*args, "check", cwd=tmp_path, env=env)
    health = cli(*args, "feeds", cwd=tmp_path, env=env)
    history = cli(*args, "history", "--json", cwd=tmp_path, env=env)
    stored = cli(*args, "test-rule", "@France", "--history", "1", cwd=tmp_path, env=env)

    assert polled.returncode == 0, polled.stderr
    assert [SEED_HEADLINE in post["message"] for post in server.posts] == [True]  # once, not twice
    assert again.returncode == 0, again.stderr
    assert "state in postgresql+psycopg://postgres:***@/test_" in checked.stdout
    assert "wire.xml" in health.stdout
    assert SEED.title in history.stdout
    assert stored.returncode == 0, stored.stderr
    assert "1 of 2 item(s) match." in stored.stdout  # the items stored in PostgreSQL
    assert not (tmp_path / "state" / "monitor.db").exists()  # nothing went to SQLite
    for ran in (polled, again, checked, health, history, stored):
        assert SECRET not in ran.stdout + ran.stderr


def test_a_database_that_cannot_be_used_is_said_without_its_password(
    tmp_path: Path, postgres_url: str
) -> None:
    missing = make_url(with_password(postgres_url, SECRET)).set(database="no_such_database")
    config = write_config(tmp_path / "config", tmp_path / "state", "", "", "")
    env = {"MONITOR_DATABASE_URL": missing.render_as_string(hide_password=False)}

    ran = cli("--config", str(config), "once", cwd=tmp_path, env=env)
    read = cli("--config", str(config), "history", cwd=tmp_path, env=env)

    assert ran.returncode == 1
    assert "Cannot use the state in postgresql+psycopg://postgres:***@/no_such_database" in (
        ran.stderr
    )
    assert 'database "no_such_database" does not exist' in ran.stderr
    assert read.returncode == 1
    assert SECRET not in ran.stderr + ran.stdout + read.stderr + read.stdout


def test_a_command_that_reads_an_empty_database_says_there_is_no_state(
    tmp_path: Path, empty_postgres_url: str
) -> None:
    config = write_config(tmp_path / "config", tmp_path / "state", "", "", "")

    ran = cli(
        "--config",
        str(config),
        "feeds",
        cwd=tmp_path,
        env={"MONITOR_DATABASE_URL": empty_postgres_url},
    )

    assert ran.returncode == 1
    assert f"No state in {make_url(empty_postgres_url).drivername}://" in ran.stderr


@pytest.mark.parametrize(
    ("written", "spelt"),
    [
        ("postgres://u:pw@db.example/monitor", "postgresql+psycopg://u:pw@db.example/monitor"),
        ("postgresql://u@db/m?sslmode=require", "postgresql+psycopg://u@db/m?sslmode=require"),
        ("postgresql+psycopg://u:pw@db/m", "postgresql+psycopg://u:pw@db/m"),
        ("", ""),
    ],
)
def test_a_postgresql_url_is_spelt_for_psycopg(tmp_path: Path, written: str, spelt: str) -> None:
    config = write_config(
        tmp_path, tmp_path / "state", "", "", "", settings=f'database_url = "{written}"'
    )

    assert load_config(config).settings.database_url.get_secret_value() == spelt


def test_a_url_that_is_no_postgresql_url_is_a_config_error_naming_it_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, tmp_path / "state", "", "", "")
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"mysql://monitor:{SECRET}@db/monitor")

    with pytest.raises(ConfigError) as refused:
        load_config(config)

    (message,) = refused.value.errors
    assert message.startswith("environment MONITOR_DATABASE_URL: database_url:")
    assert "'mysql://monitor:***@db/monitor' is not a PostgreSQL URL" in message
    assert SECRET not in message
