"""Claims for several nodes on one database: `feeds.claim_token` and `feeds.polled_by`,
`outbox.claim_token` and `outbox.claimed_by` (`monitor/state/claims.py`).

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the columns (nullable: rows written before them hold no claim). A plain ADD
    COLUMN on both backends: no table is copied."""
    op.add_column("feeds", sa.Column("claim_token", sa.String()))
    op.add_column("feeds", sa.Column("polled_by", sa.String()))
    op.add_column("outbox", sa.Column("claim_token", sa.String()))
    op.add_column("outbox", sa.Column("claimed_by", sa.String()))


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_by")
        batch.drop_column("claim_token")
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("polled_by")
        batch.drop_column("claim_token")
