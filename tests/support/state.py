"""The tests' way into a state database: read what it holds, or write rows that no poll would
write (an older version's record, a schedule set up by hand), through the app's own `Store`."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, select

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
