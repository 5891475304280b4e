"""Re-sequencing within days (pure): the same lessons on the same channel and day, in
an order that puts each series nearer its usual time of day.

Days, channels and each day's set of lessons stay as they are, so the days used and
the daily caps cannot change. Each channel-day is re-packed from its first start, in
the order of its series' median times of day, breaks kept; a channel-day whose new
order would break a window, an episode order (on this channel or, for a series two
channels carry, against the other) or an audience's overlap on another channel keeps
its old order. A few rounds, as medians move with the lessons.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

from scheduler.problem import Lesson, Problem
from scheduler.schedule import Airing, airing_at

ROUNDS = 3


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
    for _ in range(ROUNDS):
        if not _round(problem, lessons, placed, shared):
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
) -> bool:
    """One pass over every channel-day; True when anything moved. `shared`: some audience
    is on several channels, so a moved channel-day changes what the others may do."""
    times: dict[str, list[int]] = defaultdict(list)
    groups: dict[tuple[int, str], list[str]] = defaultdict(list)
    for lesson_id, (day, second, channel) in placed.items():
        times[lessons[lesson_id].series].append(second)
        groups[(day, channel)].append(lesson_id)
    target = {series: statistics.median(seconds) for series, seconds in times.items()}
    busy = _audience_busy(problem, lessons, placed)
    episodes = _series_busy(lessons, placed)
    moved = False
    for (day, channel), ids in groups.items():
        ids.sort(key=lambda i: placed[i][1])
        first = placed[ids[0]][1]
        order = sorted(ids, key=lambda i: (target[lessons[i].series], lessons[i].episode))
        if order == ids:
            continue
        proposal: dict[str, int] = {}
        cursor = first
        for lesson_id in order:
            proposal[lesson_id] = cursor
            cursor += lessons[lesson_id].duration_s + problem.break_s
        if _valid(problem, lessons, day, channel, proposal, busy, episodes):
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
