"""The state database's schema migrations (Alembic), shipped in the package and run in code at
open: no `alembic.ini`, no command to run by hand.

- `env.py` runs them on the connection `upgrade.upgrade` hands over.
- `versions/` holds one module per revision, oldest first: `r0001_initial` is the schema of
  media-monitor 0.1.0 and also adopts a state file written before versions existed.

A change to `monitor/state/tables.py` needs a new revision beside it: a module
`versions/rNNNN_what.py` with `revision = "NNNN"`, `down_revision` the previous one, and
portable `op.*` calls only (the same migrations must run on PostgreSQL; a column changed or
dropped goes through `op.batch_alter_table`, which SQLite needs); then move `HEAD` in
`monitor/state/schema_version.py`. `tests/integration/test_migrations.py` fails until the
migrated schema and `tables.py` agree.
"""

import logging

# Alembic logs its set-up (plugins, context) and each step at INFO from the moment it is
# imported; `upgrade.upgrade` says what happened in one line instead.
logging.getLogger("alembic").setLevel(logging.WARNING)
