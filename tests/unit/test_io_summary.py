"""Summary and API readers on small hand-made inputs: Strava JSON, streams, NRC, CSVs, Elevate."""

from __future__ import annotations

import contextlib
import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coachkit.io import NothingToImport
from coachkit.io.csvtext import parse_number
from coachkit.io.elevate import read_elevate_json
from coachkit.io.errors import UnreadableFile
from coachkit.io.nike_json import read_nike_run_json
from coachkit.io.sports import strava_sport
from coachkit.io.strava_json import (
    combine_strava,
    read_strava_activity,
    read_strava_activity_list,
    read_strava_streams,
)
from coachkit.io.summary_csv import read_intervals_csv, read_strava_activities_csv
from coachkit.io.timeparse import parse_strava_date

UTC = "UTC"


def _json(obj: object) -> bytes:
    return json.dumps(obj).encode()


ACTIVITY = {
    "id": 42,
    "name": " Morning Run ",
    "type": "Run",
    "sport_type": "TrailRun",
    "start_date": "2021-06-01T05:00:00Z",
    "start_date_local": "2021-06-01T07:00:00Z",  # the "Z" is a lie: local wall clock, UTC+2
    "elapsed_time": 3700,
    "moving_time": 3600,
    "distance": 10000.0,
    "total_elevation_gain": 120.5,
    "average_heartrate": 150.2,
    "max_heartrate": 171.0,
    "average_cadence": 85.0,
    "average_watts": 250.0,
    "device_watts": False,
    "device_name": "Garmin Forerunner 255",
    "manual": False,
    "laps": [
        {
            "start_date": "2021-06-01T05:00:00Z",
            "elapsed_time": 1800,
            "moving_time": 1790,
            "distance": 5000.0,
            "average_heartrate": 145.0,
            "average_cadence": 84.0,
        },
        {"start_date": "2021-06-01T05:30:00Z", "elapsed_time": 1900, "distance": 5000.0},
    ],
}


# -- Strava activity --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "trainer", "expected"),
    [
        ("Run", None, "run"),
        ("TrailRun", None, "trail_run"),
        ("VirtualRun", None, "treadmill"),
        ("Run", True, "treadmill"),
        ("Ride", True, "ride"),
        ("VirtualRide", None, "ride"),
        ("MountainBikeRide", None, "ride"),
        ("GravelRide", None, "ride"),
        ("Hike", None, "walk"),
        ("Walk", None, "walk"),
        ("Swim", None, "swim"),
        ("WeightTraining", None, "strength"),
        ("Weight Training", None, "strength"),
        ("AlpineSki", None, "other"),
        ("InlineSkate", None, "other"),
        (None, None, "other"),
    ],
)
def test_strava_sport_types_map_to_canonical_sports(raw, trainer, expected):
    assert strava_sport(raw, trainer=trainer) == expected


def test_strava_activity_summary_states_what_the_api_says():
    act = read_strava_activity(_json(ACTIVITY)).activities[0]
    s = act.summary
    assert act.source_kind == "strava_api" and act.samples is None and act.flags == []
    assert s["sport"] == "trail_run"  # sport_type wins over the legacy type
    assert s["start_time"] == pd.Timestamp("2021-06-01T05:00:00", tz=UTC)
    assert s["utc_offset_s"] == 7200  # start_date_local - start_date when utc_offset is absent
    assert (s["elapsed_time_s"], s["moving_time_s"], s["distance_m"]) == (3700, 3600, 10000)
    assert s["elevation_gain_m"] == 120.5
    assert (s["avg_hr"], s["max_hr"]) == (150.2, 171.0)
    assert s["avg_cadence_spm"] == 170.0  # per leg 85 -> both feet
    assert "avg_power_w" not in s  # device_watts False: Strava's estimate, not a power meter
    assert s["name"] == "Morning Run" and s["device"] == "Garmin Forerunner 255"
    assert s["external_id"] == "strava:42"
    assert list(act.laps["distance_m"]) == [5000.0, 5000.0]
    assert act.laps["avg_cadence_spm"].iloc[0] == 168.0
    assert act.laps["start_time"].iloc[1] == pd.Timestamp("2021-06-01T05:30:00", tz=UTC)


