"""HrResponseModel: recovery of known parameters, shrinkage, history handling, real samples.

Worked numbers: Minetti et al. 2002 (J Appl Physiol 93:1039) running cost polynomial
C(i) = 155.4i⁵ − 30.4i⁴ − 43.3i³ + 46.3i² + 19.5i + 3.6. For the out-and-back grade of a
10 km run with 100 m of gain, g = 2·100/10000 = 0.02: (C(g) + C(−g)) / 2 = 3.6 + 46.3·0.0004
− 30.4·0.02⁴ = 3.6185151, so GAP = 10000/3000 · 3.6185151/3.6 = 3.3504770 m/s (by hand).
"""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from coachkit.models import response, response_features
from coachkit.models.response import HrResponseModel
from coachkit.models.response_eval import individual_only, learning_curve
from coachkit.models.response_features import CENTERS, FIXED, hr_features
from tests.conftest import real_file

TRUE_FIXED = {
    "intercept": 150.0,
    "gap_speed": 18.0,
    "log_duration": 4.0,
    "climb": 0.1,
    "km_7d": -0.05,
    "km_42d": -0.12,
    "typical_gap_speed": -6.0,
}
TRUE_SD = {"intercept": 9.0, "gap_speed": 4.0, "log_duration": 2.5, "climb": 0.15}  # independent
SIGMA = 6.0


def _athlete(rng: np.random.Generator, aid: str, n_runs: int) -> pd.DataFrame:
    """One runner's year: runs every 1–5 days, 4–21 km, speeds around a personal typical."""
    typical = rng.uniform(2.5, 3.6)
    days = np.cumsum(rng.integers(1, 6, n_runs)).astype(float)
    dist = rng.uniform(4000, 21000, n_runs)
    speed = typical * rng.uniform(0.8, 1.2, n_runs)
    return pd.DataFrame(
        {
            "athlete_id": aid,
            "sport": "run",
            "start_time": pd.Timestamp("2023-01-02 07:00", tz="UTC")
            + pd.to_timedelta(days + rng.uniform(0, 0.5, n_runs), unit="D"),
            "distance_m": dist,
            "moving_time_s": dist / speed,
            "elapsed_time_s": dist / speed,
            "elevation_gain_m": rng.uniform(0, 25, n_runs) * dist / 1000,
            "quality_flags": "",
        }
    )


def _with_hr(frame: pd.DataFrame, offsets: dict[str, np.ndarray], rng) -> pd.DataFrame:
    """avg_hr from the true population parameters plus each athlete's random effects."""
    parts = []
    for aid, one in frame.groupby("athlete_id", sort=False):
        f = hr_features(one)
        hr = TRUE_FIXED["intercept"] + sum(
            TRUE_FIXED[c] * (f[c].to_numpy() - CENTERS[c]) for c in FIXED
        )
        hr += _offset(f, offsets[aid])
        parts.append(one.assign(avg_hr=hr + rng.normal(0, SIGMA, len(one))))
    return pd.concat(parts, ignore_index=True)


def _offset(feats: pd.DataFrame, u: np.ndarray) -> np.ndarray:
    """One athlete's random effects (intercept, gap_speed, log_duration, climb) in bpm."""
    z = [feats[c].to_numpy() - CENTERS[c] for c in ("gap_speed", "log_duration", "climb")]
    return u[0] + u[1] * z[0] + u[2] * z[1] + u[3] * z[2]


@pytest.fixture(scope="module")
def synthetic() -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    ids = [f"a{i:02d}" for i in range(50)]
    frame = pd.concat([_athlete(rng, a, int(rng.integers(40, 120))) for a in ids])
    offsets = {a: rng.normal(0, list(TRUE_SD.values())) for a in ids}
    return _with_hr(frame.reset_index(drop=True), offsets, rng), offsets


@pytest.fixture(scope="module")
def fitted(synthetic) -> HrResponseModel:
    return HrResponseModel(half_life_days=None).fit(synthetic[0])


