"""``coachkit predict`` end to end, on the demo athlete: a real hilly GPX from ../shared, hand-made
courses (flat, up and down one hill), the FIT export, miles, and bad input (exit 2, one line)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coachkit.cli import app
from tests.conftest import SAMPLE, real_file

runner = CliRunner()
DAY = "2021-03-14"  # the demo athlete's last run
HILLY = "gpx/sportslib_movescount_run.gpx"  # 12.3 km, about 500 m up and down (Movescount)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from coachkit.app.ingest import ingest
    from coachkit.store import Store

    root = tmp_path_factory.mktemp("predict") / "store"
    s = Store(root)
    ingest(s, [SAMPLE], "demo")
    s.close()
    return root


def _predict(store: Path, *args: str) -> dict:
    result = runner.invoke(app, ["predict", *args, "--store", str(store), "--date", DAY, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _course_gpx(path: Path, elevations: list[float], step_deg: float = 0.001) -> Path:
    """A course due north from 45°N 5°E, one point every ``step_deg`` of latitude (~111 m),
    without timestamps (a planned route, as race organisers publish them)."""
    points = "".join(
        f'<trkpt lat="{45 + i * step_deg:.6f}" lon="5.0"><ele>{z}</ele></trkpt>'
        for i, z in enumerate(elevations)
    )
    path.write_text(
        '<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>{path.stem}</name><trkseg>{points}</trkseg></trk></gpx>"
    )
    return path


def test_a_real_hilly_course_is_slower_than_the_flat_of_the_same_distance(store):
    course = _predict(store, "--course", str(real_file(HILLY)))
    assert {"seconds", "low", "high", "splits", "distance_m", "sentence"} <= set(course)
    assert course["low"] <= course["seconds"] <= course["high"]
    assert len(course["splits"]) == math.ceil(course["distance_m"] / 1000.0)
    assert all(s["distance_m"] == 1000.0 for s in course["splits"][:-1])
    assert course["elevation_gain_m"] > 300.0 and course["elevation_loss_m"] > 300.0
    flat = _predict(store, "--distance-m", str(course["distance_m"]))
    assert course["seconds"] > flat["seconds"] * 1.05
    assert course["low"] > flat["low"] and course["high"] > flat["high"]
    assert course["flat_seconds"] == flat["seconds"]
    assert course["splits"][-1]["cumulative_seconds"] == pytest.approx(course["seconds"], abs=1)
    assert "m of climbing" in course["sentence"] and "/km" in course["sentence"]


def test_a_flat_course_equals_the_flat_distance_to_the_second(store, tmp_path):
    gpx = _course_gpx(tmp_path / "flat.gpx", [42.0] * 91)  # ~10 km at 42 m
    course = _predict(store, "--course", str(gpx))
    flat = _predict(store, "--distance-m", str(course["distance_m"]))
    assert 9_900 < course["distance_m"] < 10_100 and course["elevation_gain_m"] == 0.0
    for key in ("seconds", "low", "high"):
        assert round(course[key]) == round(flat[key]), key
    assert len(course["splits"]) == len(flat["splits"]) == 11


def test_up_then_down_the_same_hill_is_slower_than_flat(store, tmp_path):
    """Minetti's cost is asymmetric: what the climb costs, the descent does not give back."""
    up_down = [100.0 + 4.0 * min(i, 90 - i) for i in range(91)]  # +/-3.6 %, 180 m up and down
    course = _predict(store, "--course", str(_course_gpx(tmp_path / "hill.gpx", up_down)))
    flat = _predict(store, "--distance-m", str(course["distance_m"]))
    assert course["elevation_gain_m"] == pytest.approx(course["elevation_loss_m"], abs=1.0)
    assert course["seconds"] > flat["seconds"]
    ups = [s["pace_s_per_km"] for s in course["splits"][:4]]
    downs = [s["pace_s_per_km"] for s in course["splits"][6:10]]
    assert min(ups) > flat["splits"][0]["pace_s_per_km"] > max(downs)


def test_a_course_in_miles_has_one_split_per_mile(store, tmp_path):
    gpx = _course_gpx(tmp_path / "miles.gpx", [10.0 + i for i in range(91)])
    doc = json.loads(
        runner.invoke(
            app,
            ["predict", "--course", str(gpx), "--store", str(store), "--date", DAY]
            + ["--format", "json", "--units", "mi"],
        ).stdout
    )
    assert len(doc["splits"]) == math.ceil(doc["distance_m"] / 1609.344)
    assert all(s["pace"].endswith("/mi") for s in doc["splits"])
    assert "/km" not in doc["sentence"] and " km" not in doc["race_explanation"]