def test_strava_activity_utc_offset_field_wins_and_measured_watts_are_kept():
    obj = dict(ACTIVITY, utc_offset=-10800.0, device_watts=True, type="Ride", sport_type=None)
    s = read_strava_activity(_json(obj)).activities[0].summary
    assert s["utc_offset_s"] == -10800
    assert s["avg_power_w"] == 250.0
    assert s["sport"] == "ride" and s["avg_cadence_spm"] == 85.0  # rides: rpm as recorded


def test_manual_strava_activity_is_flagged_and_has_no_samples():
    obj = {"start_date": "2013-11-17T16:00:00Z", "type": "Hike", "manual": True, "distance": 100}
    act = read_strava_activity(_json(obj)).activities[0]
    assert act.flags == ["manual"] and act.samples is None and act.summary["sport"] == "walk"


def test_strava_activity_without_start_date_is_unreadable():
    with pytest.raises(UnreadableFile, match="start_date"):
        read_strava_activity(_json({"type": "Run", "start_date": "now"}))
    with pytest.raises(UnreadableFile):
        read_strava_activity(b"[1, 2]")


def test_activity_list_keeps_every_sport_and_skips_entries_without_start():
    page = [
        [
            dict(ACTIVITY, laps=None),
            {"type": "Ride", "start_date": "2020-01-01T10:00:00Z"},
            {"type": "Run"},
            "junk",
        ]
    ]
    parsed = read_strava_activity_list(_json(page))
    assert [a.summary["sport"] for a in parsed.activities] == ["trail_run", "ride"]
    assert len(parsed.warnings) == 2
    with pytest.raises(NothingToImport):
        read_strava_activity_list(b"[]")
    with pytest.raises(UnreadableFile):
        read_strava_activity_list(_json([{"type": "Run"}]))


# -- Strava streams ---------------------------------------------------------------------------

STREAMS = {
    "time": [0, 1, 3],
    "latlng": [[45.0, 5.0], [45.0001, 5.0], None],
    "distance": [0.0, 11.1, 30.0],
    "velocity_smooth": [0.0, 3.0, 3.1],
    "heartrate": [100, 110, None],
    "cadence": [80, 85, 86],
    "watts": [None, 200, 210],
    "temp": [20, 20, 21],
    "altitude": [200.0, 200.5, 201.0],
    "moving": [False, True, True],
    "grade_smooth": [0.0, 0.5, 0.5],
}


def _three_shapes(streams: dict) -> list[bytes]:
    return [
        _json(streams),
        _json(
            {
                k: {"data": v, "series_type": "time", "resolution": "high"}
                for k, v in streams.items()
            }
        ),
        _json([{"type": k, "data": v} for k, v in streams.items()]),
    ]


@pytest.mark.parametrize("shape", [0, 1, 2], ids=["flattened", "key_by_type", "list"])
def test_streams_in_every_shape_give_the_same_samples(shape):
    data = _three_shapes(STREAMS)[shape]
    start = pd.Timestamp("2021-06-01T05:00:00", tz=UTC)
    parsed = read_strava_streams(data, start_time=start, sport="run")
    s = parsed.activities[0].samples
    assert parsed.activities[0].source_kind == "strava_streams"
    assert list(s["timestamp"]) == [start + pd.Timedelta(seconds=t) for t in (0, 1, 3)]
    assert list(s["t_s"]) == [0.0, 1.0, 3.0]
    assert list(s["cadence_spm"]) == [160.0, 170.0, 172.0]  # per leg x2 for runs
    assert list(s["speed_m_s"]) == [0.0, 3.0, 3.1]
    assert s["lat"].iloc[1] == 45.0001 and pd.isna(s["lat"].iloc[2])
    assert s["hr_bpm"].iloc[1] == 110 and pd.isna(s["hr_bpm"].iloc[2])
    assert s["power_w"].iloc[2] == 210 and s["temperature_c"].iloc[2] == 21
    assert list(s["distance_m"]) == [0.0, 11.1, 30.0]
    assert "moving" not in s.columns


