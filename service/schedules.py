"""Publishing schedules and building problems from the catalogue.

`publish_schedule` is the one way a schedule becomes a version in the catalogue,
whatever it comes from (the producer API, `sabaq schedule publish`, the demo):
parsed, run through the independent checker (scheduler.checker) against the
problem the catalogue makes, refused with the first broken rule and its example,
and stored (and published) in one transaction. A request key makes a retry of
the same request give back the version it already made instead of a second one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Airing, HlsPackage, Lesson, ScheduleVersion
from catalog.problem_io import export_problem, load_json
from catalog.schedules import check_finite, publish, save_schedule, version_for_key
from errors import BadInput, Conflict, NotFound
from scheduler import parse_problem, parse_schedule
from scheduler.checker import violations
from scheduler.errors import ProblemError
from scheduler.fields import time_zone
from scheduler.problem import parse_instant
from scheduler.schedule import Airing as Placed
from scheduler.schedule import Schedule, pins_from
from service.workspace import Workspace

DEFAULT_TIMEZONE = "Asia/Almaty"


@dataclass(frozen=True)
class Published:
    """A stored schedule version, and what publishing it had to say."""

    version: int
    published: bool
    airings: int
    notes: list[str]  # airings dropped because the lesson on air there runs past them
    replayed: bool = False  # the request key's earlier answer: nothing new was stored


REQUEST_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RuleBroken(BadInput):
    """A schedule that breaks a rule of the checker (named as the checker names it)."""

    http_status = 422

    def __init__(self, rule: str, example: str, count: int) -> None:
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"schedule breaks rule {rule!r}: {example}{more}; nothing was stored")
        self.rule = rule


def check_request_key(key: str | None) -> str | None:
    """The key as given, or BadInput when it is not 1-64 letters, digits or ._:-"""
    if key is not None and not REQUEST_KEY.match(key):
        raise BadInput("Idempotency-Key: use 1 to 64 letters, digits, '.', '_', ':' or '-'")
    return key


def publish_schedule(
    workspace: Workspace,
    document: Any,
    timezone: str,
    now: datetime,
    *,
    make_live: bool = True,
    request_key: str | None = None,
) -> Published:
    """Check a schedule document against the catalogue and the checker's rules, store it
    as a new version and (by default) make it the live one at `now`, keeping every
    airing that has already started; all in one transaction, or nothing.

    RuleBroken (422) names the first broken rule and its example; BadInput (400) a
    malformed document or stats holding a number that is not finite. With a
    `request_key` (the client's Idempotency-Key), a request already done under that
    key answers what it did then (`replayed`), and stores nothing new."""
    check_request_key(request_key)
    schedule = parse_schedule(document)
    check_finite(document.get("stats") if isinstance(document, dict) else None, "stats")
    with workspace.catalog().session() as session:
        if request_key is not None:
            earlier = version_for_key(session, request_key)
            if earlier is not None:
                live = bool(earlier.published)
                return Published(earlier.id, live, _airings(session, earlier.id), [], True)
        _check(session, schedule, timezone)
        version = save_schedule(session, document, timezone, request_key)
        notes = publish(session, version, now) if make_live else []
        return Published(version, make_live, _airings(session, version), notes)


def _check(session: Session, schedule: Schedule, timezone: str) -> None:
    """RuleBroken, BadInput or Conflict when the schedule may not go on air."""
    if not schedule.airings:
        return
    runs = _as_runs(schedule)
    broken = violations(_problem_of(session, schedule, timezone, runs), list(runs.airings))
    if broken:
        raise RuleBroken(broken[0].rule, runs.named(broken[0].message), len(broken))
    _check_packages_agree(session, {a.lesson for a in schedule.airings})


RERUN = "--rerun-"
"""What tells a lesson's k-th airing apart from its first, for the checker."""


@dataclass(frozen=True)
class Runs:
    """A published schedule may repeat lessons (re-runs, as the demo's do). For the
    checker, a lesson's k-th airing (k > 1) is a lesson of its own, in its series'
    k-th run: every rule holds across all airings (overlaps, windows, caps, what a
    channel carries, durations), while episode order and the per-day limit are
    judged within each run."""

    airings: tuple[Placed, ...]
    repeats: dict[str, int]  # lesson -> how many times it airs

    def named(self, message: str) -> str:
        """A checker's message with re-runs named as the user wrote them."""
        return re.sub(rf"{re.escape(RERUN)}(\d+)", r" (re-run \1)", message)


def _as_runs(schedule: Schedule) -> Runs:
    seen: dict[str, int] = {}
    airings = []
    for airing in sorted(schedule.airings, key=lambda a: (a.start, a.channel, a.lesson)):
        run = seen[airing.lesson] = seen.get(airing.lesson, 0) + 1
        lesson = airing.lesson if run == 1 else f"{airing.lesson}{RERUN}{run}"
        airings.append(Placed(airing.start, airing.channel, lesson, airing.end))
    return Runs(tuple(airings), seen)


PACKAGE_SLACK = (2.0, 0.01)  # seconds, share: a recording's length vs the catalogue's


def _check_packages_agree(session: Session, lessons: set[str]) -> None:
    """Conflict naming the first lesson whose current package lasts other than the
    catalogue says (re-imported with a new length, or packaged from another
    recording): the guide, the calendars and the live channel would disagree."""
    rows = session.execute(
        select(Lesson.id, Lesson.duration_s, HlsPackage.duration_s)
        .join(HlsPackage, HlsPackage.lesson_id == Lesson.id)
        .where(Lesson.id.in_(sorted(lessons)))
        .order_by(Lesson.id)
    )
    seconds, share = PACKAGE_SLACK
    for lesson_id, declared, packaged in rows:
        if abs(float(packaged) - declared) > max(seconds, share * declared):
            raise Conflict(
                f"lesson {lesson_id}: its package lasts {packaged:.1f} s but the catalogue "
                f"says {declared} s; transcode it again (sabaq transcode --force) before "
                "publishing; nothing was stored"
            )


def _problem_of(session: Session, schedule: Schedule, timezone: str, runs: Runs) -> Any:
    """The problem the catalogue makes for the schedule's lessons: their channels,
    series and durations, every day of the schedule's span a broadcast day (the
    catalogue holds no calendar), no break required between airings; each re-run a
    lesson of its own in its series' run (see `Runs`)."""
    zone = time_zone(timezone)
    days = [a.start.astimezone(zone).date() for a in schedule.airings]
    document = export_problem(
        session,
        {
            "timezone": timezone,
            "start_date": min(days).isoformat(),
            "end_date": max(days).isoformat(),
            "weekdays": [1, 2, 3, 4, 5, 6, 7],
            "break_s": 0,
        },
    )
    known = {x["id"] for x in document["lessons"]}
    channels = {x["id"] for x in document["channels"]}
    for index, airing in enumerate(schedule.airings):
        if airing.lesson not in known:
            raise BadInput(f"airings[{index}].lesson: {airing.lesson!r} is not in the catalogue")
        if airing.channel not in channels:
            raise BadInput(f"airings[{index}].channel: {airing.channel!r} is not in the catalogue")
    aired = {a.lesson for a in schedule.airings}
    document["lessons"] = [x for x in document["lessons"] if x["id"] in aired]
    for lesson in document["lessons"]:
        lesson.pop("source", None)
        lesson.pop("captions", None)
    series = {x["id"]: x for x in document["series"]}
    for lesson in list(document["lessons"]):
        for run in range(2, runs.repeats.get(lesson["id"], 1) + 1):
            of_run = f"{lesson['series']}{RERUN}{run}"
            if of_run not in series:
                series[of_run] = {**series[lesson["series"]], "id": of_run}
            document["lessons"].append(
                {**lesson, "id": f"{lesson['id']}{RERUN}{run}", "series": of_run}
            )
    document["series"] = list(series.values())
    try:
        return parse_problem(document)
    except ProblemError as exc:
        raise BadInput(f"the catalogue cannot check this schedule: {exc}") from None


def publish_version(workspace: Workspace, version: int, now: datetime) -> Published:
    """Make a stored version the live one (NotFound when there is none), checked again
    as `publish_schedule` checks (the catalogue may have changed since it was stored)."""
    with workspace.catalog().session() as session:
        stored = session.get(ScheduleVersion, version)
        if stored is None:
            raise NotFound(f"schedule version {version} does not exist")
        schedule = parse_schedule(
            {
                "airings": [
                    {
                        "lesson": a.lesson_id,
                        "channel": a.channel_id,
                        "start": a.start.isoformat(),
                        "end": a.end.isoformat(),
                    }
                    for a in stored.airings
                ]
            }
        )
        _check(session, schedule, stored.timezone)
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
    workspace: Workspace,
    timezone: str,
    start: date,
    weekdays: tuple[int, ...] | None = None,
) -> dict[str, Any]:
    """A problem document of the whole catalogue with the given calendar."""
    settings: dict[str, Any] = {"timezone": timezone, "start_date": start.isoformat()}
    if weekdays is not None:
        settings["weekdays"] = list(weekdays)
    with workspace.catalog().session() as session:
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
    """Publish the schedule in `schedule_file` (see `publish_schedule`)."""
    return publish_schedule(workspace, load_json(schedule_file), timezone, now)