def test_the_table_shows_splits_and_the_sentence(store):
    result = runner.invoke(
        app, ["predict", "--distance-m", "5000", "--store", str(store), "--date", DAY]
    )
    assert result.exit_code == 0, result.output
    assert "on a flat 5.0 km" in result.stdout and "/km" in result.stdout


def test_the_pacing_plan_exports_as_a_fit_workout(store, tmp_path):
    fitdecode = pytest.importorskip("fitdecode")
    out = tmp_path / "race.fit"
    doc = _predict(store, "--course", str(real_file(HILLY)), "--export-fit", str(out))
    steps = []
    with fitdecode.FitReader(str(out)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "workout_step":
                steps.append({f.name: f.value for f in frame.fields})
    assert len(steps) == len(doc["splits"])
    for step, split in zip(steps, doc["splits"]):
        speed = 1000.0 / split["pace_s_per_km"]
        assert step["custom_target_speed_low"] < speed < step["custom_target_speed_high"]


def _one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("Error: "), result.output
    return errors[0]


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        ([], "--course FILE.gpx or --distance-m"),
        (["--course", "x.gpx", "--distance-m", "5000"], "--course FILE.gpx or --distance-m"),
        (["--course", "missing.gpx"], "no such file"),
        (["--course", "notes.gpx"], "not well-formed XML"),
        (["--course", "run.tcx"], "not a GPX document"),
        (["--course", "empty.gpx"], "fewer than 2"),
        (["--course", "short.gpx"], "1-100 km"),
        (["--distance-m", "10000", "--dew-point-c", "10"], "a dew point needs the air temperature"),
        (["--distance-m", "10000", "--temp-c", "20", "--dew-point-c", "25"], "at most the temp"),
    ],
)
def test_bad_input_exits_2_with_one_line(store, tmp_path, monkeypatch, args, expect):
    monkeypatch.chdir(tmp_path)
    Path("x.gpx").write_text("<gpx/>")
    Path("notes.gpx").write_text("shopping list: eggs, milk")
    Path("run.tcx").write_text("<TrainingCenterDatabase/>")
    Path("empty.gpx").write_text('<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk/></gpx>')
    _course_gpx(Path("short.gpx"), [0.0, 1.0, 2.0])  # 222 m
    result = runner.invoke(app, ["predict", *args, "--store", str(store), "--date", DAY])
    assert expect in _one_line_error(result)


def test_a_gzipped_course_reads_as_the_course(store, tmp_path):
    import gzip

    gpx = _course_gpx(tmp_path / "hill.gpx", [100.0 + 3.0 * min(i, 40 - i) for i in range(41)])
    packed = tmp_path / "hill.gpx.gz"
    packed.write_bytes(gzip.compress(gpx.read_bytes()))
    assert _predict(store, "--course", str(packed)) == _predict(store, "--course", str(gpx))


def test_race_day_heat_and_altitude_slow_every_split_by_the_cited_factor(store):
    """30 °C with dew point 22 °C is 158 °F on Hadley's temperature + dew point table, whose
    151-160 °F band is 4.5-6 %: interpolated, 158 °F is 4.5 + 1.5 × 7/9 = 5.67 % (within the
    band's 1 °F steps). 1,500 m is 1.2 × 6.3 % = 7.56 % below sea-level VO2max (Wehrlin &
    Hallén 2006, 6.3 % per 1000 m above 300 m), a pace factor of 1 / (1 - 0.0756)."""
    flat = _predict(store, "--distance-m", "10000")
    hot = _predict(store, "--distance-m", "10000", "--temp-c", "30", "--dew-point-c", "22")
    hot_args = ("--distance-m", "10000", "--temp-c", "30", "--dew-point-c", "22")
    high = _predict(store, *hot_args, "--altitude-m", "1500")
    heat = hot["seconds"] / flat["seconds"]
    assert 1.045 <= heat <= 1.06, heat
    assert high["seconds"] / hot["seconds"] == pytest.approx(1 / (1 - 0.0756), rel=2e-3)
    for key in ("low", "high"):  # the interval moves with the time (times are rounded)
        assert hot[key] / flat[key] == pytest.approx(heat, rel=1e-3)
    slower = [s["seconds"] / f["seconds"] for s, f in zip(hot["splits"], flat["splits"])]
    assert slower == pytest.approx([heat] * len(flat["splits"]), rel=1e-3)
    assert "Hadley" in hot["sentence"] and "Wehrlin" in high["sentence"]
