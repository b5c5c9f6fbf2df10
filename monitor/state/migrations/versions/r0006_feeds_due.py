"""`feeds_due`: an index on `feeds.next_poll_at`, so that the daemon's tick finds the feeds due
without reading every feed.

Revision ID: 0006
"""

from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the index."""
    op.create_index("feeds_due", "feeds", ["next_poll_at"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("feeds_due", table_name="feeds")
