"""Re-sequencing within days (pure): the same lessons on the same channel and day, in
an order and at times that put each series nearer its usual time of day.

Days, channels and each day's set of lessons stay as they are, so the days used and
the daily caps cannot change. Each channel-day is re-timed in the order of its series'
median times of day: each lesson starts at its series' median when the lessons before
it have ended by then (breaks kept) and the ones after it still fit before the close,
else as near it as they allow. Lengths vary from episode to episode, so packing a
channel-day back to back would carry every lesson's start with the lengths before
it; where a channel-day has room, the room goes where it keeps series at their
times. A channel-day whose new times would break a window, an episode order (on this
channel or, for a series two channels carry, against the other) or an audience's
overlap on another channel, or would set fewer of its lessons within SLOT_S of their
series' medians, keeps its old times; so does one with a pinned lesson (pins do not
move). A few rounds, as medians move with the lessons.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

from scheduler.checker import SLOT_S
from scheduler.problem import Channel, Lesson, Problem
from scheduler.schedule import Airing, airing_at

ROUNDS = 4


def resequence(problem: Problem, airings: list[Airing]) -> list[Airing]:
    """The airings with each channel-day re-ordered by series time of day where valid."""
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    placed: dict[str, tuple[int, int, str]] = {}  # lesson -> (day, second, channel)
    for airing in airings:
        located = problem.locate(airing.start)
        if located is None:
            return airings  # not a schedule this pass understands: leave it alone
        placed[airing.lesson] = (located[0], located[1], airing.channel)
    shared = _shared(problem)
    pinned = {pin.lesson for pin in problem.pins}
    for _ in range(ROUNDS):
        if not _round(problem, lessons, placed, shared, pinned):
            break
    return sorted(
        airing_at(problem, lessons[lesson_id], day, second, channel)
        for lesson_id, (day, second, channel) in placed.items()
    )


def _round(
    problem: Problem,
    lessons: dict[str, Lesson],
    placed: dict[str, tuple[int, int, str]],
    shared: bool,
    pinned: set[str],
) -> bool:
    """One pass over every channel-day; True when anything moved. `shared`: some audience
    is on several channels, so a moved channel-day changes what the others may do;
    channel-days with a `pinned` lesson stay as they are."""
    times: dict[str, list[int]] = defaultdict(list)
    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    for lesson_id, (day, second, channel) in placed.items():
        times[lessons[lesson_id].series].append(second)
        groups[(day, channel)].append(lesson_id)
    target = {series: statistics.median(seconds) for series, seconds in times.items()}
    busy = _audience_busy(problem, lessons, placed)
    episodes = _series_busy(lessons, placed)
    channels = {c.id: c for c in problem.channels}
    moved = False
    for (day, channel), ids in groups.items():
        if pinned.intersection(ids):
            continue
        order = sorted(ids, key=lambda i: (target[lessons[i].series], lessons[i].episode))
        before = {i: placed[i][1] for i in ids}
        proposals = [
            _at_targets(problem, [lessons[i] for i in order], channels[channel], target),
            _packed(problem, [lessons[i] for i in order], min(before.values())),
        ]
        valid = [
            times
            for times in proposals
            if times is not None and _valid(problem, lessons, day, channel, times, busy, episodes)
        ]
        # the one with the most lessons near their series' times (the first on ties)
        proposal = max(valid, key=lambda t: _near(lessons, t, target)) if valid else None
        if proposal is None or proposal == before:
            continue
        if _near(lessons, proposal, target) < _near(lessons, before, target):
            continue
        for lesson_id, second in proposal.items():
            placed[lesson_id] = (day, second, channel)
        if shared:  # this channel's entries of the day, as they now are
            moved_here = {i: placed[i] for i in proposal}
            now_busy = _audience_busy(problem, lessons, moved_here)
            now_episodes = _series_busy(lessons, moved_here)
            for key, entries in now_busy.items():
                busy[key] = [e for e in busy[key] if e[2] != channel] + entries
            for series_key, items in now_episodes.items():
                kept = [e for e in episodes[series_key] if e[3] != channel]
                episodes[series_key] = kept + items
        moved = True
    return moved


def _packed(problem: Problem, order: list[Lesson], first: int) -> dict[str, int]:
    """Starts for the lessons in this order, back to back from `first`, breaks kept."""
    found: dict[str, int] = {}
    for lesson in order:
        found[lesson.id] = first
        first += lesson.duration_s + problem.break_s
    return found


def _near(lessons: dict[str, Lesson], times: dict[str, int], target: dict[str, float]) -> int:
    """How many of the lessons start within SLOT_S of their series' target."""
    return sum(abs(second - target[lessons[i].series]) <= SLOT_S for i, second in times.items())


