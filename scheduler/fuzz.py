"""Networks drawn at random, as planners might bring them (pure, seeded).

`fuzzed(seed, lessons)` draws a network the sweep's shapes do not name: 1-16
channels, each carrying one language or both and a range of grades drawn at random
(ranges overlap, nest, split or hold one grade); series per audience from half to
three times the draw's median; lessons of 15-45 minutes; `max_per_day` 1-3; channel
windows, audience windows, daily caps, Saturdays, holidays and pinned premieres each
present or absent. Every audience with lessons is carried, and its longest lesson
fits its window and cap on a channel that carries it; the term is four times what
the airtime alone needs, at most five years. So every draw of the property test's
sizes (200-1,500 lessons) can be scheduled, but a large one may not fit its term:
tens of thousands of lessons on one or two channels, or an audience of thousands
held to a 45-minute cap (the solver's pre-checks say so, and the benchmark reports
the draw as infeasible).

`planners_16(lessons, channels_per_range)` is the network of issue 29 on which
the list scheduler's variants lost to the baseline: per language, channels carrying
grades 1-6 and as many carrying grades 5-11, 09:00-18:00, no audience window, cap or
pin, 24 series per primary audience and 48 per other, two episodes a day at most,
lessons of 17-29 minutes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from scheduler.generate import LANGUAGES, PRIMARY
from scheduler.networks import Premieres
from scheduler.problem import MAX_HORIZON_DAYS

TIMEZONE = "Asia/Almaty"
START = date(2026, 9, 1)


@dataclass(frozen=True)
class Draw:
    """What a draw chose, for the sweep's table."""

    seed: int
    channels: int
    windows: bool
    audience_windows: bool
    caps: bool
    saturdays: bool
    holidays: int
    pins: int


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _series(
    audiences: list[tuple[int, str]],
    counts: dict[tuple[int, str], int],
    per_day: Any,
) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{lang}-{grade:02d}-s{n:02d}",
            "grade": grade,
            "subject": f"s{n:02d}",
            "language": lang,
            "title": f"Series {n} grade {grade} ({lang})",
            "max_per_day": per_day(),
        }
        for grade, lang in audiences
        for n in range(1, counts[(grade, lang)] + 1)
    ]


def _lessons(
    series: list[dict[str, Any]], total: int, minutes: tuple[int, int], rng: random.Random
) -> list[dict[str, Any]]:
    """`total` lessons over the series (each a weight from 0.5 to 1.5), every series at
    least one, of `minutes` (low, high) each."""
    weights = [rng.uniform(0.5, 1.5) for _ in series]
    counts = [1] * len(series)
    for index in rng.choices(range(len(series)), weights=weights, k=max(0, total - len(series))):
        counts[index] += 1
    return [
        {
            "id": f"{doc['id']}-{episode:03d}",
            "series": doc["id"],
            "episode": episode,
            "duration_s": rng.randint(*minutes) * 60,
            "title": f"{doc['title']} #{episode}",
        }
        for doc, count in zip(series, counts, strict=True)
        for episode in range(1, count + 1)
    ]


