"""Roster metrics vectorised over athletes (:func:`coachkit.app.scale.roster_rows`, issue 18)
against a reference computed one athlete at a time: the per-athlete kernel the roster used
before, restated here with the series functions of :mod:`coachkit.features.pmc`."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from coachkit.app.scale import ROSTER_METRICS, roster_metrics, roster_rows
from coachkit.core.quality import not_duplicate
from coachkit.core.sports import RUN_SPORTS
from coachkit.features.pmc import _ewma, acwr, monotony_strain, pmc
from tests.bench.synthetic import make_population


def one_athlete(acts: pd.DataFrame, day: pd.Timestamp) -> dict:
    """The roster row of one athlete, pandas step by step (the pre-issue-18 kernel)."""
    start = pd.to_datetime(acts["start_time"], utc=True)
    offset = pd.to_timedelta(acts["utc_offset_s"].fillna(0), "s").to_numpy()
    acts = acts.assign(date=(start + offset).dt.tz_convert(None).dt.normalize())
    acts = acts[(acts["date"] <= day) & not_duplicate(acts["quality_flags"])]
    runs = acts[acts["sport"].isin(RUN_SPORTS)]
    recent = runs[runs["date"] > day - pd.Timedelta(days=30)]
    load = acts["load"].fillna(0.0)
    daily = load.groupby(acts["date"]).sum()
    daily = daily.reindex(pd.date_range(daily.index.min(), day, name="date"), fill_value=0.0)
    p = pmc(daily).iloc[-1]
    spike = False
    for _, r in runs[runs["date"] > day - pd.Timedelta(days=7)].iterrows():
        before = runs[
            (runs["date"] < r["date"]) & (runs["date"] >= r["date"] - pd.Timedelta(30, "D"))
        ]
        longest = before["distance_m"].max()
        spike |= bool(len(before) and r["distance_m"] > 1.1 * longest)
    week, month = (runs["date"] > day - pd.Timedelta(days=n) for n in (7, 28))
    return {
        "athlete_id": acts["athlete_id"].iloc[0],
        "as_of": day,
        "last_day": acts["date"].max(),
        "days_since_data": float((day - acts["date"].max()).days),
        "n_runs": len(runs),
        "runs_7d": int(week.sum()),
        "run_km_7d": runs.loc[week, "distance_m"].fillna(0).sum() / 1000,
        "run_km_28d": runs.loc[month, "distance_m"].fillna(0).sum() / 1000,
        "load_7d": load[acts["date"] > day - pd.Timedelta(days=7)].sum(),
        "load_28d": load[acts["date"] > day - pd.Timedelta(days=28)].sum(),
        "ctl": p["ctl"],
        "atl": p["atl"],
        "tsb": p["tsb"],
        "acwr": acwr(daily).iloc[-1],
        "monotony": monotony_strain(daily)["monotony"].iloc[-1],
        "longest_run_30d_km": recent["distance_m"].max() / 1000 if len(recent) else 0.0,
        "long_run_spike": spike,
        "share_with_hr": runs["avg_hr"].notna().mean(),
        "share_flagged": (runs["quality_flags"].fillna("") != "").mean(),
    }


@pytest.fixture(scope="module")
def roster():
    acts, _ = make_population(6, 0.6, seed=18)
    ids = sorted(acts["athlete_id"].unique())
    # the odd cases: a runner with gaps in distance and HR and a near-duplicate; one who
    # started 5 days ago; one whose only activity is after the day asked for
    odd = (acts["athlete_id"] == ids[1]).to_numpy() & (np.arange(len(acts)) % 4 == 0)
    acts.loc[odd, ["distance_m", "avg_hr"]] = np.nan
    acts.loc[odd & (np.arange(len(acts)) % 3 == 0), "quality_flags"] = "duplicate_of:x1"
    day = acts["start_time"].max().tz_convert(None).normalize() - pd.Timedelta(days=3)
    new = acts[acts["athlete_id"] == ids[2]].tail(4).assign(athlete_id="new")
    late = acts.tail(1).assign(athlete_id="late", start_time=acts["start_time"].max())
    return pd.concat([acts, new, late], ignore_index=True), day


def test_roster_rows_equal_the_per_athlete_computation(roster):
    acts, day = roster
    got = roster_metrics(acts, day).set_index("athlete_id")
    assert got.index[0] == ""  # "late": nothing up to the day asked for
    assert got.loc[""].isna()[["ctl", "tsb", "acwr", "monotony", "share_with_hr"]].all()
    for athlete, rows in acts.groupby("athlete_id"):
        if athlete == "late":
            continue
        want, row = one_athlete(rows, day), got.loc[athlete]
        for col in ROSTER_METRICS[1:]:
            if isinstance(want[col], float) and not math.isnan(want[col]):
                assert row[col] == pytest.approx(want[col], rel=1e-9, abs=1e-9), (athlete, col)
            else:
                assert row[col] == want[col] or (pd.isna(row[col]) and pd.isna(want[col])), col
    assert math.isnan(got.loc["new", "acwr"]) and math.isnan(got.loc["new", "monotony"])


def test_an_athlete_gets_the_same_numbers_whatever_shares_the_call(roster):
    acts, day = roster
    everyone = roster_rows(acts.sort_values("athlete_id", kind="stable"), as_of=day)
    for athlete in ("new", acts["athlete_id"].iloc[0]):
        alone = roster_rows(acts[acts["athlete_id"] == athlete], as_of=day)
        pd.testing.assert_frame_equal(
            everyone[everyone["athlete_id"] == athlete].reset_index(drop=True), alone
        )


def test_ewma_of_one_row_equals_the_ewma_of_a_grid():
    rng = np.random.default_rng(18)
    grid = rng.gamma(2.0, 30.0, (5, 400)) * (rng.random((5, 400)) < 0.6)
    y0 = rng.random(5) * 40
    together = _ewma(grid, 0.0235, y0)
    for i in range(5):
        np.testing.assert_array_equal(_ewma(grid[i : i + 1], 0.0235, y0[i]), together[i : i + 1])
    by_hand = [y0[0]]
    for value in grid[0]:
        by_hand.append(0.9765 * by_hand[-1] + 0.0235 * value)
    np.testing.assert_allclose(together[0], by_hand[1:], rtol=1e-12)
