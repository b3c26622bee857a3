"""Thresholds: the athlete's own values win; otherwise estimates that say they are estimates.

Worked numbers are by hand from the published rules, never from the code under test:
Tanaka, Monahan & Seals 2001 (J Am Coll Cardiol 37:153): HRmax = 208 − 0.7 · age;
Riegel 1981 (Am Sci 69:285): T2 = T1 · (D2/D1)^1.06, so the 1-h distance from (D1, T1) is
D1 · (3600/T1)^(1/1.06); a published walk-through of the same formula (aifithub.io, "From a
40-Minute 10K to a Half Marathon: A Riegel Walkthrough") gives 1:28:15 for a 40:00 10 km.
Percentiles are numpy's default (linear interpolation, Hyndman & Fan type 7), worked by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coachkit.features.thresholds import (
    POPULATION_DEFAULT,
    SET_BY_ATHLETE,
    Threshold,
    Thresholds,
    estimate_thresholds,
)


def _runs(*rows: dict) -> pd.DataFrame:
    base = {
        "sport": "run",
        "start_time": pd.Timestamp("2024-03-01 07:00", tz="UTC"),
        "utc_offset_s": 0,
        "moving_time_s": 2400.0,
        "distance_m": 8000.0,
        "avg_hr": 150.0,
        "max_hr": 175.0,
        "quality_flags": "",
    }
    frame = pd.DataFrame([{**base, **r} for r in rows or ({},)])
    frame["utc_offset_s"] = frame["utc_offset_s"].astype("Int64")
    frame["quality_flags"] = frame["quality_flags"].astype("string")
    return frame


def test_the_athletes_own_values_always_win():
    settings = {"hr_max": 192, "hr_rest": 48, "lthr": 172, "threshold_pace_s_per_km": 250}
    th = estimate_thresholds(_runs({"max_hr": 200.0}), settings={**settings, "sex": "F"})
    assert (th.hr_max.value, th.hr_rest.value, th.lthr.value) == (192, 48, 172)
    assert th.threshold_speed_m_s.value == pytest.approx(4.0)  # 1000 m / 250 s
    assert th.sex == "female"
    for t in (th.hr_max, th.hr_rest, th.lthr, th.threshold_speed_m_s):
        assert t.source == SET_BY_ATHLETE and not t.estimated


def test_no_data_gives_population_defaults_that_say_so():
    th = estimate_thresholds(_runs().iloc[:0])
    assert th.hr_max.value == 185.0 and th.hr_max.source == POPULATION_DEFAULT
    assert th.hr_rest.value == 60.0 and th.hr_rest.source == POPULATION_DEFAULT
    assert th.lthr.value == pytest.approx(164.65, abs=0.06)  # 0.89 × 185
    assert th.lthr.source.startswith(POPULATION_DEFAULT)
    assert th.threshold_speed_m_s.value == pytest.approx(3.030, abs=1e-3)  # 5:30/km
    assert th.sex == "unknown"
    assert all(t.estimated for t in (th.hr_max, th.hr_rest, th.lthr, th.threshold_speed_m_s))


def test_hr_max_is_the_second_highest_run_maximum_so_one_spike_cannot_set_it():
    runs = _runs(
        *({"max_hr": v} for v in (176.0, 181.0, 185.0, 188.0, 190.0, 228.0)),  # 228: a spike
        {"max_hr": 240.0, "quality_flags": "hr_implausible"},
        {"max_hr": 199.0, "quality_flags": "duplicate_of:x"},
        {"max_hr": 199.0, "quality_flags": "manual"},
        {"max_hr": 199.0, "sport": "ride"},  # runs only
    )
    th = estimate_thresholds(runs)
    assert th.hr_max.value == 190.0
    assert th.hr_max.estimated and th.hr_max.source.startswith("estimated: ")
    assert "6 runs" in th.hr_max.source


def test_hr_max_from_age_when_there_are_too_few_runs():
    th = estimate_thresholds(_runs({"max_hr": 180.0}), settings={"age": 40})
    assert th.hr_max.value == 180.0  # 208 − 0.7 × 40
    assert "Tanaka" in th.hr_max.source


def test_lthr_is_the_95th_percentile_of_average_hr_of_30_to_90_minute_runs():
    runs = _runs(
        *({"avg_hr": v, "max_hr": 190.0} for v in (150.0, 155.0, 160.0, 165.0, 170.0, 172.0)),
        {"avg_hr": 185.0, "moving_time_s": 1200.0},  # 20 min: too short to be sustained
        {"avg_hr": 185.0, "moving_time_s": 6000.0},  # 100 min: too long
    )
    th = estimate_thresholds(runs)
    # sorted 150 155 160 165 170 172: rank 0.95 · 5 = 4.75 → 170 + 0.75 · 2 = 171.5
    assert th.lthr.value == pytest.approx(171.5)
    assert "6 runs of 30–90 min" in th.lthr.source


def test_lthr_is_kept_within_80_to_96_percent_of_hr_max():
    runs = _runs(*({"avg_hr": 178.0} for _ in range(5)))
    th = estimate_thresholds(runs, settings={"hr_max": 180})
    assert th.lthr.value == pytest.approx(172.8)  # 0.96 × 180
    assert "kept within 80–96 % of HRmax" in th.lthr.source


def test_hr_max_follows_from_lthr_when_runs_have_no_maximum():
    runs = _runs(
        *({"avg_hr": v, "max_hr": np.nan} for v in (150.0, 155.0, 160.0, 165.0, 170.0, 172.0))
    )
    th = estimate_thresholds(runs)
    assert th.hr_max.value == pytest.approx(192.7, abs=0.01)  # 171.5 / 0.89 = 192.697
    assert th.hr_max.source == "estimated: LTHR / 0.89"


def test_lthr_defaults_to_89_percent_of_hr_max():
    th = estimate_thresholds(_runs(*({"max_hr": 190.0, "moving_time_s": 1200.0} for _ in range(5))))
    assert th.lthr.value == pytest.approx(169.1)  # 0.89 × 190
    assert th.lthr.estimated and "89 %" in th.lthr.source


def test_an_estimated_hr_max_below_a_set_lthr_moves_up():
    th = estimate_thresholds(_runs(*({"max_hr": 170.0} for _ in range(5))), settings={"lthr": 175})
    assert th.hr_max.value == pytest.approx(182.3, abs=0.01)  # 175 / 0.96 = 182.29
    assert th.lthr.value < th.hr_max.value


def test_resting_hr_is_the_median_of_the_last_30_days_of_wellness():
    days = pd.date_range("2024-01-01", "2024-02-09")  # 40 days
    rest = np.where(days < pd.Timestamp("2024-01-11"), 60.0, 45.0)
    rest[-3] = 90.0  # one odd morning
    wellness = pd.DataFrame({"date": days, "resting_hr": rest})
    th = estimate_thresholds(_runs(), wellness=wellness)
    assert th.hr_rest.value == 45.0  # Jan 11 – Feb 9: 29 × 45 and one 90
    assert "30 wellness readings" in th.hr_rest.source and "2024-02-09" in th.hr_rest.source
    before = estimate_thresholds(_runs(), wellness=wellness, as_of=pd.Timestamp("2024-01-11"))
    assert before.hr_rest.value == 60.0  # only Jan 1–10 were known


def test_resting_hr_with_few_recent_readings_uses_the_latest_ones():
    days = pd.to_datetime([f"2023-10-{d:02d}" for d in range(1, 21)] + ["2024-02-01"])
    wellness = pd.DataFrame({"date": days, "resting_hr": [50.0] * 20 + [70.0]})
    th = estimate_thresholds(_runs(), wellness=wellness)
    assert th.hr_rest.value == 50.0  # median of the last 14 readings: 13 × 50 and one 70
    assert "latest readings" in th.hr_rest.source


def test_threshold_speed_from_the_best_effort_by_riegel():
    efforts = pd.DataFrame(
        {
            "distance_m": [10000.0, 5000.0, 1000.0, 10000.0],
            "time_s": [2400.0, 1230.0, 180.0, 2100.0],
            "date": pd.to_datetime(["2024-02-01", "2024-02-10", "2024-02-11", "2024-04-01"]),
        }
    )
    th = estimate_thresholds(_runs(), best_efforts=efforts, as_of=pd.Timestamp("2024-03-15"))
    # 10 km in 40:00 → 10000 · 1.5^(1/1.06) = 14659.7 m in 1 h = 4.0721 m/s (4:06/km); the 5 km
    # in 20:30 gives 3.8253 m/s; the 1 km is too short; the 35:00 10 km is after as_of
    speed = th.threshold_speed_m_s.value
    assert speed == pytest.approx(4.0721, abs=1e-3)
    assert "10 km effort (40:00 on 2024-02-01)" in th.threshold_speed_m_s.source
    # and it agrees with Riegel's published 40:00 10 km → 1:28:15 half marathon (5295 s)
    assert 3600 * (21097.5 / (3600 * speed)) ** 1.06 == pytest.approx(5295, abs=1.5)


def test_threshold_speed_from_the_fastest_clean_run_of_30_minutes_or_more():
    runs = _runs(
        {"distance_m": 10000.0, "moving_time_s": 2700.0},
        {"distance_m": 8000.0, "moving_time_s": 2400.0},
        {"distance_m": 5000.0, "moving_time_s": 1200.0},  # < 30 min
        {"distance_m": 20000.0, "moving_time_s": 2400.0, "quality_flags": "speed_implausible"},
        {"distance_m": 12000.0, "moving_time_s": 2400.0, "quality_flags": "gps_gaps"},
        {"distance_m": 12000.0, "moving_time_s": 2400.0, "sport": "trail_run"},
        {"distance_m": 12000.0, "moving_time_s": 2400.0, "quality_flags": "manual"},
    )
    th = estimate_thresholds(runs)
    # 10 km in 45:00 → 10000 · (4/3)^(1/1.06) = 13118.0 m in 1 h = 3.6439 m/s
    assert th.threshold_speed_m_s.value == pytest.approx(3.6439, abs=1e-3)
    assert "10.00 km in 45:00" in th.threshold_speed_m_s.source


def test_only_runs_before_as_of_count_in_the_athletes_local_time():
    runs = _runs(
        *({"max_hr": 180.0} for _ in range(5)),
        # 23:30 UTC on 1 March is 00:30 on 2 March at UTC+1
        {"max_hr": 200.0, "start_time": pd.Timestamp("2024-03-01 23:30", tz="UTC"),
         "utc_offset_s": 3600},
        {"max_hr": 200.0, "start_time": pd.Timestamp("2024-03-05", tz="UTC")},
    )  # fmt: skip
    assert estimate_thresholds(runs).hr_max.value == 200.0
    local = estimate_thresholds(runs, as_of=pd.Timestamp("2024-03-02"))
    assert local.hr_max.value == 180.0
    utc = estimate_thresholds(runs, as_of=pd.Timestamp("2024-03-02", tz="UTC"))
    assert utc.hr_max.value == 180.0  # second-highest of 180 × 5 and one 200


def test_describe_is_one_sentence_with_the_numbers_and_what_is_estimated():
    th = Thresholds(
        Threshold(190.0, SET_BY_ATHLETE),
        Threshold(48.4, "estimated: median"),
        Threshold(171.5, "estimated: 95th percentile"),
        Threshold(1000 / 255, POPULATION_DEFAULT),
        "male",
    )
    assert th.describe() == (
        "Thresholds: HRmax 190 bpm (your setting), resting HR 48 bpm (estimated), LTHR 172 bpm "
        "(estimated) and threshold pace 4:15/km (population default); sex male."
    )


def test_inputs_are_not_modified():
    runs = _runs(*({"max_hr": 180.0} for _ in range(6)))
    before = runs.copy(deep=True)
    estimate_thresholds(runs, as_of=pd.Timestamp("2025-01-01"))
    pd.testing.assert_frame_equal(runs, before)