def test_fit_recovers_the_population_parameters(fitted: HrResponseModel) -> None:
    fixed = fitted.population_["fixed"]
    tolerance = {"intercept": 3.0, "gap_speed": 1.5, "log_duration": 0.8, "climb": 0.05,
                 "km_7d": 0.03, "km_42d": 0.06, "typical_gap_speed": 3.0}  # fmt: skip
    for name, true in TRUE_FIXED.items():
        assert fixed[name] == pytest.approx(true, abs=tolerance[name]), name
    sd = np.sqrt(np.diag(fitted.population_["cov_re"]))
    np.testing.assert_allclose(sd, list(TRUE_SD.values()), rtol=0.35)  # 50 athletes' draws
    assert np.sqrt(fitted.population_["sigma2"]) == pytest.approx(SIGMA, rel=0.05)
    assert fitted.k_ == pytest.approx(SIGMA**2 / TRUE_SD["intercept"] ** 2, rel=0.6)
    assert fitted.converged_ and fitted.n_athletes_ == 50


def test_personal_offsets_recover_each_athletes_truth(synthetic, fitted) -> None:
    frame, offsets = synthetic
    est, true, err = [], [], []
    for aid, one in frame.groupby("athlete_id"):
        ref = pd.DataFrame(  # a 1-h run at 3 m/s the day after the athlete's last run
            {"start_time": [one["start_time"].max() + pd.Timedelta(days=1)],
             "distance_m": [3.0 * 3600], "moving_time_s": [3600.0]}
        )  # fmt: skip
        ex = fitted.explain(history=one, runs=ref).iloc[0]
        f = hr_features(ref, one)
        offset = _offset(f, offsets[aid])[0]
        truth = TRUE_FIXED["intercept"] + offset
        truth += sum(TRUE_FIXED[c] * (f[c].iloc[0] - CENTERS[c]) for c in FIXED)
        est.append(ex["personal_offset_bpm"])
        true.append(offset)
        err.append(ex["expected_hr"] - truth)
    # 40-120 runs each with σ = 6 bpm: SE ~1 bpm, plus a little shrinkage toward the population
    assert np.sqrt(np.mean(np.square(err))) < 2.0
    assert np.corrcoef(est, true)[0, 1] > 0.97
    assert np.std(est) == pytest.approx(np.std(true), rel=0.15)


def test_personal_share_grows_with_history_and_is_zero_without(synthetic, fitted) -> None:
    one = synthetic[0][synthetic[0]["athlete_id"] == "a03"].reset_index(drop=True)
    run = one.iloc[[-1]]
    shares = [
        fitted.explain(history=one.iloc[:n], runs=run)["personal_share"].iloc[0]
        for n in (0, 1, 3, 10, 30)
    ]
    assert shares[0] == 0.0
    assert np.all(np.diff(shares) > 0)
    assert shares[1] == pytest.approx(1 / (1 + fitted.k_))  # n/(n+k) with equal weights


def test_no_history_means_the_population_prediction(synthetic, fitted) -> None:
    runs = synthetic[0].iloc[:5]
    ex = fitted.explain(history=None, runs=runs)
    assert (ex["personal_share"] == 0).all() and (ex["n_history"] == 0).all()
    np.testing.assert_allclose(ex["expected_hr"], ex["population_hr"])
    np.testing.assert_allclose(fitted.predict(runs=runs), ex["population_hr"])
    # earlier runs without HR change the load covariates but add nothing personal
    no_hr = synthetic[0].iloc[:40].assign(avg_hr=np.nan, quality_flags="no_hr")
    later = synthetic[0].iloc[[45]]
    ex = fitted.explain(history=no_hr, runs=later)
    assert ex["personal_share"].iloc[0] == 0
    assert ex["expected_hr"].iloc[0] == pytest.approx(ex["population_hr"].iloc[0])


def test_only_history_before_each_run_and_before_as_of_is_used(synthetic) -> None:
    model = HrResponseModel()  # recency-weighted
    model.fit(synthetic[0])
    one = synthetic[0][synthetic[0]["athlete_id"] == "a05"].reset_index(drop=True)
    j = 25
    alone = model.predict(history=one.iloc[:j], runs=one.iloc[[j]])
    with_future = model.predict(history=one, runs=one.iloc[[j]])  # later runs ignored
    assert with_future == pytest.approx(alone)
    cut = one["start_time"].iloc[10]
    as_of = model.predict(history=one, runs=one.iloc[[j]], as_of=cut)
    assert as_of == pytest.approx(model.predict(history=one.iloc[:10], runs=one.iloc[[j]]))
    assert as_of != pytest.approx(alone)
    # walk-forward in one call equals one call per run
    each = [model.predict(history=one.iloc[:i], runs=one.iloc[[i]])[0] for i in (0, 7, 30)]
    assert model.predict(history=one, runs=one)[[0, 7, 30]] == pytest.approx(each)


