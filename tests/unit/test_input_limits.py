"""Every reader bounds what it keeps from one file (issue 20), and says what it kept.

The limits are lowered here so that small fixtures reach them; the ingest of full-size files
in a new process, with its peak RSS, is in ``tests/integration/test_bounded_memory.py``.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from coachkit.io import csvtext, gpx, hrv, jsonvalues, read_bytes, tcx, xmlsafe
from coachkit.io.errors import UnreadableFile
from coachkit.io.fit import read_fit
from coachkit.io.fit_fallback import decode_with_fitdecode
from tests.conftest import real_file

GPX_HEAD = b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><type>running</type><trkseg>'


def _gpx(n: int, ele: str = "100") -> bytes:
    points = b"".join(
        b'<trkpt lat="45.%04d" lon="5.0"><ele>%s</ele><time>2024-05-01T07:%02d:%02dZ</time></trkpt>'
        % (i, ele.encode(), i // 60, i % 60)
        for i in range(n)
    )
    return GPX_HEAD + points + b"</trkseg></trk></gpx>"


def test_a_gpx_past_the_point_limit_keeps_the_first_points_and_says_so(monkeypatch):
    monkeypatch.setattr(gpx, "_STREAM", dataclasses.replace(gpx._STREAM, limit=5))
    parsed = gpx.read_gpx(_gpx(12))
    assert len(parsed.activities[0].samples) == 5
    assert parsed.warnings[0] == (
        "GPX too long: more than 5 track points: kept the 5 track points before that; "
        "the rest of the file was not read"
    )
    monkeypatch.setattr(gpx, "_STREAM", dataclasses.replace(gpx._STREAM, limit=12))
    exact = gpx.read_gpx(_gpx(12))
    assert len(exact.activities[0].samples) == 12 and not exact.warnings  # at the limit: whole


def test_a_tcx_past_the_point_limit_keeps_the_first_trackpoints(monkeypatch):
    points = b"".join(
        b"<Trackpoint><Time>2024-05-01T07:00:%02dZ</Time><HeartRateBpm><Value>140</Value>"
        b"</HeartRateBpm></Trackpoint>" % i
        for i in range(20)
    )
    data = (
        b'<TrainingCenterDatabase><Activities><Activity Sport="Running"><Id>2024-05-01T07:00:00Z'
        b'</Id><Lap StartTime="2024-05-01T07:00:00Z"><Track>' + points + b"</Track></Lap>"
        b"</Activity></Activities></TrainingCenterDatabase>"
    )
    monkeypatch.setattr(tcx, "_STREAM", dataclasses.replace(tcx._STREAM, limit=8))
    parsed = tcx.read_tcx(data)
    assert len(parsed.activities[0].samples) == 8
    assert parsed.warnings[0].startswith("TCX too long: more than 8 track points: kept the 8")


def test_points_leave_the_tree_as_they_are_read():
    doc = xmlsafe.parse_xml(_gpx(30), gpx._STREAM)
    seg = doc.root.find("{*}trk/{*}trkseg")
    assert seg is not None and len(seg) == 0  # no trkpt element is kept
    assert len(doc.points[seg]["timestamp"]) == 30 and doc.complete


def test_a_document_of_endless_other_elements_stops_at_the_element_limit(monkeypatch):
    monkeypatch.setattr(xmlsafe, "MAX_OTHER_ELEMENTS", 50)
    data = b"<gpx><metadata>" + b"<link/>" * 200 + b"</metadata></gpx>"
    doc = xmlsafe.parse_xml(data, gpx._STREAM)
    assert doc.truncated is not None and "more than 50 XML elements" in doc.truncated
    assert not doc.complete


def test_an_overlong_value_is_skipped_not_kept():
    parsed = gpx.read_gpx(_gpx(3, ele="1" * (xmlsafe.MAX_VALUE_CHARS + 1)))
    assert np.isnan(parsed.activities[0].samples["altitude_m"]).all()


def test_a_csv_past_the_row_limit_keeps_the_first_rows_and_says_so(monkeypatch):
    monkeypatch.setattr(csvtext, "MAX_ROWS", 3)
    data = b"date,dist_m,mov_s,hr,intensity,load,name\n" + b"".join(
        b"2024-05-%02d,5000,1500,140,0.7,40,Run\n" % d for d in range(1, 6)
    )
    parsed = read_bytes(data, name="intervals.csv")
    assert len(parsed.activities) == 3
    assert parsed.warnings[0] == (
        "intervals.icu CSV too long: more than 3 rows; kept the first 3, "
        "the rest of the file was not read"
    )


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b"a,b\r\n1,2\r\n", ["a,b\n", "1,2\n"]),  # CRLF
        (b"a,b\r1,2\r", ["a,b\n", "1,2\n"]),  # CR only (old Mac exports)
        ("\ufeffcafé\n".encode(), ["café\n"]),  # UTF-8 with BOM
        ("café\n".encode("cp1252"), ["café\n"]),  # not UTF-8: Windows-1252
        ("ü\x00\n".encode("utf-16"), ["ü\n"]),  # UTF-16 with BOM; NUL dropped
    ],
)
def test_text_lines_decode_each_encoding_as_they_go(data, lines):
    assert list(csvtext.text_lines(data)) == lines


def test_a_broken_utf16_text_is_one_clear_error():
    with pytest.raises(UnreadableFile, match="UTF-16 text file with broken characters"):
        list(csvtext.text_lines(b"\xff\xfe" + "ok\n".encode("utf-16-le") + b"\x00\xd8"))


def test_an_rr_file_past_the_line_limit_is_refused_unread(monkeypatch):
    monkeypatch.setattr(hrv, "MAX_RR_LINES", 10)
    data = b"".join(b"%d\n" % (900 + i % 7) for i in range(11))
    with pytest.raises(UnreadableFile, match="more than 10 lines"):
        read_bytes(data, name="2024-05-01_rr.txt")


def test_json_past_the_size_limit_is_refused_before_it_is_decoded(monkeypatch):
    monkeypatch.setattr(jsonvalues, "MAX_JSON_BYTES", 200)
    data = json.dumps([{"type": "time", "data": list(range(100))}]).encode()
    with pytest.raises(UnreadableFile, match="refused: JSON over"):
        read_bytes(data, name="streams.json")


def test_fitdecode_stops_at_the_record_limit_and_says_what_it_kept():
    data = real_file("fit/elevate_loup-blanc_trail_5h_fenix6s.fit").read_bytes()
    content = decode_with_fitdecode(data, max_records=100)
    assert len(content.records["timestamp"]) == 100
    assert "more than 100 records; kept the 100 records decoded before that" in content.warnings


def test_a_fit_past_the_fast_size_is_read_by_the_bounded_decoder(monkeypatch):
    from coachkit.io import fit

    data = real_file("fit/fitparse_garmin-fenix-5-run.fit").read_bytes()
    fast = read_fit(data)
    monkeypatch.setattr(fit, "MAX_FAST_BYTES", 1000)
    slow = read_fit(data)
    assert (fast.decoder, slow.decoder) == ("fitfast", "fitdecode")
    assert slow.warnings[0].startswith("a FIT file of 0 MB: read with fitdecode")
    a, b = fast.activities[0].samples, slow.activities[0].samples
    assert len(a) == len(b) and np.allclose(a["hr_bpm"], b["hr_bpm"], equal_nan=True)


def test_the_readme_states_the_limits_the_readers_apply():
    from coachkit.core.files import MAX_FILE_BYTES
    from tests.conftest import REPO

    readme = " ".join((REPO / "README.md").read_text().split())
    assert f"none over {MAX_FILE_BYTES // 2**20} MB" in readme
    assert f"a track longer than {xmlsafe.MAX_POINTS:,} points" in readme
    assert f"a CSV longer than {csvtext.MAX_ROWS:,} rows" in readme
