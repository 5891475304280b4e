"""Reasons a problem cannot be scheduled, found before the solver runs (pure)."""

from __future__ import annotations

import itertools

from scheduler.bounds import bounds
from scheduler.fields import clock_text
from scheduler.problem import Lesson, Pin, Problem


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
    found += _pin_conflicts(problem)
    for bound in bounds(problem):
        if bound.days > horizon:
            found.append(
                f"window, daily-cap: {bound.reason}, and the term has {horizon} broadcast days "
                f"(needs at least {bound.days})"
                if bound.days < 10**9
                else f"audience-window: {bound.reason}"
            )
    return found


def _span(start: int, duration: int) -> str:
    return f"{clock_text(start)}-{clock_text(start + duration)}"


def _pin_conflicts(problem: Problem) -> list[str]:
    """Pins that no schedule can honour, each named with its rule, lessons and numbers:
    a channel that does not carry the lesson, a time outside the channel's or the
    audience's window, two pins at once on one channel or for one audience, episodes
    pinned out of order, and pins of one day over the audience's daily cap."""
    found: list[str] = []
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    channels = {channel.id: channel for channel in problem.channels}
    placed = []  # (day, start second, end second, pin, lesson)
    for pin in problem.pins:
        lesson = lessons[pin.lesson]
        series = problem.series[lesson.series]
        audience = problem.audience_of(lesson)
        day, second = problem.locate(pin.start) or (0, 0)  # parse_problem checked the day
        date = problem.days[day]
        what = f"lesson {pin.lesson} ({series.language} grade {series.grade}) pinned"
        at = f"at {_span(second, lesson.duration_s)} on {date}"
        if pin.channel not in {c.id for c in problem.eligible(lesson)}:
            found.append(
                f"pin, eligible: lesson {pin.lesson} is pinned to channel {pin.channel}, "
                "which does not carry its language and grade"
            )
            continue
        channel = channels[pin.channel]
        end = second + lesson.duration_s
        if second < channel.window[0] or end > channel.window[1]:
            found.append(
                f"pin, window: {what} {at} on channel {pin.channel}, outside the channel's "
                f"window {clock_text(channel.window[0])}-{clock_text(channel.window[1])}"
            )
        if second < audience.window[0] or end > audience.window[1]:
            found.append(
                f"pin, audience-window: {what} {at}, outside its audience's window "
                f"{clock_text(audience.window[0])}-{clock_text(audience.window[1])}"
            )
        placed.append((day, second, end, pin, lesson))
    placed.sort(key=lambda p: (p[0], p[1]))
    for index, (day, start, end, pin, lesson) in enumerate(placed):
        audience = problem.audience_of(lesson)
        for other_day, other_start, other_end, other, other_lesson in placed[index + 1 :]:
            if other_day != day or other_start >= end:
                break
            when = f"{_span(start, end - start)} and {_span(other_start, other_end - other_start)}"
            if other.channel == pin.channel:
                found.append(
                    f"pin, clash: lessons {pin.lesson} and {other.lesson} are both pinned on "
                    f"channel {pin.channel} on {problem.days[day]} ({when})"
                )
            elif problem.audience_of(other_lesson) == audience:
                found.append(
                    f"pin, audience-clash: lessons {pin.lesson} and {other.lesson} are for "
                    f"the same audience ({audience.language} grade {audience.grade}) and "
                    f"pinned at once on {problem.days[day]} ({when})"
                )
    by_series: dict[str, list[tuple[int, int, Pin, Lesson]]] = {}
    for day, start, _end, pin, lesson in placed:
        by_series.setdefault(lesson.series, []).append((day, start, pin, lesson))
    for series_id, pins in sorted(by_series.items()):
        for earlier, following in itertools.pairwise(pins):
            day, start, pin, lesson = earlier
            later_day, later_start, later, later_lesson = following
            if later_lesson.episode < lesson.episode:
                found.append(
                    f"pin, order: episode {later_lesson.episode} of series {series_id} "
                    f"({later.lesson}) is pinned on {problem.days[later_day]} at "
                    f"{clock_text(later_start)}, after episode {lesson.episode} ({pin.lesson}) "
                    f"on {problem.days[day]} at {clock_text(start)}"
                )
    watched: dict[tuple[int, int, str], int] = {}
    for day, start, end, _pin, lesson in placed:
        audience = problem.audience_of(lesson)
        key = (day, audience.grade, audience.language)
        watched[key] = watched.get(key, 0) + (end - start)
    for (day, grade, language), seconds in sorted(watched.items()):
        cap = problem.audience(grade, language).max_daily_s
        if cap is not None and seconds > cap:
            found.append(
                f"pin, daily-cap: the pins of {problem.days[day]} give audience {language} "
                f"grade {grade} {seconds} s of lessons, more than its daily cap of {cap} s"
            )
    return found
