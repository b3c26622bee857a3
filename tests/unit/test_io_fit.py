"""FIT reader: formulas on hand-made values, and whole files built byte by byte in the test.

The tiny FIT writer below follows the FIT protocol document (14-byte header, definition and
data messages, CRC-16 with the SDK's nibble table); message and field numbers are the FIT
profile's (record = 20, session = 18, hrv = 78 ...). It lets every path of the reader run
without the real-data folder.
"""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coachkit.io import NothingToImport
from coachkit.io.errors import UnreadableFile
from coachkit.io.fit import read_fit, read_with_fitdecode, rr_by_row, running_cadence_spm
from coachkit.io.fit_fallback import (
    expand_compressed_speed_distance,
    repair_zero_size_header,
    semicircles_to_degrees,
)
from coachkit.io.sports import fit_sport

FIT_EPOCH = 631_065_600
T0 = 1_000_000_000  # FIT seconds: 2021-09-08T01:46:40Z
T0_UTC = pd.Timestamp(FIT_EPOCH + T0, unit="s", tz="UTC")

_CRC_TABLE = (0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
              0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400)  # fmt: skip


def fit_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            tmp = _CRC_TABLE[crc & 0xF]
            crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ _CRC_TABLE[nibble]
    return crc


# (field number, struct format, FIT base type)
U8, U16, U32, S32, ENUM = ("B", 0x02), ("H", 0x84), ("I", 0x86), ("i", 0x85), ("B", 0x00)
MESSAGES = {  # global number, fields (name -> number, type); FIT profile 21.x
    "file_id": (0, {"type": (0, ENUM), "manufacturer": (1, U16), "product": (2, U16),
                    "time_created": (4, U32)}),
    "record": (20, {"timestamp": (253, U32), "position_lat": (0, S32), "position_long": (1, S32),
                    "heart_rate": (3, U8), "cadence": (4, U8), "distance": (5, U32),
                    "fractional_cadence": (53, U8)}),
    "session": (18, {"timestamp": (253, U32), "start_time": (2, U32), "sport": (5, ENUM),
                     "sub_sport": (6, ENUM), "total_elapsed_time": (7, U32),
                     "total_timer_time": (8, U32), "total_distance": (9, U32),
                     "avg_heart_rate": (16, U8), "avg_cadence": (18, U8),
                     "avg_fractional_cadence": (92, U8)}),
    "activity": (34, {"timestamp": (253, U32), "num_sessions": (1, U16), "local_timestamp": (5, U32)}),
    "hrv": (78, {}),
}  # fmt: skip


def fit_file(messages: list[tuple[str, dict[str, int | list[int]]]], *, crc: bool = True) -> bytes:
    """A FIT file of (message name, raw field values); each message gets its own definition."""
    body = bytearray()
    for local, (kind, values) in enumerate(messages):
        local %= 16
        global_num, fields = MESSAGES[kind]
        defs, payload = [], bytearray()
        for name, value in values.items():
            if kind == "hrv":  # time: uint16[5], 1/1000 s
                defs.append((0, 10, 0x84))
                payload += struct.pack("<5H", *value)
                continue
            num, (fmt, base) = fields[name]
            defs.append((num, struct.calcsize(fmt), base))
            payload += struct.pack("<" + fmt, value)
        body += struct.pack("<BBBHB", 0x40 | local, 0, 0, global_num, len(defs))
        body += b"".join(struct.pack("<BBB", *d) for d in defs)
        body += bytes([local]) + payload
    head = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    head += struct.pack("<H", fit_crc(head))
    out = head + bytes(body)
    return out + struct.pack("<H", fit_crc(out) if crc else fit_crc(out) ^ 0xFFFF)