def test_heat_prior_adds_bpm_per_degree_above_the_base(fitted) -> None:
    run = pd.DataFrame({"start_time": [pd.Timestamp("2024-06-01", tz="UTC")],
                        "distance_m": [10000.0], "moving_time_s": [3300.0]})  # fmt: skip
    cool = fitted.predict(runs=run.assign(temperature_c=15.0))[0]
    hot = fitted.predict(runs=run.assign(temperature_c=30.0))[0]
    assert cool == pytest.approx(fitted.predict(runs=run)[0])
    assert hot - cool == pytest.approx(10.0 * fitted.heat_bpm_per_c)


def test_explanation_states_the_numbers(synthetic, fitted) -> None:
    one = synthetic[0][synthetic[0]["athlete_id"] == "a01"].reset_index(drop=True)
    run = one.iloc[[34]].assign(avg_hr=one["avg_hr"].iloc[34] + 25)
    ex = fitted.explain(history=one.iloc[:34], runs=run).iloc[0]
    assert ex["residual"] == pytest.approx(ex["observed_hr"] - ex["expected_hr"])
    assert ex["z"] == pytest.approx(ex["residual"] / ex["sd_bpm"])
    text = ex["explanation"]
    assert f"HR {abs(ex['residual']):.0f} bpm above expected" in text
    assert f"{ex['personal_share'] * 100:.0f} % personal, from 34 of your runs" in text
    assert f"{run['distance_m'].iloc[0] / 1000:.1f} km at " in text and "/km" in text
    first = fitted.explain(runs=run.drop(columns="avg_hr")).iloc[0]["explanation"]
    assert first.startswith("Expected HR ") and "population estimate" in first


def test_worked_gap_and_load_features() -> None:
    runs = pd.DataFrame(
        {
            "start_time": pd.to_datetime(
                ["2024-03-01 08:00", "2024-03-20 08:00", "2024-04-09 08:00", "2024-04-10 08:00"],
                utc=True,
            ),
            "distance_m": [12000.0, 6000.0, 10000.0, 8000.0],
            "moving_time_s": [4000.0, 2000.0, 3000.0, 2400.0],
            "elevation_gain_m": [0.0, 0.0, 100.0, 0.0],
        }
    )
    f = hr_features(runs)
    assert f["gap_speed"].iloc[2] == pytest.approx(3.3504770, abs=1e-6)
    assert f["climb"].iloc[2] == pytest.approx(10.0)
    assert f["log_duration"].iloc[2] == pytest.approx(np.log(3000 / 3600))
    # first run: nothing before it, so load is unknown (the reference), not zero
    assert f["km_7d"].iloc[0] == CENTERS["km_7d"] and f["km_42d"].iloc[0] == CENTERS["km_42d"]
    # 10 Apr: 10 km on 9 Apr in the last 7 days; 6 + 10 km in the 42 days (from 29 Feb 08:00)
    assert f["km_7d"].iloc[3] == pytest.approx(10.0)
    assert f["km_42d"].iloc[3] == pytest.approx((12 + 6 + 10) / 6)
    assert f["typical_gap_speed"].iloc[1] == pytest.approx(3.0)  # median of the run before


def test_sklearn_conventions(fitted) -> None:
    model = HrResponseModel(half_life_days=60.0, heat_bpm_per_c=0.5)
    assert model.get_params() == {
        "half_life_days": 60.0, "heat_bpm_per_c": 0.5, "heat_base_c": 20.0, "kinetics_tau_s": 60.0,
        "include_strava_api": False,
    }  # fmt: skip
    assert clone(model).get_params() == model.get_params()
    assert model.set_params(kinetics_tau_s=30.0) is model and model.kinetics_tau_s == 30.0
    assert not hasattr(model, "population_")  # __init__ learns nothing
    with pytest.raises(NotFittedError):
        model.predict(runs=pd.DataFrame({"distance_m": [1.0]}))
    again = HrResponseModel.from_dict(fitted.to_dict())
    runs = pd.DataFrame({"start_time": [pd.Timestamp("2024-01-01", tz="UTC")],
                         "distance_m": [8000.0], "moving_time_s": [2700.0]})  # fmt: skip
    assert again.predict(runs=runs) == pytest.approx(fitted.predict(runs=runs))


