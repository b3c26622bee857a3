"""Fitness–fatigue (Banister) model: recovery of known parameters, the prior's pull, the decay
of fitness and fatigue over rest days, race-day form, and the performance index from runs.

Worked examples are computed by hand from the model's definition (Banister et al. 1975, in the
PMC's form: ``F_t = F_{t-1} + a (w_t - F_{t-1})``, ``a = 1 - e^(-1/tau)``; GoldenCheetah
src/Metrics/PMCData.cpp uses the same update), never from the code under test.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from coachkit.models.fitness import PARAM_NAMES, FitnessModel, FitnessResults
from coachkit.models.fitness_prior import load_fitness_prior
from coachkit.models.performance import performance_index

TRUE = {"p0": 3.0, "k1": 0.012, "k2": 0.02, "tau1": 40.0, "tau2": 8.0}
NOISE = 0.04  # m/s: the SD of the synthetic performance measurements


def _banister(load: np.ndarray, p: dict[str, float], x0: float) -> np.ndarray:
    """Performance each day from the state at the end of the day before, by a plain loop."""
    fit = fat = x0
    out = []
    for w in load:
        out.append(p["p0"] + p["k1"] * fit - p["k2"] * fat)
        fit += (1 - math.exp(-1 / p["tau1"])) * (w - fit)
        fat += (1 - math.exp(-1 / p["tau2"])) * (w - fat)
    return np.array(out)


def _synthetic(n_days: int = 420, share_measured: float = 0.4, seed: int = 1):
    rng = np.random.default_rng(seed)
    days = pd.date_range("2023-01-02", periods=n_days, freq="D")
    load = rng.gamma(2.0, 30.0, n_days) * (rng.random(n_days) < 0.7)
    load[150:180] *= 2.0  # a heavy block, then a light one: fatigue and fitness separate
    load[300:320] *= 0.3
    perf = _banister(load, TRUE, load[:28].mean())
    measured = rng.random(n_days) < share_measured
    values = perf[measured] + rng.normal(0.0, NOISE, measured.sum())
    return pd.Series(load, days, name="load"), pd.Series(values, days[measured], name="index")


@pytest.fixture(scope="module")
def synthetic_fit():
    load, perf = _synthetic()
    return load, perf, FitnessModel(load, perf).fit()


def test_fit_recovers_known_parameters_within_their_standard_errors(synthetic_fit):
    _, _, res = synthetic_fit
    assert res.converged
    assert np.isfinite(res.bse).all() and (res.bse > 0).all()
    for name in PARAM_NAMES:
        assert abs(res.params[name] - TRUE[name]) < 3 * res.bse[name], name
        low, high = res.conf_int().loc[name]
        assert low < TRUE[name] < high, name
    assert res.resid_sd == pytest.approx(NOISE, rel=0.25)


def test_rich_data_make_the_fit_personal_and_few_points_leave_it_near_the_prior():
    load, perf = _synthetic()
    prior = replace(load_fitness_prior(), tau1_days=20.0, tau2_days=3.0)  # far from the truth
    rich = FitnessModel(load, perf, prior=prior).fit()
    poor = FitnessModel(load[:70], perf[perf.index < load.index[70]][:5], prior=prior).fit()
    assert poor.converged and np.isfinite(poor.bse).all()
    # few points: the prior's time constants survive; many: the data's
    assert abs(math.log(poor.params["tau1"] / 20.0)) < 0.15
    assert abs(math.log(poor.params["tau2"] / 3.0)) < 0.15
    assert abs(rich.params["tau2"] - TRUE["tau2"]) < abs(poor.params["tau2"] - TRUE["tau2"])
    assert poor.personal < 0.2 < 0.8 < rich.personal


def test_summary_is_a_table_of_the_parameters_with_their_uncertainty(synthetic_fit):
    text = synthetic_fit[2].summary()
    for word in (*PARAM_NAMES, "coef", "std err", "[0.025", "0.975]", "prior mean"):
        assert word in text
    assert "Converged:" in text and "True" in text and "No. observations:" in text
    assert "Residual SD:" in text


def test_rest_days_decay_fitness_and_fatigue_as_worked_by_hand():
    # One session of 100 on 2024-01-01, nothing before (init_days=0), then rest.
    # a1 = 1 - e^(-1/42) = 0.0235283, a2 = 1 - e^(-1/7) = 0.1331221
    # F0 = 100 a1 = 2.352831, G0 = 100 a2 = 13.312210 (end of 2024-01-01)
    # after 10 rest days: F = F0 e^(-10/42) = 1.854331, G = G0 e^(-10/7) = 3.190285
    # performance on 2024-01-12 = 3.0 + 0.01 F - 0.02 G = 3.0 + 0.018543 - 0.063806 = 2.954738
    load = pd.Series([100.0], pd.DatetimeIndex(["2024-01-01"]))
    perf = pd.Series([3.0, 3.0], pd.DatetimeIndex(["2024-01-01", "2024-01-02"]))
    model = FitnessModel(load, perf, init_days=0)
    u = np.array([1.0, math.log(0.01 / 3.0), math.log(0.02 / 3.0), math.log(42.0),
                  math.log(7.0), math.log(0.01)])  # fmt: skip
    res = FitnessResults(model, u, np.zeros((6, 6)), True, "given")
    comp = res.components(pd.Series(np.zeros(10)))  # 10 more rest days after 2024-01-02
    day = comp.loc["2024-01-12"]
    assert day["fitness"] == pytest.approx(0.01 * 1.854331, rel=1e-5)
    assert day["fatigue"] == pytest.approx(0.02 * 3.190285, rel=1e-5)
    assert res.predict(pd.Series(np.zeros(10))).loc["2024-01-12"] == pytest.approx(2.954738)
    # and on any rest day n after it: fitness = k1 F0 e^(-n/tau1)
    n = np.arange(11)
    rest = comp.loc["2024-01-02":"2024-01-12", "fitness"].to_numpy()
    assert np.allclose(rest, 0.01 * 2.352831 * np.exp(-n / 42.0), rtol=1e-5)


def test_zero_future_load_decays_a_fitted_model_towards_p0(synthetic_fit):
    _, _, res = synthetic_fit
    comp = res.components(pd.Series(np.zeros(200)))
    future = comp.iloc[-200:]
    first = future.iloc[1]
    n = np.arange(199)
    assert np.allclose(
        future["fitness"].iloc[1:], first["fitness"] * np.exp(-n / res.params["tau1"])
    )
    assert np.allclose(
        future["fatigue"].iloc[1:], first["fatigue"] * np.exp(-n / res.params["tau2"])
    )
    assert future["performance"].iloc[-1] == pytest.approx(res.params["p0"], abs=0.02)


def test_a_taper_gives_better_race_day_form_than_a_hard_last_week(synthetic_fit):
    load, _, res = synthetic_fit
    race = load.index[-1] + pd.Timedelta(days=21)
    steady = pd.Series(60.0, pd.date_range(load.index[-1] + pd.Timedelta(days=1), race))
    taper = steady.where(steady.index < race - pd.Timedelta(days=7), 10.0)
    hard = steady.where(steady.index < race - pd.Timedelta(days=7), 150.0)
    rested, tired = res.form_on(race, taper), res.form_on(race, hard)
    assert rested.performance > tired.performance
    assert rested.low < rested.performance < rested.high
    assert race.strftime("%Y-%m-%d") in rested.explanation
    assert "% personal" in rested.explanation and "weeks of your data" in rested.explanation


def test_prediction_interval_contains_the_mean_and_most_held_out_points(synthetic_fit):
    load, perf, _ = synthetic_fit
    cut = load.index[300]
    res = FitnessModel(load[load.index <= cut], perf[perf.index <= cut]).fit()
    band = res.predict_interval(load[load.index > cut], alpha=0.2, n_draws=400)
    assert (band["low"] < band["mean"]).all() and (band["mean"] < band["high"]).all()
    held = perf[perf.index > cut]
    inside = (held >= band["low"].reindex(held.index)) & (held <= band["high"].reindex(held.index))
    assert 0.6 < inside.mean() <= 1.0  # an 80 % interval


def test_the_model_never_changes_its_inputs_and_rejects_too_little_data():
    load, perf = _synthetic(n_days=120)
    before = load.copy(), perf.copy()
    FitnessModel(load, perf).fit()
    pd.testing.assert_series_equal(load, before[0])
    pd.testing.assert_series_equal(perf, before[1])
    with pytest.raises(ValueError, match="at least 2"):
        FitnessModel(load, perf.iloc[:1])
    with pytest.raises(TypeError):
        FitnessModel(load.reset_index(drop=True), perf.reset_index(drop=True))


def test_the_shipped_prior_has_the_pmc_time_constants_and_its_sources():
    prior = load_fitness_prior()
    assert (prior.tau1_days, prior.tau2_days) == (42.0, 7.0)
    assert prior.k1 > prior.k2 > 0 and 0 < prior.noise_sd < 0.5
    assert any("Hellard" in s for s in prior.sources)


def _table(rows):
    cols = ["date", "sport", "distance_m", "moving_time_s", "avg_hr", "quality_flags"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_performance_index_by_hand():
    table = _table(
        [
            ("2024-03-04", "run", 6000.0, 2000.0, 150.0, ""),  # 3.0 m/s at 150: 3.0
            ("2024-03-04", "run", 6600.0, 2000.0, 160.0, ""),  # 3.3 - 0.02*10 = 3.1
            ("2024-03-05", "run", 7200.0, 2400.0, 140.0, ""),  # 3.0 + 0.02*10 = 3.2
            ("2024-03-05", "run", 1500.0, 600.0, 150.0, ""),  # 10 min: too short
            ("2024-03-06", "ride", 30000.0, 3600.0, 140.0, ""),  # not a run
            ("2024-03-06", "run", 9000.0, 3000.0, np.nan, "no_hr"),  # no HR
            ("2024-03-07", "run", 9000.0, 3000.0, 150.0, "duplicate_of:abc"),  # counted elsewhere
        ]
    )
    idx = performance_index(table, reference_hr=150.0, hr_slope=0.02)
    assert list(idx.index.strftime("%Y-%m-%d")) == ["2024-03-04", "2024-03-05"]
    # 2024-03-04: both runs 2000 s, so the duration-weighted mean is (3.0 + 3.1) / 2
    assert idx.to_list() == pytest.approx([3.05, 3.2])
    assert idx.attrs["n_runs"] == 3 and idx.attrs["slope_source"] == "given"


def test_performance_index_learns_the_athletes_own_slope_only_from_enough_runs():
    rng = np.random.default_rng(3)
    hr = rng.uniform(135, 170, 30)
    speed = 3.0 + 0.025 * (hr - 150)  # this runner: 0.025 m/s per bpm, index 3.0 at 150 bpm
    days = pd.date_range("2024-01-01", periods=30, freq="2D")
    table = _table([(d, "run", v * 2400, 2400.0, h, "") for d, v, h in zip(days, speed, hr)])
    own = performance_index(table, reference_hr=150.0)
    assert own.attrs["slope_source"].startswith("own")
    assert own.attrs["hr_slope_m_s_per_bpm"] == pytest.approx(0.025)
    assert np.allclose(own, 3.0)
    few = performance_index(table.iloc[:10])
    assert few.attrs["slope_source"] == "population"
    assert few.attrs["hr_slope_m_s_per_bpm"] == load_fitness_prior().hr_slope_m_s_per_bpm