def _at_targets(
    problem: Problem, order: list[Lesson], channel: Channel, target: dict[str, float]
) -> dict[str, int] | None:
    """Starts for a channel-day's lessons in this order: each at its series' target when
    the one before has ended by then, else right after it (a break between), and never
    so late that the ones after it no longer fit before their closes; None when they do
    not fit at all."""
    latest: list[int] = [0] * len(order)
    limit = channel.window[1]
    for index in range(len(order) - 1, -1, -1):
        lesson = order[index]
        close = min(channel.window[1], problem.audience_of(lesson).window[1])
        latest[index] = min(close, limit) - lesson.duration_s
        limit = latest[index] - problem.break_s
    found: dict[str, int] = {}
    cursor = channel.window[0]
    for lesson, last in zip(order, latest, strict=True):
        soonest = max(cursor, problem.audience_of(lesson).window[0])
        start = min(last, max(soonest, int(target[lesson.series])))
        if start < soonest:
            return None
        found[lesson.id] = start
        cursor = start + lesson.duration_s + problem.break_s
    return found


def _shared(problem: Problem) -> bool:
    """True when some audience is carried by more than one channel."""
    carriers: dict[tuple[int, str], int] = defaultdict(int)
    for channel in problem.channels:
        for language in channel.languages:
            for grade in channel.grades:
                carriers[(grade, language)] += 1
    return any(count > 1 for count in carriers.values())


def _audience_busy(
    problem: Problem, lessons: dict[str, Lesson], placed: dict[str, tuple[int, int, str]]
) -> dict[tuple[int, tuple[int, str]], list[tuple[int, int, str]]]:
    """(day, audience) -> [(start, end, channel)] of its airings."""
    busy: dict[tuple[int, tuple[int, str]], list[tuple[int, int, str]]] = defaultdict(list)
    for lesson_id, (day, second, channel) in placed.items():
        lesson = lessons[lesson_id]
        key = problem.audience_of(lesson).key
        busy[(day, key)].append((second, second + lesson.duration_s, channel))
    return busy


def _series_busy(
    lessons: dict[str, Lesson], placed: dict[str, tuple[int, int, str]]
) -> dict[tuple[int, str], list[tuple[int, int, int, str]]]:
    """(day, series) -> [(start, end, episode, channel)] of its airings."""
    busy: dict[tuple[int, str], list[tuple[int, int, int, str]]] = defaultdict(list)
    for lesson_id, (day, second, channel) in placed.items():
        lesson = lessons[lesson_id]
        busy[(day, lesson.series)].append(
            (second, second + lesson.duration_s, lesson.episode, channel)
        )
    return busy


def _valid(
    problem: Problem,
    lessons: dict[str, Lesson],
    day: int,
    channel_id: str,
    proposal: dict[str, int],
    busy: dict[tuple[int, tuple[int, str]], list[tuple[int, int, str]]],
    episodes: dict[tuple[int, str], list[tuple[int, int, int, str]]],
) -> bool:
    channel = next(c for c in problem.channels if c.id == channel_id)
    last: dict[str, tuple[int, int]] = {}  # series -> (episode, end) of its latest today
    for lesson_id, second in sorted(proposal.items(), key=lambda item: item[1]):
        lesson = lessons[lesson_id]
        audience = problem.audience_of(lesson)
        end = second + lesson.duration_s
        if second < max(channel.window[0], audience.window[0]):
            return False
        if end > min(channel.window[1], audience.window[1]):
            return False
        before = last.get(lesson.series)
        if before is not None and (before[0] > lesson.episode or before[1] > second):
            return False
        last[lesson.series] = (lesson.episode, end)
        for start, stop, other in busy[(day, audience.key)]:
            if other != channel_id and start < end and second < stop:
                return False
        for start, stop, episode, other in episodes[(day, lesson.series)]:
            if other == channel_id:
                continue  # on this channel: checked above, in the new order
            if (episode < lesson.episode and stop > second) or (
                episode > lesson.episode and start < end
            ):
                return False  # the series airs on another channel too, out of order
    return True
