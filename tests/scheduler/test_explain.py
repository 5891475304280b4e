"""Explanations from the assumption model: the rules that conflict, and no others."""

from __future__ import annotations

import pytest

from scheduler import Infeasible, SolveOptions, parse_problem, solve
from scheduler import explain as explaining
from scheduler.diagnose import conflicts
from scheduler.explain import explain


def _pinned_third_episode(**changes: object) -> dict[str, object]:
    """Three 30-minute episodes, the third pinned on the second broadcast day."""
    data: dict[str, object] = {
        "timezone": "Asia/Almaty",
        "start_date": "2026-09-07",
        "end_date": "2026-09-25",
        "break_s": 60,
        "channels": [{"id": "c", "name": "C", "window": ["09:00", "12:00"], "languages": ["kk"]}],
        "audiences": [{"grade": 5, "language": "kk", "window": ["09:00", "12:00"]}],
        "series": [{"id": "s", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": [
            {"id": f"s{i}", "series": "s", "episode": i, "duration_s": 1800} for i in (1, 2, 3)
        ],
        "pins": [{"lesson": "s3", "channel": "c", "start": "2026-09-08T09:00:00+05:00"}],
    }
    data.update(changes)
    return data


def test_per_day_order_and_pin_are_named_and_nothing_else():
    problem = parse_problem(_pinned_third_episode())
    assert conflicts(problem) == []  # the pre-checks see nothing
    found = explain(problem)
    assert found.verdict == "infeasible"
    assert found.scope == "the whole problem"
    (reason,) = found.reasons
    assert reason.startswith("pin, order, per-day: these rules cannot all hold: ")
    assert "lesson s3 is pinned on channel c at 09:00-09:30 on 2026-09-08" in reason
    assert "series s airs its 3 episodes in order (s1, s2, s3)" in reason
    assert "series s airs at most 1 episode a day" in reason
    for innocent in ("window", "channel-overlap", "audience", "daily-cap"):
        assert innocent not in reason  # deletion left only what conflicts


def test_a_daily_cap_conflict_names_the_audience_and_its_cap():
    data = _pinned_third_episode(
        series=[{"id": "s", "grade": 5, "subject": "math", "language": "kk", "max_per_day": 3}],
        audiences=[{"grade": 5, "language": "kk", "max_daily_s": 3000}],
    )
    found = explain(parse_problem(data))
    (reason,) = found.reasons
    assert reason.startswith("pin, order, daily-cap:")
    assert "audience kk grade 5 watches at most 3000 s a day" in reason
    with pytest.raises(Infeasible, match="daily-cap: these rules cannot all hold"):
        solve(parse_problem(data), SolveOptions(time_limit_s=5))


def test_a_feasible_problem_is_said_to_be():
    data = _pinned_third_episode()
    data["pins"] = [{"lesson": "s3", "channel": "c", "start": "2026-09-09T09:00:00+05:00"}]
    assert explain(parse_problem(data)).verdict == "feasible"


def test_large_problems_are_explained_on_the_part_pins_decide(monkeypatch):
    monkeypatch.setattr(explaining, "EXPLAIN_LIMIT", 2)
    data = _pinned_third_episode()
    data["series"].append({"id": "t", "grade": 6, "subject": "art", "language": "kk"})  # type: ignore[attr-defined]
    data["lessons"] += [  # type: ignore[operator]
        {"id": f"t{i}", "series": "t", "episode": i, "duration_s": 1800} for i in range(1, 9)
    ]
    found = explain(parse_problem(data))
    assert found.scope == "the part pins decide"
    assert found.reasons
    assert "series t" not in found.reasons[0]
    data.pop("pins")
    assert explain(parse_problem(data)).verdict == "not modelled"
