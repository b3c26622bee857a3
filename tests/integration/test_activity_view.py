"""`coachkit activity ID`: one run in full, from real watch files, through the real CLI.

The laps are the device's (their count and distances are the file's), the splits add up to the
run, the time in zones adds up to the time with heart rate, and a file with power gets power
zones; `--units mi` says everything in miles.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from typer.testing import CliRunner

from coachkit.app.ingest import ingest
from coachkit.cli import app
from coachkit.core.units import MILE_M
from coachkit.store import Store
from tests.conftest import real_file

runner = CliRunner()
#: Garmin Forerunner 935 run with 17 device laps, HR and Stryd-style power
PORTLAND = "fit/elevate_portland_fr935.fit"
#: Suunto 9 trail run with 7 laps, HR, GPS, cadence and power
BLOEMENDAAL = "fit/elevate_bloemendaal_suunto_trail_power.fit"


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("activity") / "store"
    files = [real_file(PORTLAND), real_file(BLOEMENDAAL)]
    with Store(root) as store:
        report = ingest(store, files, "watch")
        assert report.count("new") == 2, report.outcomes
        ids = {
            row["source_file"].rsplit("/", 1)[-1]: row["activity_id"]
            for row in store.conn.execute("SELECT source_file, activity_id FROM activity_sources")
        }
    return root, ids


def _run(store, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, [*args, "--store", str(store)])
    assert result.exit_code == code, result.output
    return result.output


def _json(store, activity_id: str, *extra: str) -> dict:
    return json.loads(_run(store, "activity", activity_id, "--format", "json", *extra))


def test_json_has_the_devices_laps_splits_that_add_up_and_local_start(real_store):
    root, ids = real_store
    view = _json(root, ids["elevate_portland_fr935.fit"])
    assert {"summary", "laps", "splits", "zones", "start_time_local"} <= set(view)
    with Store(root) as store:
        laps = store.laps(view["activity_id"])
    assert len(view["laps"]) == len(laps) == 17  # the file's own lap messages
    for lap in view["laps"]:
        assert {"distance_m", "duration_s", "avg_hr", "avg_pace_s_per_km", "avg_power_w"} <= set(
            lap
        )
    lap_km = sum(lap["distance_m"] for lap in view["laps"]) / 1000
    assert lap_km == pytest.approx(view["summary"]["distance_m"] / 1000, abs=0.2)
    splits = view["splits"]
    assert [s["split"] for s in splits] == list(range(1, len(splits) + 1))
    assert all(s["distance_m"] == pytest.approx(1000, abs=0.5) for s in splits[:-1])
    assert sum(s["distance_m"] for s in splits) == pytest.approx(
        view["summary"]["distance_m"], rel=0.02
    )
    # each split's pace is its moving time over its distance
    for s in splits:
        assert s["pace_s_per_km"] == pytest.approx(
            s["moving_time_s"] / s["distance_m"] * 1000, rel=1e-3
        )
    # the FR935 records its UTC offset: the local start carries it
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", view["start_time_local"])
    assert not view["start_time_local"].endswith("+00:00")


def test_zones_add_up_and_power_gets_zones_and_cp(real_store):
    root, ids = real_store
    view = _json(root, ids["elevate_bloemendaal_suunto_trail_power.fit"])
    hr = view["zones"]["hr"]
    assert len(hr) == 5
    in_zones = sum(b["seconds"] for b in hr)
    moving = view["summary"]["moving_time_s"]
    assert 0.8 * moving < in_zones <= view["summary"]["elapsed_time_s"] + 1
    assert "power" in view["zones"] and sum(b["seconds"] for b in view["zones"]["power"]) > 0
    assert "pace" in view["zones"]
    cp = view["critical_power"]  # the athlete's CP in effect, and this run's best powers
    assert 150 < cp["cp_w"] < 500 and "critical power" in cp["sentence"]
    assert [b["duration_s"] for b in cp["best_power"]][:3] == [60, 180, 300]


def test_units_mi_table_says_no_km(real_store):
    root, ids = real_store
    out = _run(root, "activity", ids["elevate_portland_fr935.fit"], "--units", "mi")
    assert "km" not in out
    assert "/mi" in out and "Splits (every mile)" in out
    view = _json(root, ids["elevate_portland_fr935.fit"], "--units", "mi")
    full = [s for s in view["splits"] if not s["partial"]]
    assert full and all(s["distance_m"] == pytest.approx(MILE_M, abs=0.5) for s in full)
    assert len(view["splits"]) == math.ceil(view["summary"]["distance_m"] / MILE_M) or (
        len(view["splits"]) == math.floor(view["summary"]["distance_m"] / MILE_M)
    )


def test_unknown_activity_is_one_line_exit_2(real_store):
    root, _ = real_store
    out = _run(root, "activity", "nope", code=2)
    assert out.strip().count("\n") == 0 and "no activity 'nope'" in out