def test_streams_without_a_start_time_ask_for_the_activity():
    with pytest.raises(UnreadableFile, match="ingest them together with the activity JSON"):
        read_strava_streams(_json(STREAMS))


def test_streams_with_a_start_date_key_stand_alone():
    data = _json(dict(STREAMS, start_date="2021-06-01T05:00:00Z", type="Ride"))
    act = read_strava_streams(data).activities[0]
    assert act.summary == {
        "start_time": pd.Timestamp("2021-06-01T05:00:00", tz=UTC),
        "sport": "ride",
    }
    assert act.samples["cadence_spm"].iloc[0] == 80  # a ride's cadence is rpm: not doubled


def test_streams_without_time_or_with_ragged_arrays():
    with pytest.raises(UnreadableFile, match="'time'"):
        read_strava_streams(
            _json({"heartrate": [1, 2]}), start_time=pd.Timestamp("2021-01-01", tz=UTC)
        )
    ragged = dict(STREAMS, heartrate=[100])
    parsed = read_strava_streams(_json(ragged), start_time=pd.Timestamp("2021-01-01", tz=UTC))
    assert len(parsed.activities[0].samples) == 3
    assert any("heartrate" in w for w in parsed.warnings)


def test_combine_strava_puts_streams_on_the_activity_clock():
    activity = read_strava_activity(_json(ACTIVITY))
    combined = combine_strava(activity, _json(STREAMS))
    act = combined.activities[0]
    assert act.source_kind == "strava_streams"
    assert act.summary["distance_m"] == 10000.0  # the activity's stated figures are kept
    assert act.samples["timestamp"].iloc[-1] == pd.Timestamp("2021-06-01T05:00:03", tz=UTC)
    assert act.samples["cadence_spm"].iloc[0] == 160.0  # trail run: doubled
    assert len(act.laps) == 2
    assert activity.activities[0].samples is None  # input untouched


# -- Nike Run Club ----------------------------------------------------------------------------

T0 = 1_600_000_000_000  # 2020-09-13T12:26:40Z in ms


def _nike(**extra) -> dict:
    def vals(*pairs):
        return [{"start_epoch_ms": a, "end_epoch_ms": b, "value": v} for a, b, v in pairs]

    return {
        "type": "run",
        "start_epoch_ms": T0,
        "end_epoch_ms": T0 + 10_000,
        "active_duration_ms": 9_000,
        "tags": {"location": "outdoors"},
        "summaries": [
            {"metric": "distance", "summary": "total", "value": 0.03},
            {"metric": "heart_rate", "summary": "mean", "value": 150},
        ],
        "metrics": [
            {
                "type": "distance",
                "unit": "KM",
                "source": "watch",
                "values": vals((T0, T0 + 4000, 0.01), (T0 + 4000, T0 + 8000, 0.02)),
            },
            {"type": "speed", "unit": "KMH", "values": vals((T0 + 4000, T0 + 4000, 36.0))},
            {"type": "heart_rate", "unit": "BPM", "values": vals((T0 + 2000, T0 + 2000, 140))},
            {"type": "latitude", "unit": "DD", "values": vals((T0, T0, 10.0))},
            {"type": "longitude", "unit": "DD", "values": vals((T0, T0, 20.0))},
            {"type": "nikefuel", "unit": "FUEL", "values": vals((T0, T0 + 4000, 3.0))},
        ],
        **extra,
    }


def test_nike_run_metrics_become_si_samples_with_a_running_odometer():
    act = read_nike_run_json(_json(_nike())).activities[0]
    s = act.summary
    assert act.source_kind == "nike_json" and s["sport"] == "run"
    assert s["start_time"] == pd.Timestamp(T0, unit="ms", tz=UTC)
    assert (s["elapsed_time_s"], s["moving_time_s"]) == (10.0, 9.0)
    assert s["distance_m"] == pytest.approx(30.0) and s["avg_hr"] == 150
    samples = act.samples.set_index("t_s")
    # seconds 0 (GPS), 2 (HR), 4 (distance, speed), 8 (distance): odometer 0 -> 10 -> 30 m
    assert list(samples.index) == [0.0, 2.0, 4.0, 8.0]
    assert list(samples["distance_m"]) == pytest.approx([0.0, 5.0, 10.0, 30.0])
    assert samples.loc[4.0, "speed_m_s"] == pytest.approx(10.0)  # 36 km/h
    assert samples.loc[2.0, "hr_bpm"] == 140 and samples.loc[0.0, "lat"] == 10.0


