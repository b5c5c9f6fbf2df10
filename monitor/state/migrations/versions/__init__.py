"""The revisions, one module each (Alembic loads them by file; this marks a package so they ship
in the wheel and are type-checked)."""
