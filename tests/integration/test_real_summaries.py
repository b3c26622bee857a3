"""Summary/API readers on the real files of SOURCES.md: Strava API JSON, NRC JSON, intervals.icu
CSV and the Elevate history. Expected values were read from the files by hand (plain ``json`` /
``csv`` one-off scripts) or with fitdecode 0.11, never with the code under test.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from coachkit.io import NothingToImport, read_bytes
from coachkit.io.base import finish_activity
from coachkit.io.errors import UnreadableFile
from coachkit.io.strava_json import combine_strava, read_strava_activity, read_strava_streams
from tests.conftest import real_file

RECIFE = "athlete_history/runpandas_recife_runner/extra_formats/"
INTERVALS = "athlete_history/intervals_icu_runner/activities_2022-01-01_to_2024-01-30.csv"
ELEVATE = "athlete_history/elevate_multisport_athlete/activities_2011-02-05_to_2015-06-27.json"
NOW = pd.Timestamp("2025-01-01", tz="UTC")  # quality flags need a "now"; any day after the data


def _read(rel: str):
    path = real_file(rel)
    return read_bytes(path.read_bytes(), name=path.name)


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


# -- every file parses or is refused with a reason --------------------------------------------

NOT_ACTIVITY_DATA = {  # sniff already knows these are valid files without training data
    "stravalib_athlete.3.json",
    "stravalib_example_zone_response.json",
    "stravalib_strava_swagger.json",
}
STREAMS_WITHOUT_START = {  # flattened streams with no start: need their activity JSON
    "sportslib_strava_streams_run_3156040843.json",
    "sportslib_strava_streams_run_3183465494.json",
}


def test_every_strava_api_and_summary_file_parses_or_is_refused_with_a_reason(real_dir: Path):
    files = (
        sorted((real_dir / "strava_api").iterdir())
        + [
            real_dir / RECIFE / n
            for n in (
                "2020-08-07_nikerun_api_feaf2949.json",
                "2020-12-06_strava_api_activity.json",
                "2020-12-06_strava_api_streams.json",
            )
        ]
        + [real_dir / INTERVALS, real_dir / ELEVATE]
    )
    assert len(files) == 13
    for path in files:
        try:
            parsed = read_bytes(path.read_bytes(), name=path.name)
        except NothingToImport:
            assert path.name in NOT_ACTIVITY_DATA, path.name
            continue
        except UnreadableFile as exc:
            assert path.name in STREAMS_WITHOUT_START or "start" in str(exc), path.name
            continue
        assert path.name not in NOT_ACTIVITY_DATA | STREAMS_WITHOUT_START, path.name
        assert parsed.activities, path.name
        for act in parsed.activities:
            done = finish_activity(act, now=NOW)
            assert done.summary["start_time"].tzinfo is not None
            assert "date_implausible" not in done.flags, path.name


def test_streams_alone_explain_how_to_import_them():
    with pytest.raises(UnreadableFile, match="together with the activity JSON"):
        _read(RECIFE + "2020-12-06_strava_api_streams.json")


# -- Strava API activities ----------------------------------------------------------------------


def test_stravalib_detailed_activity():
    act = _read("strava_api/stravalib_activity.3.json").activities[0]
    s = act.summary
    # stravalib_activity.3.json: start_date 2013-12-12T19:36:41Z, local 11:36:41 (UTC-8),
    # distance 5781.1, moving 2892, elapsed 3140, total_elevation_gain 13.5, type Run
    assert s["start_time"] == _ts("2013-12-12T19:36:41Z")
    assert s["utc_offset_s"] == -8 * 3600
    assert s["sport"] == "run" and act.source_kind == "strava_api"
    assert (s["distance_m"], s["moving_time_s"], s["elapsed_time_s"]) == (5781.1, 2892, 3140)
    assert s["elevation_gain_m"] == 13.5
    assert s["name"] == "Lunch Rover Shuffle-Walk-Yog with Todd"
    assert act.flags == [] and act.samples is None


def test_stravalib_manual_activity_is_flagged():
    act = _read("strava_api/stravalib_activity-manual.3.json").activities[0]
    # SOURCES.md: MANUAL entry, Hike 2013-11-17; file: start_date 16:00:00Z, distance 22530.8
    assert act.flags == ["manual"] and act.samples is None
    assert act.summary["sport"] == "walk"
    assert act.summary["start_time"] == _ts("2013-11-17T16:00:00Z")
    assert act.summary["distance_m"] == 22530.8 and act.summary["elapsed_time_s"] == 38700


def test_recife_strava_activity_with_laps():
    act = _read(RECIFE + "2020-12-06_strava_api_activity.json").activities[0]
    s = act.summary
    # SOURCES.md: run of 2020-12-06 09:36Z, 12.0 km, avg HR 148.5; file: distance 12019.7,
    # utc_offset -10800, max_heartrate 163, average_cadence 84.4 (per leg), 13 laps
    assert s["start_time"] == _ts("2020-12-06T09:36:27Z")
    assert s["utc_offset_s"] == -10800
    assert s["distance_m"] == pytest.approx(12019.7)
    assert (s["avg_hr"], s["max_hr"]) == (148.5, 163.0)
    assert s["avg_cadence_spm"] == pytest.approx(168.8)
    assert (s["moving_time_s"], s["elapsed_time_s"]) == (4783, 5145)
    assert len(act.laps) == 13
    first = act.laps.iloc[0]  # laps[0]: 1005.34 m, 425 s, avg HR 135.9
    assert (first["distance_m"], first["elapsed_time_s"], first["avg_hr"]) == (1005.34, 425, 135.9)
    assert act.laps["distance_m"].sum() == pytest.approx(12019.7, rel=0.01)


def test_recife_activity_combined_with_its_streams():
    activity = read_strava_activity(
        real_file(RECIFE + "2020-12-06_strava_api_activity.json").read_bytes()
    )
    streams = real_file(RECIFE + "2020-12-06_strava_api_streams.json").read_bytes()
    combined = combine_strava(activity, streams)
    act = finish_activity(combined.activities[0], now=NOW)
    s = act.samples
    # SOURCES.md: 1747 samples, 12.0 km, avg HR 148.5. streams file: time 0..5145 s, last distance
    # 12019.7, heartrate plain mean 148.655 (max 163), first latlng (-8.016994, -34.847439),
    # first cadence 79 per leg
    assert act.source_kind == "strava_streams"
    assert len(s) == 1747
    assert s["timestamp"].iloc[0] == _ts("2020-12-06T09:36:27Z")
    assert s["timestamp"].iloc[-1] == _ts("2020-12-06T11:02:12Z")  # + 5145 s
    assert s["distance_m"].max() == pytest.approx(12019.7)
    assert s["hr_bpm"].mean() == pytest.approx(148.655, abs=0.01)
    assert s["hr_bpm"].max() == 163
    assert (s["lat"].iloc[0], s["lon"].iloc[0]) == (-8.016994, -34.847439)
    assert s["cadence_spm"].iloc[0] == 158
    assert act.summary["avg_hr"] == 148.5  # the stated figure wins over the samples
    assert act.summary["has_samples"] is True
    assert "no_hr" not in act.flags
    # the streams stop for 132 s at t=2403 and 85 s at t=2535 (a stop: elapsed 5145 s vs moving
    # 4783 s): a pause without movement, which is not a GPS gap
    assert s["t_s"].diff().max() == 132
    assert "gps_gaps" not in act.flags


def test_sportslib_streams_placed_at_the_fit_start():
    data = real_file("strava_api/sportslib_strava_streams_run_3156040843.json").read_bytes()
    # fitdecode 0.11 on fit/elevate_bloemendaal_suunto_trail_power.fit (same run, SOURCES.md):
    # session start_time 2020-03-04T16:14:31Z, total_distance 6458.0 m, elapsed 2196 s
    start = _ts("2020-03-04T16:14:31Z")
    act = read_strava_streams(data, start_time=start, sport="trail_run").activities[0]
    s = act.samples
    # streams file: 2197 points, time 0..2196, distance 6458.0, heartrate mean 147.44,
    # cadence mean 89.96 per leg, watts mean 226.8 over 2148 values, temp 18..25 °C
    assert len(s) == 2197
    assert s["timestamp"].iloc[-1] == start + pd.Timedelta(seconds=2196)
    assert s["distance_m"].max() == pytest.approx(6458.0, rel=0.01)
    assert s["hr_bpm"].mean() == pytest.approx(147.44, abs=0.01)
    assert s["cadence_spm"].mean() == pytest.approx(2 * 89.963, abs=0.01)
    assert s["power_w"].count() == 2148 and s["power_w"].mean() == pytest.approx(226.797, abs=0.01)
    assert (s["temperature_c"].min(), s["temperature_c"].max()) == (18, 25)


def test_elevate_athlete_activity_page():
    parsed = _read("strava_api/elevate_athlete_activities_page.json")
    acts = parsed.activities
    # SOURCES.md: 50 SummaryActivity, 36 Ride, 6 Run, ...; file: + 4 InlineSkate, 3 Hike, 1 VirtualRide
    assert len(acts) == 50 and parsed.warnings == []
    assert Counter(a.summary["sport"] for a in acts) == {
        "ride": 37,
        "run": 6,
        "walk": 3,
        "other": 4,
    }
    assert {a.source_kind for a in acts} == {"strava_api"}
    first = acts[0].summary  # entry 0: Ride 2019-03-12T16:39:48Z, 27189 m, avg HR 169.4
    assert first["start_time"] == _ts("2019-03-12T16:39:48Z")
    assert (first["distance_m"], first["avg_hr"], first["utc_offset_s"]) == (27189, 169.4, 3600)
    assert "avg_power_w" not in first  # device_watts false: estimated watts
    run = next(a.summary for a in acts if a.summary.get("external_id") == "strava:906581465")
    # id 906581465: Run 2017-03-19T16:49:30Z, 4589.4 m, moving 1887 s, HR 145.7/176, cadence 79
    assert run["sport"] == "run" and run["start_time"] == _ts("2017-03-19T16:49:30Z")
    assert (run["distance_m"], run["moving_time_s"], run["elapsed_time_s"]) == (4589.4, 1887, 1958)
    assert (run["avg_hr"], run["max_hr"], run["avg_cadence_spm"]) == (145.7, 176, 158)


# -- Nike Run Club ------------------------------------------------------------------------------


def test_nike_run_json_against_the_same_runs_nrc_gpx():
    act = _read(RECIFE + "2020-08-07_nikerun_api_feaf2949.json").activities[0]
    s = act.summary
    # NRC JSON: start_epoch_ms 1596791711278, end 1596793105241, active_duration_ms 1365166,
    # summaries distance total 3.371298 km, heart_rate mean 174, ascent total 6.85 m;
    # 252 heart_rate values, max 186
    assert act.source_kind == "nike_json" and s["sport"] == "run"
    assert s["start_time"] == _ts("2020-08-07T09:15:11.278Z")
    assert s["elapsed_time_s"] == pytest.approx(1393.963)
    assert s["moving_time_s"] == pytest.approx(1365.166)
    assert s["distance_m"] == pytest.approx(3371.3, abs=0.1)
    assert s["avg_hr"] == 174 and s["elevation_gain_m"] == pytest.approx(6.85)
    samples = act.samples
    assert samples["hr_bpm"].count() == 252 and samples["hr_bpm"].max() == 186
    assert samples["distance_m"].iloc[-1] == pytest.approx(3371.3, rel=0.01)
    # nrc_gpx/2020-08-07T091514Z_feaf2949-...gpx read by hand: 404 trkpts, first at
    # 2020-08-07T09:15:14Z (-8.04584830816796, -34.895496899134905), last 09:38:22.999Z.
    # The GPX's own point-to-point distance is 4500.9 m: NRC's GPS jumps about (the app's
    # distance, 3.37 km in 22:45 at its stated 6:45 min/km mean pace, is the one to trust).
    gpx_start = _ts("2020-08-07T09:15:14Z")
    assert abs((s["start_time"] - gpx_start).total_seconds()) < 5
    assert samples["timestamp"].iloc[0] == gpx_start
    assert samples["lat"].dropna().iloc[0] == pytest.approx(-8.04584830816796)
    assert samples["timestamp"].iloc[-1] == _ts("2020-08-07T09:38:22Z")


# -- intervals.icu ------------------------------------------------------------------------------


def test_intervals_icu_history():
    parsed = _read(INTERVALS)
    acts = parsed.activities
    # csv module on the file: 740 rows, dates 2022-01-01..2024-01-30, sum dist_m 3947.353 km,
    # 2 rows without hr; names: 5 "... Trail Running", 1 "Treadmill Running",
    # 1 "Late night treadmill"
    assert len(acts) == 740 and parsed.warnings == []
    starts = [a.summary["start_time"] for a in acts]
    assert min(starts).date().isoformat() == "2022-01-01"
    assert max(starts).date().isoformat() == "2024-01-30"
    assert len(set(starts)) == 740  # same-day runs keep distinct starts
    assert sum(a.summary["distance_m"] for a in acts) == pytest.approx(3947353.21, abs=1)
    assert sum("avg_hr" not in a.summary for a in acts) == 2
    assert Counter(a.summary["sport"] for a in acts) == {"run": 733, "trail_run": 5, "treadmill": 2}
    assert all(a.flags == ["time_unknown"] and a.source_kind == "intervals_csv" for a in acts)
    first = acts[0].summary  # row 2: 2022-03-31,13867.66,3604,156,84.3,74,San Mateo Running
    assert first["start_time"] == _ts("2022-03-31T12:00:00Z")
    assert (first["distance_m"], first["moving_time_s"], first["avg_hr"]) == (13867.66, 3604, 156)
    assert (first["external_load"], first["external_intensity"]) == (74, 84.3)
    assert first["name"] == "San Mateo Running"


# -- Elevate ------------------------------------------------------------------------------------


def test_elevate_multisport_history():
    parsed = _read(ELEVATE)
    acts = parsed.activities
    # SOURCES.md: 410 activities 2011-02-05..2015-06-27, ~half with HR. json module on the file:
    # types Ride 377 (2 on a trainer), Walk 19, AlpineSki 9, Run 4, Hike 1; 166 with heartRateData
    assert len(acts) == 410 and parsed.warnings == []
    assert Counter(a.summary["sport"] for a in acts) == {
        "ride": 377,
        "walk": 20,
        "other": 9,
        "run": 4,
    }
    assert sum("avg_hr" in a.summary for a in acts) == 166
    assert not any("avg_power_w" in a.summary for a in acts)  # no record has a power meter
    assert {a.source_kind for a in acts} == {"elevate_json"}
    first = acts[0].summary  # record 0: AlpineSki "Les 2 Alpes" 2011-02-05T11:03:49+0000
    assert first["sport"] == "other" and first["name"] == "Les 2 Alpes"
    assert first["start_time"] == _ts("2011-02-05T11:03:49Z")
    assert acts[-1].summary["start_time"] == _ts("2015-06-27T11:20:30Z")
    run = next(a.summary for a in acts if a.summary["external_id"] == "strava:147353543")
    # id 147353543: Run 2014-05-30T15:58:56+0000, distance_raw 6801, elapsed 3436, moving 2970,
    # elevation_gain_raw 69.8, averageHeartRate 158.035, maxHeartRate 189
    assert run["sport"] == "run" and run["start_time"] == _ts("2014-05-30T15:58:56Z")
    assert (run["distance_m"], run["elapsed_time_s"], run["moving_time_s"]) == (6801, 3436, 2970)
    assert run["elevation_gain_m"] == 69.8
    assert run["avg_hr"] == pytest.approx(158.035, abs=0.001) and run["max_hr"] == 189
