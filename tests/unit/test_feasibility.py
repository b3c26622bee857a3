"""The goal-feasibility line (coachkit.coach.feasibility, issue 15): prediction, the long run the
plan reaches against what the distance needs, and what would make the goal realistic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coachkit.coach.feasibility import assess, long_needed_m, longest_long_m
from coachkit.coach.plan import Fitness, Goal
from coachkit.coach.plan_builder import PlanBuilder

START = date(2024, 3, 4)  # a Monday
HM_M, MILE_M = 21097.5, 1609.344


def test_the_long_run_a_distance_needs_is_hal_higdons_novice_longest():
    # Higdon's novice programmes peak at 3 mi (5K), 6 mi (10K), 10 mi (half), 20 mi (marathon)
    assert long_needed_m(5000.0) == pytest.approx(3 * MILE_M)
    assert long_needed_m(10000.0) == pytest.approx(6 * MILE_M)
    assert long_needed_m(HM_M) == pytest.approx(10 * MILE_M)
    assert long_needed_m(42195.0) == pytest.approx(20 * MILE_M)


def _assess(weekly_km: float, longest_km: float, weeks: int, distance_m: float, dpw: int = 4):
    builder = PlanBuilder(
        Goal(race_distance_m=distance_m, race_date=START + timedelta(weeks=weeks, days=6)),
        days_per_week=dpw,
    )
    current = Fitness(40.0, weekly_km, longest_km * 1000.0)
    plan = builder.build(current, START)
    return plan, assess(builder, current, START, plan)


def test_a_half_marathon_from_8_km_weeks_in_8_weeks_is_not_realistic_and_says_what_would_be():
    plan, f = _assess(8.0, 4.0, 8, HM_M)
    reach = longest_long_m(plan)
    assert f["long_run_reached_m"] == pytest.approx(reach) and reach < 10 * MILE_M - 50
    assert f["realistic"] is False and f["suggestions"], f
    line = f["sentence"]
    assert f"reaches {reach / 1000:.1f} km; a half marathon needs about 16.1 km" in line, line
    assert "to make it realistic, " in line
    # every suggestion is checked by building that plan: a later date reaches the need
    if "later_date" in f:
        later = date.fromisoformat(f["later_date"])
        weeks = (later - START).days // 7
        plan_later, f_later = _assess(8.0, 4.0, weeks, HM_M)
        assert longest_long_m(plan_later) >= 10 * MILE_M - 50


def test_a_10_km_from_30_km_weeks_in_10_weeks_is_realistic():
    plan, f = _assess(30.0, 12.0, 10, 10000.0)
    assert f["realistic"] is True and f["sentence"].endswith(": realistic."), f["sentence"]
    assert longest_long_m(plan) >= 6 * MILE_M - 50
