"""Runners like you on a real store (issue 19): ``coachkit peers`` in json and table and in
both units, the band's place on the runner's calendar, the band on the weekly-distance figure
with its n, and the shipped peers.json rebuilt from ../shared by the refit."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from coachkit.app.athlete import load_athlete
from coachkit.app.ingest import ingest
from coachkit.app.peers import PEERS_JSON, fit_peers_population, runners_like_you
from coachkit.cli import app
from coachkit.core.units import MILE_M
from coachkit.store import Store
from coachkit.viz.figures import weekly_volume_figure
from coachkit.viz.peers import add_peer_band
from tests.conftest import BENCHMARKS, SAMPLE

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("peers") / "store", create=True)
    ingest(store, [SAMPLE], "demo")
    return store


def _peers(store: Store, *args: str) -> str:
    result = runner.invoke(app, ["peers", "--store", str(store.root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_json_gives_ten_peers_a_twelve_week_band_and_the_sentence(demo_store):
    out = json.loads(_peers(demo_store, "--date", "2021-03-14", "--format", "json"))
    assert out["n"] == 10 and len(out["peers"]) == 10
    assert out["used"] == ["vdot", "weekly_km", "history_years"]  # the demo's sex is not set
    assert len(out["band"]["volume_km_p50"]) == 12 and len(out["weeks"]) == 12
    assert "n = 10" in out["explanation"] and "not a prescription" in out["explanation"]
    assert out["race_date"] is None  # no plan: the band covers the runner's last 12 weeks
    assert out["weeks"][-1] == "2021-03-08"  # the Monday of the week holding 2021-03-14


def test_cli_units_convert_the_table_and_the_sentence(demo_store):
    km = json.loads(_peers(demo_store, "--date", "2021-03-14", "--format", "json"))
    mi = json.loads(_peers(demo_store, "--date", "2021-03-14", "--format", "json", "--units", "mi"))
    median_km = km["typical"]["weekly_km"][1]
    assert f"a median {median_km:.1f} km a week" in km["explanation"]
    assert f"a median {median_km / (MILE_M / 1000):.1f} mi a week" in mi["explanation"]
    table = _peers(demo_store, "--date", "2021-03-14", "--units", "mi")
    assert "peers p50 mi" in table and "you mi" in table
    assert "Runners like you: the 10 of 75 population runners" in table
    csv = _peers(demo_store, "--date", "2021-03-14", "--format", "csv")
    frame = pd.read_csv(pd.io.common.StringIO(csv))
    assert list(frame["week"]) == list(range(-12, 0))
    assert frame["peers p50 km"].tolist() == pytest.approx(km["band"]["volume_km_p50"], abs=0.051)


def test_band_is_aligned_to_the_goal_race_when_a_plan_has_one(demo_store):
    data = load_athlete(demo_store, "demo", as_of="2021-03-14")
    race = pd.Timestamp("2021-06-13")  # a Sunday: its week starts on Monday 2021-06-07
    aligned = runners_like_you(data, race_date=race)
    assert aligned.weeks[-1] == pd.Timestamp("2021-05-31") and len(aligned.weeks) == 12
    assert all(v is None for v in aligned.own_km)  # every one of those weeks is ahead
    assert aligned.alignment() == "week −1 is the week before your race on 2021-06-13"
    own = runners_like_you(data)
    runs = data.activities[data.activities["sport"] == "run"]
    week = runs[runs["start_time"].dt.strftime("%Y-%m-%d").between("2021-03-08", "2021-03-14")]
    assert own.own_km[-1] == pytest.approx(week["distance_m"].sum() / 1000, abs=0.01)


def test_weekly_distance_figure_carries_the_band_with_its_n(demo_store):
    data = load_athlete(demo_store, "demo", as_of="2021-03-14")
    peers = runners_like_you(data)
    fig = add_peer_band(weekly_volume_figure(data.activities), peers.weeks, peers.peers.band, 10)
    names = [t.name for t in fig.data]
    assert "runners like you, middle half (n = 10)" in names
    assert "runners like you, median (n = 10)" in names
    upper = next(t for t in fig.data if t.name == "runners like you, middle half (n = 10)")
    assert upper.fill == "tonexty"
    assert list(upper.y) == peers.peers.band["volume_km_p75"]
    assert [pd.Timestamp(x) for x in upper.x] == peers.weeks
    bare = weekly_volume_figure(data.activities)
    assert len(add_peer_band(bare, peers.weeks, None, 0).data) == len(bare.data)


def test_shipped_peers_json_is_rebuilt_by_the_refit():
    if not (BENCHMARKS / "strava_runs_116").is_dir():
        pytest.skip(f"needs the benchmark data {BENCHMARKS} (the steering repo's shared/data)")
    rebuilt = fit_peers_population(BENCHMARKS)
    shipped = json.loads(PEERS_JSON.read_text(encoding="utf-8"))
    assert rebuilt["records"] == shipped["records"]
    assert rebuilt["provenance"]["data_sha256"] == shipped["provenance"]["data_sha256"]


def test_sex_set_in_settings_is_used_and_said(demo_store):
    data = load_athlete(demo_store, "demo", as_of="2021-03-14")
    data.settings["sex"] = "female"  # as `coachkit settings --sex f` stores it
    peers = runners_like_you(data).peers
    assert peers.used == ("vdot", "weekly_km", "history_years", "sex")
    assert "years of running history and sex (standardised" in peers.explain()
