"""A hot day is not read as fatigue (issue 19): the coach compares a run done in the heat with the
heat-adjusted HR expectation, through the whole path (GPX files with the device's temperature ->
ingest -> activity table -> walked-forward HR residuals -> signals -> the ``fatigue`` rule).

The runner is made for the test, and says so: ten weeks of the same flat 8 km at 5:30/km every
other day, recorded at 12 °C, with HR 150 bpm give or take 3, so that the HR model knows this
runner well (its SD near 5 bpm). Then two runs on Monday and Tuesday at the same pace whose HR
is above that runner's temperate HR by exactly what the model's heat term adds at 32 °C.
Recorded at 32 °C they are what the heat explains: no fatigue. The identical runs recorded at
12 °C are HR well above expected on two runs in a row: the fatigue rule eases the next session.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from coachkit.app.athlete import hr_residuals, load_athlete
from coachkit.app.coach import create_plan, readapt
from coachkit.app.ingest import ingest
from coachkit.coach.plan import Goal
from coachkit.models.response import HrResponseModel
from coachkit.store import Store

ATHLETE = "warm"
MON = date(2024, 5, 13)  # the week of the two test runs (a Monday)
SPEED_M_S = 1000.0 / 330.0  # 5:30/km
RUN_M = 8000.0
COOL_C, HOT_C = 12.0, 32.0
WOBBLE = (0, 2, -1, 3, -2, 1, -3, 0, 2, -2)  # the day-to-day spread of this runner's HR, bpm
BASE_HR = 150


def heat_bpm(temperature_c: float) -> float:
    """What the shipped HR model adds to its expectation for a run recorded at this temperature."""
    model = HrResponseModel.from_population()
    return model.heat_bpm_per_c * max(temperature_c - model.heat_base_c, 0.0)


def gpx_run(day: date, hr_bpm: float, temperature_c: float, dest: Path) -> Path:
    """A flat 8 km straight north at 5:30/km from 06:00 UTC, one point every 10 s, with the HR
    and the temperature (Garmin's TrackPointExtension ``hr`` and ``atemp``) held constant."""
    step_s, deg_per_m = 10, 1.0 / 111_195.0
    n = int(RUN_M / SPEED_M_S / step_s) + 1
    ext = (
        "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr:.0f}</gpxtpx:hr>"
        f"<gpxtpx:atemp>{temperature_c:.1f}</gpxtpx:atemp></gpxtpx:TrackPointExtension></extensions>"
    )
    points = []
    for i in range(n):
        t = (
            f"{day}T06:{i * step_s // 60:02d}:{i * step_s % 60:02d}Z"
            if i * step_s < 3600
            else (f"{day}T07:{(i * step_s - 3600) // 60:02d}:{i * step_s % 60:02d}Z")
        )
        lat = 45.0 + i * step_s * SPEED_M_S * deg_per_m
        points.append(
            f'<trkpt lat="{lat:.7f}" lon="5.0"><ele>200</ele><time>{t}</time>'
            + ext.format(hr=hr_bpm)
            + "</trkpt>"
        )
    dest.write_text(
        '<?xml version="1.0"?><gpx version="1.1" creator="test" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<trk><type>running</type><trkseg>{''.join(points)}</trkseg></trk></gpx>"
    )
    return dest


@pytest.fixture(scope="module")
def runner(tmp_path_factory) -> Path:
    """A store with the runner's ten temperate weeks and a 10 km plan from Monday."""
    root = tmp_path_factory.mktemp("heat")
    files = root / "history"
    files.mkdir()
    days = [MON - timedelta(days=k) for k in range(70, 0, -2)]
    paths = [
        gpx_run(d, BASE_HR + WOBBLE[i % len(WOBBLE)], COOL_C, files / f"{d}.gpx")
        for i, d in enumerate(days)
    ]
    store = Store(root / "store")
    ingest(store, paths, ATHLETE)
    goal = Goal(race_distance_m=10_000.0, race_date=MON + timedelta(weeks=9))
    create_plan(store, ATHLETE, goal, start=MON, days_per_week=5)
    return root / "store"


def monday_and_tuesday(runner: Path, tmp: Path, temperature_c: float, hr_bpm: float):
    """A copy of the runner's store with Monday's and Tuesday's runs ingested, and the rules run
    for Tuesday evening: (the fatigue adaptations, the two runs' HR residuals)."""
    store = Store(shutil.copytree(runner, tmp / "store"))
    runs = [
        gpx_run(MON + timedelta(days=k), hr_bpm, temperature_c, tmp / f"{k}.gpx") for k in (0, 1)
    ]
    ingest(store, runs, ATHLETE)
    changes = readapt(store, ATHLETE, MON + timedelta(days=1))
    residuals = hr_residuals(load_athlete(store, ATHLETE, as_of=MON + timedelta(days=1)))
    return [c for c in changes if c.rule == "fatigue"], residuals.tail(2)


def test_a_hot_run_with_the_hr_the_heat_explains_is_not_fatigue(runner, tmp_path):
    extra = heat_bpm(HOT_C)
    assert extra >= 10  # the heat term is what this test is about: +1 bpm/°C over 20 °C
    fatigue, last = monday_and_tuesday(runner, tmp_path, HOT_C, BASE_HR + extra)
    assert fatigue == [], [c.explanation for c in fatigue]
    assert last["heat_bpm"].tolist() == pytest.approx([extra, extra])
    assert (last["z"].abs() < 1.0).all(), last[["residual", "z"]]
    assert (
        f"expected HR includes +{extra:.0f} bpm for {HOT_C:.0f} °C" in last["explanation"].iloc[-1]
    )


def test_the_identical_run_recorded_cool_is_read_as_fatigue(runner, tmp_path):
    extra = heat_bpm(HOT_C)
    fatigue, last = monday_and_tuesday(runner, tmp_path, COOL_C, BASE_HR + extra)
    assert len(fatigue) == 1, last[["residual", "z"]]
    assert (last["heat_bpm"] == 0).all() and (last["z"] >= 1.5).all(), last[["residual", "z"]]
    text = fatigue[0].explanation
    assert "Monday's HR was" in text and "Tuesday's HR was" in text, text
    assert "expected HR includes" not in text, text


def test_a_hot_run_well_above_the_heat_adjusted_hr_is_fatigue_and_says_what_heat_added(
    runner, tmp_path
):
    extra = heat_bpm(HOT_C)
    fatigue, last = monday_and_tuesday(runner, tmp_path, HOT_C, BASE_HR + 2 * extra)
    assert len(fatigue) == 1, last[["residual", "z"]]
    text = fatigue[0].explanation
    said = f"; expected HR includes +{extra:.0f} bpm for {HOT_C:.0f} °C on Monday and Tuesday."
    assert text.endswith(said), text
