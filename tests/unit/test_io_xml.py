"""Safe XML parsing and the GPX/TCX readers on small hand-made documents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coachkit.core.schemas import SAMPLE_COLUMNS
from coachkit.io import NothingToImport
from coachkit.io.base import ParsedFile
from coachkit.io.errors import UnreadableFile
from coachkit.io.gpx import read_gpx
from coachkit.io.tcx import read_tcx
from coachkit.io.trackcolumns import cadence_to_spm, to_floats, to_times
from coachkit.io.xmlsafe import ENTITIES_REFUSED, localname, parse_xml

GPX_NS = (
    'xmlns="http://www.topografix.com/GPX/1/1" '
    'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"'
)
TCX_NS = (
    'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
    'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"'
)


def gpx_point(lat: float, lon: float, time: str | None, ext: str = "", ele: str = "") -> str:
    t = f"<time>{time}</time>" if time else ""
    e = f"<ele>{ele}</ele>" if ele else ""
    x = f"<extensions>{ext}</extensions>" if ext else ""
    return f'<trkpt lat="{lat}" lon="{lon}">{e}{t}{x}</trkpt>'


def gpx_doc(*tracks: str, creator: str = "test") -> bytes:
    return f'<?xml version="1.0"?><gpx version="1.1" creator="{creator}" {GPX_NS}>{"".join(tracks)}</gpx>'.encode()


def gpx_track(*segments: list[str], name: str = "", type_: str = "") -> str:
    n = f"<name>{name}</name>" if name else ""
    t = f"<type>{type_}</type>" if type_ else ""
    segs = "".join(f"<trkseg>{''.join(points)}</trkseg>" for points in segments)
    return f"<trk>{n}{t}{segs}</trk>"


def straight_run(
    n: int, start_s: int = 0, lat0: float = 45.0, step_deg: float = 0.00003
) -> list[str]:
    """n points one second apart moving north ~3.3 m/s (0.00003 deg latitude = 3.34 m)."""
    t0 = pd.Timestamp("2024-05-01T07:00:00Z")
    return [
        gpx_point(lat0 + i * step_deg, 5.0, (t0 + pd.Timedelta(seconds=start_s + i)).isoformat())
        for i in range(n)
    ]


def tcx_point(time: str, extra: str = "") -> str:
    return f"<Trackpoint><Time>{time}</Time>{extra}</Trackpoint>"


def tcx_lap(start: str, seconds: float, metres: float, points: list[str], extra: str = "") -> str:
    return (
        f'<Lap StartTime="{start}"><TotalTimeSeconds>{seconds}</TotalTimeSeconds>'
        f"<DistanceMeters>{metres}</DistanceMeters>{extra}<Track>{''.join(points)}</Track></Lap>"
    )


def tcx_doc(*activities: str) -> bytes:
    return (
        f'<?xml version="1.0"?><TrainingCenterDatabase {TCX_NS}><Activities>'
        f"{''.join(activities)}</Activities></TrainingCenterDatabase>"
    ).encode()


def tcx_activity(sport: str, *laps: str, creator: str = "") -> str:
    c = f"<Creator><Name>{creator}</Name></Creator>" if creator else ""
    return f'<Activity Sport="{sport}">{"".join(laps)}{c}</Activity>'


# --- safe parsing --------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<gpx><trk><name>&lol9;</name></trk></gpx>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<gpx><trk><name>&xxe;</name><trkseg>
<trkpt lat="45" lon="5"><time>2024-05-01T07:00:00Z</time></trkpt>
<trkpt lat="45.001" lon="5"><time>2024-05-01T07:00:30Z</time></trkpt>
</trkseg></trk></gpx>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE TrainingCenterDatabase [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/evil.dtd"> %ext;]>
<TrainingCenterDatabase/>"""


@pytest.mark.parametrize("reader", [read_gpx, read_tcx])
def test_billion_laughs_is_refused_before_expansion(reader):
    with pytest.raises(UnreadableFile, match="entity declarations refused"):
        reader(BILLION_LAUGHS)


