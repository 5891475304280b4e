"""Subset sums of the list scheduler's packing: what a candidate fills or strands."""

from __future__ import annotations

from collections import defaultdict

from scheduler import parse_problem
from scheduler.packing import cap_stranded
from tests.scheduler import TERM


def test_a_candidate_strands_what_the_others_alone_cannot_fill():
    # 40 minutes of cap left: after a (20), only 15 of the others fit the 20 left,
    # and 5 are stranded (a second a would have filled them, but a airs once)
    problem = parse_problem(
        {
            **TERM,
            "channels": [
                {"id": "ch", "name": "Ch", "window": ["09:00", "18:00"], "languages": ["kk"]}
            ],
            "audiences": [{"grade": 5, "language": "kk", "max_daily_s": 40 * 60}],
            "series": [
                {"id": sid, "grade": 5, "subject": sid, "language": "kk", "title": sid}
                for sid in ("a", "b", "c")
            ],
            "lessons": [
                {"id": sid, "series": sid, "episode": 1, "duration_s": minutes * 60}
                for sid, minutes in (("a", 20), ("b", 25), ("c", 15))
            ],
        }
    )
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    fitting = [(lesson, 9 * 3600) for lesson in problem.lessons]
    stranded = cap_stranded(problem, fitting, defaultdict(int))
    assert stranded(lessons["a"]) == 5
    assert stranded(lessons["b"]) == 0  # 25 + 15
    assert stranded(lessons["c"]) == 0  # 15 + 25
