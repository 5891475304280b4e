"""The first catalogue: channels, series, lessons, packages, schedules, jobs.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from catalog.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create every table of the first catalogue."""
    op.create_table(
        "channels",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("window_start", sa.String(5), nullable=False),
        sa.Column("window_end", sa.String(5), nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("grades", sa.JSON, nullable=False),
    )
    op.create_table(
        "series",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("grade", sa.Integer, nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("max_per_day", sa.Integer, nullable=False),
    )
    op.create_table(
        "lessons",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "series_id",
            sa.String(64),
            sa.ForeignKey("series.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("episode", sa.Integer, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("duration_s", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("signer_source", sa.Text, nullable=True),
        sa.Column("signed", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.UniqueConstraint("series_id", "episode", name="uq_lessons_series_episode"),
    )
    op.create_index("ix_lessons_series_id", "lessons", ["series_id"])
    op.create_table(
        "hls_packages",
        sa.Column(
            "lesson_id",
            sa.String(64),
            sa.ForeignKey("lessons.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("directory", sa.Text, nullable=False),
        sa.Column("rungs", sa.JSON, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("segment_s", sa.Float, nullable=False),
        sa.Column("checksum", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "schedule_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("published", sa.Boolean, nullable=False),
        sa.Column("stats", sa.JSON, nullable=False),
    )
    op.create_index("ix_schedule_versions_published", "schedule_versions", ["published"])
    op.create_table(
        "airings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("schedule_versions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "lesson_id",
            sa.String(64),
            sa.ForeignKey("lessons.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "channel_id",
            sa.String(64),
            sa.ForeignKey("channels.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("end", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_airings_version_id", "airings", ["version_id"])
    op.create_index("ix_airings_start", "airings", ["start"])
    op.create_table(
        "transcode_jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "lesson_id",
            sa.String(64),
            sa.ForeignKey("lessons.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_transcode_jobs_lesson_id", "transcode_jobs", ["lesson_id"])
    op.create_index("ix_transcode_jobs_state", "transcode_jobs", ["state"])


def downgrade() -> None:
    """Drop every table, dependants first."""
    for table in ("transcode_jobs", "airings", "schedule_versions", "hls_packages", "lessons"):
        op.drop_table(table)
    op.drop_table("series")
    op.drop_table("channels")