@pytest.mark.parametrize("reader", [read_gpx, read_tcx])
@pytest.mark.parametrize("doc", [EXTERNAL_ENTITY, PARAMETER_ENTITY])
def test_external_entities_are_refused_and_never_named(reader, doc):
    with pytest.raises(UnreadableFile) as err:
        reader(doc)
    assert str(err.value) == ENTITIES_REFUSED
    assert "passwd" not in str(err.value) and "evil" not in str(err.value)


def test_external_dtd_is_never_fetched_or_inlined():
    # a DOCTYPE with only a SYSTEM id declares no entity: it parses, and nothing of it is read
    doc = EXTERNAL_ENTITY.replace(
        b'[<!ENTITY xxe SYSTEM "file:///etc/passwd">]', b'SYSTEM "file:///etc/passwd"'
    ).replace(b"&xxe;", b"Safe run")
    parsed = read_gpx(doc)
    act = parsed.activities[0]
    assert act.summary["name"] == "Safe run"
    everything = repr(act.summary) + act.samples.to_csv() + repr(parsed.warnings)
    assert "root:" not in everything and "passwd" not in everything


def test_localname_strips_any_namespace():
    assert localname("{http://www.garmin.com/xmlschemas/TrackPointExtension/v2}hr") == "hr"
    assert localname("heartrate") == "heartrate"
    assert localname(None) == ""


def test_well_formed_document_has_no_problem():
    doc = parse_xml(b"<a><b>1</b></a>")
    assert doc.problem is None and doc.complete and localname(doc.root.tag) == "a"


def test_undeclared_prefix_is_declared_and_document_kept_whole():
    doc = parse_xml(
        b'<gpx xmlns="urn:g"><trk><gpxdata:cadence>43</gpxdata:cadence><x/></trk></gpx>'
    )
    assert doc.complete
    assert "undeclared namespace prefix gpxdata" in doc.problem
    assert "line 1" in doc.problem
    assert [localname(e.tag) for e in doc.root.iter()] == ["gpx", "trk", "cadence", "x"]


def test_truncated_document_keeps_the_elements_before_the_cut():
    doc = parse_xml(b"<a><b>1</b><b>2</b><b>3")
    assert not doc.complete
    assert "line 1, column" in doc.problem
    assert [e.text for e in doc.root] == ["1", "2", None]


@pytest.mark.parametrize("data", [b"", b"   ", b"\x00\xff\x13 junk", b"hello world", b"<"])
def test_nothing_xml_raises_with_position(data):
    with pytest.raises(UnreadableFile, match=r"line \d+, column \d+"):
        parse_xml(data)


def test_unknown_declared_encoding_is_unreadable():
    with pytest.raises(UnreadableFile, match="cannot decode"):
        parse_xml(b'<?xml version="1.0" encoding="klingon"?><gpx/>')


def test_utf16_with_bom_parses():
    doc = parse_xml('<?xml version="1.0" encoding="UTF-16"?><gpx><n>é</n></gpx>'.encode("utf-16"))
    assert doc.root[0].text == "é"


# --- column helpers ------------------------------------------------------------------------------


def test_to_times_converts_offsets_to_utc_and_drops_junk():
    times = to_times(
        [
            "2024-05-01T09:00:00+02:00",
            "2024-05-01T07:00:01.5Z",
            "junk",
            None,
            "9999-01-01T00:00:00Z",
        ]
    )
    assert times[0] == pd.Timestamp("2024-05-01T07:00:00Z")
    assert times[1] == pd.Timestamp("2024-05-01T07:00:01.5Z")
    assert times[2:].isna().all()  # 9999 would overflow datetime64[ns]


def test_to_floats_maps_null_and_infinity_to_nan():
    values = to_floats(["1.5", "null", "", None, "inf", " 7 "])
    assert values[0] == 1.5 and values[5] == 7.0
    assert np.isnan(values[1:5]).all()