def test_nike_indoor_run_is_a_treadmill_and_deleted_runs_import_nothing():
    assert (
        read_nike_run_json(_json(_nike(tags={"location": "indoors"})))
        .activities[0]
        .summary["sport"]
        == "treadmill"
    )
    with pytest.raises(NothingToImport):
        read_nike_run_json(_json(_nike(delete_indicator=True)))
    with pytest.raises(UnreadableFile, match="start_epoch_ms"):
        read_nike_run_json(_json(_nike(start_epoch_ms="yesterday")))


# -- intervals.icu CSV ------------------------------------------------------------------------

INTERVALS = (
    "date,dist_m,mov_s,hr,intensity,load,name\n"
    "2022-03-31,13867.66,3604,156,84.3,74,San Mateo Running\n"
    "2022-03-29,3856.29,1196,150,79.2,21,Burlingame Running\n"
    "2022-03-29,1555.35,358,-,,7,Treadmill Running\n"
)


def test_intervals_rows_are_summaries_at_noon_utc_flagged_time_unknown():
    parsed = read_intervals_csv(INTERVALS.encode())
    a, b, c = parsed.activities
    assert a.summary == {
        "sport": "run",
        "start_time": pd.Timestamp("2022-03-31T12:00", tz=UTC),
        "distance_m": 13867.66,
        "moving_time_s": 3604.0,
        "avg_hr": 156.0,
        "external_load": 74.0,
        "external_intensity": 84.3,
        "name": "San Mateo Running",
    }
    assert a.flags == ["time_unknown"] and a.source_kind == "intervals_csv"
    # two runs on one date: 2 min apart, the lower row (earlier, file is newest first) at noon
    assert c.summary["start_time"] == pd.Timestamp("2022-03-29T12:00", tz=UTC)
    assert b.summary["start_time"] == pd.Timestamp("2022-03-29T12:02", tz=UTC)
    assert c.summary["sport"] == "treadmill" and "avg_hr" not in c.summary
    assert "external_intensity" not in c.summary


@pytest.mark.parametrize(
    "transform",
    [
        lambda t: ("\ufeff" + t).encode(),
        lambda t: t.replace("\n", "\r\n").encode(),
        lambda t: t.replace("\n", "\r").encode(),
        lambda t: t.encode("utf-16"),
    ],
    ids=["bom", "crlf", "cr", "utf16"],
)
def test_intervals_csv_survives_bom_and_line_endings(transform):
    parsed = read_intervals_csv(transform(INTERVALS))
    assert [a.summary["distance_m"] for a in parsed.activities] == [13867.66, 3856.29, 1555.35]


def test_intervals_garbage_row_is_skipped_not_the_file():
    text = INTERVALS + "not a date,1,2,3\n2022-03-01,5000,1500,140,,20,Ride to work\n"
    parsed = read_intervals_csv(text.encode())
    assert len(parsed.activities) == 4
    assert parsed.activities[-1].summary["sport"] == "ride"
    assert parsed.warnings == ["row 5: unreadable date 'not a date', skipped"]


def test_intervals_empty_or_header_only():
    with pytest.raises(UnreadableFile, match="empty"):
        read_intervals_csv(b"")
    with pytest.raises(NothingToImport):
        read_intervals_csv(b"date,dist_m,mov_s,hr,intensity,load,name\r\n")
    with pytest.raises(UnreadableFile):
        read_intervals_csv(b"date,dist_m\nxx,1\n")
    with pytest.raises(UnreadableFile, match="'date'"):
        read_intervals_csv(b"day,dist_m,mov_s\n2022-01-01,1,2\n")


# -- Strava bulk-export activities.csv --------------------------------------------------------

