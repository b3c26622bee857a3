"""``coachkit replay`` on real histories: it completes, sees no future, and cites real data."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from coachkit.app.athlete import activity_table, load_athlete
from coachkit.app.ingest import ingest
from coachkit.app.replay import DAY_COLUMNS, replay
from coachkit.core.quality import trusted
from coachkit.core.sports import RUN_SPORTS
from coachkit.store import Store
from tests.conftest import REPO, SAMPLE

HISTORIES = {
    # athlete: (from, to), windows over each real history (the whole Recife history; a
    # half-year of the intervals.icu runner; the cyclist's months around two of its four runs)
    "runpandas_recife_runner": ("2020-07-20", "2021-03-14"),
    "intervals_icu_runner": ("2023-01-02", "2023-06-30"),
    "elevate_multisport_athlete": ("2014-05-01", "2014-09-30"),
}


@pytest.fixture(scope="module")
def real_store(tmp_path_factory, real_dir):
    s = Store(tmp_path_factory.mktemp("replay") / "store")
    for athlete in HISTORIES:
        ingest(s, [real_dir / "athlete_history" / athlete], athlete)
    return s


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    s = Store(tmp_path_factory.mktemp("replay-demo") / "store")
    ingest(s, [SAMPLE], "demo")
    return s


def _runs_between(store: Store, athlete: str, start: str, end: str) -> pd.DataFrame:
    runs = trusted(activity_table(load_athlete(store, athlete, as_of=end)))
    runs = runs[runs["sport"].isin(RUN_SPORTS)]
    return runs[(runs["date"] >= start) & (runs["date"] <= end)]


@pytest.mark.real_data
@pytest.mark.slow
@pytest.mark.parametrize("athlete", list(HISTORIES))
def test_replay_of_each_real_history_completes_and_its_adaptations_cite_real_runs(
    real_store, athlete
):
    start, end = HISTORIES[athlete]
    result = replay(real_store, athlete, start, end)
    days = result.days
    n_days = (pd.Timestamp(end) - pd.Timestamp(start)).days + 1
    assert list(days.columns) == list(DAY_COLUMNS)
    assert len(days) == n_days and days["date"].is_unique
    assert days["kind"].ne("").all(), "every day has a prescription"
    assert days["explanation"].str.contains(r"\d").all(), "every prescription has its numbers"

    # what the runner actually did is the store's real runs, day by day
    runs = _runs_between(real_store, athlete, start, end)
    assert days["actual_runs"].sum() == len(runs)
    assert days["actual_distance_m"].sum() == pytest.approx(runs["distance_m"].fillna(0).sum())

    log = result.adaptations
    assert len(log) > 0
    assert log["explanation"].str.contains(r"\d").all()
    run_days = set(runs["date"].dt.strftime("%Y-%m-%d"))
    for rec in log.to_dict("records"):
        ev = json.loads(rec["evidence"])
        assert ev, rec
        if rec["rule"] == "week_review" and ev["metric"] == "distance_m":
            week = pd.Timestamp(ev["week_start"])
            did = runs[(runs["date"] >= week) & (runs["date"] < week + pd.Timedelta(days=7))]
            assert ev["done"] == pytest.approx(did["distance_m"].fillna(0).sum()), rec
        for day, _res, _z in ev.get("hr_residuals", []):
            assert day in run_days, f"{rec['rule']} cites a run on {day} that is not in the store"
    summary = result.summary()
    assert summary["days"] == n_days
    assert summary["adaptations"] == len(log)


@pytest.mark.slow
def test_replay_sees_no_future_data(demo_store):
    """Replaying to an earlier end gives the same days: nothing after a day changes that day."""
    long = replay(demo_store, "demo", "2020-12-07", "2021-03-14")
    short = replay(demo_store, "demo", "2020-12-07", "2021-01-24")
    head = long.days.iloc[: len(short.days)].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        head.fillna(-1).astype(str), short.days.fillna(-1).astype(str), check_dtype=False
    )
    cut = short.adaptations["date"].max()
    assert (long.adaptations[long.adaptations["date"] <= cut]["explanation"].tolist()
            == short.adaptations["explanation"].tolist())  # fmt: skip


def test_replay_csv_has_one_row_per_day_with_prescription_and_adaptations(demo_store):
    proc = subprocess.run(
        [sys.executable, "-m", "coachkit.cli", "replay", "--store", str(demo_store.root),
         "--athlete", "demo", "--from", "2021-01-04", "--to", "2021-01-31", "--format", "csv"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["date"] for r in rows] == [
        d.strftime("%Y-%m-%d") for d in pd.date_range("2021-01-04", "2021-01-31")
    ]
    assert {"kind", "distance_m", "pace_low_s_per_km", "explanation", "adaptations"} <= set(rows[0])
    assert any(r["adaptations"] for r in rows)
    assert "planned run days run" in proc.stderr  # the compliance summary, off stdout


def test_replay_rejects_an_inverted_window(demo_store):
    with pytest.raises(ValueError, match="before"):
        replay(demo_store, "demo", "2021-02-01", "2021-01-01")
