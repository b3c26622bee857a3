"""The Lövdal et al. 2021 day-approach path end to end, on a synthetic file in the published
format that this test builds: read, features, grouped CV by athlete, calibrated probabilities.

The numbers asserted here are about the plumbing on synthetic data with a planted signal; they
say nothing about injury prediction on real runners (the real data is not in the repo).
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from coachkit.app.lovdal import DAY_FEATURES, lovdal_features, read_lovdal_day, train_lovdal
from coachkit.models.risk import InjuryRiskModel


def _daily(rng: np.random.Generator, n_days: int) -> pd.DataFrame:
    """One athlete's days: 10 features as in the depositors' README (-0.01 on rest days)."""
    sessions = (rng.random(n_days) > 0.25).astype(float)
    km = sessions * rng.gamma(4.0, 3.0, n_days)
    km[rng.random(n_days) < 0.06] *= 3.0  # occasional long days: the planted risk
    rest = sessions == 0
    return pd.DataFrame({
        "nr. sessions": sessions, "total km": km.round(1),
        "km Z3-4": (km * rng.uniform(0, 0.3, n_days)).round(1),
        "km Z5-T1-T2": (km * rng.uniform(0, 0.15, n_days)).round(1),
        "km sprinting": (sessions * rng.uniform(0, 0.5, n_days)).round(2),
        "strength training": (rng.random(n_days) < 0.2).astype(float),
        "hours alternative": (rng.random(n_days) < 0.1) * 1.0,
        "perceived exertion": np.where(rest, -0.01, rng.uniform(0.1, 0.9, n_days).round(2)),
        "perceived trainingSuccess": np.where(rest, -0.01, rng.uniform(0.1, 0.9, n_days).round(2)),
        "perceived recovery": np.where(rest, -0.01, rng.uniform(0.1, 0.9, n_days).round(2)),
    })  # fmt: skip


def lovdal_fixture(n_athletes: int = 10, n_days: int = 220, seed: int = 7) -> bytes:
    """A day-approach CSV: block '.k' of event day d is day d-7+k, so '.6' is the most recent
    day (SOURCES.md §1); injury is more likely after a day far longer than the 6 before it."""
    rng = np.random.default_rng(seed)
    parts = []
    for athlete in range(n_athletes):
        days = _daily(rng, n_days + 7)
        part = {
            feature if k == 0 else f"{feature}.{k}": days[feature].to_numpy()[k : k + n_days]
            for k in range(7)
            for feature in DAY_FEATURES
        }
        km = days["total km"].to_numpy()
        before = np.array([km[d - 7 : d - 1].max() for d in range(7, n_days + 7)])
        spike = km[6 : 6 + n_days] / np.maximum(before, 1.0)
        p = 1 / (1 + np.exp(-(-4.0 + 1.6 * spike)))
        part.update({"Athlete ID": athlete, "injury": (rng.random(n_days) < p).astype(int),
                     "Date": np.arange(n_days)})  # fmt: skip
        parts.append(pd.DataFrame(part))
    rows = pd.concat(parts, ignore_index=True)
    csv = rows.to_csv(index=False, lineterminator="\r\n")  # CRLF, as published
    return csv.encode()


@pytest.fixture(scope="module")
def fixture_bytes() -> bytes:
    return lovdal_fixture()


def test_reading_gives_70_lagged_features_labels_and_athletes(fixture_bytes, tmp_path):
    X, y, groups = read_lovdal_day(fixture_bytes)
    assert X.shape == (2200, 70) and len(y) == len(groups) == 2200
    assert groups.name == "athlete_id" and groups.nunique() == 10
    assert set(y.unique()) <= {0, 1} and y.name == "injury"
    path = tmp_path / "day_approach_maskedID_timeseries.csv"
    path.write_bytes(b"\xef\xbb\xbf" + fixture_bytes)  # a BOM does not matter
    X2, y2, _ = read_lovdal_day(path)
    pd.testing.assert_frame_equal(X, X2)
    assert (y == y2).all()


def test_dot_6_is_the_most_recent_day_and_rest_day_ratings_are_missing(fixture_bytes):
    raw = pd.read_csv(io.BytesIO(fixture_bytes))
    X, _, groups = read_lovdal_day(fixture_bytes)
    assert np.allclose(X["total_km_lag1"], raw["total km.6"])
    assert np.allclose(X["total_km_lag7"], raw["total km"])
    # within an athlete, yesterday's "1 day before" is today's "2 days before"
    same = (groups == groups.shift(1)).fillna(False).to_numpy(dtype=bool)
    assert np.allclose(X["total_km_lag2"][same], X["total_km_lag1"].shift(1)[same])
    rest = raw["nr. sessions.6"] == 0
    assert (raw.loc[rest, "perceived recovery.6"] == -0.01).all()
    assert X.loc[rest, "perceived_recovery_lag1"].isna().all()


def test_features_summarise_the_week_and_the_spike(fixture_bytes):
    X, _, groups = read_lovdal_day(fixture_bytes)
    f = lovdal_features(X, groups)
    km = X[[f"total_km_lag{i}" for i in range(1, 8)]]
    assert np.allclose(f["total_km_sum7"], km.sum(axis=1))
    ratio = km["total_km_lag1"] / km.iloc[:, 1:].max(axis=1)
    assert np.allclose(f["km_spike_ratio"].dropna(), ratio[km.iloc[:, 1:].max(axis=1) > 0])
    z = f.groupby(groups.to_numpy())["total_km_sum7_z"].mean()
    assert np.allclose(z, 0, atol=1e-9)  # per-athlete z-scores use no labels


def test_train_lovdal_validates_by_athlete_with_calibrated_probabilities(fixture_bytes):
    report = train_lovdal(fixture_bytes, n_splits=5)
    json.dumps(report)
    assert report["split"] == "GroupKFold by athlete (5 folds)"
    assert report["n_athletes"] == 10 and report["n_rows"] == 2200
    assert sum(f["n_athletes"] for f in report["folds"]) == 10  # each athlete tested once
    # the planted signal is found on unseen athletes
    assert report["roc_auc_mean"] > 0.65 and report["roc_auc_sd"] is not None
    assert report["pr_auc_mean"] > report["pr_auc_chance"]
    # calibration: better than predicting the base rate, and predictions near observed rates
    assert report["brier"] < report["brier_prevalence"]
    bins = report["reliability"]
    assert all(0 <= b["mean_predicted"] <= 1 for b in bins)
    mean_pred = sum(b["mean_predicted"] * b["n"] for b in bins) / report["n_rows"]
    assert abs(mean_pred - report["pr_auc_chance"]) < 0.03
    assert bins[-1]["observed_rate"] > bins[0]["observed_rate"]


class _SpyModel(InjuryRiskModel):
    seen: list[set] = []

    def fit(self, X, y, groups=None):
        _SpyModel.seen.append(set(groups) if groups is not None else set())
        return super().fit(X, y, groups=groups)


def test_each_fold_model_sees_only_its_training_athletes(fixture_bytes):
    _SpyModel.seen = []
    train_lovdal(fixture_bytes, n_splits=5, model=_SpyModel())
    assert len(_SpyModel.seen) == 5
    assert all(len(athletes) == 8 for athletes in _SpyModel.seen)  # 2 of 10 held out each time


def test_a_file_in_another_format_is_refused_with_a_plain_message(fixture_bytes):
    with pytest.raises(ValueError, match="not a Lövdal day-approach file"):
        read_lovdal_day(b"Athlete ID,Date,injury\n1,0,0\n")
    bad = pd.read_csv(io.BytesIO(fixture_bytes)).assign(injury=0.5).to_csv(index=False).encode()
    with pytest.raises(ValueError, match="0 or 1"):
        read_lovdal_day(bad)