# Strava's English header (first block in display units, detailed block after "Filename" in SI)
EN_HEADER = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,"
    "Distance,Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,"
    "Athlete Weight,Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed,"
    "Elevation Gain,Elevation Loss,Elevation Low,Elevation High,Max Grade,Average Grade,"
    "Average Positive Grade,Average Negative Grade,Max Cadence,Average Cadence,Max Heart Rate,"
    "Average Heart Rate,Max Watts,Average Watts,Calories"
)
EN_ROWS = [
    '906581465,"Mar 19, 2017, 4:49:30 PM",Run avec Nico & Mag,Run,"Nice, windy",1958,4.59,176,'
    "40,false,,,activities/906581465.gpx.gz,,,1958,1887,4589.4,5.1,2.43,33,30,200,230,8,0.1,"
    "2,2,90,79,176,145.7,,,400",
    '888821043,"Mar 5, 2017, 2:36:16 PM",Ride,Ride,,3048,20.10,,,false,,,activities/888821043.fit.gz,'
    ",,3048,2881,20100.5,,,,,,,,,,,,,,,,126.8,",
    '1,"Mar 6, 2017, 9:00:00 AM",Manual yoga,Yoga,,1800,,,,false,,,,,,,,,,,,,,,,,,,,,,,,',
]
ES_CSV = (
    "\ufeffID de la actividad,Fecha de la actividad,Nombre de la actividad,Tipo de actividad,"
    "Tiempo transcurrido,Distancia,Nombre del archivo,Tiempo transcurrido,Tiempo en movimiento,"
    "Distancia\r\n"
    '906581465,"19 mar 2017, 16:49:30",Carrera de tarde,Carrera,1958,"4,59",'
    'activities/906581465.gpx.gz,1958,1887,"4589,4"\r\n'
)
DE_CSV = (
    "\ufeffAktivitäts-ID,Aktivitätsdatum,Name der Aktivität,Aktivitätsart,Verstrichene Zeit,"
    "Distanz,Max. Herzfrequenz,Dateiname,Verstrichene Zeit,Bewegungszeit,Distanz,Höhenzunahme,"
    "Durchschnittliche Herzfrequenz\r\n"
    '906581465,"19.03.2017, 16:49:30",Lauf am Nachmittag,Lauf,1958,"4,59",176,'
    'activities/906581465.gpx.gz,1958,1887,"4.589,4","33,0",-\r\n'
)


def _en(*rows: str) -> bytes:
    return "\n".join([EN_HEADER, *rows]).encode()


def test_strava_export_english_rows_use_the_si_columns_and_link_their_files():
    parsed = read_strava_activities_csv(_en(*EN_ROWS))
    run, ride, yoga = parsed.activities
    s = run.summary
    assert run.source_kind == "strava_export_csv" and run.flags == []
    assert s["start_time"] == pd.Timestamp("2017-03-19T16:49:30", tz=UTC)
    assert s["sport"] == "run" and s["name"] == "Run avec Nico & Mag"
    assert s["distance_m"] == 4589.4  # the metres column, not 4.59 km
    assert (s["elapsed_time_s"], s["moving_time_s"]) == (1958, 1887)
    assert (s["avg_hr"], s["max_hr"], s["elevation_gain_m"]) == (145.7, 176, 33)
    assert s["avg_cadence_spm"] == 158  # per leg 79 x2
    assert s["source_member"] == "activities/906581465.gpx.gz"
    assert s["external_id"] == "strava:906581465"
    assert ride.summary["sport"] == "ride" and ride.summary["avg_power_w"] == 126.8
    assert ride.summary["start_time"] == pd.Timestamp("2017-03-05T14:36:16", tz=UTC)
    assert yoga.flags == ["manual"] and "source_member" not in yoga.summary
    assert yoga.summary["start_time"] == pd.Timestamp("2017-03-06T09:00:00", tz=UTC)


def test_strava_export_with_only_the_first_distance_column_reads_km():
    data = (
        b"Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance,Filename\n"
        b'7,"Jan 2, 2016, 12:30:00 AM",Old run,Run,600,"2.50",activities/7.gpx\n'
    )
    s = read_strava_activities_csv(data).activities[0].summary
    assert s["distance_m"] == 2500.0
    assert s["start_time"] == pd.Timestamp("2016-01-02T00:30:00", tz=UTC)  # 12:30 AM


