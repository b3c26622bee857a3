"""The time-zone rules of core.timezones and core.localtime agree with each other and with
zoneinfo: the pandas-free path of ``coachkit today`` dates runs as the activities frame does."""

from __future__ import annotations

import pandas as pd
import pytest

from coachkit.core.localtime import resolve_local, track_zone, zone_fields
from coachkit.core.timezones import check_zone, resolve_rows, zone_at, zone_label


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "athlete_id": ["a", "a", "a", "a", "b"],
            "start_time": pd.to_datetime(
                [
                    "2021-01-05T06:00Z",
                    "2021-03-01T06:00Z",  # FIT without GPS: a bare offset
                    "2021-07-05T06:00Z",
                    "2021-07-06T06:00Z",
                    "2021-07-06T06:00Z",  # another athlete: borrows nothing from a
                ],
                utc=True,
            ),
            "utc_offset_s": pd.array([None, -18000, 7200, None, None], dtype="Int64"),
            "tz_name": pd.array([None, None, "Europe/Berlin", None, None], dtype="string"),
            "tz_source": pd.array([None, "file", "gps", None, None], dtype="string"),
        }
    )


def test_resolve_local_fills_from_the_nearest_known_zone_of_the_same_athlete():
    out = resolve_local(_frame())
    assert out["utc_offset_s"].tolist()[:4] == [-18000, -18000, 7200, 7200]
    assert out["tz_source"].tolist() == ["runner", "file", "gps", "runner", "utc"]
    assert pd.isna(out["utc_offset_s"].iloc[4])


def test_the_rows_path_agrees_with_the_frame_path():
    frame = _frame()[lambda d: d["athlete_id"] == "a"]
    rows = [{**r, "start_time": r["start_time"].isoformat()} for r in frame.to_dict("records")]
    rows = [{k: (None if v is pd.NA else v) for k, v in r.items()} for r in rows]
    for zone in (None, "America/Recife"):
        got = [o for o, _, _ in resolve_rows(rows, zone)]
        want = resolve_local(frame, zone)["utc_offset_s"].tolist()
        assert got == want


def test_zone_fields_keep_the_file_offset_and_name_the_gps_zone():
    samples = pd.DataFrame({"lat": [float("nan"), -8.05], "lon": [float("nan"), -34.9]})
    start = pd.Timestamp("2021-03-19T01:30Z")
    assert track_zone(samples) == "America/Recife"
    kept = zone_fields({"start_time": start, "utc_offset_s": -7200}, samples)
    assert kept == {"tz_name": "America/Recife", "utc_offset_s": -7200, "tz_source": "file"}
    gps = zone_fields({"start_time": start, "utc_offset_s": None}, samples)
    assert (gps["utc_offset_s"], gps["tz_source"]) == (-10800, "gps")
    assert zone_fields({"start_time": start}, None)["tz_source"] is None
    assert zone_at(0.0, 0.0) is None and zone_at("x", 1) is None


@pytest.mark.parametrize("bad", ["", "Nowhere/City", "../../etc/passwd", "/etc/localtime"])
def test_check_zone_refuses_what_is_not_a_zone(bad):
    with pytest.raises(ValueError, match="America/Recife"):
        check_zone(bad)


def test_zone_label_says_where_the_zone_came_from():
    assert zone_label("America/Recife", -10800, "gps") == (
        "America/Recife (UTC-03:00, from the GPS track)"
    )
    assert zone_label(None, None, "utc") == "UTC+00:00 (unknown: UTC stands in)"
