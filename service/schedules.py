"""Publishing schedules and building problems from the catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog import Catalog
from catalog.models import Airing
from catalog.problem_io import export_problem, load_json
from catalog.schedules import publish, save_schedule
from errors import NotFound
from scheduler import parse_schedule
from scheduler.fields import time_zone
from scheduler.problem import parse_instant
from scheduler.schedule import pins_from
from service.workspace import Workspace

DEFAULT_TIMEZONE = "Asia/Almaty"


@dataclass(frozen=True)
class Published:
    """A stored schedule version, and what publishing it had to say."""

    version: int
    published: bool
    airings: int
    notes: list[str]  # airings dropped because the lesson on air there runs past them


def publish_document(
    catalog: Catalog,
    document: Any,
    timezone: str,
    now: datetime,
    make_live: bool = True,
) -> Published:
    """Check a schedule document, store it as a new version and (by default) make it
    the live one at `now`, keeping every airing that has already started."""
    parse_schedule(document)
    with catalog.session() as session:
        version = save_schedule(session, document, timezone)
        notes = publish(session, version, now) if make_live else []
        return Published(version, make_live, _airings(session, version), notes)


def publish_version(catalog: Catalog, version: int, now: datetime) -> Published:
    """Make a stored version the live one (NotFound when there is none)."""
    with catalog.session() as session:
        notes = publish(session, version, now)
        return Published(version, True, _airings(session, version), notes)


def _airings(session: Session, version: int) -> int:
    """Airings the version holds once published (aired ones kept, clashing ones dropped)."""
    session.flush()
    counted = select(func.count()).select_from(Airing).where(Airing.version_id == version)
    return int(session.scalar(counted) or 0)


def with_pins(problem: Mapping[str, Any], aired: Any, until: str | None) -> dict[str, Any]:
    """The problem with the airings of schedule `aired` (before `until`, an ISO instant,
    when given) pinned where they are: what has already aired stays."""
    limit = parse_instant(until, "pinned until") if until else None
    frozen = pins_from(parse_schedule(aired), limit)
    return {**problem, "pins": [*(problem.get("pins") or []), *frozen]}


def problem_from_catalogue(
    catalog: Catalog,
    timezone: str,
    start: date,
    weekdays: tuple[int, ...] | None = None,
) -> dict[str, Any]:
    """A problem document of the whole catalogue with the given calendar."""
    settings: dict[str, Any] = {"timezone": timezone, "start_date": start.isoformat()}
    if weekdays is not None:
        settings["weekdays"] = list(weekdays)
    with catalog.session() as session:
        return export_problem(session, settings)


def check_lessons_known(problem: Mapping[str, Any], schedule: Any, where: str) -> None:
    """NotFound naming the first airing whose lesson the problem does not have."""
    known = {x.get("id") for x in problem.get("lessons", []) if isinstance(x, dict)}
    for airing in parse_schedule(schedule).airings:
        if airing.lesson not in known:
            raise NotFound(f"{where}: lesson {airing.lesson!r} is not in the problem")


def check_timezone(name: str) -> None:
    """BadInput (naming the field `timezone`) unless `name` is an IANA time zone."""
    time_zone(name)


def publish_file(
    workspace: Workspace, schedule_file: Path, timezone: str, now: datetime
) -> Published:
    """Publish the schedule in `schedule_file` (see `publish_document`)."""
    return publish_document(workspace.catalog(), load_json(schedule_file), timezone, now)