@pytest.mark.parametrize("data", [ES_CSV, DE_CSV], ids=["spanish", "german"])
def test_strava_export_localised_headers_dates_and_decimal_commas(data):
    act = read_strava_activities_csv(data.encode()).activities[0]
    s = act.summary
    assert s["sport"] == "run"
    assert s["start_time"] == pd.Timestamp("2017-03-19T16:49:30", tz=UTC)
    assert s["distance_m"] == pytest.approx(4589.4)
    assert (s["elapsed_time_s"], s["moving_time_s"]) == (1958, 1887)
    assert s["source_member"] == "activities/906581465.gpx.gz"


def test_strava_export_german_dash_is_missing_and_elevation_reads_decimal_comma():
    s = read_strava_activities_csv(DE_CSV.encode()).activities[0].summary
    assert "avg_hr" not in s and s["max_hr"] == 176 and s["elevation_gain_m"] == 33.0


def test_strava_export_garbage_row_mid_file_is_skipped_with_a_warning():
    parsed = read_strava_activities_csv(_en(EN_ROWS[0], "%%%garbage%%%", EN_ROWS[1]))
    assert len(parsed.activities) == 2
    assert parsed.warnings and parsed.warnings[0].startswith("row 3:")


def test_strava_export_header_only_empty_and_headerless():
    with pytest.raises(NothingToImport):
        read_strava_activities_csv(_en())
    with pytest.raises(UnreadableFile, match="empty"):
        read_strava_activities_csv(b"\xef\xbb\xbf\r\n")
    with pytest.raises(UnreadableFile, match="Activity Date"):
        read_strava_activities_csv(b"a,b,c\n1,2,3\n")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Mar 19, 2017, 9:12:34 AM", "2017-03-19T09:12:34"),
        ("Mar 19, 2017, 12:12:34 PM", "2017-03-19T12:12:34"),
        ("Sep 1, 2019, 11:59:59 PM", "2019-09-01T23:59:59"),
        ("19 mar 2017, 9:12:34", "2017-03-19T09:12:34"),
        ("19 dic. 2017, 21:12:34", "2017-12-19T21:12:34"),
        ("19 de marzo de 2017, 9:12:34 p. m.", "2017-03-19T21:12:34"),
        ("19.03.2017, 09:12:34", "2017-03-19T09:12:34"),
        ("1. Mai 2018, 07:00:00", "2018-05-01T07:00:00"),
        ("19 mars 2017 à 09:12:34", "2017-03-19T09:12:34"),
        ("19 août 2017, 09:12:34", "2017-08-19T09:12:34"),
        ("2017-03-19 09:12:34", "2017-03-19T09:12:34"),
    ],
)
def test_parse_strava_date_in_export_languages(text, iso):
    assert parse_strava_date(text) == pd.Timestamp(iso, tz=UTC)


@pytest.mark.parametrize(
    "text", ["", "garbage", "Foo 19, 2017, 9:12:34", "31.02.2017, 10:00:00", "now"]
)
def test_parse_strava_date_rejects_nonsense(text):
    assert parse_strava_date(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4.59", 4.59),
        ("4,59", 4.59),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("-", None),
        ("", None),
        (" 12 ", 12.0),
        ("abc", None),
        ("nan", None),
        ("1e999", None),
    ],
)
def test_parse_number_handles_decimal_commas_and_missing_marks(text, value):
    assert parse_number(text) == value


# -- Elevate ----------------------------------------------------------------------------------


def _elevate_record(**extra) -> dict:
    rec = {
        "id": 1,
        "name": "Sortie",
        "type": "Ride",
        "trainer": False,
        "hasPowerMeter": False,
        "start_time": "2014-05-30T15:58:56+0000",
        "distance_raw": 6801,
        "elapsed_time_raw": 3436,
        "moving_time_raw": 2970,
        "elevation_gain_raw": 69.8,
        "elevation_unit": "m",
        "extendedStats": {
            "heartRateData": {"averageHeartRate": 158.0, "maxHeartRate": 189},
            "powerData": {"avgWatts": 180.0, "hasPowerMeter": False},
        },
    }
    rec.update(extra)
    return rec


