"""Running features on real runs: the demo athlete (data/sample) and the FIT files of
shared/data/real/fit. These check physical plausibility on messy real data (phone GPS jumps,
sparse HR, pauses, car rides recorded as runs), not exact values.

World records used as bounds: World Athletics men's records (see ``WORLD_RECORDS_S``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coachkit.app.ingest import ingest
from coachkit.core.sports import RUN_SPORTS
from coachkit.features.best_efforts import STANDARD_DISTANCES_M, WORLD_RECORDS_S, best_efforts
from coachkit.features.critical_speed import CS_DISTANCES_M, critical_speed
from coachkit.features.daniels import daniels_paces, vdot
from coachkit.features.gap import with_grade_and_gap
from coachkit.features.hr_speed import hr_speed_index
from coachkit.features.running import run_features
from coachkit.store import Store
from tests.conftest import SAMPLE

ALL_DISTANCES = {**CS_DISTANCES_M, **STANDARD_DISTANCES_M}


def _runs(store: Store, athlete: str) -> list[tuple[pd.Series, pd.DataFrame]]:
    acts = store.activities(athlete)
    acts = acts[acts["sport"].isin(RUN_SPORTS) & acts["has_samples"]]
    return [(a, store.read_samples(athlete, a["activity_id"])) for _, a in acts.iterrows()]


def _features(runs) -> pd.DataFrame:
    rows = []
    for act, samples in runs:
        be = best_efforts(samples, ALL_DISTANCES)
        rows.append(
            {
                "activity_id": act["activity_id"],
                "date": act["start_time"],
                "flags": act["quality_flags"] or "",
                "has_hr": samples["hr_bpm"].notna().sum() > 10,
                "efforts": be,
                **run_features(samples, sport=act["sport"]),
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> pd.DataFrame:
    store = Store(tmp_path_factory.mktemp("running") / "store")
    ingest(store, [SAMPLE], "demo")
    return _features(_runs(store, "demo"))


@pytest.fixture(scope="module")
def fit_runs(tmp_path_factory, real_dir: Path):
    store = Store(tmp_path_factory.mktemp("running_fit") / "store")
    ingest(store, [real_dir / "fit"], "fit")
    runs = _runs(store, "fit")
    return runs, _features(runs)


def assert_efforts_plausible(be: pd.DataFrame) -> None:
    if be.empty:
        return
    be = be.sort_values("distance_m")
    # a longer effort always takes longer (it contains a shorter one) ...
    assert be["time_s"].is_monotonic_increasing and be["time_s"].is_unique
    # ... but is not always slower: a mile window may start and end on fast stretches while
    # every 1500 m inside it keeps the slow part (up to 2 % faster in these files, 800 m vs 1 km
    # and 1500 m vs mile). For the standard distances, 1.6-3x apart, speed does fall.
    standard = be[be["distance_m"].isin(STANDARD_DISTANCES_M.values())]
    assert (np.diff(standard["speed_m_s"]) <= 1e-9).all(), be
    assert (np.diff(be["speed_m_s"]) <= 0.03 * be["speed_m_s"].iloc[:-1]).all(), be
    for d, t in zip(be["distance_m"], be["time_s"]):
        if d in WORLD_RECORDS_S:
            assert t >= WORLD_RECORDS_S[d]
        assert vdot(d, t) <= 85 or d < 1500  # Daniels' tables end at VDOT 85


def test_demo_best_efforts_are_monotonic_and_humanly_possible(demo):
    assert len(demo) >= 45
    for be in demo["efforts"]:
        assert_efforts_plausible(be)
    # the runs the readers flagged as implausible (phone GPS in a car) yield nothing faster
    flagged = demo[demo["flags"].str.contains("speed_implausible")]
    assert len(flagged) >= 3
    for be in flagged["efforts"]:
        assert (be["speed_m_s"] < 6.0).all()


def test_demo_ef_and_decoupling_are_finite_where_hr_exists(demo):
    with_hr = demo[demo["has_hr"] & ~demo["flags"].str.contains("speed_implausible")]
    assert len(with_hr) >= 40
    assert np.isfinite(with_hr["ef"]).all()
    assert with_hr["ef"].between(0.5, 2.0).all()
    assert with_hr["hr_time_weighted"].between(120, 200).all()
    long = with_hr[with_hr["moving_time_s"] >= 20 * 60]
    assert np.isfinite(long["decoupling_pct"]).all()
    assert long["decoupling_pct"].abs().lt(40).all()
    no_hr = demo[~demo["has_hr"]]
    assert no_hr["ef"].isna().all()
    # Recife is flat and the NRC files mostly lack altitude: GAP is within 1 % of speed
    ratio = demo["mean_gap_speed_m_s"] / demo["mean_speed_m_s"]
    assert ratio.between(0.99, 1.01).all()


def _best_per_distance(features: pd.DataFrame) -> pd.DataFrame:
    clean = features[~features["flags"].str.contains("speed_implausible")]
    efforts = pd.concat(list(clean["efforts"]), ignore_index=True)
    return efforts.groupby("distance_m", as_index=False)["time_s"].min()


def test_demo_vdot_paces_and_critical_speed_are_plausible(demo):
    best = _best_per_distance(demo)
    long = best[best["distance_m"] >= 1500]
    athlete_vdot = max(vdot(d, t) for d, t in zip(long["distance_m"], long["time_s"]))
    assert 20 <= athlete_vdot <= 85
    paces = daniels_paces(athlete_vdot)
    assert 150 < paces["R"][0] < paces["E"][1] < 600  # s/km
    cs = critical_speed(best)
    assert 2.0 < cs.cs_m_s < 6.5 and 20 < cs.d_prime_m < 600, cs.note
    assert cs.n >= 3 and cs.r2 > 0.98
    assert "Estimate" in cs.note


def test_demo_hr_speed_index_is_plausible(demo):
    runs = demo[demo["has_hr"] & ~demo["flags"].str.contains("speed_implausible")]
    idx = hr_speed_index(runs)
    assert len(idx) > 200  # one row per day, July 2020 .. March 2021
    known = idx[idx["n_runs"] > 0]
    assert known["index"].between(1.5, 5.0).all()
    assert (known["method"] != "none").all() and (idx["method"] == "regression").any()


def test_fit_runs_efforts_ef_and_decoupling(fit_runs):
    runs, feats = fit_runs
    assert len(feats) >= 25
    for be in feats["efforts"]:
        assert_efforts_plausible(be)
    with_speed = feats[np.isfinite(feats["moving_time_s"])]
    hr_rows = with_speed[with_speed["has_hr"]]
    assert len(hr_rows) >= 20
    assert np.isfinite(hr_rows["ef"]).all()
    assert hr_rows["ef"].between(0.5, 2.5).all()
    long = hr_rows[hr_rows["moving_time_s"] >= 20 * 60]
    assert np.isfinite(long["decoupling_pct"]).all()
    # a 10 km race (gc_FR15_10k_race_noHR.fit, 37:04 elapsed): its 10 km best effort
    race = feats[feats["efforts"].map(lambda be: (be["distance_m"] == 10000).any())]
    fastest = min(be.set_index("distance_m").loc[10000.0, "time_s"] for be in race["efforts"])
    assert 35 * 60 < fastest < 38 * 60
    assert 50 < vdot(10000, fastest) < 60


def test_fit_runs_grade_is_bounded_and_hilly_runs_have_faster_gap(fit_runs):
    runs, feats = fit_runs
    for act, samples in runs:
        g = with_grade_and_gap(samples, sport=act["sport"])
        assert g["grade"].abs().max() <= 0.45 + 1e-12
        if act["sport"] == "treadmill":
            assert (g["grade"] == 0).all()
    # the 5h39 ultra climbs ~1270 m net (975 -> 2247 m): GAP well above speed
    ultra = feats.loc[feats["moving_time_s"].idxmax()]
    assert ultra["mean_gap_speed_m_s"] > 1.2 * ultra["mean_speed_m_s"]
    assert not math.isnan(ultra["decoupling_pct"])