def run_file(n: int = 6, *, hrv: bool = False, sport: int = 1) -> bytes:
    """A 1 Hz run: 10 m/s along a meridian, cadence 80 rpm + 0.5, HR 140, local time UTC+2."""
    msgs: list = [("file_id", {"type": 4, "manufacturer": 1, "product": 2697, "time_created": T0})]
    for i in range(n):
        msgs.append(("record", {"timestamp": T0 + i, "position_lat": 2**29 + 1000 * i,
                                "position_long": -(2**30), "heart_rate": 140, "cadence": 80,
                                "fractional_cadence": 64, "distance": 1000 * i}))  # fmt: skip
    if hrv:  # 0.5 s, 0.5 s, 0.6 s, then invalid slots, then one 0.4 s beat
        msgs += [("hrv", {"time": [500, 500, 600, 0xFFFF, 0xFFFF]}),
                 ("hrv", {"time": [400, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF]})]  # fmt: skip
    msgs.append(("session", {"timestamp": T0 + n, "start_time": T0, "sport": sport, "sub_sport": 0,
                             "total_elapsed_time": n * 1000, "total_timer_time": n * 1000,
                             "total_distance": 1000 * (n - 1), "avg_heart_rate": 140,
                             "avg_cadence": 80, "avg_fractional_cadence": 64}))  # fmt: skip
    msgs.append(
        ("activity", {"timestamp": T0 + n, "num_sessions": 1, "local_timestamp": T0 + n + 7200})
    )
    return fit_file(msgs)


# --- formulas ------------------------------------------------------------------------------


def pack_speed_distance(speed_cm_s: int, counter_16th_m: int) -> bytes:
    """FIT record field 8: speed in bits 0-11 (1/100 m/s), distance counter in bits 12-23."""
    bits = (speed_cm_s & 0xFFF) | ((counter_16th_m & 0xFFF) << 12)
    return bits.to_bytes(3, "little")


def test_compressed_speed_distance_unpacks_12_bit_fields() -> None:
    speed, dist = expand_compressed_speed_distance([pack_speed_distance(354, 0),
                                                    pack_speed_distance(355, 228)])  # fmt: skip
    assert speed.tolist() == [3.54, 3.55]
    assert dist.tolist() == [0.0, 14.25]  # 228 / 16 m


def test_compressed_distance_accumulates_over_the_256_m_rollover() -> None:
    # counter 4000/16 = 250 m, then wraps to 100/16 m: 196 sixteenths further = 262.25 m
    packed = [pack_speed_distance(300, 4000), None, pack_speed_distance(300, 100),
              pack_speed_distance(300, 4090), pack_speed_distance(300, 5)]  # fmt: skip
    speed, dist = expand_compressed_speed_distance(packed)
    assert np.isnan(speed[1]) and np.isnan(dist[1])
    assert dist[0] == 250.0
    assert dist[2] == pytest.approx((4000 + 196) / 16)
    assert dist[3] == pytest.approx((4000 + 196 + 3990) / 16)
    assert dist[4] == pytest.approx((4000 + 196 + 3990 + 11) / 16)  # second wrap


def test_rr_intervals_go_to_the_row_whose_second_holds_the_beat() -> None:
    rows = np.array([100.0, 101.0, 102.0, 104.0])
    beats = np.array([99.8, 100.4, 101.2, 101.9, 103.5, 110.0])
    rr = np.array([600.0, 600.0, 800.0, 700.0, 900.0, 650.0])
    out = rr_by_row(rows, beats, rr)
    # before the first row -> first row; 103.5 lies in [102, 104); 110 after the last -> last
    assert out == [[600.0, 600.0], [800.0, 700.0], [900.0], [650.0]]
    assert rr_by_row(np.array([]), beats, rr) == []


def test_running_cadence_doubles_strides_and_adds_the_fraction() -> None:
    spm = running_cadence_spm(np.array([82.0, 80.0, np.nan]), np.array([0.5, np.nan, 0.25]))
    assert spm[:2].tolist() == [165.0, 160.0]
    assert np.isnan(spm[2])
    assert running_cadence_spm(np.array([90.0]), None).tolist() == [180.0]


def test_semicircles_to_degrees() -> None:
    assert semicircles_to_degrees(np.array([2**31, -(2**30), 0])).tolist() == [180.0, -90.0, 0.0]
    # fitparse oracle CSV, first record of garmin-fenix-5-run: 456099128 sc = 38.2297873 deg
    assert semicircles_to_degrees(np.array([456099128]))[0] == pytest.approx(38.22978727519512)


