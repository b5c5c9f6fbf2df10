"""The user's feedback: `mutes` (rules and channels silenced for a while) and `rejections`
(alerts marked "not relevant").

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create both tables, empty."""
    op.create_table(
        "mutes",
        sa.Column("kind", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("until", sa.DateTime()),
        sa.Column("reason", sa.Text()),
        sa.Column("muted_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
    )
    op.create_table(
        "rejections",
        sa.Column("story_key", sa.Text(), primary_key=True),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("rejected_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("reason", sa.Text()),
    )
    op.create_index("ix_rejections_rejected_at", "rejections", ["rejected_at"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_rejections_rejected_at", table_name="rejections")
    op.drop_table("rejections")
    op.drop_table("mutes")
