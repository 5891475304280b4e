"""Reasons a problem cannot be scheduled, found before the solver runs (pure)."""

from __future__ import annotations

from scheduler.bounds import bounds
from scheduler.problem import Problem


def conflicts(problem: Problem) -> list[str]:
    """Sentences naming the rule and the lessons, audiences or pins that cannot be honoured."""
    found: list[str] = []
    horizon = len(problem.days)
    for lesson in problem.lessons:
        series = problem.series[lesson.series]
        channels = problem.eligible(lesson)
        if not channels:
            found.append(
                f"eligible: lesson {lesson.id} ({series.language} grade {series.grade}) "
                "has no channel that carries its language and grade"
            )
            continue
        audience = problem.audience_of(lesson)
        if not problem.start_ranges(lesson):
            found.append(
                f"window, audience-window: lesson {lesson.id} lasts {lesson.duration_s} s, "
                "longer than any channel window inside its audience's window"
            )
        if audience.max_daily_s is not None and lesson.duration_s > audience.max_daily_s:
            found.append(
                f"daily-cap: lesson {lesson.id} lasts {lesson.duration_s} s, more than audience "
                f"{series.language} grade {series.grade} may watch in a day "
                f"({audience.max_daily_s} s)"
            )
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    for pin in problem.pins:
        lesson = lessons[pin.lesson]
        if pin.channel not in {c.id for c in problem.eligible(lesson)}:
            found.append(
                f"pin, eligible: lesson {pin.lesson} is pinned to channel {pin.channel}, "
                "which does not carry its language and grade"
            )
    for bound in bounds(problem):
        if bound.days > horizon:
            found.append(
                f"window, daily-cap: {bound.reason}, and the term has {horizon} broadcast days "
                f"(needs at least {bound.days})"
                if bound.days < 10**9
                else f"audience-window: {bound.reason}"
            )
    return found
