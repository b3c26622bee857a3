"""GPX and TCX readers on the real files in shared/data/real.

Reference values were computed once, independently of coachkit, with a throw-away script that
walks the XML with ``xml.etree.ElementTree`` by hand (regular expressions for the two malformed
files), de-duplicates points by timestamp, and sums a hand-written haversine (R = 6371008.8 m)
within track segments. TCX lap figures are the plain sums / time-weighted means of the lap
elements. SOURCES.md rows are quoted where they state a figure.
"""

from __future__ import annotations

import time

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coachkit.io import sniff
from coachkit.io.base import ParsedFile, finish_activity
from coachkit.io.errors import UnreadableFile
from coachkit.io.gpx import read_gpx
from coachkit.io.tcx import read_tcx
from tests.conftest import REAL, real_file

RECIFE = "athlete_history/runpandas_recife_runner"
_GLOBS = (
    "gpx/*.gpx",
    "strava_export/*.gpx",
    "tcx/*.tcx",
    f"{RECIFE}/**/*.gpx",
    f"{RECIFE}/**/*.tcx",
)
ALL_XML = (
    sorted({str(p.relative_to(REAL)) for g in _GLOBS for p in REAL.glob(g)})
    if REAL.is_dir()
    else []
)
EXPECTED_QUARANTINE: set[str] = set()  # both odd_* malformed files are recovered (see below)


def read(relpath: str) -> ParsedFile:
    path = real_file(relpath)
    reader = read_gpx if relpath.endswith(".gpx") else read_tcx
    return reader(path.read_bytes(), name=path.name)


def first(relpath: str):
    return finish_activity(read(relpath).activities[0])


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def hr_mean(act) -> float:
    hr = act.samples["hr_bpm"]
    return float(hr[hr > 0].mean())


@pytest.mark.parametrize("relpath", ALL_XML)
def test_every_real_gpx_and_tcx_parses_or_quarantines(relpath):
    try:
        parsed = read(relpath)
    except UnreadableFile as exc:
        assert relpath in EXPECTED_QUARANTINE, f"{relpath} quarantined: {exc}"
        return
    assert relpath not in EXPECTED_QUARANTINE
    assert parsed.activities
    for act in parsed.activities:
        done = finish_activity(act, now=pd.Timestamp("2026-01-01", tz="UTC"))
        assert done.summary["sport"] in ("run", "ride")
        assert done.summary["start_time"].tzinfo is not None
        assert "date_implausible" not in done.flags and "time_inverted" not in done.flags
        if act.samples is not None:
            assert act.samples["timestamp"].is_monotonic_increasing
            assert (
                act.samples["cadence_spm"].dropna().lt(260).all()
            )  # steps/min or rpm, never doubled twice


def test_the_real_collection_is_all_there():
    real_file("gpx/sportslib_garmin_run.gpx")
    assert len(ALL_XML) >= 80  # 9 gpx + 2 strava_export + 11 tcx + 48 NRC GPX + 8 watch TCX + 2


# --- per-file facts: GPX --------------------------------------------------------------------------

