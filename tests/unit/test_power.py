"""Mean-max curves, critical power and W' (Monod & Scherrer), and power load (1 h at CP = 100)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coachkit.features.power import (
    critical_power,
    mean_max,
    mean_max_power,
    mean_max_speed,
    power_load,
    resample_1hz,
    run_power_load,
)


def _brute_mean_max(x: np.ndarray, d: int) -> float:
    best = np.nan
    for i in range(len(x) - d + 1):
        w = x[i : i + d]
        if np.isfinite(w).all():
            best = np.nanmax([best, w.mean()])
    return best


def test_mean_max_equals_the_brute_force_search_and_never_bridges_a_gap():
    rng = np.random.default_rng(3)
    x = rng.uniform(100, 400, size=300)
    x[rng.choice(300, size=12, replace=False)] = np.nan
    durations = [1, 5, 15, 30, 60, 120]
    got = mean_max(x, durations)
    want = [_brute_mean_max(x, d) for d in durations]
    np.testing.assert_allclose(got, want, equal_nan=True)


def test_a_pause_longer_than_30_s_is_not_bridged():
    # 100 s at 300 W, a 10-minute pause (watch stopped), 100 s at 300 W: no 120 s window exists
    t = np.concatenate([np.arange(100.0), 700 + np.arange(100.0)])
    s = pd.DataFrame({"t_s": t, "power_w": 300.0})
    curve = mean_max_power(s, [60, 120])
    assert curve["duration_s"].tolist() == [60.0] and curve["power_w"].tolist() == [300.0]


def test_resampling_holds_each_value_until_the_next():
    out = resample_1hz(np.array([0.0, 3, 6]), np.array([100.0, 200, 300]))
    assert out.tolist() == [100.0, 100, 100, 200, 200, 200]


def test_mean_max_speed_from_distance():
    s = pd.DataFrame({"t_s": np.arange(601.0), "distance_m": np.arange(601.0) * 4.0})
    curve = mean_max_speed(s, [60, 600])
    assert curve["speed_m_s"].tolist() == pytest.approx([4.0, 4.0])


def test_critical_power_recovers_cp_and_w_prime_of_synthetic_efforts():
    # efforts built from the two-parameter model P = W'/t + CP (Monod & Scherrer 1965) with
    # CP = 250 W and W' = 20 kJ; points outside 3-20 min are left out of the fit
    t = np.array([60.0, 180, 300, 480, 600, 720, 1200, 3600])
    cp = critical_power(pd.DataFrame({"duration_s": t, "power_w": 20000.0 / t + 250.0}))
    assert cp.cp_w == pytest.approx(250.0) and cp.w_prime_j == pytest.approx(20000.0)
    assert cp.n == 6 and cp.r2 == pytest.approx(1.0)


def test_two_efforts_give_the_3_and_12_minute_test_of_the_work_time_line():
    # Two all-out efforts: CP is the slope of work against time, W' its intercept (the
    # 3/12-min field test; work-time form of Monod & Scherrer). 3 min at 360 W = 64.8 kJ,
    # 12 min at 280 W = 201.6 kJ: CP = (201600 - 64800) / (720 - 180) = 253.3 W and
    # W' = 64800 - 253.3 x 180 = 19.2 kJ.
    e = pd.DataFrame({"duration_s": [180.0, 720.0], "power_w": [360.0, 280.0]})
    cp = critical_power(e)
    slope = (280.0 * 720 - 360.0 * 180) / (720 - 180)
    assert cp.cp_w == pytest.approx(slope) and cp.cp_w == pytest.approx(253.33, abs=0.01)
    assert cp.w_prime_j == pytest.approx(360.0 * 180 - slope * 180)
    assert cp.w_prime_j == pytest.approx(19200.0)


@pytest.mark.parametrize(
    "points, why",
    [
        ({"duration_s": [300.0], "power_w": [300.0]}, "at least 2"),
        ({"duration_s": [300.0, 400], "power_w": [300.0, 290]}, "too similar"),
        ({"duration_s": [180.0, 1200], "power_w": [250.0, 300]}, "not physiological"),
    ],
)
def test_critical_power_says_why_it_is_not_estimated(points, why):
    cp = critical_power(pd.DataFrame(points))
    assert np.isnan(cp.cp_w) and why in cp.note


def test_power_load_is_100_for_one_hour_at_cp():
    # Stryd's Running Stress Score is anchored so that 1 h at CP = 100 (georgeron.com 2017,
    # "An equation for running stress score"); with IF^2 (Coggan's TSS exponent) 30 min at
    # 80 % of CP = 100 x 0.5 x 0.8^2 = 32.
    assert power_load(250.0, 3600.0, 250.0) == pytest.approx(100.0)
    assert power_load(200.0, 1800.0, 250.0) == pytest.approx(100 * 0.5 * 0.8**2)
    with pytest.raises(ValueError):
        power_load(200.0, 60.0, 0.0)


def test_run_power_load_from_samples_skips_pauses():
    # 1 h at CP sampled every second, with a 10-minute pause in the middle that adds nothing
    t = np.concatenate([np.arange(1800.0), 2400 + np.arange(1801.0)])
    s = pd.DataFrame({"t_s": t, "power_w": 250.0})
    assert run_power_load(s, 250.0) == pytest.approx(100.0, abs=0.1)
    assert np.isnan(run_power_load(s.drop(columns="power_w"), 250.0))


def _power_run(watts: float = 250.0, seconds: int = 3600):
    from coachkit.features.thresholds import Threshold, Thresholds

    th = Thresholds(*(Threshold(v, "set by athlete") for v in (190.0, 50.0, 170.0, 4.0)))
    acts = pd.DataFrame(
        {
            "activity_id": ["r"],
            "sport": ["run"],
            "moving_time_s": [float(seconds)],
            "elapsed_time_s": [float(seconds)],
            "distance_m": [seconds * 3.6],
            "avg_hr": [150.0],
            "has_samples": [True],
            "quality_flags": [""],
        }
    )
    samples = {"r": pd.DataFrame({"t_s": np.arange(seconds + 1.0), "power_w": watts})}
    return acts, th, samples


def test_the_power_load_method_is_used_only_when_asked_for():
    from coachkit.features.load import activity_loads

    acts, th, samples = _power_run()
    # 1 h at CP: 100 (Stryd's anchor), when the athlete chose the power method
    out = activity_loads(acts, th, samples=samples, method="power", critical_power_w=250.0)
    assert out.loc[0, "load_method"] == "power" and out.loc[0, "load"] == pytest.approx(100.0)
    assert "power load 100" in out.loc[0, "load_note"] and "250 W" in out.loc[0, "load_note"]
    # never automatic: the same run with CP known but no method asked keeps its hrTSS
    auto = activity_loads(acts, th, samples=samples, critical_power_w=250.0)
    assert auto.loc[0, "load_method"] == "hrtss"
    # asked for without CP: the next method, and the note says why
    no_cp = activity_loads(acts, th, samples=samples, method="power")
    assert no_cp.loc[0, "load_method"] == "hrtss"
    assert no_cp.loc[0, "load_note"].startswith("power load was asked for but critical power")


def test_power_covering_under_half_the_run_is_not_a_power_load():
    from coachkit.features.load import activity_loads

    acts, th, samples = _power_run(seconds=3600)
    samples["r"] = samples["r"].iloc[:1200]  # 20 of 60 min of power
    out = activity_loads(acts, th, samples=samples, method="power", critical_power_w=250.0)
    assert out.loc[0, "load_method"] == "hrtss"
    assert "power covers only 20 of 60 min" in out.loc[0, "load_note"]
