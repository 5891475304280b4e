from __future__ import annotations

from typing import Any

TERM = {
    "timezone": "Asia/Almaty",
    "start_date": "2026-09-01",
    "end_date": "2026-09-30",
    "weekdays": [1, 2, 3, 4, 5],
    "break_s": 0,
}
"""September 2026 on weekdays, no breaks: the frame of the hand-made test problems."""


def pin_deep(data: dict[str, Any], count: int, slack: int = 0) -> dict[str, Any]:
    """`data` (a network document, Asia/Almaty, starting on a weekday) with `count` more
    pins deep in series of grades 5-11 that air one episode a day: the k-th episode
    (k from 3 up) on the (k + `slack`)-th broadcast day, each at its own hour from
    10:00, so that the episodes before it must air on the days before, one a day."""
    from scheduler import parse_problem

    problem = parse_problem(data)
    taken = {pin["lesson"] for pin in data.get("pins", [])}
    pins: list[dict[str, Any]] = []
    for series in data["series"]:
        if len(pins) == count:
            break
        episodes = [lesson for lesson in problem.lessons if lesson.series == series["id"]]
        if series["grade"] < 5 or series["max_per_day"] != 1 or len(episodes) < 3:
            continue
        k = min(len(episodes), 3 + len(pins))
        if any(lesson.id in taken for lesson in episodes[:k]):
            continue
        hour = f"{10 + len(pins)}:00"
        channel = next(
            (
                c
                for c in data["channels"]
                if series["language"] in c["languages"]
                and series["grade"] in c.get("grades", range(1, 12))
                and c["window"][0] <= hour
                and f"{11 + len(pins)}:00" <= c["window"][1]
            ),
            None,
        )
        if channel is None:
            continue
        day = problem.days[k - 1 + slack]
        pins.append(
            {
                "lesson": episodes[k - 1].id,
                "channel": channel["id"],
                "start": f"{day.isoformat()}T{hour}:00+05:00",
            }
        )
    assert len(pins) == count, "not enough series to pin"
    return {**data, "pins": [*data.get("pins", []), *pins]}