GPX_FACTS = [
    # path, start, samples, distance_m, mean HR of samples (None: no HR)
    # SOURCES: Garmin FR220 3.7 min; GPS track length (the FIT odometer says 158.7 m, see below)
    ("gpx/heartandsole_testdata_fr220.gpx", "2021-04-16T13:37:53Z", 46, 187.5, 84.59),
    # SOURCES: 2017-10-08, 47 min, 4.5 km
    ("gpx/sportslib_2067489619_vivoactiveHR_run.gpx", "2017-10-08T14:54:11Z", 502, 4395.2, 134.14),
    # SOURCES: Amazfit 2018-05-14, 42 min, 8.7 km; HR as bare <heartrate> and gpxtpx:hr
    ("gpx/sportslib_amazfit_run.gpx", "2018-05-14T09:54:12Z", 1216, 8722.6, 146.49),
    # SOURCES: Garmin 2018-04-23, 23 min, 3.9 km
    ("gpx/sportslib_garmin_run.gpx", "2018-04-23T15:54:34Z", 217, 3874.7, 121.21),
    # SOURCES: Movescount 1h49, 12.3 km; the watch's own gpxdata:distance ends at 12052 m
    # (the GPS track sums to 12264.7 m)
    ("gpx/sportslib_movescount_run.gpx", "2018-05-13T14:11:03Z", 1592, 12052.0, 140.18),
    # SOURCES: TomTom 2017-05-27, 24 min, 4.8 km, no HR; a second, empty <trkseg/>
    ("gpx/runpandas_run_tomtom_noHR.gpx", "2017-05-27T08:13:01Z", 1424, 4806.8, None),
    # SOURCES: trail 2014-09-07, 6h30, 40.9 km, no HR; two segments
    ("gpx/sportslib_6909258631_trail_40km_noHR.gpx", "2014-09-07T08:03:31Z", 2665, 40836.1, None),
    # SOURCES: Strava export 2018-05-14, 2h09, 21.1 km, 1 s samples
    (
        "strava_export/sportslib_strava_export_half_marathon.gpx",
        "2018-05-14T14:54:21Z",
        7264,
        21117.9,
        145.39,
    ),
    # SOURCES: Strava export 2017-03-19, 33 min, 4.6 km
    (
        "strava_export/elevate_strava_export_20170319_run_906581465.gpx",
        "2017-03-19T16:49:30Z",
        1038,
        4589.2,
        146.49,
    ),
    # SOURCES: NRC run starting 2020-12-06T09:36:28Z
    (
        f"{RECIFE}/nrc_gpx/2020-12-06T093628Z_c74b49c3-6505-4874-9ef1-9f9cbd149896.gpx",
        "2020-12-06T09:36:28.872Z",
        1072,
        12211.6,
        170.03,
    ),
    # SOURCES: same run 2021-01-10 as the TCX, Strava export; 1697 points, one repeated time
    (
        f"{RECIFE}/extra_formats/2021-01-10_strava_export.gpx",
        "2021-01-10T08:54:28Z",
        1696,
        12594.6,
        151.24,
    ),
]


# The summary's average HR is over time, not over points (smart recording writes more points
# when HR changes): each point holds until the next, capped at 10 s. Computed independently
# with ElementTree + numpy on the raw XML (duplicate times dropped, first kept).
HR_OVER_TIME = {
    "gpx/heartandsole_testdata_fr220.gpx": 84.08,
    "gpx/sportslib_2067489619_vivoactiveHR_run.gpx": 130.93,  # the FIT session says 130
    "gpx/sportslib_amazfit_run.gpx": 146.57,
    "gpx/sportslib_garmin_run.gpx": 123.57,
    "gpx/sportslib_movescount_run.gpx": 141.92,
    "strava_export/sportslib_strava_export_half_marathon.gpx": 145.39,
    "strava_export/elevate_strava_export_20170319_run_906581465.gpx": 145.45,
    f"{RECIFE}/nrc_gpx/2020-12-06T093628Z_c74b49c3-6505-4874-9ef1-9f9cbd149896.gpx": 169.37,
    f"{RECIFE}/extra_formats/2021-01-10_strava_export.gpx": 150.80,
}


@pytest.mark.parametrize(("relpath", "start", "n", "distance_m", "hr"), GPX_FACTS)
def test_gpx_per_file_facts(relpath, start, n, distance_m, hr):
    act = first(relpath)
    assert act.summary["sport"] == "run"
    assert act.summary["start_time"] == ts(start)
    assert len(act.samples) == n
    assert act.summary["distance_m"] == pytest.approx(distance_m, rel=0.01)
    if hr is None:
        assert "no_hr" in act.flags
    else:
        assert hr_mean(act) == pytest.approx(hr, abs=0.05)  # plain mean of the points
        assert act.summary["avg_hr"] == pytest.approx(HR_OVER_TIME[relpath], abs=0.05)


