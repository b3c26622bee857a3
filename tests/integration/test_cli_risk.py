"""`coachkit risk --json` (docs/design.md §9): a score and a list of factors with code and text; a run
more than 10 % longer than the longest of the previous 30 days gives `long_run_spike`."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import REPO


def _history(tmp_path, last_km: float):
    """An intervals.icu-format export: a 10 km run every other day for 40 days, then one run."""
    days = pd.date_range("2024-01-01", periods=20, freq="2D")
    rows = [f"{d:%Y-%m-%d},10000,3000,150,75,60,Easy" for d in days]
    rows.insert(
        0,
        f"{days[-1] + pd.Timedelta(days=2):%Y-%m-%d},{last_km * 1000:.0f},{last_km * 300:.0f},150,75,60,Long",
    )
    path = tmp_path / "activities.csv"
    path.write_text("date,dist_m,mov_s,hr,intensity,load,name\n" + "\n".join(rows) + "\n")
    return path, days[-1] + pd.Timedelta(days=2)


def _risk(tmp_path, last_km: float) -> dict:
    path, day = _history(tmp_path, last_km)
    store = tmp_path / "store"
    run = [sys.executable, "-m", "coachkit.cli"]
    subprocess.run(
        run + ["ingest", str(path), "--athlete", "r", "--store", str(store)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    proc = subprocess.run(
        run
        + ["risk", "--athlete", "r", "--store", str(store), "--date", f"{day:%Y-%m-%d}", "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    "last_km, spike", [(11.0, False), (11.2, True), (15.0, True), (25.0, True)]
)
def test_risk_json_flags_a_long_run_spike_above_10_percent(tmp_path, last_km, spike):
    out = _risk(tmp_path, last_km)
    assert isinstance(out["score"], (int, float)) and 0 <= out["score"] <= 100
    assert all({"code", "text"} <= set(f) for f in out["factors"])
    codes = [f["code"] for f in out["factors"]]
    assert ("long_run_spike" in codes) is spike
    if spike:
        text = next(f["text"] for f in out["factors"] if f["code"] == "long_run_spike")
        assert "10.0 km" in text  # the 30-day longest it is compared with
        assert out["score"] > 0 and any("cap the long run" in c for c in out["changes"])
