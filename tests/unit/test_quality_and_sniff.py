"""Data-quality flags, content sniffing and container expansion on small hand-made inputs."""

from __future__ import annotations

import gzip
import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coachkit.io import NothingToImport, companion_path, sniff
from coachkit.io.base import make_samples, quality_flags
from coachkit.io.containers import expand_bytes
from coachkit.io.errors import UnreadableFile
from coachkit.io.sports import normalize_sport

NOW = pd.Timestamp("2026-11-25", tz="UTC")
T0 = pd.Timestamp("2021-03-01T07:00:00Z")


def _samples(n=600, speed=3.0, hr=150.0, gps=True, gap_at=None):
    t = pd.date_range(T0, periods=n, freq="1s")
    lat = 50 + np.arange(n) * speed / 111_195.0
    cols = {
        "timestamp": t,
        "hr_bpm": np.full(n, hr),
        "speed_m_s": np.full(n, speed),
        "distance_m": np.arange(n) * speed,
    }
    if gps:
        lat = lat.astype(float)
        if gap_at is not None:
            lat[gap_at : gap_at + 120] = np.nan
        cols.update(lat=lat, lon=np.where(np.isnan(lat), np.nan, 4.0))
    return make_samples(cols)


def _summary(**kw):
    base = {
        "sport": "run",
        "start_time": T0,
        "elapsed_time_s": 600.0,
        "moving_time_s": 590.0,
        "distance_m": 1800.0,
        "avg_hr": 150.0,
        "max_hr": 170.0,
    }
    return {**base, **kw}


def test_a_clean_run_has_no_flags():
    assert quality_flags(_summary(), _samples(), now=NOW) == []


@pytest.mark.parametrize(
    "summary, flag",
    [
        (_summary(avg_hr=None, max_hr=None), "no_hr"),
        (
            _summary(avg_hr=234.0),
            "hr_implausible",
        ),  # SOURCES.md: odd_elevate_flagged-hr, avg 234 bpm
        (_summary(max_hr=251.0), "hr_implausible"),
        (_summary(distance_m=600 * 20.0), "speed_implausible"),  # 72 km/h on foot
        (_summary(moving_time_s=900.0), "time_inverted"),  # moving longer than elapsed
        (_summary(start_time=pd.Timestamp("1970-01-01", tz="UTC")), "date_implausible"),
        (_summary(start_time=pd.Timestamp("2030-01-01", tz="UTC")), "date_implausible"),
    ],
)
def test_junk_is_flagged(summary, flag):
    assert flag in quality_flags(summary, None, now=NOW)


def test_a_fast_ride_is_not_implausible():
    assert "speed_implausible" not in quality_flags(
        _summary(sport="ride", distance_m=600 * 12.0), None, now=NOW
    )


def test_gps_hole_longer_than_30_s_is_a_gap():
    assert "gps_gaps" in quality_flags(_summary(), _samples(gap_at=200), now=NOW)
    assert "gps_gaps" not in quality_flags(
        _summary(sport="treadmill"), _samples(gap_at=200), now=NOW
    )


def test_make_samples_derives_time_distance_and_speed_from_fixes():
    # two fixes 1 s apart, 0.001 deg of latitude apart = 111.2 m (mean Earth radius 6371.0088 km)
    s = make_samples(
        {
            "timestamp": [T0, T0 + pd.Timedelta(seconds=1), T0],
            "lat": [50.0, 50.001, 50.0],
            "lon": [4.0, 4.0, 4.0],
        }
    )
    assert s["t_s"].tolist() == [0.0, 1.0]  # sorted, the duplicate timestamp dropped
    assert s["distance_m"].iloc[-1] == pytest.approx(111.195, abs=0.01)
    assert s["speed_m_s"].iloc[-1] == pytest.approx(111.195, abs=0.01)


@pytest.mark.parametrize(
    "raw, sub, sport",
    [
        ("Running", None, "run"),
        ("running", "trail", "trail_run"),
        ("running", "treadmill", "treadmill"),
        ("Run", None, "run"),
        ("9", None, "run"),
        ("Biking", None, "ride"),
        ("Hike", None, "walk"),
        ("AlpineSki", None, "other"),
        (None, None, "other"),
    ],
)
def test_sports_normalise(raw, sub, sport):
    assert normalize_sport(raw, sub) == sport


