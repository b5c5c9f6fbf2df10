"""Copying a whole state from one database into another (`migrate-state`: a SQLite file into
PostgreSQL), both at the schema's head: every table of `tables.py`, table by table in
batches, in one transaction on the target that commits only if each table's row count there
is the source's. A copy cut short leaves the target as it was.

Tables are read in key order and written parents first (`metadata.sorted_tables`), so a
table added later is copied too, with no change here.
"""

from collections.abc import Callable

from sqlalchemy import Connection, Engine, Table, func, insert, select, text

from monitor.state.tables import metadata

Progress = Callable[[str, int, int], None]  # (table, rows copied, rows in all)
BATCH = 2_000  # rows read and written at a time


class CopyMismatchError(Exception):
    """A table's row count on the target is not the source's: the copy was rolled back."""


def row_counts(engine: Engine) -> dict[str, int]:
    """How many rows each table holds."""
    with engine.connect() as conn:
        return {table.name: _count(conn, table) for table in metadata.sorted_tables}


def copy_state(
    source: Engine,
    target: Engine,
    *,
    replace: bool = False,
    progress: Progress = lambda table, done, total: None,
    batch: int = BATCH,
) -> dict[str, int]:
    """Copy every row of `source` into `target` (its rows deleted first if `replace`); the
    rows copied, by table. `progress` is told after each batch. Raises `CopyMismatchError`
    (and writes nothing) if a table's count differs after the copy."""
    copied: dict[str, int] = {}
    with source.connect() as reading, target.begin() as writing:
        if replace:
            for table in reversed(metadata.sorted_tables):
                writing.execute(table.delete())
        for table in metadata.sorted_tables:
            total = _count(reading, table)
            done = 0
            progress(table.name, done, total)
            rows = reading.execution_options(yield_per=batch).execute(
                select(table).order_by(*table.primary_key.columns)
            )
            for part in rows.mappings().partitions():
                writing.execute(insert(table), [dict(row) for row in part])
                done += len(part)
                progress(table.name, done, total)
            copied[table.name] = done
            _resume_numbering(writing, table)
        found = {table.name: _count(writing, table) for table in metadata.sorted_tables}
        source_counts = {table.name: _count(reading, table) for table in metadata.sorted_tables}
        if found != source_counts:
            differ = [
                f"{name}: {found[name]} of {n}"
                for name, n in source_counts.items()
                if found[name] != n
            ]
            raise CopyMismatchError(f"row counts differ after the copy ({', '.join(differ)})")
    return copied


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _resume_numbering(conn: Connection, table: Table) -> None:
    """Move a PostgreSQL sequence (`outbox.id`) past the ids copied, so that the next row
    inserted gets a new one; SQLite needs nothing (it numbers from the largest id)."""
    column = table.autoincrement_column
    if conn.dialect.name != "postgresql" or column is None:
        return
    conn.execute(
        text(  # names from tables.py, not from input
            f"SELECT setval(pg_get_serial_sequence(:table, :column), "  # noqa: S608
            f"COALESCE(MAX({column.name}), 0) + 1, false) FROM {table.name}"
        ),
        {"table": table.name, "column": column.name},
    )
