"""The heat term of the HR expectation: the run's temperature, the expectation and its sentences."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from coachkit.coach.adapt.fatigue import heat_note
from coachkit.coach.adapt.records import Signals
from coachkit.features.run_temperature import run_temperature_c
from coachkit.models.response import HrResponseModel


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
