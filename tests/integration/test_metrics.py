"""`coachkit metrics` and the analysis seam on real histories: a complete daily table, no NaN
where inputs exist, and every excluded activity with its reason visible."""

from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pytest

from coachkit.app.athlete import activity_table, load_athlete
from coachkit.app.ingest import ingest
from coachkit.app.metrics import daily_metrics
from coachkit.store import Store
from tests.conftest import REPO, SAMPLE, real_file

CORE = ["date", "load", "ctl", "atl", "tsb"]


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("metrics") / "store")
    ingest(store, [SAMPLE], "demo")
    return store


def _cli(store: Store, *args: str) -> pd.DataFrame:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "coachkit.cli",
            "metrics",
            "--store",
            str(store.root),
            "--format",
            "csv",
            *args,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return pd.read_csv(io.StringIO(proc.stdout), parse_dates=["date"])


def test_metrics_csv_has_one_row_per_day_with_the_core_columns(demo_store):
    daily = _cli(demo_store, "--athlete", "demo")
    assert list(daily.columns[:5]) == CORE
    days = daily["date"]
    assert days.is_monotonic_increasing and (days.diff().dropna() == pd.Timedelta(days=1)).all()
    assert days.iloc[0] == pd.Timestamp("2020-07-03")  # the first run (SOURCES.md)
    assert daily[CORE[1:]].notna().all().all()
    # HRV readings start 2020-11-14 (data/sample/README.md); a status needs a week of them
    hrv = daily[daily["date"] >= "2020-11-21"]
    assert hrv["hrv_status"].notna().all()
    assert set(hrv["hrv_status"]) <= {"below", "within", "above", "not enough data"}


def test_the_athlete_can_be_omitted_when_the_store_has_one(demo_store):
    assert len(_cli(demo_store)) == len(_cli(demo_store, "--athlete", "demo"))


def test_conventions_change_the_numbers_not_the_shape(demo_store):
    exp, tp = _cli(demo_store), _cli(demo_store, "--convention", "1/N")
    assert len(exp) == len(tp)
    assert (exp["load"] == tp["load"]).all()
    assert not (exp["ctl"].round(6) == tp["ctl"].round(6)).all()


def test_as_of_uses_only_what_was_known_then(demo_store):
    cut = _cli(demo_store, "--date", "2020-12-31")
    assert cut["date"].max() == pd.Timestamp("2020-12-31")
    full = _cli(demo_store, "--from", "2020-12-01", "--to", "2020-12-31")
    assert full["date"].min() == pd.Timestamp("2020-12-01") and len(full) == 31


def _history(tmp_path, relpath: str, athlete: str):
    store = Store(tmp_path / athlete)
    ingest(store, [real_file(relpath)], athlete)
    data = load_athlete(store, athlete)
    return activity_table(data), daily_metrics(data)


@pytest.mark.parametrize(
    "relpath",
    [
        "athlete_history/intervals_icu_runner/activities_2022-01-01_to_2024-01-30.csv",
        "athlete_history/elevate_multisport_athlete/activities_2011-02-05_to_2015-06-27.json",
        "fit",
    ],
    ids=["intervals-icu-740-runs", "elevate-410-activities", "fit-folder"],
)
def test_real_history_has_no_nan_where_inputs_exist_and_reasons_for_exclusions(tmp_path, relpath):
    table, daily = _history(tmp_path, relpath, "x")
    assert len(daily) and daily[CORE[1:]].notna().all().all()
    no_load = table["load"].isna()
    assert table.loc[no_load, "excluded_reason"].notna().all()
    assert table.loc[~no_load, "load_method"].notna().all()
    flagged = table["quality_flags"].fillna("").str.contains("duplicate_of:|date_implausible")
    assert table.loc[flagged, "load"].isna().all()
    junk_hr = table["quality_flags"].fillna("").str.contains("hr_implausible|no_hr")
    assert not (table.loc[junk_hr, "load_method"] == "hrtss").any()