def test_inputs_are_not_mutated_and_mixed_athletes_refused(synthetic, fitted) -> None:
    frame = synthetic[0]
    before = frame.copy()
    a02 = frame[frame["athlete_id"] == "a02"]
    fitted.explain(history=a02, runs=a02.iloc[-3:])
    pd.testing.assert_frame_equal(frame, before)
    with pytest.raises(ValueError, match="athletes"):
        fitted.predict(history=frame, runs=frame.iloc[:3])


def test_shipped_population_loads_and_predicts_plausibly() -> None:
    model = HrResponseModel.from_population()
    assert model.n_athletes_ >= 70 and model.k_ > 0
    easy = pd.DataFrame({"start_time": [pd.Timestamp("2024-05-01", tz="UTC")],
                         "distance_m": [10000.0], "moving_time_s": [3600.0]})  # fmt: skip
    hard = easy.assign(moving_time_s=2700.0)
    assert 130 < model.predict(runs=easy)[0] < model.predict(runs=hard)[0] < 185


def test_learning_curve_and_individual_only(synthetic) -> None:
    frame = synthetic[0][synthetic[0]["athlete_id"] < "a15"]
    curve = learning_curve(HrResponseModel(half_life_days=None), frame, n_splits=3)
    assert list(curve.columns) == ["bin", "n", "mae_two_layer", "mae_population",
                                   "mae_individual", "ratio_vs_population"]  # fmt: skip
    assert curve["bin"].tolist() == ["0", "1–10", "11–30", "31–100", ">100"]
    assert curve["n"].sum() == len(frame)
    known = curve[curve["n"] > 0]
    assert (known["mae_two_layer"] <= known["mae_population"] + 1e-9).all()
    model = HrResponseModel(half_life_days=None).fit(frame)
    one = frame[frame["athlete_id"] == "a00"]
    ind = individual_only(model, one)
    assert ind["expected_hr"].iloc[0] == pytest.approx(model.population_["mean_hr"])
    assert ind["expected_hr"].iloc[2] == pytest.approx(one["avg_hr"].iloc[:2].mean())


def test_per_sample_prediction_on_a_real_fit_file() -> None:
    from coachkit.io import read_bytes
    from coachkit.io.base import finish_activity

    path = real_file("fit/gc_FR955_Stryd_run_hrv.fit")
    act = finish_activity(read_bytes(path.read_bytes(), name=path.name).activities[0])
    samples = act.samples.drop(columns="temperature_c")  # the wrist sensor reads skin-warm
    model = HrResponseModel.from_population()
    before = samples.copy()
    pred = model.predict_samples(samples=samples, sport=act.summary["sport"])
    pd.testing.assert_frame_equal(samples, before)
    hr = samples["hr_bpm"].to_numpy(dtype=float)
    assert pred.shape == (len(samples),) and np.isfinite(pred).all()
    assert pred[0] == pytest.approx(hr[np.isfinite(hr)][0])  # starts from the watch's HR
    assert pred.min() > 60 and pred.max() < 200
    assert np.corrcoef(pred[np.isfinite(hr)], hr[np.isfinite(hr)])[0, 1] > 0.6
    # the per-sample curve averages to about the run-level expectation (same model)
    run = pd.DataFrame([act.summary])
    assert np.mean(pred[600:]) == pytest.approx(model.predict(runs=run)[0], abs=6.0)
    slower = samples.assign(speed_m_s=samples["speed_m_s"] * 0.8)
    assert np.mean(model.predict_samples(samples=slower)[600:]) < np.mean(pred[600:]) - 5


@pytest.mark.parametrize("module", [response, response_features])
def test_doctests(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_population_fit_leaves_out_strava_api_rows_by_default(synthetic) -> None:
    frame = synthetic[0]
    strava = frame["athlete_id"].isin([f"a{i:02d}" for i in range(10)])
    marked = frame.assign(source_kind=np.where(strava, "strava_api", "fit"))
    model = HrResponseModel(half_life_days=None).fit(marked)
    assert model.n_athletes_ == 40 and model.n_runs_ == int((~strava).sum())
    assert (
        HrResponseModel(half_life_days=None, include_strava_api=True).fit(marked).n_athletes_ == 50
    )