def _term(
    lessons: list[dict[str, Any]], channels: list[dict[str, Any]], weekdays: list[int]
) -> tuple[date, list[date]]:
    """A term generous enough for any draw (four times what the airtime alone needs,
    and at least two years), and its broadcast dates."""
    minutes = sum(lesson["duration_s"] + 60 for lesson in lessons) // 60
    air = sum(
        int(c["window"][1][:2]) * 60
        + int(c["window"][1][3:])
        - int(c["window"][0][:2]) * 60
        - int(c["window"][0][3:])
        for c in channels
    )
    broadcast_days = max(60, 6 * minutes // max(1, air) + 60)
    calendar = min(MAX_HORIZON_DAYS - 1, max(2 * 365, broadcast_days * 7 // len(weekdays) + 14))
    end = START + timedelta(days=calendar)
    on_air = [
        START + timedelta(days=d)
        for d in range(calendar + 1)
        if (START + timedelta(days=d)).isoweekday() in weekdays
    ]
    return end, on_air


def fuzzed(seed: int, lessons: int) -> tuple[dict[str, Any], Draw]:
    """A random network of about `lessons` lessons (at least one per series), and what
    was drawn."""
    rng = random.Random(f"fuzz/{seed}")
    count = rng.randint(1, 16)
    with_windows = rng.random() < 0.5
    channels: list[dict[str, Any]] = []
    for number in range(1, count + 1):
        languages = rng.choice((["kk"], ["ru"], ["kk", "ru"]))
        low = rng.randint(1, 11)
        high = rng.choice((low, rng.randint(low, 11), 11))
        if with_windows:
            opens = rng.randint(7 * 4, 12 * 4) * 15
            closes = min(23 * 60, opens + rng.randint(5 * 4, 11 * 4) * 15)
        else:
            opens, closes = 9 * 60, 18 * 60
        channels.append(
            {
                "id": f"ch-{number:02d}",
                "name": f"Channel {number}",
                "window": [_clock(opens), _clock(closes)],
                "languages": languages,
                "grades": list(range(low, high + 1)),
            }
        )
    carriers: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for channel in channels:
        for lang in channel["languages"]:
            for grade in channel["grades"]:
                carriers.setdefault((grade, lang), []).append(channel)
    keys = sorted(carriers)
    median = rng.randint(2, 10)
    series_counts = {key: rng.randint(max(1, median // 2), 3 * median) for key in keys}
    max_per_day = rng.choice((1, 2, 3, None))  # None: each series draws its own
    series = _series(keys, series_counts, lambda: max_per_day if max_per_day else rng.randint(1, 3))
    lesson_docs = _lessons(series, lessons, (15, 45), rng)
    audience_windows = rng.random() < 0.4
    caps = rng.random() < 0.4
    audiences = []
    for key in keys:
        doc: dict[str, Any] = {"grade": key[0], "language": key[1]}
        # the widest carrier's window: the audience window and cap leave 45 minutes there
        opens, closes = max(
            ((_minutes(c["window"][0]), _minutes(c["window"][1])) for c in carriers[key]),
            key=lambda w: w[1] - w[0],
        )
        if audience_windows and rng.random() < 0.6:
            start = rng.randint(opens, closes - 120) // 15 * 15
            doc["window"] = [_clock(start), _clock(min(24 * 60, start + rng.randint(120, 360)))]
        if caps and rng.random() < 0.6:
            doc["max_daily_s"] = rng.randint(3, 12) * 15 * 60
        if len(doc) > 2:
            audiences.append(doc)
    weekdays = [1, 2, 3, 4, 5, 6] if rng.random() < 0.3 else [1, 2, 3, 4, 5]
    end, on_air = _term(lesson_docs, channels, weekdays)
    holidays = sorted(rng.sample(on_air[5:], rng.choice((0, 0, 3, 10))))
    days = [d for d in on_air if d not in set(holidays)]
    pins = (
        _premieres(rng, channels, audiences, series, lesson_docs, days)
        if rng.random() < 0.3
        else []
    )
    problem = {
        "timezone": TIMEZONE,
        "start_date": START.isoformat(),
        "end_date": end.isoformat(),
        "weekdays": weekdays,
        "holidays": [h.isoformat() for h in holidays],
        "break_s": 60,
        "channels": channels,
        "audiences": audiences,
        "series": series,
        "lessons": lesson_docs,
        "pins": pins,
    }
    draw = Draw(
        seed,
        count,
        with_windows,
        audience_windows,
        caps,
        len(weekdays) == 6,
        len(holidays),
        len(pins),
    )
    return problem, draw


def _minutes(clock: str) -> int:
    return int(clock[:2]) * 60 + int(clock[3:])


def _premieres(
    rng: random.Random,
    channels: list[dict[str, Any]],
    audiences: list[dict[str, Any]],
    series: list[dict[str, Any]],
    lessons: list[dict[str, Any]],
    days: list[date],
) -> list[dict[str, Any]]:
    """First episodes of a few series pinned at the start of a carrying channel's window
    (or the audience's, when later) on one of the first five days; one pin per channel
    and day and per audience and day, so pins never clash."""
    caps = {(a["grade"], a["language"]): a.get("max_daily_s") for a in audiences}
    first = {lesson["series"]: lesson for lesson in lessons if lesson["episode"] == 1}
    pins = Premieres(channels, audiences)
    for doc in rng.sample(series, min(len(series), rng.randint(1, 8))):
        lesson = first[doc["id"]]
        cap = caps.get((doc["grade"], doc["language"]))
        if cap is None or lesson["duration_s"] <= cap:
            pins.place(lesson, doc, rng.sample(days[:5], min(5, len(days))))
    return pins.pins


def planners_16(
    lessons: int, channels_per_range: int = 4, series_scale: float = 1.0, seed: int = 0
) -> dict[str, Any]:
    """Issue 29's network: per language, `channels_per_range` channels carrying grades
    1-6 and as many carrying grades 5-11, 09:00-18:00 on weekdays, 60 s breaks, no
    audience window, cap or pin; 24 series per audience of grades 1-4 and 48 per other
    (times `series_scale`), two episodes a day at most, lessons of 17-29 minutes."""
    rng = random.Random(f"planners/{seed}")
    channels = [
        {
            "id": f"{lang}-{low}-{high}-{n}",
            "name": f"{lang.upper()} {low}-{high} #{n}",
            "window": ["09:00", "18:00"],
            "languages": [lang],
            "grades": list(range(low, high + 1)),
        }
        for lang in LANGUAGES
        for low, high in ((1, 6), (5, 11))
        for n in range(1, channels_per_range + 1)
    ]
    keys = [(grade, lang) for lang in LANGUAGES for grade in range(1, 12)]
    counts = {key: max(1, round((24 if key[0] in PRIMARY else 48) * series_scale)) for key in keys}
    series = _series(keys, counts, lambda: 2)
    lesson_docs = _lessons(series, lessons, (17, 29), rng)
    end, _ = _term(lesson_docs, channels, [1, 2, 3, 4, 5])
    return {
        "timezone": TIMEZONE,
        "start_date": START.isoformat(),
        "end_date": end.isoformat(),
        "weekdays": [1, 2, 3, 4, 5],
        "break_s": 60,
        "channels": channels,
        "series": series,
        "lessons": lesson_docs,
    }
