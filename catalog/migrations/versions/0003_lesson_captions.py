"""Lessons' captions: the producers' subtitle files, by language.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add lessons.captions ({language: stored path}, empty for every existing lesson)."""
    with op.batch_alter_table("lessons") as batch:
        batch.add_column(sa.Column("captions", sa.JSON, nullable=False, server_default="{}"))


def downgrade() -> None:
    """Drop lessons.captions."""
    with op.batch_alter_table("lessons") as batch:
        batch.drop_column("captions")