def test_running_cadence_per_leg_is_doubled_but_steps_and_bike_rpm_are_kept():
    assert cadence_to_spm(np.array([0.0, 84.0, 86.0]), "run").tolist() == [0.0, 168.0, 172.0]
    assert cadence_to_spm(np.array([170.0, 172.0]), "run").tolist() == [170.0, 172.0]  # already spm
    assert cadence_to_spm(np.array([85.0, 90.0]), "ride").tolist() == [85.0, 90.0]  # pedal rpm
    assert cadence_to_spm(np.array([55.0, 60.0]), "walk").tolist() == [110.0, 120.0]
    assert cadence_to_spm(np.array([105.0, 110.0]), "walk").tolist() == [105.0, 110.0]


# --- GPX -----------------------------------------------------------------------------------------


def test_gpx_segments_concatenate_and_the_gap_is_a_pause_not_distance():
    first = straight_run(11)  # 10 s, 10 steps of 3.34 m
    second = straight_run(11, start_s=100, lat0=45.01)  # resumes 1.1 km north after a pause
    act = read_gpx(gpx_doc(gpx_track(first, second, type_="running"))).activities[0]
    s = act.samples
    assert len(s) == 22
    assert s["t_s"].iloc[-1] == 110.0  # the pause is kept in the elapsed clock
    assert s["distance_m"].iloc[-1] == pytest.approx(20 * 3.3358, rel=1e-3)  # not + 1.1 km
    assert list(s.columns) == list(SAMPLE_COLUMNS)


def test_gpx_extensions_are_matched_by_local_name_whatever_the_prefix():
    ext_v2 = "<gpxtpx:TrackPointExtension><gpxtpx:hr>150</gpxtpx:hr><gpxtpx:cad>85</gpxtpx:cad><gpxtpx:atemp>21.5</gpxtpx:atemp></gpxtpx:TrackPointExtension><power>250</power>"
    ext_plain = "<heartrate>151</heartrate><gpxtpx:TrackPointExtension><gpxtpx:hr>99</gpxtpx:hr></gpxtpx:TrackPointExtension>"
    points = [
        gpx_point(45.0, 5.0, "2024-05-01T07:00:00Z", ext_v2, ele="200.5"),
        gpx_point(45.0001, 5.0, "2024-05-01T07:00:05Z", ext_plain),
    ]
    s = read_gpx(gpx_doc(gpx_track(points, type_="running"))).activities[0].samples
    assert s["hr_bpm"].tolist() == [
        150.0,
        151.0,
    ]  # first value of a point wins (Amazfit writes two)
    assert s["cadence_spm"].iloc[0] == 170.0  # per-leg 85 doubled
    assert s["temperature_c"].iloc[0] == 21.5
    assert s["power_w"].iloc[0] == 250.0
    assert s["altitude_m"].iloc[0] == 200.5


def test_gpx_summary_states_sport_start_name_and_creator():
    doc = gpx_doc(gpx_track(straight_run(5), name="Lunch Run", type_="9"), creator="StravaGPX")
    parsed = read_gpx(doc)
    summary = parsed.activities[0].summary
    assert summary == {
        "sport": "run",
        "start_time": pd.Timestamp("2024-05-01T07:00:00Z"),
        "name": "Lunch Run",
        "device": "StravaGPX",
    }
    assert parsed.activities[0].source_kind == "gpx"
    assert parsed.warnings == []


@pytest.mark.parametrize(
    ("type_", "name", "sport"),
    [
        ("Ride", "", "ride"),
        ("1", "", "ride"),
        ("hiking", "", "walk"),
        ("", "Morning Ride", "ride"),
        ("", "Domingo Corrida Matutina", "run"),
        ("Sport", "Evening Walk", "walk"),
    ],
)
def test_gpx_sport_from_type_else_from_words(type_, name, sport):
    parsed = read_gpx(gpx_doc(gpx_track(straight_run(5), name=name, type_=type_)))
    assert parsed.activities[0].summary["sport"] == sport
    assert not any("taken as" in w for w in parsed.warnings)


def test_gpx_without_type_is_taken_as_a_run_and_says_so():
    parsed = read_gpx(gpx_doc(gpx_track(straight_run(5), name="Move")))
    assert parsed.activities[0].summary["sport"] == "run"
    assert parsed.warnings == ["track 'Move' states no activity type: taken as a run"]