def test_gpx_running_cadence_is_steps_per_minute():
    # hand count: gpxtpx:cad of the tiny Garmin file is 70, 75, 80 (per leg)
    s = first("gpx/runpandas_garmin_connect_tiny.gpx").samples
    assert s["cadence_spm"].tolist() == [140.0, 150.0, 160.0]
    # Strava-export cad has a per-leg median of 87 (ElementTree by hand)
    s = first(f"{RECIFE}/extra_formats/2021-01-10_strava_export.gpx").samples
    assert s["cadence_spm"].median() == 174.0


def test_gpx_sport_from_strava_numeric_type_and_names():
    assert (
        first("strava_export/elevate_strava_export_20170319_run_906581465.gpx").summary["name"]
        == "Run avec Nico & Mag"
    )
    parsed = read("strava_export/sportslib_strava_export_half_marathon.gpx")  # no <type>
    assert parsed.warnings == [
        "track '120' moderate and hard' states no activity type: taken as a run"
    ]
    assert parsed.activities[0].summary["device"] == "StravaGPX"


def test_gpx_temperature_from_atemp():
    # gpxtpx:atemp present on 7258 of 7264 points (ElementTree by hand)
    s = first("strava_export/sportslib_strava_export_half_marathon.gpx").samples
    assert s["temperature_c"].notna().sum() == 7258


def test_gpx_with_undeclared_prefix_is_recovered_whole():
    # SOURCES: not well-formed, undeclared namespace prefix (gpxdata) at line 17; decided: keep
    # the run. Regex count: 4040 timed points 2020-12-25T20:40:26Z..21:47:45Z, haversine 5103.0 m,
    # <type>9</type>, <cadence> per-leg median 73.
    parsed = read("gpx/odd_sportslib_6037744996_unbound_prefix.gpx")
    assert parsed.warnings[0].startswith(
        "malformed XML recovered: undeclared namespace prefix gpxdata"
    )
    assert "line 17, column 121" in parsed.warnings[0]
    act = finish_activity(parsed.activities[0])
    assert act.summary["sport"] == "run"
    assert act.summary["start_time"] == ts("2020-12-25T20:40:26Z")
    assert act.samples["timestamp"].iloc[-1] == ts("2020-12-25T21:47:45Z")
    assert len(act.samples) == 4040
    assert act.summary["distance_m"] == pytest.approx(5103.0, rel=0.01)
    assert act.samples["cadence_spm"][act.samples["cadence_spm"] > 0].median() == 146.0
    assert act.samples["temperature_c"].notna().any()  # gpxx:Temperature, "null" at the end


def test_large_gpx_parses_well_under_a_second():
    data = real_file(
        "strava_export/sportslib_strava_export_half_marathon.gpx"
    ).read_bytes()  # 2.6 MB
    t0 = time.perf_counter()
    read_gpx(data)
    assert time.perf_counter() - t0 < 1.0


# --- per-file facts: TCX --------------------------------------------------------------------------