@pytest.mark.parametrize(
    "data, name, kind",
    [
        (b"\x0e\x10\x00\x00\x00\x00\x00\x00.FIT\x00\x00", "a.fit", "fit"),
        (b'<?xml version="1.0"?><gpx version="1.1">', "a.gpx", "gpx"),
        (b"\xef\xbb\xbf<TrainingCenterDatabase>", "a.xml", "tcx"),
        (b'{"type": "Run", "start_date": "2020-01-01T00:00:00Z"}', "a.json", "strava_api"),
        (b'[{"type": "time", "data": [0, 1]}]', "s.json", "strava_streams"),
        (b"date,dist_m,mov_s,hr,intensity,load,name\n", "x.csv", "intervals_csv"),
        (b"800\n810\n790\n", "rr.txt", "rr_text"),
        (b"[Params]\nVersion=106\n", "x.hrm", "polar_hrm"),
        (b"\x1f\x8b\x08\x00", "a.fit.gz", "container"),
    ],
)
def test_sniff_reads_content_not_names(data, name, kind):
    assert sniff(data, name) == kind


@pytest.mark.parametrize(
    "data, name, reason",
    [
        (b"", "a.fit", "empty"),
        (b"   \n", "a.gpx", "empty"),
        (b"<gpx>", "a.fit", "not a FIT file"),
        (b"hello", "a.gpx", "not XML"),
        (b"\x00\x01binary", "x.bin", "not a format"),
    ],
)
def test_sniff_refuses_with_a_reason(data, name, reason):
    with pytest.raises(UnreadableFile, match=reason):
        sniff(data, name)


@pytest.mark.parametrize("data", [b"null", b"[]", b'{"firstname": "A", "lastname": "B"}'])
def test_valid_json_without_training_data_is_skipped_not_quarantined(data):
    with pytest.raises(NothingToImport):
        sniff(data, "x.json")


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=300), st.sampled_from(["a.fit", "a.gpx", "a.tcx", "a.json", "a.csv", "a"])
)
def test_sniff_never_raises_anything_but_unreadable(data, name):
    try:
        sniff(data, name)
    except UnreadableFile:
        pass


def test_nested_gzip_inside_zip_is_expanded_with_member_names():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("activities/1.gpx.gz", gzip.compress(b"<gpx/>"))
        zf.writestr("__MACOSX/._junk", b"x")
        zf.writestr("media/", b"")
    units = list(expand_bytes(buf.getvalue(), "export.zip"))
    assert [(u.name, u.data) for u in units] == [("export.zip::activities/1.gpx", b"<gpx/>")]


def test_corrupt_zip_is_one_refused_unit():
    units = list(expand_bytes(b"PK\x03\x04garbage", "bad.zip"))
    assert len(units) == 1 and units[0].data is None and "corrupt zip" in units[0].error


def test_streams_find_their_activity_json(tmp_path):
    (tmp_path / "2020-12-06_strava_api_activity.json.gz").write_bytes(b"x")
    streams = tmp_path / "2020-12-06_strava_api_streams.json.gz"
    streams.write_bytes(b"x")
    assert companion_path(streams) == tmp_path / "2020-12-06_strava_api_activity.json.gz"
    (tmp_path / "123_streams.json").write_bytes(b"x")
    (tmp_path / "123.json").write_bytes(b"x")
    assert companion_path(tmp_path / "123_streams.json") == tmp_path / "123.json"
    assert companion_path(tmp_path / "123.json") is None


def test_a_pause_without_movement_is_not_a_gps_gap():
    s = _samples(n=600)
    paused = s.drop(index=range(200, 320))  # no rows for 2 min, then on from the same spot
    paused = paused.assign(
        lat=paused["lat"].where(paused.index < 320, paused["lat"] - 120 * 3.0 / 111_195.0)
    )
    assert "gps_gaps" not in quality_flags(
        _summary(), make_samples(paused.to_dict("list")), now=NOW
    )


def test_a_silent_jump_across_the_map_is_a_gps_gap():
    s = _samples(n=600)
    jumped = s.drop(index=range(200, 320))  # 2 min without rows, 360 m further on: GPS lost
    assert "gps_gaps" in quality_flags(_summary(), make_samples(jumped.to_dict("list")), now=NOW)
