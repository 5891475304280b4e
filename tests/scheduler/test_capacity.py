"""The capacity model: its days and the quotas the list scheduler follows."""

from __future__ import annotations

from scheduler import parse_problem
from scheduler.capacity import capacity
from tests.scheduler.test_greedy import _one_channel_for_grade_1


def test_quotas_give_each_channel_to_the_audiences_only_it_can_serve():
    model = capacity(parse_problem(_one_channel_for_grade_1()))
    assert model.bound == 4
    assert abs(model.days - 4) < 1e-6
    # a is the only channel for grade 1: its whole hour goes there; b carries grade 2
    assert model.quota == {("a", (1, "kk")): 3600, ("a", (2, "kk")): 0, ("b", (2, "kk")): 7200}
    assert "a 09:00-10:00" in model.binding


def test_nothing_to_air_needs_no_days():
    data = _one_channel_for_grade_1()
    data["lessons"] = []
    model = capacity(parse_problem(data))
    assert (model.days, model.bound, model.quota) == (0.0, 0, {})


def test_a_cap_limits_the_share_of_the_day():
    data = _one_channel_for_grade_1()
    data["audiences"] = [{"grade": 1, "language": "kk", "max_daily_s": 1800}]
    model = capacity(parse_problem(data))
    assert model.bound == 8  # grade 1: 4 h at 30 minutes a day
    assert model.quota[("a", (1, "kk"))] == 1800