TCX_FACTS = [
    # path, start, laps, samples, lap distance sum, lap time sum, time-weighted lap avg HR, max HR
    # SOURCES: FR15 10 km race 37 min, 11 laps, no HR
    (
        "tcx/gc_FR15_10k_race_noHR.tcx",
        "2014-10-11T18:08:45Z",
        11,
        686,
        10010.82,
        2223.803,
        None,
        None,
    ),
    # SOURCES: FR410 2012-12-26, 33 min, 3 laps
    (
        "tcx/runpandas_basic_fr410_run.tcx",
        "2012-12-26T21:29:53Z",
        3,
        383,
        4689.24,
        1992.78,
        160.24,
        189.0,
    ),
    # SOURCES: FR620 2018-11-25, 14 min, 3 laps
    (
        "tcx/runpandas_run_garmin_fr620.tcx",
        "2018-11-25T07:20:49Z",
        3,
        147,
        2153.67,
        816.0,
        142.02,
        153.0,
    ),
    # SOURCES: Suunto Spartan 2017-05-09, 29 min, 32 laps (laps carry no HR)
    (
        "tcx/sportslib_suunto_spartan_intervals.tcx",
        "2017-05-09T18:11:26Z",
        32,
        745,
        5729.0,
        1916.167,
        None,
        None,
    ),
    # SOURCES: Polar M400 2019-01-29, 1h05, 1 s samples
    (
        "tcx/sweatpy_3173437224_polarM400_run.tcx",
        "2019-01-29T10:25:13Z",
        2,
        3507,
        4508.5,
        3510.0,
        130.43,
        168.0,
    ),
    # SOURCES: vivoactive 3 2018-10-21, 28 min
    (
        "tcx/elevate_garmin_export_20181021_run_vivoactive3.tcx",
        "2018-10-21T13:50:14Z",
        3,
        422,
        2854.21,
        1679.0,
        148.13,
        181.0,
    ),
    # fitdecode 0.11 session of fit/heartandsole_testdata_fr220.fit: total_distance=158.71,
    # total_timer_time=190.355, avg_heart_rate=83
    (
        "tcx/heartandsole_testdata_fr220.tcx",
        "2021-04-16T13:37:53Z",
        4,
        46,
        158.71,
        190.355,
        82.49,
        100.0,
    ),
    # SOURCES: TomTom 2017-05-27, no HR
    (
        "tcx/runpandas_run_tomtom_noHR.tcx",
        "2017-05-27T08:13:01Z",
        1,
        1424,
        4824.94,
        1424.0,
        None,
        None,
    ),
    # SOURCES: recife watch TCX, local UTC-3 in the name (06:36 local)
    (
        f"{RECIFE}/watch_tcx/2020-12-06T06_36_21-300_Running.tcx",
        "2020-12-06T09:36:21Z",
        13,
        1747,
        12025.76,
        4923.0,
        147.59,
        163.0,
    ),
    # SOURCES: run 2021-01-10 08:54Z, 1h25, 12.6 km, with pauses
    (
        f"{RECIFE}/extra_formats/2021-01-10_stopped_example.tcx",
        "2021-01-10T08:54:22Z",
        3,
        1696,
        12008.08,
        4753.0,
        150.25,
        174.0,
    ),
]


@pytest.mark.parametrize(
    ("relpath", "start", "laps", "n", "distance_m", "moving_s", "avg_hr", "max_hr"), TCX_FACTS
)
def test_tcx_per_file_facts(relpath, start, laps, n, distance_m, moving_s, avg_hr, max_hr):
    act = first(relpath)
    assert act.summary["sport"] == "run"
    assert act.summary["start_time"] == ts(start)
    assert len(act.laps) == laps
    assert len(act.samples) == n
    assert act.summary["distance_m"] == pytest.approx(distance_m, rel=0.01)
    assert act.summary["moving_time_s"] == pytest.approx(moving_s, abs=0.01)
    if avg_hr is None:
        assert act.laps["avg_hr"].isna().all()
    else:
        assert act.summary["avg_hr"] == pytest.approx(avg_hr, abs=0.01)
        assert act.summary["max_hr"] == max_hr


def test_tcx_elapsed_time_includes_pauses():
    # first lap 08:54:22, last trackpoint 10:19:55 (by hand): 5133 s; laps' timer time 4753 s
    act = first(f"{RECIFE}/extra_formats/2021-01-10_stopped_example.tcx")
    assert act.summary["elapsed_time_s"] == 5133.0
    assert act.summary["moving_time_s"] == 4753.0


def test_tcx_run_cadence_and_device():
    act = first("tcx/runpandas_run_garmin_fr620.tcx")
    assert act.summary["device"] == "Garmin Forerunner 620"
    # RunCadence per-leg median 88 over 145 positive points (ElementTree by hand)
    cad = act.samples["cadence_spm"]
    assert cad[cad > 0].median() == 176.0


