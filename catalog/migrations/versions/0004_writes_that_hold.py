"""Writes that hold: a schedule version's request key.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add schedule_versions.request_key (unique)."""
    with op.batch_alter_table("schedule_versions") as batch:
        batch.add_column(sa.Column("request_key", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_schedule_versions_request_key", ["request_key"])


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("schedule_versions") as batch:
        batch.drop_constraint("uq_schedule_versions_request_key", type_="unique")
        batch.drop_column("request_key")
