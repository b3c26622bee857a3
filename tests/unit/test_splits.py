"""Splits and laps of one run (coachkit.features.splits), on tracks whose answers are known by
construction: a steady run, a standing pause, a climb, and device laps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coachkit.core.units import MILE_M
from coachkit.features.gap import minetti_cost
from coachkit.features.splits import lap_figures, splits


def _run(speed: float, seconds: int, **cols) -> pd.DataFrame:
    t = np.arange(seconds + 1, dtype=float)
    return pd.DataFrame({"t_s": t, "distance_m": speed * t, "speed_m_s": speed, **cols})


def test_steady_run_splits_every_km_and_mile():
    s = _run(4.0, 2500, hr_bpm=150.0)  # 10 km at 4 m/s: 250 s per km
    km = splits(s)
    assert len(km) == 10 and not km["partial"].any()
    assert km["duration_s"].to_numpy() == pytest.approx(250.0)
    assert km["avg_hr"].to_numpy() == pytest.approx(150.0)
    mi = splits(s, MILE_M)
    assert len(mi) == 7 and mi["partial"].tolist() == [False] * 6 + [True]
    assert mi["distance_m"].iloc[:6].to_numpy() == pytest.approx(MILE_M)
    assert mi["end_distance_m"].iloc[-1] == pytest.approx(10_000.0)


def test_a_standing_pause_counts_in_the_split_time_not_its_pace():
    run = _run(4.0, 375)  # 1.5 km
    stop = pd.DataFrame({"t_s": np.arange(376.0, 436.0), "distance_m": 1500.0, "speed_m_s": 0.0})
    rest = _run(4.0, 250)
    rest = rest.assign(t_s=rest["t_s"] + 436.0, distance_m=rest["distance_m"] + 1500.0)
    out = splits(pd.concat([run, stop, rest], ignore_index=True))
    second = out.iloc[1]
    assert second["duration_s"] == pytest.approx(250.0 + 61.0, abs=1.0)  # the stop is in it
    # but not in its pace: the moving rule looks 1 s either side, so a second at each edge of
    # the stop still counts as moving (2 s of 250)
    assert second["pace_s_per_km"] == pytest.approx(250.0, abs=2.5)


def test_a_steady_climb_has_minettis_grade_adjusted_pace():
    t = np.arange(1001.0)
    s = pd.DataFrame(
        {"t_s": t, "distance_m": 3.0 * t, "speed_m_s": 3.0, "altitude_m": 0.3 * t}
    )  # a 10 % grade at 3 m/s
    out = splits(s)
    flat_equivalent = 3.0 * minetti_cost(0.10) / minetti_cost(0.0)  # 4.97 m/s (Minetti 2002)
    middle = out.iloc[1]
    assert middle["gap_pace_s_per_km"] == pytest.approx(1000 / flat_equivalent, rel=0.01)
    assert middle["elevation_change_m"] == pytest.approx(100.0, abs=0.5)


def test_laps_read_between_their_own_start_and_timer_time():
    s = _run(4.0, 1000, power_w=np.r_[np.full(500, 200.0), np.full(501, 300.0)])
    laps = pd.DataFrame(
        {
            "t0_s": [0.0, 500.0],
            "elapsed_time_s": [500.0, 500.0],
            "distance_m": [2000.0, np.nan],
            "avg_hr": [np.nan, 151.0],
        }
    )
    out = lap_figures(s, laps)
    assert out["avg_power_w"].tolist() == pytest.approx([200.0, 300.0], abs=0.5)
    assert out["distance_m"].tolist() == pytest.approx([2000.0, 2000.0])  # own, else samples
    assert out["avg_hr"].iloc[1] == 151.0  # the device's own lap HR wins
    assert out["pace_s_per_km"].tolist() == pytest.approx([250.0, 250.0], abs=0.5)


def test_no_samples_no_splits():
    assert splits(pd.DataFrame(columns=["t_s"])).empty
    assert splits(_run(4.0, 10)).empty  # 40 m is shorter than a split's minimum


def test_a_track_that_never_moves_has_no_splits():
    still = pd.DataFrame({"t_s": np.arange(100.0), "distance_m": 0.0, "speed_m_s": 0.0})
    assert splits(still).empty