def test_tcx_multi_activity_file_holds_four_activities():
    # SOURCES: FR305, Running, Biking, Running, Biking over 2011-11-29..12-07; by hand, one lap each
    parsed = read("tcx/odd_gc_FR305_multi-activity_8days.tcx")
    acts = [finish_activity(a) for a in parsed.activities]
    assert [a.summary["sport"] for a in acts] == ["run", "ride", "run", "ride"]
    assert [a.summary["start_time"] for a in acts] == [
        ts("2011-11-29T12:12:00Z"),
        ts("2011-12-01T12:59:37Z"),
        ts("2011-12-04T15:26:28Z"),
        ts("2011-12-07T12:14:19Z"),
    ]
    assert [len(a.samples) for a in acts] == [656, 235, 733, 269]
    assert [a.summary["moving_time_s"] for a in acts] == [3601.84, 2767.31, 3623.59, 2597.27]
    assert [a.summary["avg_hr"] for a in acts] == [161.0, 129.0, 143.0, 128.0]
    assert acts[0].summary["distance_m"] == pytest.approx(7651.03, abs=0.01)
    assert acts[2].summary["distance_m"] == pytest.approx(9405.03, abs=0.01)
    assert acts[0].summary["device"] == "Forerunner305 (Unit ID 3815748186)"


def test_tcx_without_root_and_with_unbound_prefix_is_recovered():
    # SOURCES: not well-formed (unbound prefix at line 4653); it is runpandas_basic_fr410_run.tcx
    # without its <TrainingCenterDatabase> root, plus one trailing time-only trackpoint (384
    # times by regex). Decided: keep the run, warn.
    parsed = read("tcx/odd_runpandas_malformed.tcx")
    assert parsed.warnings[0].startswith("malformed XML recovered: undeclared namespace prefix xsi")
    assert "line 4653, column 6" in parsed.warnings[0]
    act = finish_activity(parsed.activities[0])
    assert act.summary["start_time"] == ts("2012-12-26T21:29:53Z")
    assert len(act.laps) == 3 and len(act.samples) == 384
    assert act.summary["distance_m"] == pytest.approx(4689.24, abs=0.01)
    assert act.summary["avg_hr"] == pytest.approx(160.24, abs=0.01)


# --- the same run in two formats ------------------------------------------------------------------


def test_fr220_gpx_and_tcx_agree():
    gpx = first("gpx/heartandsole_testdata_fr220.gpx")
    tcx = first("tcx/heartandsole_testdata_fr220.tcx")
    assert abs((gpx.summary["start_time"] - tcx.summary["start_time"]).total_seconds()) <= 5
    assert gpx.summary["elapsed_time_s"] == tcx.summary["elapsed_time_s"] == 222.0
    # the same HR stream (by hand: mean 84.59 in both); the TCX summary is the device's lap
    # average (82.49, FIT session 83), which also counts the time while paused differently
    assert hr_mean(gpx) == pytest.approx(hr_mean(tcx), abs=2)
    assert abs(gpx.summary["avg_hr"] - tcx.summary["avg_hr"]) < 2.5
    # Same fixes, so the GPS track length is the same; but on this 3-min jog the watch odometer
    # (158.7 m, = FIT total_distance) is 15 % below the GPS track (187.5 m): the GPS wandered
    # while the runner stood. 3 % agreement only holds between like measures.
    merged = gpx.samples.merge(tcx.samples, on="timestamp", suffixes=("_g", "_t"))
    assert len(merged) == 46
    assert (merged["lat_g"] - merged["lat_t"]).abs().max() < 1e-9
    assert tcx.summary["distance_m"] == pytest.approx(158.71, abs=0.01)
    assert gpx.summary["distance_m"] == pytest.approx(187.5, rel=0.01)


def test_tomtom_gpx_and_tcx_agree():
    gpx = first("gpx/runpandas_run_tomtom_noHR.gpx")
    tcx = first("tcx/runpandas_run_tomtom_noHR.tcx")
    assert gpx.summary["start_time"] == tcx.summary["start_time"] == ts("2017-05-27T08:13:01Z")
    assert len(gpx.samples) == len(tcx.samples) == 1424
    assert gpx.summary["distance_m"] == pytest.approx(tcx.summary["distance_m"], rel=0.03)
    assert "no_hr" in gpx.flags and "no_hr" in tcx.flags


