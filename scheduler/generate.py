"""Synthetic but realistic scheduling problems, for tests and benchmarks (pure, seeded)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

SUBJECTS = (
    "math",
    "language_arts",
    "kazakh",
    "russian",
    "english",
    "science",
    "history",
    "geography",
    "biology",
    "physics",
    "chemistry",
    "informatics",
)
LANGUAGES = ("kk", "ru")
PRIMARY = range(1, 5)


def _grade_ranges(grades: list[int], parts: int) -> list[list[int]]:
    size = -(-len(grades) // parts)
    return [grades[i : i + size] for i in range(0, len(grades), size)]


def lessons_of(
    series: list[dict[str, Any]], total: int, rng: random.Random
) -> list[dict[str, Any]]:
    """`total` lesson documents spread over the series (each a weight from 0.5 to 1.5),
    15 to 30 minutes for primary grades and 25 to 45 for the others, 30 % signed."""
    weights = [rng.uniform(0.5, 1.5) for _ in series]
    counts = [0] * len(series)
    for index in rng.choices(range(len(series)), weights=weights, k=total):
        counts[index] += 1
    found: list[dict[str, Any]] = []
    for doc, count in zip(series, counts, strict=True):
        low, high = (15, 30) if doc["grade"] in PRIMARY else (25, 45)
        for episode in range(1, count + 1):
            found.append(
                {
                    "id": f"{doc['id']}-{episode:03d}",
                    "series": doc["id"],
                    "episode": episode,
                    "duration_s": rng.randint(low, high) * 60,
                    "title": f"{doc['title']} #{episode}",
                    "signed": rng.random() < 0.3,
                }
            )
    return found


def generate(
    lessons: int, channels: int, seed: int = 0, start: date = date(2026, 9, 1)
) -> dict[str, Any]:
    """A problem document with `lessons` lessons on `channels` channels.

    11 grades x 2 languages, 4 to 12 subjects per grade, 15 to 45 minute lessons;
    primary grades (1-4) watch in the morning with a lower daily cap. Channels
    are split by language, then by ranges of grades when a language has several.
    """
    if lessons < 1 or channels < 1:
        raise ValueError("lessons and channels must be at least 1")
    rng = random.Random(seed)
    channel_docs: list[dict[str, Any]] = []
    per_language = (
        {lang: max(1, channels // 2 + (i < channels % 2)) for i, lang in enumerate(LANGUAGES)}
        if channels >= 2
        else {}
    )
    if channels == 1:
        channel_docs.append(
            {
                "id": "ch-01",
                "name": "Channel 1",
                "window": ["09:00", "18:00"],
                "languages": list(LANGUAGES),
            }
        )
    else:
        number = 0
        for lang in LANGUAGES:
            for grades in _grade_ranges(list(range(1, 12)), per_language[lang]):
                number += 1
                channel_docs.append(
                    {
                        "id": f"ch-{number:02d}",
                        "name": f"{lang.upper()} {grades[0]}-{grades[-1]}",
                        "window": ["09:00", "18:00"],
                        "languages": [lang],
                        "grades": grades,
                    }
                )
    series: list[dict[str, Any]] = []
    for lang in LANGUAGES:
        for grade in range(1, 12):
            for subject in rng.sample(SUBJECTS, rng.randint(4, 12)):
                series.append(
                    {
                        "id": f"{lang}-{grade:02d}-{subject}",
                        "grade": grade,
                        "subject": subject,
                        "language": lang,
                        "title": f"{subject} {grade} ({lang})",
                        "max_per_day": 1 if grade in PRIMARY else rng.choice((1, 1, 2)),
                    }
                )
    lesson_docs = lessons_of(series, lessons, rng)
    used = {lesson["series"] for lesson in lesson_docs}
    by_id = {doc["id"]: doc for doc in series}
    audiences: list[dict[str, Any]] = [
        {
            "grade": grade,
            "language": lang,
            "window": ["09:00", "13:00"] if grade in PRIMARY else ["09:00", "18:00"],
            "max_daily_s": 2 * 3600 if grade in PRIMARY else 4 * 3600,
        }
        for lang in LANGUAGES
        for grade in range(1, 12)
    ]
    # A term long enough for the content: two years, or half again what the most
    # loaded audience needs at its daily cap (weekdays only), whichever is longer.
    need: dict[tuple[int, str], int] = {}
    for lesson in lesson_docs:
        doc = by_id[lesson["series"]]
        key = (doc["grade"], doc["language"])
        need[key] = need.get(key, 0) + lesson["duration_s"]
    cap = {(a["grade"], a["language"]): a["max_daily_s"] for a in audiences}
    days = max(-(-seconds // cap[key]) for key, seconds in need.items())
    calendar_days = max(2 * 365, days * 7 * 3 // (5 * 2) + 14)
    return {
        "timezone": "Asia/Almaty",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=calendar_days)).isoformat(),
        "weekdays": [1, 2, 3, 4, 5],
        "holidays": [],
        "break_s": 60,
        "channels": channel_docs,
        "audiences": audiences,
        "series": [s for s in series if s["id"] in used],
        "lessons": lesson_docs,
    }
