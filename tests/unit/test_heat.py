"""The heat term of the HR expectation: the run's temperature, the expectation and its sentences."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from coachkit.coach.adapt.fatigue import heat_note
from coachkit.coach.adapt.records import Signals
from coachkit.features.run_temperature import run_temperature_c
from coachkit.models.response import HrResponseModel
from coachkit.models.response_heat import heat_slope, within_slope


def test_run_temperature_is_time_weighted_and_each_reading_holds_until_the_next():
    # 10 min read 20 °C, then 20 min read 29 °C: (10·20 + 20·29) / 30 = 26 °C (a plain mean of
    # the three samples would say 26.0 too, so the second frame tells them apart)
    s = pd.DataFrame({"t_s": [0.0, 600.0, 1800.0], "temperature_c": [20.0, 29.0, 29.0]})
    assert run_temperature_c(s) == pytest.approx(26.0)
    # 20 min read 10 °C, then 10 min read 25 °C: 15 °C by time, 20 °C by the plain mean
    s = pd.DataFrame({"t_s": [0.0, 1200.0, 1800.0], "temperature_c": [10.0, 25.0, 99.0]})
    assert run_temperature_c(s) == pytest.approx(15.0)


def test_run_temperature_is_unknown_from_under_half_the_run_or_a_faulty_sensor():
    s = pd.DataFrame({"t_s": [0.0, 600.0, 1800.0], "temperature_c": [20.0, math.nan, 21.0]})
    assert math.isnan(run_temperature_c(s))  # 10 of 30 minutes
    s = pd.DataFrame({"t_s": [0.0, 600.0, 1800.0], "temperature_c": [20.0, 127.0, 21.0]})
    assert math.isnan(run_temperature_c(s))  # 127 °C is a sensor fault
    assert math.isnan(run_temperature_c(pd.DataFrame({"t_s": [0.0, 60.0]})))


def _run(temperature_c: float, avg_hr: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "start_time": [pd.Timestamp("2024-05-01 06:00", tz="UTC")],
            "distance_m": [10000.0],
            "moving_time_s": [3300.0],
            "elevation_gain_m": [0.0],
            "avg_hr": [avg_hr],
            "temperature_c": [temperature_c],
        }
    )


def test_the_expectation_adds_the_heat_term_over_the_base_temperature_and_says_so():
    model = HrResponseModel.from_population()
    cool, warm = model.explain(runs=_run(12.0, 160.0)), model.explain(runs=_run(28.0, 160.0))
    # heat_bpm_per_c · (28 − heat_base_c): 1.0 · (28 − 20) = 8 bpm with the shipped prior
    added = model.heat_bpm_per_c * (28.0 - model.heat_base_c)
    assert warm["heat_bpm"].iloc[0] == pytest.approx(added) and cool["heat_bpm"].iloc[0] == 0
    assert warm["expected_hr"].iloc[0] - cool["expected_hr"].iloc[0] == pytest.approx(added)
    assert warm["residual"].iloc[0] == pytest.approx(cool["residual"].iloc[0] - added)
    assert (
        warm["explanation"].iloc[0].endswith(f"; expected HR includes +{added:.0f} bpm for 28 °C.")
    )
    assert "expected HR includes" not in cool["explanation"].iloc[0]


def test_heat_note_names_what_the_expectation_added_on_each_flagged_day():
    mon, tue = pd.Timestamp("2024-05-13"), pd.Timestamp("2024-05-14")
    s = Signals(today=tue, hr_heat={mon.date(): (10.0, 30.0), tue.date(): (8.0, 28.0)})
    note = heat_note(s, [(mon, 14.0, 2.0), (tue, 12.0, 1.8)])
    assert (
        note == "; expected HR includes +10 bpm for 30 °C on Monday and +8 bpm for 28 °C on Tuesday"
    )
    assert heat_note(Signals(today=tue), [(mon, 14.0, 2.0)]) == ""


def test_within_slope_is_least_squares_with_one_intercept_per_group():
    # the same slope as an ordinary least-squares fit with a dummy column per group
    # (Frisch–Waugh–Lovell: centring within groups is regressing the dummies out)
    rng = np.random.default_rng(3)
    groups = np.repeat(["a", "b", "c"], 20)
    x = rng.uniform(0, 12, 60)
    y = 1.7 * x + np.repeat([130.0, 150.0, 165.0], 20) + rng.normal(0, 3, 60)
    dummies = (groups[:, None] == np.array(["a", "b", "c"])[None, :]).astype(float)
    coef = np.linalg.lstsq(np.column_stack([x, dummies]), y, rcond=None)[0]
    assert within_slope(x, y, groups) == pytest.approx(coef[0])


def test_heat_slope_recovers_the_heat_a_runner_shows_and_ignores_cool_runs():
    # four runners, HR offsets 20 bpm apart, +1.5 bpm per °C over 20 °C within each run; a fifth
    # runner never passes 20 °C and a large offset must not move the estimate
    rows = []
    for k, offset in enumerate((-10.0, 0.0, 10.0, 20.0)):
        for run in range(2):
            temp = np.linspace(18.0, 30.0 + k, 40)
            rows.append(pd.DataFrame({"temperature_c": temp, "runner": f"r{k}", "run": f"r{k}-{run}",
                                      "residual_bpm": offset + 1.5 * np.clip(temp - 20.0, 0, None)}))  # fmt: skip
    rows.append(pd.DataFrame({"temperature_c": np.linspace(5.0, 15.0, 40), "runner": "cool",
                              "run": "cool-0", "residual_bpm": np.linspace(40.0, 0.0, 40)}))  # fmt: skip
    r = heat_slope(pd.concat(rows, ignore_index=True), base_c=20.0, group="run", n_boot=200)
    assert r.bpm_per_c == pytest.approx(1.5)
    assert r.ci95 == pytest.approx((1.5, 1.5))  # every runner shows the same 1.5
    assert (r.n_points, r.n_groups, r.n_runners) == (320, 8, 4)


def test_heat_slope_from_one_runner_has_no_interval():
    frame = pd.DataFrame({"temperature_c": [21.0, 25.0], "runner": "x", "run": ["a", "b"],
                          "residual_bpm": [0.0, 4.0]})  # fmt: skip
    r = heat_slope(frame, base_c=20.0, group="runner")
    assert r.bpm_per_c == pytest.approx(1.0) and all(math.isnan(v) for v in r.ci95)
