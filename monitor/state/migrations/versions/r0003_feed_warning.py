"""`feeds.last_warning`: what was wrong with a feed that was read anyway (ill-formed or
truncated XML, cut to its first entries, no items where it had some), for `feeds`.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the column (NULL: no warning known yet)."""
    op.add_column("feeds", sa.Column("last_warning", sa.Text()))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("last_warning")
