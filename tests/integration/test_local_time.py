"""Local time done right (issue 17): an evening run in the Americas is dated on its own evening.

Through the real CLI on small stores: a GPX without an offset gets its zone from its GPS track at
ingest; a run without GPS gets the athlete's ``--timezone`` (or, without one, the runner's own
nearest known zone, else UTC); zones are applied at each start, so daylight saving is right; the
daily load and the activity table agree on the day; and ``activities`` shows the local start.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from typer.testing import CliRunner

from coachkit.cli import app
from coachkit.core.localtime import resolve_local
from coachkit.core.timezones import local_start_iso, zone_offset_s

runner = CliRunner()
RECIFE = (-8.05, -34.9)
BERLIN = (52.52, 13.40)
START = datetime(2021, 3, 19, 1, 30, tzinfo=timezone.utc)  # 22:30 on 18 March in Recife


def _gpx(start: datetime, where: tuple[float, float] | None, n: int = 60) -> str:
    """A tiny valid GPX run: one point every 10 s, heading north at about 3 m/s."""
    points = []
    for i in range(n):
        t = (start + timedelta(seconds=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        if where is None:
            points.append(f'<trkpt lat="0" lon="0"><time>{t}</time></trkpt>')
        else:
            lat = where[0] + i * 0.00027
            points.append(f'<trkpt lat="{lat:.6f}" lon="{where[1]:.6f}"><time>{t}</time></trkpt>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>run</name><type>running</type><trkseg>{''.join(points)}</trkseg></trk></gpx>"
    )


def _tcx(start: datetime, n: int = 60) -> str:
    """A TCX run without positions (a treadmill, or a watch with GPS off): no zone in it."""
    t0 = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    points = "".join(
        f"<Trackpoint><Time>{(start + timedelta(seconds=10 * i)):%Y-%m-%dT%H:%M:%SZ}</Time>"
        f"<DistanceMeters>{30.0 * i:.1f}</DistanceMeters>"
        f"<HeartRateBpm><Value>{140 + i % 5}</Value></HeartRateBpm></Trackpoint>"
        for i in range(n)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase '
        'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="Running"><Id>{t0}</Id><Lap StartTime="{t0}">'
        f"<TotalTimeSeconds>{10.0 * (n - 1)}</TotalTimeSeconds>"
        f"<DistanceMeters>{30.0 * (n - 1)}</DistanceMeters><Track>{points}</Track></Lap>"
        "</Activity></Activities></TrainingCenterDatabase>"
    )


def _run(store, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, [*args, "--store", str(store)])
    assert result.exit_code == code, result.output
    return result.output


def _ingest(store, tmp_path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    _run(store, "ingest", str(path), "--athlete", "a1")


def _activities(store) -> list[dict]:
    return json.loads(_run(store, "activities", "--athlete", "a1", "--format", "json"))


def test_gpx_in_recife_is_dated_on_the_local_evening(tmp_path):
    store = tmp_path / "store"
    _ingest(store, tmp_path, "recife.gpx", _gpx(START, RECIFE))
    (act,) = _activities(store)
    assert act["start_time"] == "2021-03-19T01:30:00Z"
    assert act["start_time_local"] == "2021-03-18T22:30:00-03:00"
    assert (act["tz_name"], act["tz_source"], act["utc_offset_s"]) == (
        "America/Recife",
        "gps",
        -10800,
    )
    assert act["date"] == "2021-03-18"
    # the daily load puts the run on the local day too
    daily = pd.read_csv(
        io.StringIO(_run(store, "metrics", "--athlete", "a1", "--format", "csv")),
        parse_dates=["date"],
    ).set_index("date")
    assert daily.loc["2021-03-18", "load"] > 0
    assert "2021-03-19" not in daily.index or daily.loc["2021-03-19", "load"] == 0
    table = _run(store, "activities", "--athlete", "a1")
    assert "America/Recife" in table


def test_run_without_gps_takes_the_athletes_time_zone(tmp_path):
    store = tmp_path / "store"
    _ingest(store, tmp_path, "treadmill.tcx", _tcx(START))
    (act,) = _activities(store)
    # nothing known: the UTC day stands in, and says so
    assert (act["date"], act["tz_source"]) == ("2021-03-19", "utc")
    assert act["start_time_local"] == "2021-03-19T01:30:00+00:00"
    out = _run(store, "settings", "--athlete", "a1", "--timezone", "America/Recife")
    assert "Time zone is now America/Recife" in out
    (act,) = _activities(store)
    assert (act["date"], act["tz_source"], act["tz_name"]) == (
        "2021-03-18",
        "athlete",
        "America/Recife",
    )
    assert act["start_time_local"] == "2021-03-18T22:30:00-03:00"
    settings = json.loads(_run(store, "settings", "--athlete", "a1", "--json"))
    assert settings["settings"]["timezone"] == "America/Recife"
    # none clears it: back to UTC
    _run(store, "settings", "--athlete", "a1", "--timezone", "none")
    assert _activities(store)[0]["date"] == "2021-03-19"


def test_without_a_setting_a_run_borrows_the_runners_own_zone(tmp_path):
    store = tmp_path / "store"
    _ingest(store, tmp_path, "before.gpx", _gpx(START - timedelta(days=2), RECIFE))
    _ingest(store, tmp_path, "treadmill.tcx", _tcx(START))
    acts = _activities(store)
    assert [a["tz_source"] for a in acts] == ["gps", "runner"]
    assert acts[1]["date"] == "2021-03-18"
    assert acts[1]["start_time_local"] == "2021-03-18T22:30:00-03:00"


def test_daylight_saving_follows_each_start(tmp_path):
    store = tmp_path / "store"
    summer = datetime(2021, 7, 1, 6, 0, tzinfo=timezone.utc)
    winter = datetime(2021, 1, 12, 6, 0, tzinfo=timezone.utc)
    _ingest(store, tmp_path, "summer.gpx", _gpx(summer, BERLIN))
    _ingest(store, tmp_path, "winter.gpx", _gpx(winter, BERLIN))
    local = {a["start_time_local"] for a in _activities(store)}
    assert local == {"2021-07-01T08:00:00+02:00", "2021-01-12T07:00:00+01:00"}
    # and a zone filled at read time is DST-correct per start as well
    frame = pd.DataFrame(
        {
            "athlete_id": ["a", "a"],
            "start_time": pd.to_datetime([summer, winter], utc=True),
            "utc_offset_s": pd.array([None, None], dtype="Int64"),
        }
    )
    assert resolve_local(frame, "Europe/Berlin")["utc_offset_s"].tolist() == [7200, 3600]
    assert zone_offset_s("Europe/Berlin", summer) == 7200


def test_travel_shows_as_a_change_of_zone(tmp_path):
    store = tmp_path / "store"
    _ingest(store, tmp_path, "berlin.gpx", _gpx(START - timedelta(days=3), BERLIN))
    _ingest(store, tmp_path, "recife.gpx", _gpx(START, RECIFE))
    table = _run(store, "activities", "--athlete", "a1")
    assert "a1: zone changed from Europe/Berlin to America/Recife on 2021-03-18" in table


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../etc/passwd", "UTC+3"])
def test_bad_timezone_exits_2_with_one_line(tmp_path, zone):
    store = tmp_path / "store"
    _ingest(store, tmp_path, "treadmill.tcx", _tcx(START))
    result = runner.invoke(
        app, ["settings", "--athlete", "a1", "--timezone", zone, "--store", str(store)]
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "America/Recife" in lines[0], result.output
    assert (
        "timezone"
        not in json.loads(_run(store, "settings", "--athlete", "a1", "--json"))["settings"]
    )


def test_local_start_iso_is_the_helper_others_call():
    assert local_start_iso("2021-03-19T01:30:00Z", -10800) == "2021-03-18T22:30:00-03:00"
    assert local_start_iso(pd.Timestamp(START), None) == "2021-03-19T01:30:00+00:00"
    assert local_start_iso(None, 0) is None
