"""Stories across outlets: clusters of matched items, their members and fingerprints' bands,
per-rule match counts and cooldown marks, and `stories.judged` (a story that did not match is
judged again on another text).

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the stories' tables and the `judged` column."""
    op.add_column("stories", sa.Column("judged", sa.Text()))
    op.create_table(
        "story_clusters",
        sa.Column("story_key", sa.Text(), primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("feed", sa.String(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("spread_at", sa.DateTime()),
    )
    op.create_index("ix_story_clusters_last_seen_at", "story_clusters", ["last_seen_at"])
    op.create_table(
        "story_members",
        sa.Column("story_key", sa.Text(), primary_key=True),
        sa.Column("cluster", sa.Text(), nullable=False),
        sa.Column("feed", sa.String(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_story_members_cluster", "story_members", ["cluster"])
    op.create_table(
        "story_bands",
        sa.Column("band", sa.BigInteger(), primary_key=True),
        sa.Column("cluster", sa.Text(), primary_key=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_story_bands_seen_at", "story_bands", ["seen_at"])
    op.create_table(
        "rule_counts",
        sa.Column("rule", sa.String(), primary_key=True),
        sa.Column("bucket", sa.DateTime(), primary_key=True),
        sa.Column("matches", sa.Integer(), nullable=False),
    )
    op.create_table(
        "rule_marks",
        sa.Column("rule", sa.String(), primary_key=True),
        sa.Column("kind", sa.String(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop the stories' tables and the `judged` column."""
    for name in ("rule_marks", "rule_counts", "story_bands", "story_members", "story_clusters"):
        op.drop_table(name)
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("judged")