def test_gpx_without_type_at_cycling_speed_is_taken_as_a_ride():
    fast = straight_run(30, step_deg=0.0001)  # 11 m/s
    parsed = read_gpx(gpx_doc(gpx_track(fast)))
    assert parsed.activities[0].summary["sport"] == "ride"
    assert "taken as a ride" in parsed.warnings[0]


def test_gpx_one_activity_per_track():
    doc = gpx_doc(
        gpx_track(straight_run(5), name="a"), gpx_track(straight_run(5, start_s=3600), name="b")
    )
    acts = read_gpx(doc).activities
    assert [a.summary["name"] for a in acts] == ["a", "b"]
    assert acts[1].summary["start_time"] == pd.Timestamp("2024-05-01T08:00:00Z")


def test_gpx_points_without_time_are_dropped_with_a_warning():
    points = straight_run(4)
    points.insert(2, gpx_point(45.5, 5.0, None))
    parsed = read_gpx(gpx_doc(gpx_track(points, type_="running")))
    assert len(parsed.activities[0].samples) == 4
    assert "1 of 5 points without time dropped" in parsed.warnings[0]


def test_gpx_route_without_timestamps_is_nothing_to_import():
    untimed = gpx_track([gpx_point(45.0, 5.0, None), gpx_point(45.1, 5.0, None)])
    with pytest.raises(
        NothingToImport, match="GPX route/track without timestamps: nothing to time"
    ):
        read_gpx(gpx_doc(untimed))
    with pytest.raises(NothingToImport, match="without timestamps"):
        read_gpx(gpx_doc('<rte><rtept lat="45" lon="5"/></rte>'))
    with pytest.raises(NothingToImport, match="waypoints"):
        read_gpx(gpx_doc('<wpt lat="45" lon="5"/>'))


def test_gpx_impossible_coordinates_become_missing_fixes():
    points = [
        gpx_point(45.0, 5.0, "2024-05-01T07:00:00Z"),
        gpx_point(145.0, 5.0, "2024-05-01T07:00:01Z"),
        gpx_point(45.00003, 5.0, "2024-05-01T07:00:02Z"),
    ]
    s = read_gpx(gpx_doc(gpx_track(points, type_="running"))).activities[0].samples
    assert np.isnan(s["lat"].iloc[1])
    assert s["distance_m"].iloc[-1] == pytest.approx(3.34, abs=0.01)


def test_gpx_cumulative_distance_extension_is_used_only_when_it_never_decreases():
    def doc(distances):
        pts = [
            gpx_point(
                45.0 + i * 0.00003,
                5.0,
                f"2024-05-01T07:00:0{i}Z",
                f"<gpxdata:distance>{d}</gpxdata:distance>",
            )
            for i, d in enumerate(distances)
        ]
        return gpx_doc(gpx_track(pts, type_="running")).replace(
            b"<gpx ", b'<gpx xmlns:gpxdata="http://www.cluetrust.com/XML/GPXDATA/1/0" '
        )

    odometer = read_gpx(doc([0, 4, 8, 12])).activities[0].samples
    assert odometer["distance_m"].tolist() == [0, 4, 8, 12]
    deltas = read_gpx(doc([0, 4, 2, 4])).activities[0].samples  # not an odometer: use the fixes
    assert deltas["distance_m"].iloc[-1] == pytest.approx(3 * 3.3358, rel=1e-3)


def test_gpx_given_tcx_bytes_says_so():
    with pytest.raises(UnreadableFile, match="not a GPX document.*TCX"):
        read_gpx(tcx_doc(tcx_activity("Running")))


