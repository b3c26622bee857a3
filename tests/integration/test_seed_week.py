"""The seed's week (issue 7), through the store and the CLI, on the demo athlete's real runs.

Real where possible: the fitness, paces and HR model come from the demo athlete's real
history, and every run of the week is one of the athlete's real watch runs (TCX with HR),
re-dated into the week. Stated where not: the seed's planned week (Monday 6 easy miles,
Tuesday tempo, ...), Monday's run raised 20 bpm and the others 6 bpm (the watch reads about 8 bpm under the phone
recordings the HR model learnt from, so +6 is this runner's normal and +20 the seed's fatigue), and the
morning HRV readings (low Saturday to Monday, high from Tuesday), ingested as an HRV4Training
export through the real reader.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from coachkit.app.athlete import load_athlete, thresholds
from coachkit.app.coach import create_plan, plan_frame, write_adaptations
from coachkit.app.ingest import ingest
from coachkit.app.today import longest_before
from coachkit.coach import workouts as wk
from coachkit.coach.plan import Goal, workout_row
from coachkit.core.units import MILE_M
from coachkit.features.daniels import daniels_paces
from coachkit.store import Store
from tests.conftest import REPO, SAMPLE

MON = date(2021, 3, 15)  # the Monday after the demo athlete's last real run (a Sunday)
TCX = sorted((SAMPLE / "activities" / "watch_tcx").glob("*.tcx.gz"))
NORMAL = 6  # bpm added to a watch run to read as this runner's usual HR (see the docstring)
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")


def redated_run(src: Path, day: date, dest: Path, *, hr_delta: int = 0) -> Path:
    """A real TCX run moved to 06:30 local (UTC-3) on ``day``, HR shifted by ``hr_delta``."""
    with gzip.open(src, "rt") as fh:
        text = fh.read()
    first = pd.Timestamp(re.search(r"<Id>([^<]+)</Id>", text).group(1))
    shift = pd.Timestamp(f"{day} 09:30", tz="UTC") - first
    text = STAMP.sub(lambda m: f"{pd.Timestamp(m.group(0)) + shift:%Y-%m-%dT%H:%M:%SZ}", text)
    text = re.sub(r"(HeartRateBpm>\s*<Value>)(\d+)",
                  lambda m: f"{m.group(1)}{int(m.group(2)) + hr_delta}", text)  # fmt: skip
    dest.write_text(text)
    return dest


def hrv_export(readings: dict[date, float], dest: Path) -> Path:
    """An HRV4Training export (the app's own CSV layout) of morning rMSSD readings."""
    lines = ["timestamp_measurement,HR,AVNN,SDNN,rMSSD,pNN50,LF,HF,HRV4T_Recovery_Points"]
    lines += [f"{d} 08:20:04 +0000,42.0,1430.0,70.0,{v:.2f},25.0,0.05,0.04,8.0"
              for d, v in sorted(readings.items())]  # fmt: skip
    dest.write_text("\r".join(lines) + "\r")
    return dest


def cli(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "coachkit.cli", *args, "--json"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    root = tmp_path_factory.mktemp("seed")
    s = Store(root / "store")
    ingest(s, [SAMPLE], "demo")
    plan = create_plan(s, "demo", Goal(race_distance_m=21097.5, race_date=date(2021, 6, 13)),
                       start=MON, units="mi")  # fmt: skip
    # the seed's week, from the athlete's own fitness (VDOT of the plan, LTHR estimated)
    lthr = thresholds(load_athlete(s, "demo", as_of=MON - timedelta(days=1))).lthr.value
    t = wk.Targets.for_fitness(plan.rules["vdot"], lthr)
    sessions = [wk.easy(6 * MILE_M, t), wk.tempo(4000.0, t), wk.easy(6000.0, t),
                wk.easy(6000.0, t), wk.easy(6000.0, t), None, wk.easy(12000.0, t, "long")]  # fmt: skip
    before = plan_frame(s, "demo")
    after = before.copy()
    for k, w in enumerate(sessions):
        day = pd.Timestamp(MON + timedelta(days=k))
        row = workout_row(day, w, units="mi", n_runs=6, volume_m=46_000.0)
        i = after.index[after["date"] == day][0]
        for col, value in row.items():
            after.at[i, col] = value
    write_adaptations(s, "demo", before, after, [])
    return s, root, plan, t


def test_the_seed_week(week):
    s, root, plan, t = week
    store = ["--store", str(s.root), "--athlete", "demo"]
    inbox = root / "inbox"
    inbox.mkdir()
    day = lambda k: MON + timedelta(days=k)  # noqa: E731

    # Monday morning: 6 easy miles at the athlete's E pace, in min/mi, held within 1.1 x the
    # longest run of the last 30 days (Garmin-RUNSAFE), and the card says so when it cuts
    monday = cli("today", *store, "--date", f"{day(0)}", "--units", "mi")
    e = daniels_paces(plan.rules["vdot"])["E"]
    longest = longest_before(s, "demo", pd.Timestamp(day(0)))
    held = min(6 * MILE_M, 1.1 * longest)
    assert monday["kind"] == "easy" and monday["distance_m"] == pytest.approx(held, abs=100)
    if held < 6 * MILE_M:
        assert monday["explanation"].startswith("Cut to "), monday["explanation"]
        assert "(the plan says 6.0 mi)" in monday["explanation"], monday["explanation"]
    assert (monday["pace_low_s_per_km"], monday["pace_high_s_per_km"]) == pytest.approx(e)
    assert "6.0 mi" in monday["explanation"] and "/mi" in monday["explanation"]

    # Monday evening: the run's HR is high (~1.9 SD of the HR model over), and HRV has been
    # sliding since Saturday to more than 1 SD under its baseline (the calibrated alarms)
    hrv = {day(-2): 24.0, day(-1): 21.0, day(0): 18.0}
    ingest(s, [redated_run(TCX[0], day(0), inbox / "mon.tcx", hr_delta=30),
               hrv_export(hrv, inbox / "hrv_mon.csv")], "demo")  # fmt: skip
    logged = cli("log", *store, "--date", f"{day(0)}", "--rpe", "4", "--feel", "3")
    fatigue = [a for a in logged["adaptations"] if a["rule"] == "fatigue"]
    assert len(fatigue) == 1, logged
    text = fatigue[0]["explanation"]
    assert text.startswith("Tuesday's tempo") and "becomes an easy run" in text
    assert re.search(r"Monday's HR was \d+ bpm above expected", text), text
    assert re.search(r"7-day lnRMSSD \(\d\.\d\d\) is below your normal range", text), text

    # Tuesday: the tempo is an easy run of the same duration
    tuesday = cli("today", *store, "--date", f"{day(1)}")
    assert tuesday["kind"] == "easy" and "instead of the tempo (fatigue)" in tuesday["explanation"]
    assert (tuesday["pace_low_s_per_km"], tuesday["pace_high_s_per_km"]) == pytest.approx(e)

    # Tuesday to Thursday: easy runs at normal HR, HRV back up; Thursday evening the coach
    # puts the tempo on Friday, at paces from the fitness known then
    for k in (1, 2, 3):
        ingest(s, [redated_run(TCX[k], day(k), inbox / f"d{k}.tcx", hr_delta=NORMAL)], "demo")
    ingest(s, [hrv_export({day(1): 95.0, day(2): 100.0, day(3): 105.0},
                          inbox / "hrv_thu.csv")], "demo")  # fmt: skip
    logged = cli("log", *store, "--date", f"{day(3)}", "--rpe", "3")
    restore = [a for a in logged["adaptations"] if a["rule"] == "fatigue"]
    assert len(restore) == 1, logged
    assert not any(a["rule"] == "missed" for a in logged["adaptations"]), logged
    assert "The tempo eased on Tuesday is moved to Friday" in restore[0]["explanation"]
    friday = cli("today", *store, "--date", f"{day(4)}")
    assert friday["kind"] == "tempo"
    # paces "adjusted to recent workouts": the VDOT the coach last set paces from
    evidence = {rule: json.loads(e) for rule, e in s.conn.execute(
        "SELECT rule, evidence FROM adaptations WHERE date=? ORDER BY adaptation_id", (f"{day(3)}",))}  # fmt: skip
    vdot_now = (
        evidence["exceeding"]["vdot_used"]
        if "exceeding" in evidence
        else evidence["fatigue"]["vdot"]
    )
    assert vdot_now is not None and math.isfinite(vdot_now)
    assert (friday["pace_low_s_per_km"], friday["pace_high_s_per_km"]) == pytest.approx(
        daniels_paces(vdot_now)["T"]
    )

    # the weekend: Friday's tempo and Sunday's long run are run; Sunday evening the week is
    # reviewed against what was done, with the fitness estimate of the end of the week
    for k in (4, 6):
        ingest(s, [redated_run(TCX[k], day(k), inbox / f"d{k}.tcx", hr_delta=NORMAL)], "demo")
    logged = cli("log", *store, "--date", f"{day(6)}", "--rpe", "4")
    review = [a for a in logged["adaptations"] if a["rule"] == "week_review"]
    assert len(review) == 1, logged
    ev = json.loads(s.conn.execute(
        "SELECT evidence FROM adaptations WHERE rule='week_review' ORDER BY adaptation_id DESC LIMIT 1"
    ).fetchone()[0])  # fmt: skip
    runs = s.activities("demo")
    week_runs = runs[(runs["start_time"] >= pd.Timestamp(f"{day(0)}", tz="UTC"))
                     & (runs["start_time"] < pd.Timestamp(f"{day(7)}", tz="UTC"))]  # fmt: skip
    assert len(week_runs) == 6
    assert ev["done"] == pytest.approx(week_runs["distance_m"].sum(), rel=1e-6)
    assert ev["vdot_now"] is not None
    assert f"({ev['compliance']:.0%})" in review[0]["explanation"]
    nxt = plan_frame(s, "demo")
    nxt = nxt[(nxt["date"] >= pd.Timestamp(day(7))) & (nxt["date"] < pd.Timestamp(day(14)))]
    if ev["compliance"] < 0.7:  # repeated: next week's runs carry the review
        assert nxt["purpose"].str.startswith("Repeat of last week's volume").any()
    else:
        assert "proceeds as planned" in review[0]["explanation"]
    again = cli("log", *store, "--date", f"{day(6)}", "--note", "stretching")
    assert not any(a["rule"] == "week_review" for a in again["adaptations"]), "reviewed once"
