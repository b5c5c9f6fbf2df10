"""Alembic's environment: runs the migrations on the connection that `upgrade.upgrade` passes in
`config.attributes` (the state database's own engine, inside its write transaction)."""

from alembic import context

# The caller's transaction is already open, so Alembic adds none: the whole upgrade, the
# version stamp included, commits or rolls back as one.
context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
