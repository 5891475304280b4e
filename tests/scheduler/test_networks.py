"""The shape sweep's networks: seeded, valid, and shaped as their names say."""

from __future__ import annotations

from dataclasses import replace

from scheduler import parse_problem
from scheduler.diagnose import conflicts
from scheduler.networks import SWEEP, Shape, network


def test_the_sweep_spans_600_to_50000_lessons_in_at_least_20_instances():
    sizes = [shape.lessons for shape in SWEEP]
    assert len(SWEEP) >= 20
    assert min(sizes) == 600
    assert max(sizes) == 50_000


def test_same_shape_same_problem_and_every_shape_passes_the_pre_checks():
    for shape in SWEEP:
        small = replace(shape, lessons=250)
        assert network(small) == network(small)
        problem = parse_problem(network(small))
        assert len(problem.lessons) == 250
        assert len(problem.pins) <= shape.pins + shape.deep_pins
        assert conflicts(problem) == [], shape.name


def test_shapes_are_what_they_say():
    shared = parse_problem(network(Shape("s", 300, channels=4, shared=True, staggered=True)))
    assert all(c.languages == frozenset({"kk", "ru"}) for c in shared.channels)
    assert len({c.window for c in shared.channels}) == 4
    overlap = parse_problem(network(Shape("o", 300, channels=4, split="overlap")))
    kk = [c.grades for c in overlap.channels if "kk" in c.languages]
    assert kk[0] & kk[1]  # two kk channels share grades
    saturdays = parse_problem(network(Shape("w", 300, saturdays=True, holidays=3, pins=4)))
    assert 6 in saturdays.weekdays
    assert len(saturdays.holidays) == 3
    assert len(saturdays.pins) == 4
    deep = parse_problem(network(Shape("d", 1500, pins=2, deep_pins=3, seed=4)))
    episodes = {lesson.id: lesson.episode for lesson in deep.lessons}
    assert sorted(episodes[pin.lesson] for pin in deep.pins) == [1, 1, 3, 4, 5]
    assert conflicts(deep) == []
    tracks = parse_problem(network(Shape("t", 2000, tracks=3)))
    assert any(s.id.endswith("-3") for s in tracks.series.values())
