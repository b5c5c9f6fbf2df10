"""`outbox_pending`: an index on `outbox (status, id)`, so that delivery finds the pending
alerts without reading every alert kept for `state_retention` (months of sent ones).

Revision ID: 0008
"""

from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the index."""
    op.create_index("outbox_pending", "outbox", ["status", "id"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("outbox_pending", table_name="outbox")
