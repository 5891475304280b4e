"""Schedule versions in the catalogue: store a solved schedule, publish one atomically."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.errors import CatalogError
from catalog.models import Airing, Channel, Lesson, ScheduleVersion


def save_schedule(session: Session, document: Mapping[str, Any], timezone: str) -> int:
    """Store a schedule document (DESIGN.md format) as a new, unpublished version."""
    airings = document.get("airings")
    if not isinstance(airings, list):
        raise CatalogError("schedule: 'airings' is not a list")
    lessons = set(session.scalars(select(Lesson.id)))
    channels = set(session.scalars(select(Channel.id)))
    version = ScheduleVersion(timezone=timezone, stats=dict(document.get("stats") or {}))
    for index, item in enumerate(airings):
        where = f"airings[{index}]"
        if item.get("lesson") not in lessons:
            raise CatalogError(f"{where}.lesson: {item.get('lesson')!r} is not in the catalogue")
        if item.get("channel") not in channels:
            raise CatalogError(f"{where}.channel: {item.get('channel')!r} is not in the catalogue")
        try:
            start = datetime.fromisoformat(item["start"])
            end = datetime.fromisoformat(item["end"])
        except (KeyError, TypeError, ValueError):
            raise CatalogError(f"{where}: start and end must be ISO 8601 instants") from None
        if start.tzinfo is None or end.tzinfo is None:
            raise CatalogError(f"{where}: start and end need a UTC offset")
        version.airings.append(
            Airing(lesson_id=item["lesson"], channel_id=item["channel"], start=start, end=end)
        )
    session.add(version)
    session.flush()
    return version.id


def publish(session: Session, version_id: int) -> None:
    """Make `version_id` the one live schedule, in one transaction."""
    version = session.get(ScheduleVersion, version_id)
    if version is None:
        raise CatalogError(f"schedule version {version_id} does not exist")
    session.execute(
        update(ScheduleVersion)
        .where(ScheduleVersion.published.is_(True), ScheduleVersion.id != version_id)
        .values(published=False)
    )
    version.published = True
    session.flush()


def published_version(session: Session) -> ScheduleVersion | None:
    """The live schedule version, if any."""
    return session.scalars(
        select(ScheduleVersion).where(ScheduleVersion.published.is_(True))
    ).first()
