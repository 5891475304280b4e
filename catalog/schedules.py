"""Schedule versions in the catalogue: store a solved schedule, publish one atomically."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from catalog.models import Airing, Channel, Lesson, ScheduleVersion
from errors import BadInput, NotFound
from scheduler.fields import time_zone


def save_schedule(
    session: Session,
    document: Mapping[str, Any],
    timezone: str,
    request_key: str | None = None,
) -> int:
    """Store a schedule document (DESIGN.md format) as a new, unpublished version
    (under the client's `request_key`, unique, when given)."""
    time_zone(timezone)
    airings = document.get("airings")
    if not isinstance(airings, list):
        raise BadInput("schedule: 'airings' is not a list")
    lessons = set(session.scalars(select(Lesson.id)))
    channels = set(session.scalars(select(Channel.id)))
    stats = document.get("stats") or {}
    if not isinstance(stats, dict):
        raise BadInput("schedule: 'stats' is not an object")
    check_finite(stats, "stats")
    version = ScheduleVersion(timezone=timezone, stats=dict(stats), request_key=request_key)
    for index, item in enumerate(airings):
        where = f"airings[{index}]"
        if item.get("lesson") not in lessons:
            raise BadInput(f"{where}.lesson: {item.get('lesson')!r} is not in the catalogue")
        if item.get("channel") not in channels:
            raise BadInput(f"{where}.channel: {item.get('channel')!r} is not in the catalogue")
        try:
            start = datetime.fromisoformat(item["start"])
            end = datetime.fromisoformat(item["end"])
        except (KeyError, TypeError, ValueError):
            raise BadInput(f"{where}: start and end must be ISO 8601 instants") from None
        if start.tzinfo is None or end.tzinfo is None:
            raise BadInput(f"{where}: start and end need a UTC offset")
        version.airings.append(
            Airing(lesson_id=item["lesson"], channel_id=item["channel"], start=start, end=end)
        )
    session.add(version)
    session.flush()
    return version.id


def check_finite(value: Any, where: str) -> None:
    """BadInput naming the first NaN or infinite number in `value` (SQLite would keep
    it, PostgreSQL refuse it: refused alike on both)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise BadInput(f"{where}: {value} is not a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            check_finite(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_finite(item, f"{where}[{index}]")


def version_for_key(session: Session, request_key: str) -> ScheduleVersion | None:
    """The version an earlier request with this key stored, if any."""
    return session.scalars(
        select(ScheduleVersion).where(ScheduleVersion.request_key == request_key)
    ).first()


PUBLISH_LOCK = 0x5AB4_0001  # the advisory lock key of publishing, on PostgreSQL


def publish(session: Session, version_id: int, now: datetime) -> list[str]:
    """Make `version_id` the one live schedule, in one transaction, keeping the past.

    Airings of the live schedule that started before `now` (aired, or on air)
    are copied into the new version in place of its own airings before `now`,
    so publishing never rewrites what viewers saw nor cuts a lesson short: a
    change takes effect at the next airing boundary. An airing of the new
    version that would start while a kept one is still on air on its channel
    is dropped, and named in the returned notes; so are the new version's own
    airings before `now` that were replaced by what aired.

    Concurrent publishers are serialised: on PostgreSQL by a transaction-scoped
    advisory lock (held until commit); SQLite lets one writer in at a time and
    refuses the other with "database is locked", changing nothing.
    """
    if now.tzinfo is None:
        raise ValueError("publish needs an aware instant")
    if session.get_bind().dialect.name == "postgresql":
        # One publisher at a time, even when nothing is live yet (no row to lock).
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PUBLISH_LOCK})
    version = session.get(ScheduleVersion, version_id)
    if version is None:
        raise NotFound(f"schedule version {version_id} does not exist")
    live = session.scalars(select(ScheduleVersion).where(ScheduleVersion.published.is_(True))).all()
    notes: list[str] = []
    previous = next((v for v in live if v.id != version_id), None)
    if previous is not None:
        kept = [a for a in previous.airings if a.start < now]
        on_until = {a.channel_id: a.end for a in kept}  # airings come in start order
        past = [a for a in version.airings if a.start < now]
        if past:
            notes.append(
                f"{len(past)} airing(s) of this version before {now.isoformat()} (the "
                f"earliest: {past[0].lesson_id} at {past[0].start.isoformat()}) replaced by "
                f"the {len(kept)} that aired: publishing never rewrites the past"
            )
        for airing in list(version.airings):
            if airing.start < now:
                version.airings.remove(airing)
            elif airing.start < on_until.get(airing.channel_id, airing.start):
                notes.append(
                    f"{airing.lesson_id} at {airing.start.isoformat()} on {airing.channel_id} "
                    "dropped: the lesson on air there runs until "
                    f"{on_until[airing.channel_id].isoformat()}"
                )
                version.airings.remove(airing)
        for airing in kept:
            version.airings.append(
                Airing(
                    lesson_id=airing.lesson_id,
                    channel_id=airing.channel_id,
                    start=airing.start,
                    end=airing.end,
                )
            )
    session.execute(
        update(ScheduleVersion)
        .where(ScheduleVersion.published.is_(True), ScheduleVersion.id != version_id)
        .values(published=False)
    )
    version.published = True
    session.flush()
    return notes


def published_version(session: Session) -> ScheduleVersion | None:
    """The live schedule version, if any."""
    return session.scalars(
        select(ScheduleVersion).where(ScheduleVersion.published.is_(True))
    ).first()
