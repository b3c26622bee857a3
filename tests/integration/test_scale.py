"""Roster metrics and the population fit on a Dask LocalCluster equal the in-process results
(docs/design.md §4 "Beyond one machine"; issue 10)."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from coachkit.app.athlete import load_athlete
from coachkit.app.metrics import daily_metrics
from coachkit.app.scale import (
    export_activity_tables,
    roster_metrics,
    sample_coverage,
    write_partitioned,
)
from coachkit.io.population import STRAVA_RUNS_FILE, read_strava_runs_116
from coachkit.models.race import RacePopulation
from coachkit.models.response import HrResponseModel
from coachkit.store import Store
from tests.bench.synthetic import make_population, write_samples_tree
from tests.conftest import BENCHMARKS

distributed = pytest.importorskip("distributed", reason="needs the [scale] extra")
AS_OF = pd.Timestamp("2023-12-31")


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes, everything bound to 127.0.0.1."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0") as c:  # fmt: skip
        yield c


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    acts, _ = make_population(24, 1.0, seed=7)
    folder = write_partitioned(acts, tmp_path_factory.mktemp("tables") / "activities")
    return acts, folder


def test_roster_metrics_on_dask_equal_in_process(cluster, synthetic):
    acts, folder = synthetic
    local = roster_metrics(folder, AS_OF)  # polars over the hive-partitioned parquet
    on_dask = roster_metrics(folder, AS_OF, scheduler=cluster.scheduler_address)
    with distributed.Client(cluster) as client:
        from_frame = roster_metrics(acts, AS_OF, scheduler=client)
    assert len(local) == acts["athlete_id"].nunique() and local["athlete_id"].is_unique
    pd.testing.assert_frame_equal(local, on_dask, check_exact=True)
    pd.testing.assert_frame_equal(local, from_frame, check_exact=True)
    pd.testing.assert_frame_equal(local, roster_metrics(acts, AS_OF), check_exact=True)


def test_roster_metrics_count_what_the_activities_hold(synthetic):
    acts, folder = synthetic
    got = roster_metrics(folder, AS_OF).set_index("athlete_id")
    one = acts[acts["athlete_id"] == got.index[0]]
    local_day = (one["start_time"] + pd.to_timedelta(one["utc_offset_s"], "s")).dt.tz_convert(None)
    week = one[local_day.dt.normalize() > AS_OF - pd.Timedelta(days=7)]
    assert got.iloc[0]["runs_7d"] == len(week)
    assert got.iloc[0]["run_km_7d"] == pytest.approx(week["distance_m"].sum() / 1000)
    assert got.iloc[0]["n_runs"] == len(one)


@pytest.mark.real_data
def test_roster_metrics_from_a_store_export_match_daily_metrics(cluster, coach_store, tmp_path):
    store_root = tmp_path / "store"
    shutil.copytree(coach_store, store_root)
    store = Store(store_root)
    folder = export_activity_tables(store, tmp_path / "tables")
    day = pd.Timestamp("2024-01-30")
    local = roster_metrics(folder, day)
    pd.testing.assert_frame_equal(
        local, roster_metrics(folder, day, scheduler=cluster.scheduler_address), check_exact=True
    )
    assert sorted(local["athlete_id"]) == sorted(a["athlete_id"] for a in store.athletes())
    daily = daily_metrics(load_athlete(store, "intervals"), end=day).iloc[-1]
    row = local.set_index("athlete_id").loc["intervals"]
    assert row["ctl"] == pytest.approx(daily["ctl"], rel=1e-9)
    assert row["tsb"] == pytest.approx(daily["tsb"], rel=1e-9)
    store.close()


@pytest.fixture(scope="module")
def runners():
    path = BENCHMARKS / STRAVA_RUNS_FILE
    if not path.is_file():
        pytest.skip(f"needs the benchmark runners in {path}")
    runs = read_strava_runs_116(path)
    some = sorted(runs["athlete_id"].unique())[:16]  # a subset keeps the test short
    return runs[runs["athlete_id"].isin(some)]


def test_hr_response_population_fit_on_dask_equals_in_process(cluster, runners):
    local = HrResponseModel().fit(runners)
    on_dask = HrResponseModel().fit(runners, scheduler=cluster.scheduler_address)
    assert json.dumps(local.population_, sort_keys=True) == json.dumps(
        on_dask.population_, sort_keys=True
    )
    assert (local.n_runs_, local.n_athletes_) == (on_dask.n_runs_, on_dask.n_athletes_)
    assert local.n_athletes_ >= 10


def test_race_population_fit_on_dask_equals_in_process(cluster, runners):
    runs = runners
    local = RacePopulation().fit(runs).params_
    on_dask = RacePopulation().fit(runs, scheduler=cluster.scheduler_address).params_
    assert json.dumps(local, sort_keys=True) == json.dumps(on_dask, sort_keys=True)
    assert local["data"]["n_race_like_efforts"] > 20, local["data"]


def test_sample_coverage_over_a_samples_tree_on_dask_equals_in_process(cluster, tmp_path):
    acts, _ = make_population(3, 0.06, seed=11)  # three athletes, three weeks
    root = tmp_path / "samples"
    assert write_samples_tree(acts, root, seed=11, every_s=5.0) == len(acts)
    local = sample_coverage(root)
    pd.testing.assert_frame_equal(
        local, sample_coverage(root, scheduler=cluster.scheduler_address), check_exact=True
    )
    assert sorted(local["athlete_id"]) == sorted(acts["athlete_id"].unique())
    assert (local["share_gps"] == 1.0).all() and local["share_hr"].between(0.97, 1.0).all()
    assert local["n_samples"].sum() == sum(
        len(pd.read_parquet(p)) for p in root.glob("athlete_id=*/*.parquet")
    )
