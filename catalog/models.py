"""SQLAlchemy 2.0 typed models of the catalogue.

Instants are stored as timezone-aware UTC datetimes; the local broadcast
time zone belongs to the schedule, not to the rows.
"""

from __future__ import annotations

import enum
import math
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from scheduler import fields


def utcnow() -> datetime:
    """Now, aware, in UTC (the only clock read in the catalogue)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware instant stored in UTC; SQLite keeps no zone, so it is restored on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the catalogue; every instant must be aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class NotFinite(ValueError):
    """NaN or infinity on its way to the database (which no database keeps alike)."""


class FiniteFloat(TypeDecorator[float]):
    """A float that is a number: NaN and infinity are refused before any database sees
    them (SQLite would keep them, PostgreSQL refuse or keep them by column type)."""

    impl = Float
    cache_ok = True

    def process_bind_param(self, value: float | None, dialect: Dialect) -> float | None:
        if value is not None and not math.isfinite(value):
            raise NotFinite(f"{value} is not a finite number")
        return value


class Base(DeclarativeBase):
    """Declarative base of every catalogue table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class LessonStatus(enum.StrEnum):
    """Where a lesson is on its way to students."""

    imported = "imported"
    transcoding = "transcoding"
    ready = "ready"
    failed = "failed"


class JobState(enum.StrEnum):
    """Life of a transcode job."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Channel(Base):
    """A broadcast channel with its daily window and the audiences it carries."""

    __tablename__ = "channels"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(fields.NAME_LONGEST))
    number: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[str] = mapped_column(String(5))
    window_end: Mapped[str] = mapped_column(String(5))
    languages: Mapped[list[str]] = mapped_column(JSON)
    grades: Mapped[list[int]] = mapped_column(JSON)


class Series(Base):
    """An ordered run of lessons of one subject for one grade in one language."""

    __tablename__ = "series"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    grade: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(fields.SUBJECT_LONGEST))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(fields.TITLE_LONGEST))
    max_per_day: Mapped[int] = mapped_column(Integer, default=1)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="series", order_by="Lesson.episode", cascade="all, delete-orphan"
    )


class Lesson(Base):
    """One recorded lesson: an episode of a series."""

    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("series_id", "episode", name="uq_lessons_series_episode"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    series_id: Mapped[str] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    episode: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(fields.TITLE_LONGEST))
    duration_s: Mapped[int] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    signer_source: Mapped[str | None] = mapped_column(Text, nullable=True)
    signed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The producers' subtitle files by language, stored as `source` is (see Layout.stored).
    captions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    status: Mapped[LessonStatus] = mapped_column(
        Enum(LessonStatus, native_enum=False, length=16), default=LessonStatus.imported
    )

    series: Mapped[Series] = relationship(back_populates="lessons")
    package: Mapped[HlsPackage | None] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", uselist=False
    )


class HlsPackage(Base):
    """A finished HLS package of a lesson on disk (relative to the data directory)."""

    __tablename__ = "hls_packages"

    lesson_id: Mapped[str] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True
    )
    directory: Mapped[str] = mapped_column(Text)
    rungs: Mapped[list[str]] = mapped_column(JSON)
    duration_s: Mapped[float] = mapped_column(FiniteFloat)
    segment_s: Mapped[float] = mapped_column(FiniteFloat)
    # What it was made from: the sources' and options' checksum (a changed recording
    # makes the package stale: service.jobs transcodes it again) and its length.
    checksum: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="package")


class ScheduleVersion(Base):
    """One solved schedule; at most one is published (live) at a time."""

    __tablename__ = "schedule_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    timezone: Mapped[str] = mapped_column(String(64))
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    stats: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # The client's Idempotency-Key of the request that stored it: a retry finds it.
    request_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)

    airings: Mapped[list[Airing]] = relationship(
        back_populates="version", order_by="Airing.start", cascade="all, delete-orphan"
    )


class Airing(Base):
    """A lesson on a channel from start to end (aware UTC instants)."""

    __tablename__ = "airings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_versions.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    start: Mapped[datetime] = mapped_column(index=True)
    end: Mapped[datetime] = mapped_column()

    version: Mapped[ScheduleVersion] = relationship(back_populates="airings")
    lesson: Mapped[Lesson] = relationship()


class TranscodeJob(Base):
    """A request to package one lesson; its state survives crashes."""

    __tablename__ = "transcode_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    state: Mapped[JobState] = mapped_column(
        Enum(JobState, native_enum=False, length=16), default=JobState.queued, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(FiniteFloat, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    options: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApiToken(Base):
    """A producer's bearer token; only its SHA-256 digest is kept, never the token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