def test_gpx_truncated_keeps_points_before_the_cut_with_a_warning():
    data = gpx_doc(gpx_track(straight_run(50), type_="running"))
    cut = data.index(b"<trkpt", len(data) // 2) + 20
    parsed = read_gpx(data[:cut])
    assert 20 < len(parsed.activities[0].samples) < 50
    assert parsed.warnings[0].startswith("malformed XML recovered: ")


def test_gpx_cut_before_any_timed_point_is_unreadable_with_position():
    data = gpx_doc(gpx_track(straight_run(5), type_="running"))
    with pytest.raises(
        UnreadableFile, match=r"malformed XML \(.*line 1, column \d+\) and no timed"
    ):
        read_gpx(data[: data.index(b"<time>")])


# --- TCX -----------------------------------------------------------------------------------------

RUN_POINTS = [
    tcx_point(
        f"2024-05-01T07:00:{i:02d}Z",
        f"<Position><LatitudeDegrees>{45 + i * 3e-5}</LatitudeDegrees><LongitudeDegrees>5</LongitudeDegrees></Position>"
        f"<AltitudeMeters>100</AltitudeMeters><DistanceMeters>{i * 3.0}</DistanceMeters>"
        f"<HeartRateBpm><Value>{140 + i}</Value></HeartRateBpm>"
        f"<Extensions><ns3:TPX><ns3:Speed>3.0</ns3:Speed><ns3:RunCadence>85</ns3:RunCadence></ns3:TPX></Extensions>",
    )
    for i in range(10)
]
HR_LAP = "<AverageHeartRateBpm><Value>{}</Value></AverageHeartRateBpm><MaximumHeartRateBpm><Value>{}</Value></MaximumHeartRateBpm>"


def test_tcx_summary_comes_from_laps_and_samples_from_trackpoints():
    lap1 = tcx_lap("2024-05-01T07:00:00Z", 5, 15, RUN_POINTS[:5], HR_LAP.format(142, 150))
    lap2 = tcx_lap("2024-05-01T07:00:05Z", 15, 45, RUN_POINTS[5:], HR_LAP.format(150, 170))
    parsed = read_tcx(tcx_doc(tcx_activity("Running", lap1, lap2, creator="Forerunner 620")))
    act = parsed.activities[0]
    assert act.source_kind == "tcx"
    assert act.summary["sport"] == "run"
    assert act.summary["start_time"] == pd.Timestamp("2024-05-01T07:00:00Z")
    assert act.summary["moving_time_s"] == 20.0
    assert act.summary["distance_m"] == 60.0
    assert act.summary["avg_hr"] == pytest.approx((142 * 5 + 150 * 15) / 20)  # time-weighted
    assert act.summary["max_hr"] == 170.0
    assert act.summary["device"] == "Forerunner 620"
    assert len(act.laps) == 2 and act.laps["elapsed_time_s"].tolist() == [5.0, 15.0]
    s = act.samples
    assert len(s) == 10 and s["hr_bpm"].iloc[-1] == 149.0
    assert s["cadence_spm"].unique().tolist() == [170.0]  # RunCadence per leg, doubled
    assert s["speed_m_s"].unique().tolist() == [3.0]
    assert s["distance_m"].iloc[-1] == 27.0


def test_tcx_elapsed_time_counts_pauses_that_lap_time_excludes():
    pts = [
        tcx_point("2024-05-01T07:00:00Z"),
        tcx_point("2024-05-01T07:05:00Z"),
        tcx_point("2024-05-01T07:20:00Z"),
    ]
    lap = tcx_lap("2024-05-01T07:00:00Z", 600, 2000, pts)  # 10 min of timer over 20 min of clock
    summary = read_tcx(tcx_doc(tcx_activity("Running", lap))).activities[0].summary
    assert summary["moving_time_s"] == 600.0
    assert summary["elapsed_time_s"] == 1200.0


def test_tcx_holds_one_activity_per_activity_element_with_their_sports():
    run = tcx_activity("Running", tcx_lap("2024-05-01T07:00:00Z", 9, 27, RUN_POINTS))
    bike_pts = [
        tcx_point(
            f"2024-05-02T07:00:0{i}Z",
            f"<Cadence>{90 + i}</Cadence><Extensions><TPX><Watts>200</Watts></TPX></Extensions>",
        )
        for i in range(3)
    ]
    bike = tcx_activity("Biking", tcx_lap("2024-05-02T07:00:00Z", 2, 0, bike_pts))
    acts = read_tcx(tcx_doc(run, bike)).activities
    assert [a.summary["sport"] for a in acts] == ["run", "ride"]
    assert acts[1].samples["cadence_spm"].tolist() == [90.0, 91.0, 92.0]  # pedal rpm, not doubled
    assert acts[1].samples["power_w"].tolist() == [200.0] * 3
    assert "distance_m" not in acts[1].summary  # a 0 m indoor ride is not a stated distance


def test_tcx_treadmill_trackpoints_without_position_are_kept():
    pts = [
        tcx_point(f"2024-05-01T07:00:0{i}Z", f"<DistanceMeters>{i * 3}</DistanceMeters>")
        for i in range(5)
    ]
    s = (
        read_tcx(tcx_doc(tcx_activity("Running", tcx_lap("2024-05-01T07:00:00Z", 4, 12, pts))))
        .activities[0]
        .samples
    )
    assert len(s) == 5 and s["lat"].isna().all()
    assert s["distance_m"].iloc[-1] == 12.0


def test_tcx_lap_only_activity_has_no_samples():
    laps = tcx_lap(
        "2024-05-01T07:00:00Z",
        1800,
        5000,
        [],
        "<Extensions><ns3:LX><ns3:AvgRunCadence>86</ns3:AvgRunCadence></ns3:LX></Extensions>",
    )
    act = read_tcx(tcx_doc(tcx_activity("Running", laps))).activities[0]
    assert act.samples is None
    assert act.summary["elapsed_time_s"] == 1800.0 and act.summary["distance_m"] == 5000.0
    assert act.summary["avg_cadence_spm"] == 172.0


def test_tcx_course_or_empty_is_nothing_to_import():
    course = b"<TrainingCenterDatabase><Courses><Course><Name>Loop</Name></Course></Courses></TrainingCenterDatabase>"
    with pytest.raises(NothingToImport, match="course"):
        read_tcx(course)
    with pytest.raises(NothingToImport, match="no recorded activity"):
        read_tcx(tcx_doc())


def test_tcx_given_gpx_bytes_says_it_is_gpx():
    with pytest.raises(
        UnreadableFile,
        match=r"not a TCX document: the root element is <gpx> \(this looks like a GPX file\)",
    ):
        read_tcx(gpx_doc(gpx_track(straight_run(3))))


def test_tcx_truncated_keeps_the_activity_with_a_warning():
    data = tcx_doc(tcx_activity("Running", tcx_lap("2024-05-01T07:00:00Z", 9, 27, RUN_POINTS)))
    cut = data.index(b"<Trackpoint>", len(data) // 2)
    parsed = read_tcx(data[:cut])
    assert 2 <= len(parsed.activities[0].samples) < 10
    assert parsed.warnings[0].startswith("malformed XML recovered: ")


# --- robustness ----------------------------------------------------------------------------------

SMALL_GPX = gpx_doc(gpx_track(straight_run(8), type_="running"))
SMALL_TCX = tcx_doc(tcx_activity("Running", tcx_lap("2024-05-01T07:00:00Z", 9, 27, RUN_POINTS)))


def _parses_or_quarantines(reader, data: bytes) -> None:
    try:
        parsed = reader(data)
    except UnreadableFile:
        return
    assert isinstance(parsed, ParsedFile) and parsed.activities


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_never_raise_anything_but_unreadable(data):
    _parses_or_quarantines(read_gpx, data)
    _parses_or_quarantines(read_tcx, data)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(SMALL_GPX)), st.integers(0, len(SMALL_TCX)))
def test_truncations_never_raise_anything_but_unreadable(gpx_cut, tcx_cut):
    _parses_or_quarantines(read_gpx, SMALL_GPX[:gpx_cut])
    _parses_or_quarantines(read_tcx, SMALL_TCX[:tcx_cut])


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(SMALL_TCX) - 1), st.binary(min_size=1, max_size=4))
def test_corrupted_bytes_never_raise_anything_but_unreadable(pos, junk):
    _parses_or_quarantines(read_tcx, SMALL_TCX[:pos] + junk + SMALL_TCX[pos + len(junk) :])
    gpos = pos % len(SMALL_GPX)
    _parses_or_quarantines(read_gpx, SMALL_GPX[:gpos] + junk + SMALL_GPX[gpos + len(junk) :])
