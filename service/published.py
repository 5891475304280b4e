"""What is published, as the server shows it: channels, lessons with their series'
facts, the published schedule's airings, and where each lesson's package lies.

The server's snapshot (streaming.snapshot) is read from here, then completed from
the packages on disk; it never queries the catalogue itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from catalog.models import Channel, Lesson
from catalog.schedules import published_version
from service.workspace import Workspace


@dataclass(frozen=True)
class ChannelView:
    """A channel as shown."""

    id: str
    name: str
    number: int
    languages: tuple[str, ...]
    grades: tuple[int, ...]


@dataclass(frozen=True)
class LessonView:
    """A lesson as shown, with its series' facts."""

    id: str
    series_id: str
    series_title: str
    grade: int
    subject: str
    language: str
    episode: int
    title: str
    duration_s: int
    signed: bool
    status: str
    has_package: bool
    download_url: str | None = None  # the offline MP4 of its current package version
    download_bytes: int | None = None
    captions: tuple[str, ...] = ()  # languages of its package's subtitles


@dataclass(frozen=True)
class AiringView:
    """A published airing."""

    lesson_id: str
    channel_id: str
    start: datetime
    end: datetime


@dataclass
class Published:
    """The catalogue as published, read in one transaction."""

    channels: list[ChannelView] = field(default_factory=list)
    lessons: dict[str, LessonView] = field(default_factory=dict)
    airings: list[AiringView] = field(default_factory=list)  # in time order
    packages: dict[str, str] = field(default_factory=dict)  # lesson -> its package, as stored
    timezone: str = "Asia/Almaty"
    version: int = 0  # the published schedule version (0: none)
    published_at: datetime | None = None  # when that version was stored


def read_published(workspace: Workspace) -> Published:
    """Channels (by number), lessons, the published schedule and the packages' places."""
    found = Published()
    with workspace.catalog().session() as session:
        for channel in session.scalars(select(Channel).order_by(Channel.number, Channel.id)):
            found.channels.append(
                ChannelView(
                    channel.id,
                    channel.name,
                    channel.number,
                    tuple(channel.languages),
                    tuple(channel.grades),
                )
            )
        lessons = session.scalars(
            select(Lesson).options(selectinload(Lesson.series), selectinload(Lesson.package))
        )
        for lesson in lessons:
            if lesson.package is not None:
                found.packages[lesson.id] = lesson.package.directory
            found.lessons[lesson.id] = LessonView(
                lesson.id,
                lesson.series_id,
                lesson.series.title,
                lesson.series.grade,
                lesson.series.subject,
                lesson.series.language,
                lesson.episode,
                lesson.title,
                lesson.duration_s,
                lesson.signed,
                str(lesson.status),
                lesson.package is not None,
            )
        version = published_version(session)
        if version is not None:
            found.timezone = version.timezone
            found.version, found.published_at = version.id, version.created_at
            found.airings = [
                AiringView(a.lesson_id, a.channel_id, a.start, a.end) for a in version.airings
            ]
    found.airings.sort(key=lambda a: (a.start, a.channel_id))
    return found