def test_fr410_with_and_without_hr_agree():
    with_hr = first("tcx/runpandas_basic_fr410_run.tcx")
    no_hr = first("tcx/python-tcxparser_no_hr_fr410_run.tcx")
    assert with_hr.summary["start_time"] == no_hr.summary["start_time"]
    assert with_hr.summary["distance_m"] == no_hr.summary["distance_m"]
    assert with_hr.summary["moving_time_s"] == no_hr.summary["moving_time_s"]
    assert with_hr.summary["avg_hr"] == pytest.approx(160.24, abs=0.01)
    assert no_hr.summary.get("avg_hr") is None and "no_hr" in no_hr.flags
    assert no_hr.samples["hr_bpm"].isna().all()


def test_recife_2021_01_10_tcx_and_strava_gpx_agree():
    tcx = first(f"{RECIFE}/extra_formats/2021-01-10_stopped_example.tcx")
    gpx = first(f"{RECIFE}/extra_formats/2021-01-10_strava_export.gpx")
    # lap StartTime 08:54:22 is 6 s before the first recorded point (08:54:28)
    assert abs((gpx.summary["start_time"] - tcx.summary["start_time"]).total_seconds()) <= 10
    assert abs(gpx.summary["avg_hr"] - tcx.summary["avg_hr"]) < 2  # 151.24 vs 150.25
    assert gpx.summary["avg_cadence_spm"] == pytest.approx(tcx.summary["avg_cadence_spm"], abs=1)
    # watch odometer 12008 m vs the GPS track 12595 m (+4.9 %: 1-2 s fixes zig-zag)
    assert gpx.summary["distance_m"] == pytest.approx(tcx.summary["distance_m"], rel=0.05)


# --- hostile and broken input from real files -----------------------------------------------------


def test_gpx_named_tcx_is_sniffed_as_gpx_and_refused_by_the_tcx_reader():
    data = real_file("gpx/sportslib_garmin_run.gpx").read_bytes()
    assert sniff(data, "sportslib_garmin_run.tcx") == "gpx"
    with pytest.raises(UnreadableFile, match=r"not a TCX document.*GPX file"):
        read_tcx(data, name="sportslib_garmin_run.tcx")


@pytest.mark.parametrize(
    "relpath", ["gpx/sportslib_garmin_run.gpx", "tcx/runpandas_run_garmin_fr620.tcx"]
)
def test_real_file_truncated_in_half_keeps_the_first_half(relpath):
    data = real_file(relpath).read_bytes()
    full = read(relpath).activities[0]
    reader = read_gpx if relpath.endswith(".gpx") else read_tcx
    parsed = reader(data[: len(data) // 2])
    assert parsed.warnings[0].startswith("malformed XML recovered")
    half = parsed.activities[0].samples
    assert 0.3 * len(full.samples) < len(half) < 0.7 * len(full.samples)
    pd.testing.assert_frame_equal(
        half.iloc[:-1], full.samples.iloc[: len(half) - 1], check_exact=False
    )


def _real_bytes(relpath: str) -> bytes:
    path = REAL / relpath
    return path.read_bytes() if path.exists() else b""


HEARTANDSOLE_TCX = _real_bytes("tcx/heartandsole_testdata_fr220.tcx")
HEARTANDSOLE_GPX = _real_bytes("gpx/heartandsole_testdata_fr220.gpx")


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1))
def test_real_file_truncations_never_raise_anything_else(tcx_frac, gpx_frac):
    real_file("tcx/heartandsole_testdata_fr220.tcx")
    for reader, data, frac in (
        (read_tcx, HEARTANDSOLE_TCX, tcx_frac),
        (read_gpx, HEARTANDSOLE_GPX, gpx_frac),
    ):
        try:
            parsed = reader(data[: int(len(data) * frac)])
        except UnreadableFile:
            continue
        assert parsed.activities
