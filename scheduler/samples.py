"""A small sample term for the demo: two channels, Kazakh and Russian lessons (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

# (grade, subject, language, series title, lesson titles) — real-looking school topics.
_SERIES: list[tuple[int, str, str, str, list[str]]] = [
    (
        1,
        "math",
        "kk",
        "Математика, 1-сынып",
        ["Сандар және цифрлар", "Қосу және азайту", "Геометриялық пішіндер", "Өлшеу: ұзын, қысқа"],
    ),
    (
        5,
        "science",
        "kk",
        "Жаратылыстану, 5-сынып",
        ["Күн жүйесі", "Судың қасиеттері", "Өсімдіктердің құрылысы", "Ауа райы және климат"],
    ),
    (
        1,
        "math",
        "ru",
        "Математика, 1 класс",
        ["Числа и цифры", "Сложение и вычитание", "Геометрические фигуры", "Измерение длины"],
    ),
    (
        5,
        "history",
        "ru",
        "История Казахстана, 5 класс",
        [
            "Древние люди на территории Казахстана",
            "Саки",
            "Великий шёлковый путь",
            "Города Туркестана",
        ],
    ),
]


def demo_problem(now_local: datetime, lessons: int, duration_s: int) -> dict[str, Any]:
    """A problem whose windows open at `now_local` (floored to the minute), so the first
    lessons air at once; `lessons` in all, spread over four series."""
    start = now_local.replace(second=0, microsecond=0)
    end = min(start + timedelta(hours=9), start.replace(hour=0, minute=0) + timedelta(days=1))
    window = [
        start.strftime("%H:%M"),
        "24:00" if end.date() > start.date() else end.strftime("%H:%M"),
    ]
    series, items = [], []
    for index in range(lessons):
        grade, subject, language, title, titles = _SERIES[index % len(_SERIES)]
        series_id = f"{language}-{grade:02d}-{subject}"
        episode = index // len(_SERIES) + 1
        if episode == 1:
            series.append(
                {
                    "id": series_id,
                    "grade": grade,
                    "subject": subject,
                    "language": language,
                    "title": title,
                    "max_per_day": 4,
                }
            )
        items.append(
            {
                "id": f"{series_id}-{episode:03d}",
                "series": series_id,
                "episode": episode,
                "duration_s": duration_s,
                "title": titles[(episode - 1) % len(titles)],
                "signed": index % 2 == 0,
            }
        )
    return {
        "timezone": str(now_local.tzinfo),
        "start_date": start.date().isoformat(),
        "end_date": (start.date() + timedelta(days=6)).isoformat(),
        "weekdays": [1, 2, 3, 4, 5, 6, 7],
        "break_s": 10,
        "channels": [
            {"id": "al-farabi", "name": "Әл-Фараби", "window": window, "languages": ["kk"]},
            {"id": "el-arna", "name": "Ел Арна", "window": window, "languages": ["ru"]},
        ],
        "audiences": [
            {"grade": 1, "language": "kk", "max_daily_s": 4 * 3600},
            {"grade": 1, "language": "ru", "max_daily_s": 4 * 3600},
        ],
        "series": series,
        "lessons": items,
    }