@pytest.mark.parametrize(("sport", "sub", "expected"), [
    ("running", "trail", "trail_run"), ("running", "treadmill", "treadmill"),
    ("training", "strength_training", "strength"), ("transition", "generic", "other"),
    ("swimming", "open_water", "swim"), ("cycling", "indoor_cycling", "ride"),
    (1, None, "other"),  # an enum number the decoder could not name is not Strava's "1" (ride)
])  # fmt: skip
def test_fit_sport_names(sport: object, sub: object, expected: str) -> None:
    assert fit_sport(sport, sub) == expected


def test_zero_data_size_header_is_repaired_only_when_data_follows() -> None:
    data = run_file()
    broken = data[:4] + b"\0\0\0\0" + data[8:]
    fixed, repaired = repair_zero_size_header(broken)
    assert repaired and struct.unpack_from("<I", fixed, 4)[0] == len(data) - 14
    assert repair_zero_size_header(data) == (data, False)


# --- whole files ---------------------------------------------------------------------------


def test_fast_path_reads_a_hand_made_run() -> None:
    parsed = read_fit(run_file(hrv=True))
    assert parsed.decoder == "fitfast" and parsed.warnings == []
    (act,) = parsed.activities
    s = act.summary
    assert s["sport"] == "run" and s["start_time"] == T0_UTC
    assert s["utc_offset_s"] == 7200 and s["device"] == "garmin fenix5"
    assert s["distance_m"] == 50.0 and s["avg_hr"] == 140.0
    assert s["avg_cadence_spm"] == 161.0  # 2 * (80 + 64/128)
    smp = act.samples
    assert len(smp) == 6 and smp["t_s"].tolist() == [0, 1, 2, 3, 4, 5]
    assert smp["lat"].iloc[0] == pytest.approx(45.0) and smp["lon"].iloc[0] == pytest.approx(-90.0)
    assert (smp["cadence_spm"] == 161.0).all() and smp["distance_m"].iloc[-1] == 50.0
    # beats at +0.5, +1.0, +1.6, +2.0 s after the first record; 0xFFFF slots dropped
    assert smp["rr_ms"].tolist() == [[500.0], [500.0, 600.0], [400.0], [], [], []]


def test_fallback_reads_the_same_run_the_same_way() -> None:
    fast, slow = read_fit(run_file(hrv=True)), read_with_fitdecode(run_file(hrv=True))
    assert slow.decoder == "fitdecode"
    pd.testing.assert_frame_equal(fast.activities[0].samples, slow.activities[0].samples)
    assert fast.activities[0].summary == slow.activities[0].summary


def test_no_rr_column_without_hrv_messages_and_cycling_cadence_stays_rpm() -> None:
    (act,) = read_fit(run_file(sport=2)).activities
    assert "rr_ms" not in act.samples
    assert act.summary["sport"] == "ride" and act.summary["avg_cadence_spm"] == 80.0
    assert (act.samples["cadence_spm"] == 80.0).all()


def test_a_bad_crc_alone_stays_on_the_fast_path_with_a_warning() -> None:
    good = run_file()
    parsed = read_fit(good[:-2] + bytes([good[-2] ^ 0xFF, good[-1]]))
    assert parsed.decoder == "fitfast"
    assert parsed.warnings[0] == "CRC mismatch; read with fitfast, CRC check off"
    assert len(parsed.activities[0].samples) == 6
    chained = good + good[:-2] + bytes([good[-2] ^ 0xFF, good[-1]])  # not one whole file
    assert read_fit(chained).decoder == "fitdecode"


def test_the_fit_crc_is_the_sdks_crc16() -> None:
    from coachkit.io.fitfast_path import crc16

    good = run_file()
    assert crc16(good) == 0  # FIT SDK: the CRC of a whole file, its own CRC included, is 0