def test_elevate_record_summary_and_estimated_power_is_dropped():
    act = read_elevate_json(_json({"activities": [_elevate_record()]})).activities[0]
    assert act.source_kind == "elevate_json" and act.samples is None
    assert act.summary == {
        "sport": "ride",
        "start_time": pd.Timestamp("2014-05-30T15:58:56", tz=UTC),
        "distance_m": 6801.0,
        "elapsed_time_s": 3436.0,
        "moving_time_s": 2970.0,
        "elevation_gain_m": 69.8,
        "avg_hr": 158.0,
        "max_hr": 189.0,
        "name": "Sortie",
        "external_id": "strava:1",
    }


def test_elevate_power_meter_trainer_run_and_bad_records():
    recs = [
        _elevate_record(hasPowerMeter=True),
        _elevate_record(type="Run", trainer=True, extendedStats=None),
        _elevate_record(start_time=None),
        7,
    ]
    parsed = read_elevate_json(_json(recs))
    ride, run = parsed.activities
    assert ride.summary["avg_power_w"] == 180.0
    assert run.summary["sport"] == "treadmill" and "avg_hr" not in run.summary
    assert len(parsed.warnings) == 2
    with pytest.raises(NothingToImport):
        read_elevate_json(b'{"activities": []}')
    with pytest.raises(UnreadableFile):
        read_elevate_json(b'{"activities": 3}')


# -- robustness: random input only ever raises UnreadableFile ---------------------------------

READERS = [
    read_strava_activity,
    read_strava_activity_list,
    read_strava_streams,
    read_nike_run_json,
    read_intervals_csv,
    read_strava_activities_csv,
    read_elevate_json,
]
KEYS = st.sampled_from(
    [
        "start_date",
        "start_date_local",
        "utc_offset",
        "type",
        "sport_type",
        "distance",
        "time",
        "latlng",
        "heartrate",
        "cadence",
        "data",
        "laps",
        "metrics",
        "values",
        "start_epoch_ms",
        "end_epoch_ms",
        "unit",
        "value",
        "summaries",
        "activities",
        "start_time",
        "extendedStats",
        "heartRateData",
        "averageHeartRate",
        "id",
        "manual",
        "trainer",
        "tags",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["2020-01-01T00:00:00Z", "2020-13-45T99:00:00Z", "KM", "DD", "Run", "now"]),
)
JSONISH = st.recursive(
    SCALARS,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(KEYS, kids, max_size=6),
    max_leaves=25,
)
CSVISH = st.lists(
    st.lists(
        st.sampled_from(
            [
                "2022-01-01",
                "Mar 19, 2017, 9:12:34 AM",
                "-",
                "",
                "1,5",
                '"',
                "x",
                "date",
                "dist_m",
                "mov_s",
                "Activity Date",
                "Distance",
                "\r",
            ]
        ),
        max_size=8,
    ),
    max_size=6,
).map(lambda rows: "\n".join(",".join(r) for r in rows).encode())


def _only_unreadable(reader, data: bytes) -> None:
    with contextlib.suppress(UnreadableFile):
        reader(data)


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(st.binary(max_size=200), JSONISH.map(lambda o: json.dumps(o).encode()), CSVISH)
)
def test_random_input_raises_only_unreadable_file(reader, data):
    _only_unreadable(reader, data)


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_truncated_and_hostile_inputs_raise_only_unreadable_file(reader):
    samples = [
        _json(ACTIVITY)[:50],
        _json(STREAMS)[:-3],
        _json(_nike())[:120],
        INTERVALS.encode()[:30],
        b"[" * 100_000,
        b'{"time": [1e999]}',
        b"\xff\xfe\x00",
        b"\x00" * 64,
        _en(*EN_ROWS)[:90],
        _json({"time": [0, 10**30], "start_date": "2020-01-01T00:00:00Z"}),
        _json(_nike(start_epoch_ms=10**18)),
    ]
    for data in samples:
        _only_unreadable(reader, data)
