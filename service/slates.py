"""Rendering the off-air slates of the published schedule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from catalog.models import Channel, Lesson
from catalog.schedules import published_version
from errors import Conflict
from service.workspace import Workspace
from transcoder.options import TranscodeOptions
from transcoder.slate import SlateJob, plan_slates, prune_slates, render_slates, slate_options


@dataclass(frozen=True)
class SlatesMade:
    """What a rendering did."""

    made: int
    planned: int
    removed: int
    published: bool  # False: no schedule yet, only the channels' own slates


def render(
    workspace: Workspace,
    now: datetime,
    hours: float,
    options: TranscodeOptions,
    jobs: int = 1,
    force: bool = False,
    planned: Callable[[int], None] | None = None,
    done: Callable[[SlateJob], None] | None = None,
) -> SlatesMade:
    """Each channel's own slate and one per airing within `hours` of `now`, naming that
    lesson and its local time; slates of airings long past are removed. `planned`
    hears how many slates there are, `done` each one as it is ready."""
    with workspace.catalog().session() as session:
        channels = {c.id: c.name for c in session.scalars(select(Channel).order_by(Channel.id))}
        titles = {i: t for i, t in session.execute(select(Lesson.id, Lesson.title))}
        version = published_version(session)
        timezone = version.timezone if version else "UTC"
        airings = [(a.lesson_id, a.channel_id, a.start) for a in version.airings] if version else []
    if not channels:
        raise Conflict(
            "the catalogue has no channels; import a problem with `sabaq catalog import`"
        )
    plan = plan_slates(channels, airings, titles, timezone, now, hours)
    if planned is not None:
        planned(len(plan))
    made = render_slates(workspace.root, plan, options, jobs, force, done)
    return SlatesMade(made, len(plan), prune_slates(workspace.root, now), version is not None)


def make_slates(
    workspace: Workspace,
    now: datetime,
    hours: float,
    ladder: tuple[int, ...],
    preset: str,
    jobs: int = 1,
    force: bool = False,
    done: Callable[[int, int], None] | None = None,
) -> SlatesMade:
    """`render` with slates encoded for the rungs `ladder` with libx264's `preset`;
    `done` hears (slates ready, slates planned) as each one is ready."""
    total = [0]
    ready = [0]

    def planned(count: int) -> None:
        total[0] = count

    def one(_: SlateJob) -> None:
        ready[0] += 1
        if done is not None:
            done(ready[0], total[0])

    options = slate_options(ladder, preset)
    return render(workspace, now, hours, options, jobs, force, planned, one)