def test_truncated_file_keeps_the_records_before_the_cut() -> None:
    data = run_file(20)
    cut = data[: len(data) // 2]
    parsed = read_fit(cut)
    assert parsed.decoder == "fitdecode"
    assert any("truncated" in w for w in parsed.warnings)
    (act,) = parsed.activities  # no session survived: one activity from the records
    assert 0 < len(act.samples) < 20 and act.summary["sport"] == "other"


def test_chained_files_give_every_session() -> None:
    first = run_file(5)
    second = fit_file(
        [("record", {"timestamp": T0 + 100 + i, "heart_rate": 120}) for i in range(4)]
        + [("session", {"start_time": T0 + 100, "sport": 2, "total_distance": 0})]
    )
    parsed = read_fit(first + second)
    assert [a.summary["sport"] for a in parsed.activities] == ["run", "ride"]
    assert [len(a.samples) for a in parsed.activities] == [5, 4]
    assert parsed.activities[1].summary["start_time"] == T0_UTC + pd.Timedelta(seconds=100)


def test_a_corrupt_second_header_keeps_the_first_part() -> None:
    parsed = read_fit(run_file(5) + b"\x0e\x20garbage-not-a-header")
    assert parsed.decoder == "fitdecode" and len(parsed.activities[0].samples) == 5
    assert any("corrupt header" in w for w in parsed.warnings)


def test_monitoring_and_empty_files_are_refused_with_a_reason() -> None:
    monitoring = fit_file([("file_id", {"type": 32, "manufacturer": 1, "time_created": T0})])
    with pytest.raises(NothingToImport, match="monitoring"):
        read_fit(monitoring)
    with pytest.raises(UnreadableFile, match="^empty file$"):
        read_fit(b"")
    with pytest.raises(UnreadableFile, match="signature"):
        read_fit(b"<gpx></gpx> not a fit file")
    with pytest.raises(NothingToImport):
        read_fit(fit_file([("file_id", {"type": 4, "manufacturer": 1, "time_created": T0})]))


def test_unset_device_clock_is_reported() -> None:
    data = fit_file([("record", {"timestamp": 5000 + i, "heart_rate": 150}) for i in range(3)])
    parsed = read_fit(data)
    assert any("clock was never set" in w for w in parsed.warnings)
    assert parsed.activities[0].samples["timestamp"].iloc[0].year == 1989


def test_records_sharing_a_second_are_merged_not_dropped() -> None:
    # Strava's Android app writes position in one record and distance in the next, same second
    msgs = []
    for i in range(3):
        msgs.append(("record", {"timestamp": T0 + i, "position_lat": 2**29, "position_long": 0}))
        msgs.append(("record", {"timestamp": T0 + i, "distance": 500 * i}))
    parsed = read_fit(fit_file(msgs))
    smp = parsed.activities[0].samples
    assert len(smp) == 3 and smp["distance_m"].tolist() == [0.0, 5.0, 10.0]
    assert smp["lat"].notna().all()
    assert any("share a timestamp" in w for w in parsed.warnings)


def test_an_unfinished_recording_with_zero_data_size_is_recovered() -> None:
    data = run_file(6)
    unfinished = data[:4] + b"\0\0\0\0" + data[8:-2]  # size never written, no final CRC
    parsed = read_fit(unfinished)
    assert parsed.decoder == "fitdecode"
    assert any("never finished" in w for w in parsed.warnings)
    assert len(parsed.activities[0].samples) == 6


# --- robustness: nothing but UnreadableFile may escape -------------------------------------

_SMALL = run_file(8, hrv=True)


def _must_not_crash(data: bytes) -> None:
    try:
        parsed = read_fit(data)
    except UnreadableFile:
        return
    for act in parsed.activities:
        assert act.samples is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(_SMALL)))
def test_any_truncation_is_read_or_refused(cut: int) -> None:
    _must_not_crash(_SMALL[:cut])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_SMALL) - 1), st.integers(0, 255)), max_size=8))
def test_corrupted_bytes_are_read_or_refused(edits: list[tuple[int, int]]) -> None:
    data = bytearray(_SMALL)
    for pos, value in edits:
        data[pos] = value
    _must_not_crash(bytes(data))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_random_bodies_behind_a_fit_signature_are_refused_or_read(body: bytes) -> None:
    head = struct.pack("<BBHI4sH", 14, 0x20, 2132, len(body), b".FIT", 0)
    _must_not_crash(head + body)
