"""Wellness readers on small hand-made inputs: HRV apps, R-R files and Garmin Connect JSON."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coachkit.core.schemas import WELLNESS_COLUMNS
from coachkit.io import NothingToImport
from coachkit.io.errors import UnreadableFile
from coachkit.io.garmin_json import read_garmin_json
from coachkit.io.hrv import read_elitehrv, read_hrv4training, read_polar_hrm, read_rr_text

ANDROID_HEAD = "date, time, HR,AVNN,SDNN,rMSSD,pNN50,LF,HF,HRV4T_Recovery_Points,sleep_quality, sleep_time,note"
IOS_HEAD = "date,timestamp_measurement,HR,AVNN,SDNN,rMSSD,sleep_quality,sleep_time,note"


def _day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def _by_day(df: pd.DataFrame) -> pd.DataFrame:
    return df.set_index("date")


# --- HRV4Training --------------------------------------------------------------------------


def test_android_ydm_dates_zero_rows_and_blank_lines():
    # YYYY-DD-MM (13 can only be a day), a zero row for a missed day, CRLF and blank lines
    text = (
        ANDROID_HEAD + "\r\n\r\n"
        "2017-12-09,06:00,60.0,1000,50,45.5,20,0.1,0.1,8.0,5,07:30,\r\n"
        "2017-13-09,01:00,0.0,0.0,0.0,0.0,0.0,0.0,0.0,,,,\r\n\r\n"
        "2017-14-09,05:45,58.5,1020,55,50.25,25,0.1,0.1,8.1,5,,a note, with a comma\r\n"
        "\r\n\r\n"
    )
    parsed = read_hrv4training(text.encode())
    w = parsed.wellness
    assert list(w.columns) == list(WELLNESS_COLUMNS)
    assert w["date"].tolist() == [_day("2017-09-12"), _day("2017-09-14")]
    assert w["rmssd_ms"].tolist() == [45.5, 50.25]
    assert w["resting_hr"].tolist() == [60.0, 58.5]
    assert w["ln_rmssd"].iloc[0] == pytest.approx(math.log(45.5))
    assert w["sleep_s"].iloc[0] == 7.5 * 3600
    assert math.isnan(w["sleep_s"].iloc[1])
    assert (w["source"] == "hrv4training").all()
    assert any("YYYY-DD-MM" in x for x in parsed.warnings)


def test_ios_cr_only_12_hour_times_and_dashes():
    lines = [
        IOS_HEAD,
        "2018-04-27 12:01:00 a. m. +0000,-,-,-,-,-,-,00:00,-",
        "2018-05-18 12:01:00 a. m. +0000,2018-05-18 7:33:16 a. m. +0000,64.45,940.76,52.96,32.62,5.0,07:57,-",
        "2018-05-19 12:01:00 a. m. +0000,-,-,-,-,-,-,07:36,-",  # sleep logged, no HRV test
    ]
    w = read_hrv4training("\r".join(lines).encode()).wellness
    assert w["date"].tolist() == [_day("2018-05-18"), _day("2018-05-19")]
    assert w["rmssd_ms"].iloc[0] == 32.62
    assert w["resting_hr"].iloc[0] == 64.45
    assert w["sleep_s"].tolist() == [7 * 3600 + 57 * 60, 7 * 3600 + 36 * 60]
    assert math.isnan(w["rmssd_ms"].iloc[1])
    assert w["sleep_score"].isna().all()  # HRV4Training's sleep_quality scale is not mapped


def test_bom_semicolons_and_decimal_commas():
    text = "\ufefftimestamp_measurement;HR;rMSSD;HRV4T_Recovery_Points\n2017-04-01 09:56:21 +0000;43,92;67,54;8,37\n"
    w = read_hrv4training(text.encode("utf-8")).wellness
    assert w["date"].tolist() == [_day("2017-04-01")]
    assert w["rmssd_ms"].iloc[0] == 67.54
    assert w["resting_hr"].iloc[0] == 43.92


def test_ambiguous_dates_resolved_by_continuity():
    # no field above 12: read as YYYY-DD-MM the rows are 1, 2, 3 Feb (one day apart);
    # read as ISO they would be 2 Jan, 2 Feb, 2 Mar (a month apart)
    rows = "".join(f"2017-0{d}-02,06:00,55,1000,50,4{d},20,0.1,0.1,8,5,,\n" for d in (1, 2, 3))
    parsed = read_hrv4training((ANDROID_HEAD + "\n" + rows).encode())
    assert parsed.wellness["date"].tolist() == [_day(f"2017-02-0{d}") for d in (1, 2, 3)]
    assert any("continuity" in x for x in parsed.warnings)


def test_iso_dates_when_continuity_says_so():
    rows = "".join(f"2017-02-0{d},06:00,55,1000,50,4{d},20,0.1,0.1,8,5,,\n" for d in (1, 2, 3))
    w = read_hrv4training((ANDROID_HEAD + "\n" + rows).encode()).wellness
    assert w["date"].tolist() == [_day(f"2017-02-0{d}") for d in (1, 2, 3)]


def test_dates_in_both_orders_are_unreadable():
    rows = "2017-13-02,06:00,55,1,1,40,1,1,1,1,1,,\n2017-02-14,06:00,55,1,1,40,1,1,1,1,1,,\n"
    with pytest.raises(UnreadableFile, match="day-first and month-first"):
        read_hrv4training((ANDROID_HEAD + "\n" + rows).encode())


def test_first_reading_of_the_day_wins():
    # the evening reading comes first in the file; the morning one is kept
    rows = (
        "2017-05-14,20:10,70,1,1,30.0,1,1,1,1,1,,\n"
        "2017-05-14,06:05,52,1,1,61.0,1,1,1,1,1,,\n"
        "2017-05-15,06:00,53,1,1,60.0,1,1,1,1,1,,\n"
    )
    parsed = read_hrv4training((ANDROID_HEAD + "\n" + rows).encode())
    w = _by_day(parsed.wellness)
    assert w.loc[_day("2017-05-14"), "rmssd_ms"] == 61.0
    assert len(w) == 2
    assert any("later readings" in x for x in parsed.warnings)


def test_implausible_values_are_dropped_with_a_warning():
    rows = "2017-05-14,06:00,300,1,1,900,1,1,1,1,1,,\n2017-05-15,06:00,55,1,1,40,1,1,1,1,1,,\n"
    parsed = read_hrv4training((ANDROID_HEAD + "\n" + rows).encode())
    assert parsed.wellness["date"].tolist() == [_day("2017-05-15")]
    assert any("implausible" in x for x in parsed.warnings)


def test_all_zero_export_is_nothing_to_import():
    rows = "2017-13-08,01:00,0.0,0.0,0.0,0.0,0.0,0.0,0.0,,,,\n"
    with pytest.raises(NothingToImport, match="no measurements"):
        read_hrv4training((ANDROID_HEAD + "\n" + rows).encode())


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"date,HR\n2017-01-01,50\n", "without rMSSD"),
        (b"rMSSD,HR\n50,50\n", "without rMSSD or date"),
        (b"date,rMSSD\nyesterday,50\n", "no readable dates"),
        (b"\x00\x01\x02garbage\xff", "without rMSSD"),
    ],
)
def test_hrv4training_bad_input(data, reason):
    with pytest.raises(UnreadableFile, match=reason):
        read_hrv4training(data)


# --- Elite HRV -----------------------------------------------------------------------------

ELITE_HEAD = "\ufeffMember,Date,Datetime,Type,HRV,lnRmssd,Rmssd,HR\n"


def test_elitehrv_bom_log_only_and_readiness_preferred():
    text = ELITE_HEAD + (
        "M,2017-09-06,2017-09-06 05:00:00,open,50,3.0,,70\n"  # earlier, but not a readiness test
        "M,2017-09-06,2017-09-06 06:23:22,readiness,57,3.7105,40.87,50.46\n"
        "M,2017-09-07,2017-09-07 06:29:04,readiness,51,3.3331,,53.84\n"  # only lnRmssd
    )
    w = _by_day(read_elitehrv(text.encode("utf-8")).wellness)
    assert w.loc[_day("2017-09-06"), "rmssd_ms"] == 40.87
    assert w.loc[_day("2017-09-06"), "resting_hr"] == 50.46
    assert w.loc[_day("2017-09-07"), "rmssd_ms"] == pytest.approx(math.exp(3.3331))
    assert (w["source"] == "elitehrv").all()


def test_elitehrv_without_rmssd_columns():
    with pytest.raises(UnreadableFile, match="Rmssd"):
        read_elitehrv(b"Member,Date,HR\nM,2017-09-06,50\n")


# --- R-R text and Polar .hrm -----------------------------------------------------------------

# 60 resting beats alternating 1000/1030 ms: every successive difference is 30 ms -> rMSSD 30
REST = [1000, 1030] * 30
EXERCISE = [500, 520] * 30  # ~118 bpm


def _txt(values: list[float], sep: str = "\n") -> bytes:
    return sep.join(str(v) for v in values).encode()


def test_rr_text_dated_by_file_name():
    parsed = read_rr_text(_txt(REST, "\r\n") + b"\r\n\r\n", name="exports/2017-09-06 06-23-22.txt")
    w = parsed.wellness
    assert w["date"].tolist() == [_day("2017-09-06")]
    assert w["rmssd_ms"].iloc[0] == pytest.approx(30.0)
    assert w["resting_hr"].iloc[0] == pytest.approx(60000 / 1015)
    assert w["source"].iloc[0] == "rr_text"


def test_rr_text_in_seconds_and_with_a_header():
    data = b"RR\n" + _txt([v / 1000 for v in REST])
    w = read_rr_text(data, name="2020-01-02.txt").wellness
    assert w["rmssd_ms"].iloc[0] == pytest.approx(30.0)


def test_rr_text_without_a_date_says_how_to_use_it():
    with pytest.raises(NothingToImport, match="no date.*rmssd_from_rr"):
        read_rr_text(_txt(REST), name="rest_rri.txt")


def test_rr_exercise_recording_is_not_daily_hrv():
    with pytest.raises(NothingToImport, match="exercise"):
        read_rr_text(_txt(EXERCISE), name="2020-01-02.txt")


def test_rr_text_artefact_warning():
    rr = list(REST)
    for i in range(5, 60, 10):
        rr[i] = 1800  # 6 of 60 beats (10 %) are missed-beat artefacts
    parsed = read_rr_text(_txt(rr), name="2020-01-02.txt")
    assert any("artefacts" in x for x in parsed.warnings)


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"800\n810\nabc\n", "line 3 is not a number"),
        (_txt(REST[:10]), "clean successive beats"),
        (b"   \n\n", "empty"),
    ],
)
def test_rr_text_bad_input(data, reason):
    with pytest.raises(UnreadableFile, match=reason):
        read_rr_text(data, name="2020-01-02.txt")


def _hrm(values: list[float], interval: str = "238", date: str = "20080125") -> bytes:
    head = f"[Params]\r\nVersion=106\r\nMonitor=13\r\nDate={date}\r\nStartTime=07:01:00.0\r\nInterval={interval}\r\n\r\n"
    return (head + "[Note]\r\n\r\n[HRData]\r\n").encode() + _txt(values, "\r\n") + b"\r\n"


def test_polar_hrm_rr_recording():
    w = read_polar_hrm(_hrm(REST)).wellness
    assert w["date"].tolist() == [_day("2008-01-25")]
    assert w["rmssd_ms"].iloc[0] == pytest.approx(30.0)
    assert w["source"].iloc[0] == "polar_hrm"


def test_polar_hrm_heart_rate_samples_are_not_rr():
    with pytest.raises(UnreadableFile, match="Interval=5"):
        read_polar_hrm(_hrm([60, 61, 62], interval="5"))


def test_polar_hrm_without_params_or_date():
    with pytest.raises(UnreadableFile, match=r"\[Params\]"):
        read_polar_hrm(b"[HRData]\n800\n")
    with pytest.raises(NothingToImport, match="no date"):
        read_polar_hrm(_hrm(REST, date="2008"))


# --- Garmin Connect JSON --------------------------------------------------------------------


def _garmin(obj: object, name: str = "") -> pd.DataFrame:
    return read_garmin_json(json.dumps(obj).encode(), name=name).wellness


def test_garmin_hrv_status_range():
    obj = {
        "hrvSummaries": [
            {"calendarDate": "2023-06-11", "lastNightAvg": 71, "weeklyAvg": 43},
            {"calendarDate": "2023-06-12", "lastNightAvg": None},  # no data that night
        ]
    }
    w = _garmin(obj)
    assert w["date"].tolist() == [_day("2023-06-11")]
    assert w["rmssd_ms"].iloc[0] == 71.0
    assert w["ln_rmssd"].iloc[0] == pytest.approx(math.log(71))
    assert w["source"].iloc[0] == "garmin"


def test_garmin_negative_stress_is_missing():
    obj = [
        {"calendarDate": "2023-05-22", "values": {"overallStressLevel": 21}},
        {"calendarDate": "2023-05-23", "values": {"overallStressLevel": -1}},
    ]
    assert _garmin(obj)["stress"].tolist() == [21.0]


def test_garmin_readiness_keeps_the_after_wakeup_value():
    obj = [
        {
            "calendarDate": "2025-07-07",
            "timestampLocal": "2025-07-07T21:50:17.0",
            "score": 50,
            "sleepScore": 83,
            "inputContext": "UPDATE_REALTIME_VARIABLES",
        },
        {
            "calendarDate": "2025-07-07",
            "timestampLocal": "2025-07-07T05:45:17.0",
            "score": 80,
            "sleepScore": 83,
            "inputContext": "AFTER_WAKEUP_RESET",
        },
        {
            "calendarDate": "2025-07-07",
            "timestampLocal": "2025-07-07T02:50:17.0",
            "score": 75,
            "sleepScore": None,
            "inputContext": "UPDATE_REALTIME_VARIABLES",
        },
    ]
    w = _garmin(obj)
    assert (w["readiness"].tolist(), w["sleep_score"].tolist()) == ([80.0], [83.0])


def test_garmin_value_lists_daily_sleep_score_or_weekly_stress():
    daily = [{"calendarDate": f"2023-07-0{d}", "value": 60 + d} for d in (1, 2, 3)]
    assert _garmin(daily)["sleep_score"].tolist() == [61.0, 62.0, 63.0]
    weekly = [{"calendarDate": d, "value": 25} for d in ("2020-11-13", "2020-11-20")]
    with pytest.raises(NothingToImport, match="weekly stress"):
        _garmin(weekly)
    with pytest.raises(NothingToImport, match="cannot tell"):
        _garmin(daily[:1])
    assert _garmin(daily[:1], name="sleep_score_2023-07-01.json")["sleep_score"].tolist() == [61.0]


def test_garmin_activity_list_summary():
    obj = [
        {
            "activityId": 1,
            "activityName": "Easy",
            "startTimeLocal": "2026-01-08 08:10:21",
            "startTimeGMT": "2026-01-08 14:10:21",
            "activityType": {"typeKey": "running"},
            "distance": 10000.0,
            "duration": 3000.0,
            "elapsedDuration": 3100.0,
            "movingDuration": 2990.0,
            "averageHR": 142.0,
            "maxHR": 160.0,
            "averageRunningCadenceInStepsPerMinute": 170.0,
            "avgPower": None,
        }
    ]
    parsed = read_garmin_json(json.dumps(obj).encode())
    assert parsed.wellness is None
    (act,) = parsed.activities
    s = act.summary
    assert s["sport"] == "run"
    assert s["start_time"] == pd.Timestamp("2026-01-08 14:10:21", tz="UTC")
    assert s["utc_offset_s"] == -6 * 3600
    assert (s["elapsed_time_s"], s["moving_time_s"], s["distance_m"]) == (3100.0, 2990.0, 10000.0)
    assert (s["avg_hr"], s["max_hr"], s["avg_cadence_spm"]) == (142.0, 160.0, 170.0)
    assert "avg_power_w" not in s
    assert act.source_kind == "garmin_json"


@pytest.mark.parametrize(
    "data, exc, reason",
    [
        (b"null", NothingToImport, "empty Garmin response"),
        (b"[]", NothingToImport, "empty Garmin response"),
        (
            b'{"calendarDate": "2023-07-19", "avgStressLevel": -2}',
            NothingToImport,
            "without values",
        ),
        (b'{"overallScore": 4820, "gaugeLowerLimit": 3570}', NothingToImport, "endurance score"),
        (b'{"weeklyTrainingStatus": {}}', NothingToImport, "training status"),
        (b'{"foo": 1}', UnreadableFile, "does not read"),
        (b"{not json", UnreadableFile, "not valid JSON"),
        (b"[" * 100000, UnreadableFile, "not valid JSON"),
    ],
)
def test_garmin_empty_unused_and_unknown(data, exc, reason):
    with pytest.raises(exc, match=reason):
        read_garmin_json(data)


# --- robustness: anything at all raises UnreadableFile, never something else ---------------

READERS = [read_hrv4training, read_elitehrv, read_rr_text, read_polar_hrm, read_garmin_json]


def _only_unreadable(reader, data: bytes, name: str = "") -> None:
    try:
        parsed = reader(data, name=name)
    except UnreadableFile:
        return
    if parsed.wellness is not None:
        assert list(parsed.wellness.columns) == list(WELLNESS_COLUMNS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), reader=st.sampled_from(READERS))
def test_random_bytes_raise_only_unreadable(data, reader):
    _only_unreadable(reader, data)


_CELLS = st.sampled_from(
    [
        "",
        "-",
        "0.0",
        "45.5",
        "1e400",
        "-3",
        "nan",
        "2017-13-09",
        "2017-02-30",
        "9999-01-01",
        "07:61",
        "12:01:00 a. m.",
        "25:00",
        "abc",
        '"',
        "45,5",
        "\ufeff",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    header=st.sampled_from([ANDROID_HEAD, IOS_HEAD, ELITE_HEAD.strip(), "date,rMSSD", "x"]),
    rows=st.lists(st.lists(_CELLS, max_size=14), max_size=8),
    eol=st.sampled_from(["\n", "\r", "\r\n"]),
    reader=st.sampled_from([read_hrv4training, read_elitehrv]),
)
def test_csv_like_text_raises_only_unreadable(header, rows, eol, reader):
    text = eol.join([header] + [",".join(r) for r in rows])
    _only_unreadable(reader, text.encode())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["800", "0", "-5", "1e9", "0.9", "", "x", "1200.5"]), max_size=80))
def test_rr_like_text_raises_only_unreadable(lines):
    _only_unreadable(read_rr_text, "\n".join(lines).encode(), name="2020-01-01.txt")
    _only_unreadable(read_polar_hrm, _hrm([]) + "\n".join(lines).encode())


def test_garmin_odd_values_raise_only_unreadable():
    odd = [
        {"hrvSummaries": [{"calendarDate": "0001-01-01", "lastNightAvg": 1e308}]},
        {"hrvSummaries": [{"calendarDate": 5, "lastNightAvg": "x"}]},
        {"dailySleepDTO": None},
        {"dailySleepDTO": {"calendarDate": "2021-02-30", "sleepScores": []}},
        [{"activityId": 1, "startTimeGMT": "not a date"}],
        [{"activityId": 1, "beginTimestamp": 1e300}],
        {
            "activityId": 1,
            "summaryDTO": {"startTimeGMT": "2026-01-08T14:10:21.0"},
            "activityTypeDTO": 3,
        },
        [{"calendarDate": "2023-07-01", "value": True}],
    ]
    for obj in odd:
        _only_unreadable(read_garmin_json, json.dumps(obj).encode())
