"""The tests' way into a state database: read what it holds, or write rows that no poll would
write (an older version's record, a schedule set up by hand), through the app's own `Store`;
and statements made to fail as a full disk or a damaged file makes them fail."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, event, select

from monitor.state.store import Store
from monitor.state.tables import feeds


@contextmanager
def opened(state: Path) -> Iterator[Store]:
    """The state database in `state`, closed afterwards."""
    store = Store.open(state)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def writing(store: Store) -> Iterator[Connection]:
    """One write transaction on `store` (committed at the end of the block)."""
    with store.writer.begin() as conn:
        yield conn


def stored_column(state: Path, key: Column[Any], value: Column[Any]) -> dict[Any, Any]:
    """Column `value` by column `key` (of one table), as the state database in `state` holds it."""
    with opened(state) as store, store.engine.connect() as conn:
        return dict(conn.execute(select(key, value)).all())


def stored_feeds(state: Path) -> dict[str, dict[str, object]]:
    """Every row of the feeds table, by feed name."""
    with opened(state) as store, store.engine.connect() as conn:
        rows = conn.execute(select(feeds)).mappings().all()
    return {str(row["name"]): dict(row) for row in rows}


@contextmanager
def failing(store: Store, statement: str, error: sqlite3.Error) -> Iterator[None]:
    """While the block runs, every statement of `store` that starts with `statement` (`UPDATE
    outbox`, `SELECT`…) fails with `error`, as SQLite raises it on a full disk or a damaged
    page; the app meets it through SQLAlchemy, as it would the real one."""

    def refuse(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().upper().startswith(statement.upper()):
            raise error

    event.listen(store.engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(store.engine, "before_cursor_execute", refuse)
