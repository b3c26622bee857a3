"""Zones, critical power and mean-max curves on real FIT files with running power (Garmin
FR935/FR945 with a Stryd pod, Stryd's own sample; shared/data/real/fit), and ``coachkit zones``
on them. Skips when the real data folder is absent."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from coachkit.app.athlete import load_athlete
from coachkit.app.ingest import ingest
from coachkit.app.zones import athlete_cp, athlete_zones, mean_max_windows, run_zone_seconds
from coachkit.cli import app
from coachkit.store import Store
from tests.conftest import real_file

#: runs with power_w on every record (checked by reading them with coachkit.io.fit.read_fit)
POWER_FITS = (
    "fit/elevate_kaiteriteri_fr945.fit",
    "fit/elevate_portland_fr935.fit",
    "fit/elevate_sloatsburg_fr945.fit",
    "fit/elevate_treadmill_fr945.fit",
    "fit/gc_HRV-Data_stryd_run_hrv.fit",
    "fit/fitparse_developer-types-sample_stryd.fit",
)


@pytest.fixture(scope="module")
def power_store(tmp_path_factory):
    paths = [real_file(p) for p in POWER_FITS]
    root = tmp_path_factory.mktemp("power") / "store"
    s = Store(root)
    ingest(s, paths, "p")
    s.close()
    return root


def test_cp_and_w_prime_are_plausible_and_power_zones_present(power_store):
    data = load_athlete(Store(power_store), "p")
    cp, window = athlete_cp(data)
    # recreational to good runners on Stryd-scale power: CP 150-450 W; W' from training runs
    # (not all-out tests) is small but positive, well under the ~25 kJ of a lab test
    assert 150 < cp.cp_w < 450, cp.note
    assert 0 < cp.w_prime_j < 40_000, cp.note
    assert cp.n >= 3 and "90 days" in window
    zones = athlete_zones(data)
    assert set(zones) == {"hr", "pace", "power"}
    assert zones["power"][3].low == pytest.approx(round(cp.cp_w, 1))  # Interval starts at CP


def test_every_power_run_spends_its_moving_time_in_power_zones(power_store):
    data = load_athlete(Store(power_store), "p")
    acts = data.activities
    for aid, moving in zip(acts["activity_id"], acts["moving_time_s"]):
        secs = run_zone_seconds(data, aid)
        total = sum(z["seconds"] for z in secs["power"])
        assert (
            0.5 * moving < total <= 1.05 * acts.set_index("activity_id").loc[aid, "elapsed_time_s"]
        )


def test_mean_max_power_falls_with_duration_and_recent_is_at_most_all(power_store):
    curve = mean_max_windows(load_athlete(Store(power_store), "p"), "power_w")
    assert len(curve) >= 10
    assert np.all(np.diff(curve["all"].to_numpy()) <= 1e-9)
    recent = curve.dropna(subset=["recent"])
    assert (recent["recent"] <= recent["all"] + 1e-9).all() and (recent["recent_runs"] >= 1).all()


def test_coachkit_zones_json(power_store):
    result = CliRunner().invoke(app, ["zones", "--store", str(power_store), "--format", "json"])
    assert result.exit_code == 0, result.output
    rep = json.loads(result.output)
    assert set(rep["zones"]) == {"hr", "pace", "power"}
    assert all(rep["sources"][k] for k in rep["zones"])
    assert rep["critical_power"]["cp_w"] > 0 and rep["critical_power"]["window"]
    assert len(rep["weekly_seconds"]["hr"]) == 12
    assert {"duration_s", "recent", "all"} <= set(rep["mean_max"]["power_w"][0])
    table = CliRunner().invoke(app, ["zones", "--store", str(power_store), "--units", "mi"])
    assert table.exit_code == 0 and "/mi" in table.output and "Critical power" in table.output


def test_power_load_only_when_the_athlete_chooses_it(power_store, tmp_path):
    import shutil

    from coachkit.app.athlete import activity_table

    default = activity_table(load_athlete(Store(power_store), "p"))
    assert "power" not in set(default["load_method"].dropna())  # files with power keep hrTSS
    root = tmp_path / "store"
    shutil.copytree(power_store, root)
    s = Store(root)
    s.update_athlete_settings("p", load_method="power")
    chosen = activity_table(load_athlete(s, "p"))
    assert (chosen["load_method"] == "power").all(), chosen["load_note"].tolist()
    # an hour or so of running around CP: tens to low hundreds, as hrTSS of the same runs
    assert chosen["load"].between(10, 400).all()
    assert chosen["load_note"].str.contains("against critical power").all()
