"""The FIT reader on the real files of ../shared/data/real (skipped when that folder is absent).

Reference values were read once with fitdecode 0.11 directly (``FitReader(check_crc=DISABLED)``,
session and record messages, no coachkit code) and are written here as literals; sample counts
are the number of distinct record timestamps, which is what a samples frame holds.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coachkit.io import NothingToImport
from coachkit.io.base import ParsedFile, finish_activity
from coachkit.io.errors import UnreadableFile
from coachkit.io.fit import read_fit, read_with_fitdecode
from tests.conftest import REAL, real_file

pytestmark = pytest.mark.real_data

_FIT_FILES = sorted(f"fit/{p.name}" for p in (REAL / "fit").glob("*.fit")) + sorted(
    f"wellness/{p.name}" for p in (REAL / "wellness").glob("*.fit")
)


@functools.cache
def _read(rel: str, *, fallback: bool = False) -> ParsedFile | UnreadableFile:
    data = Path(real_file(rel)).read_bytes()
    try:
        return (read_with_fitdecode if fallback else read_fit)(data, name=rel)
    except UnreadableFile as exc:
        return exc


def _parsed(rel: str) -> ParsedFile:
    out = _read(rel)
    assert isinstance(out, ParsedFile), f"{rel}: {out}"
    return out


@pytest.mark.parametrize("rel", _FIT_FILES or ["fit/<real data absent>"])
def test_every_real_fit_file_is_read_or_refused_with_a_reason(rel: str) -> None:
    out = _read(rel)
    if isinstance(out, UnreadableFile):
        assert str(out) and "\n" not in str(out)
        return
    assert out.decoder in ("fitfast", "fitdecode") and out.activities
    for act in out.activities:
        smp = act.samples
        assert str(smp["timestamp"].dtype) == "datetime64[ns, UTC]"
        assert smp["timestamp"].is_monotonic_increasing and smp["timestamp"].is_unique
        finished = finish_activity(act, now=pd.Timestamp("2026-01-01", tz="UTC"))
        assert finished.summary["sport"] in ("run", "trail_run", "treadmill", "walk", "ride",
                                             "swim", "strength", "other")  # fmt: skip


# file, start (UTC), sport, session total_distance (m), distinct record timestamps,
# session avg_heart_rate, number of valid R-R intervals in hrv messages (None: no hrv)
FACTS = [
    # SOURCES.md: FR935, 1h53, 16.1 km, 6774 hrv messages
    ("elevate_portland_fr935.fit", "2018-02-18 17:29:41", "run", 16075.72, 6180, 118, 13131),
    # SOURCES.md: FR945 treadmill, 1h03, 10.6 km, no GPS
    ("elevate_treadmill_fr945.fit", "2020-02-02 11:19:33", "treadmill", 10630.37, 3101, 145, 4278),
    ("elevate_loup-blanc_trail_5h_fenix6s.fit", "2021-09-01 13:34:23", "trail_run", 36975.1, 7509, 158, 44236),
    ("elevate_kaiteriteri_fr945.fit", "2020-01-06 22:33:00", "run", 12241.63, 4736, 120, 9810),
    # fitfast miscounts its CRC (see coachkit.io.fitfast_path); read with the CRC it expects
    ("fitparse_2013-02-06_fr110_run.fit", "2013-02-06 12:11:14", "run", 4835.38, 583, 147, None),
    ("fitparse_garmin-fenix-5-run.fit", "2017-06-11 14:34:09", "run", 157.56, 21, 90, 113),
    ("gc_FR15_10k_race_noHR.fit", "2014-10-11 18:08:45", "run", 10010.82, 686, None, None),
    ("gc_FR955_Stryd_run_hrv.fit", "2024-07-09 14:12:49", "run", 10021.48, 3118, 139, 7220),
    ("gc_fenix5plus_run_hrv_2019-09-07.fit", "2019-09-07 09:22:19", "run", 13301.03, 941, 158, 9614),
    ("gc_HRV-Data_stryd_run_hrv.fit", "2017-03-04 17:41:40", "run", 8239.99, 4242, 134, 9350),
    ("heartandsole_testdata_fr220.fit", "2021-04-16 13:37:53", "run", 158.71, 46, 83, None),
    # SOURCES.md: strength training, avg HR 234 bpm (implausible; the store flags it)
    ("odd_elevate_flagged-hr_strength.fit", "2020-09-19 08:24:49", "strength", 0.0, 2209, 234, None),
    # SOURCES.md: 2h24, 16.8 km; developer data fields
    ("odd_fit_mornindew-broken_fr920xt_run.fit", "2019-05-18 14:11:39", "run", 16773.34, 6874, 147, None),
    # clock never set: FIT system time 17217864 s after power-on = 1990-07-18 (not real)
    ("odd_fitparse_compressed-speed-distance_fr70.fit", "1990-07-18 06:44:24", "run", 10248.67, 755, 170, None),
    # fitdecode stops at byte 7471 after 473 records (236 distinct seconds); the session survives
    ("odd_fitparse_strava-android-app_run_noHR.fit", "2021-09-27 14:13:10", "run", 11274.04, 236, None, None),
    ("elevate_pyselsky_coros_2h41.fit", "2020-02-15 10:16:30", "run", 21524.3, 9698, 131, None),
    # fitfast miscounts its CRC, as above; SOURCES.md: 5h39, 28.5 km, 20342 records
    ("sportslib_garmin_fr910xt_ultra_5h39.fit", "2012-08-18 05:15:44", "run", 28524.95, 20342, 160, None),
    # truncated / corrupt chained header: the first 14 records and the session are kept
    ("odd_fitparse_activity-unexpected-eof.fit", "2012-04-09 21:22:26", "run", 5.73, 14, None, None),
    ("odd_fitparse_activity-settings-corruptheader.fit", "2012-04-09 21:22:26", "run", 5.73, 14, None, None),
    # The rows below were read the same way (fitdecode 0.11, CRC check off: session start_time,
    # sport/sub_sport, total_distance, avg_heart_rate; distinct record timestamps; hrv "time"
    # values in (0, 65.535) s); the SOURCES.md description is quoted where it has one.
    # SOURCES.md: vivoactive HR, 29 min, 3.2 km, smart recording (380 records)
    ("elevate_garmin_export_20171011_run_vivoactiveHR.fit", "2017-10-11 16:48:25", "run", 3230.8, 380, 152, None),
    # SOURCES.md: FR945, 1h23, 14.0 km, no hrv messages
    ("elevate_sloatsburg_fr945.fit", "2019-06-15 09:42:23", "run", 14004.85, 4988, 137, None),
    # SOURCES.md: fenix 2, 47 min, 9.0 km, no session avg HR (records have HR: _RECORD_HR)
    ("fitparse_activity-small-fenix2-run.fit", "2015-08-15 14:45:08", "run", 9008.22, 2809, None, None),
    # SOURCES.md: Stryd app, 57 min, 6.8 km; session without avg HR (records have HR)
    ("fitparse_developer-types-sample_stryd.fit", "2017-01-17 17:06:47", "run", 6753.99, 3424, None, None),
    # SOURCES.md: fenix 3, sport=generic (so: other), no GPS/distance, 3672 hrv messages
    ("gc_2017_hrv_fenix3_generic.fit", "2017-01-26 20:58:15", "other", 0.0, 3822, 142, 8174),
    # SOURCES.md: FR920XT, 35 min, 7.3 km, Firstbeat fields
    ("gc_Garmin920_withFirstbeat_run.fit", "2019-01-01 15:37:12", "run", 7278.71, 2125, 141, None),
    # SOURCES.md: IpBike app, 46 min, 9.3 km, 2739 hrv messages; 2763 records, 2762 distinct
    ("gc_IpBike-HRV-Data_run_hrv.fit", "2017-03-02 16:03:04", "run", 9326.0, 2762, 164, 7033),
    # SOURCES.md: fenix 6X trail run, 1h22, 12.2 km (fitdecode: running/trail)
    ("gc_fenix6x_trail_run_4077461142.fit", "2019-09-20 07:20:42", "trail_run", 12167.64, 4948, 146, None),
    # SOURCES.md: Suunto, 25 min, 2.3 km, 1474 hrv messages; session without avg HR
    ("gc_suunto_run_hrv_2020-01-15.fit", "2020-01-15 18:27:16", "run", 2338.0, 1473, None, 2335),
    # SOURCES.md: vivoactive HR + Stryd developer fields, 24 min, 4.9 km
    ("gc_vivoactiveHR_stryd_run_3386684871.fit", "2019-02-16 05:05:52", "run", 4922.73, 1440, 137, None),
    # SOURCES.md: Wahoo 1-minute ride, strings without NUL (fitdecode: cycling/indoor_cycling)
    ("odd_fit_unterminated-strings.fit", "2023-11-08 10:19:38", "ride", 69.0, 33, 90, None),
    # SOURCES.md: FIT SDK sample with a wrong file CRC: read by the fallback, with a warning
    ("odd_fitparse_activity-filecrc.fit", "2012-04-09 21:22:26", "run", 5.73, 14, None, None),
    # SOURCES.md: FR645 Music, 53 min, 5.8 km, smart recording
    ("runpandas_run_fr645m.fit", "2019-09-14 15:22:05", "run", 5839.77, 1202, 130, None),
    # SOURCES.md: Suunto trail run, 2h40, 8.2 km, 9543 hrv messages (fitdecode: running/trail)
    ("sportslib_6910052863_suunto_trail_2h40_hrv.fit", "2019-09-14 06:59:53", "trail_run", 8225.0, 9543, 164, 26066),
    # SOURCES.md: Suunto, 21 min, 4.3 km, NO heart rate
    ("sportslib_6914538454_suunto_run_noHR.fit", "2021-05-10 18:19:59", "run", 4330.0, 1260, None, None),
    # the device files of SOURCES.md's "same activity" pairs, here against fitdecode too
    # SOURCES.md: Suunto trail run, 37 min, 6.5 km, 2197 hrv messages (fitdecode: running/trail)
    ("elevate_bloemendaal_suunto_trail_power.fit", "2020-03-04 16:14:31", "trail_run", 6458.0, 2197, 148, 5416),
    # SOURCES.md: COROS, 49 min, 10.7 km
    ("elevate_trosku_coros_power.fit", "2020-03-14 13:52:29", "run", 10743.64, 2921, 160, None),
    # SOURCES.md: vivoactive HR, 47 min, 4.5 km
    ("sportslib_2067489619_vivoactiveHR_run.fit", "2017-10-08 14:54:11", "run", 4489.39, 503, 130, None),
    # sport=generic (so: other); every record has heart_rate 0 (no sensor), so no avg HR
    ("odd_sportslib_inverted-times.fit", "2016-08-08 13:10:26", "other", 7861.02, 885, None, None),
]  # fmt: skip

# Files whose session states no avg HR although the records carry it: the store's avg_hr then
# comes from the samples. fitdecode 0.11: plain mean of the non-zero record heart_rate values
# (2808, 3424 and 1468 records, all about 1 s apart, so the time-weighted mean is within 1 bpm).
_RECORD_HR = {
    "fitparse_activity-small-fenix2-run.fit": 153.98,
    "fitparse_developer-types-sample_stryd.fit": 130.84,
    "gc_suunto_run_hrv_2020-01-15.fit": 94.60,
}


@pytest.mark.parametrize(("name", "start", "sport", "dist", "n", "avg_hr", "n_rr"), FACTS)
def test_real_file_facts(name: str, start: str, sport: str, dist: float, n: int,
                         avg_hr: int | None, n_rr: int | None) -> None:  # fmt: skip
    parsed = _parsed(f"fit/{name}")
    (act,) = parsed.activities
    s = act.summary
    assert s["start_time"] == pd.Timestamp(start, tz="UTC")
    assert s["sport"] == sport
    assert s["distance_m"] == pytest.approx(dist, rel=0.01)
    assert len(act.samples) == n
    if avg_hr is None:
        assert "avg_hr" not in s
    else:
        assert s["avg_hr"] == avg_hr
    if n_rr is None:
        assert "rr_ms" not in act.samples
    else:
        rr = act.samples["rr_ms"]
        assert sum(len(x) for x in rr) == n_rr
        flat = np.concatenate([x for x in rr if x])
        assert 200 < np.median(flat) < 2000  # ms, not seconds


@pytest.mark.parametrize(("name", "avg_hr"), sorted(_RECORD_HR.items()))
def test_avg_hr_comes_from_the_records_when_the_session_has_none(name: str, avg_hr: float) -> None:
    (act,) = _parsed(f"fit/{name}").activities
    assert "avg_hr" not in act.summary
    finished = finish_activity(act, now=pd.Timestamp("2026-01-01", tz="UTC"))
    assert finished.summary["avg_hr"] == pytest.approx(avg_hr, abs=1.0)
    assert "no_hr" not in finished.flags


def test_files_without_heart_rate_are_flagged_no_hr() -> None:
    # SOURCES.md "Without heart rate" list (FIT files), plus the FIT SDK sample (no HR field)
    for name in ("gc_FR15_10k_race_noHR.fit", "sportslib_6914538454_suunto_run_noHR.fit",
                 "odd_fitparse_strava-android-app_run_noHR.fit", "odd_fitparse_activity-filecrc.fit"):  # fmt: skip
        act = _parsed(f"fit/{name}").activities[0]
        assert "no_hr" in finish_activity(act, now=pd.Timestamp("2026-01-01", tz="UTC")).flags


def test_triathlon_with_chained_headers_gives_every_leg() -> None:
    parsed = _parsed("fit/odd_fitparse_sample_mulitple_header_triathlon.fit")
    acts = parsed.activities
    # fitdecode session messages: open-water swim, transition, bike, transition, run
    assert [a.summary["sport"] for a in acts] == ["swim", "other", "ride", "other", "run"]
    assert [a.summary["distance_m"] for a in acts] == [1644.71, 141.7, 40909.42, 31.93, 9805.92]
    assert acts[2].summary["start_time"] == pd.Timestamp("2018-05-27 08:08:58", tz="UTC")
    # records with timestamps in [session start, next session start)
    assert [len(a.samples) for a in acts] == [349, 38, 854, 14, 518]
    assert acts[4].summary["avg_cadence_spm"] == pytest.approx(2 * (83 + 0.515625))
    assert acts[2].summary["avg_cadence_spm"] == 85  # cycling cadence stays rpm


def test_laps_come_with_the_activity() -> None:
    laps = _parsed("fit/elevate_portland_fr935.fit").activities[0].laps
    # fitdecode lap messages: 17 laps; first 17:29:41 UTC, 368.577 s, 1000 m, 130 bpm;
    # last 19:22:27 UTC, 26.023 s, 75.72 m, 112 bpm
    assert len(laps) == 17
    first, last = laps.iloc[0], laps.iloc[-1]
    assert first["start_time"] == pd.Timestamp("2018-02-18 17:29:41", tz="UTC")
    assert (first["elapsed_time_s"], first["distance_m"], first["avg_hr"]) == (368.577, 1000.0, 130)
    assert last["start_time"] == pd.Timestamp("2018-02-18 19:22:27", tz="UTC")
    assert (last["elapsed_time_s"], last["distance_m"], last["avg_hr"]) == (26.023, 75.72, 112)
    tri = _parsed("fit/odd_fitparse_sample_mulitple_header_triathlon.fit").activities
    assert [len(a.laps) for a in tri] == [1, 1, 1, 1, 1]  # one lap per leg


def test_fenix5_samples_match_the_fitparse_oracle_csv() -> None:
    csv = pd.read_csv(real_file("fit/fitparse_garmin-fenix-5-run-records.csv"))
    smp = _parsed("fit/fitparse_garmin-fenix-5-run.fit").activities[0].samples
    assert len(smp) == len(csv) == 21
    sc = 180.0 / 2**31  # FIT semicircles to degrees
    np.testing.assert_allclose(smp["lat"], csv["position_lat"] * sc)
    np.testing.assert_allclose(smp["lon"], csv["position_long"] * sc)
    np.testing.assert_allclose(smp["hr_bpm"], csv["heart_rate"])
    np.testing.assert_allclose(smp["distance_m"], csv["distance"])
    np.testing.assert_allclose(smp["altitude_m"], csv["altitude"])
    np.testing.assert_allclose(smp["temperature_c"], csv["temperature"])
    # the CSV has whole strides/min; steps/min adds the fractional part and doubles
    assert ((smp["cadence_spm"] - 2 * csv["cadence"]).between(0, 2)).all()


def test_compressed_speed_distance_is_expanded() -> None:
    parsed = _parsed("fit/odd_fitparse_compressed-speed-distance_fr70.fit")
    assert parsed.decoder == "fitfast"
    smp = parsed.activities[0].samples
    # fitdecode 0.11 record values: 2nd record speed 3.54 m/s, distance 0.0, 3rd 14.25 m,
    # last 10248.6875 m; record timestamps span 3880 s (compressed timestamp headers)
    assert smp["speed_m_s"].iloc[1] == 3.54
    assert smp["distance_m"].iloc[2] == 14.25 and smp["distance_m"].iloc[-1] == 10248.6875
    assert smp["distance_m"].dropna().is_monotonic_increasing  # the 256 m rollovers accumulated
    assert smp["t_s"].iloc[-1] == 3880
    assert any("clock was never set" in w for w in parsed.warnings)


def test_antfs_dump_records_get_their_compressed_timestamps() -> None:
    smp = _parsed("fit/odd_fitparse_antfs-dump.63_fr70.fit").activities[0].samples
    # fitdecode: 686 records, timestamps 16441242 .. 16444667 (FIT system time), mean HR 162.0
    assert len(smp) == 686 and smp["t_s"].iloc[-1] == 16444667 - 16441242
    assert smp["hr_bpm"].mean() == pytest.approx(161.98, abs=0.01)


def test_local_offset_device_and_developer_power() -> None:
    # fitdecode activity message: local 11:22:57 vs UTC 19:22:57 (Portland, PST)
    portland = _parsed("fit/elevate_portland_fr935.fit").activities[0].summary
    assert portland["utc_offset_s"] == -8 * 3600 and portland["device"] == "garmin fr935"
    nz = _parsed("fit/elevate_kaiteriteri_fr945.fit").activities[0].summary
    assert nz["utc_offset_s"] == 13 * 3600  # NZDT: 12:59:02 local vs 23:59:02 UTC
    # Stryd power only as developer field "Power": fitdecode mean over 3118 records 353.39 W
    stryd = _parsed("fit/gc_FR955_Stryd_run_hrv.fit").activities[0].samples
    assert stryd["power_w"].mean() == pytest.approx(353.389, abs=0.01)


def test_quality_problems_are_left_for_the_flags() -> None:
    def flags(name: str) -> list[str]:
        act = _parsed(f"fit/{name}").activities[0]
        return finish_activity(act, now=pd.Timestamp("2026-01-01", tz="UTC")).flags

    assert "hr_implausible" in flags("odd_elevate_flagged-hr_strength.fit")
    assert "time_inverted" in flags("odd_sportslib_inverted-times.fit")  # timer 21680 s > 2840 s
    assert "date_implausible" in flags("odd_fitparse_antfs-dump.63_fr70.fit")


def test_odd_files_are_repaired_with_warnings() -> None:
    strava = _parsed("fit/odd_fitparse_strava-android-app_run_noHR.fit")
    assert strava.decoder == "fitdecode" and any("7471" in w for w in strava.warnings)
    eof = _parsed("fit/odd_fitparse_activity-unexpected-eof.fit")
    assert eof.warnings[0] == "file truncated; read with fitdecode, CRC check off"
    chained = _parsed("fit/odd_fitparse_activity-settings-corruptheader.fit")
    assert any("corrupt header" in w for w in chained.warnings)
    # sound by the FIT SDK's CRC; fitfast 0.1 leaves the 14-byte header out of its own
    crc = _parsed("fit/sportslib_garmin_fr910xt_ultra_5h39.fit")
    assert crc.decoder == "fitfast" and not any("CRC" in w for w in crc.warnings)
    sdk = _parsed("fit/odd_fitparse_activity-filecrc.fit")  # a wrong CRC, sound records
    assert sdk.decoder == "fitfast" and sdk.warnings == [
        "CRC mismatch; read with fitfast, CRC check off"
    ]
    # no session and broken dates: 3279 records over 657 distinct seconds, merged per second
    broken = _parsed("fit/odd_sportslib_broken-dates.fit").activities[0]
    assert len(broken.samples) == 657 and broken.summary["sport"] == "ride"
    assert broken.samples["timestamp"].iloc[0] == pd.Timestamp("2017-03-20 19:09:28", tz="UTC")


def test_unfinished_zwift_recording_is_recovered() -> None:
    # header data_size 0, file cut at 84 KiB; fitdecode on a copy with the size patched reads
    # 2319 records from 2016-01-16 14:33:51 UTC before the cut
    parsed = _parsed("fit/odd_sportslib_empty-activities.fit")
    (act,) = parsed.activities
    assert len(act.samples) == 2319
    assert act.samples["timestamp"].iloc[0] == pd.Timestamp("2016-01-16 14:33:51", tz="UTC")
    assert any("never finished" in w for w in parsed.warnings)


def test_files_without_workouts_are_refused() -> None:
    assert str(_read("fit/odd_elevate_empty.fit")) == "empty file"
    monitoring = _read("wellness/fitparse_MonitoringFile_vivofit.fit")
    assert isinstance(monitoring, NothingToImport) and "monitoring" in str(monitoring)


_FAST = [rel for rel in _FIT_FILES if rel.startswith("fit/")]


@pytest.mark.parametrize("rel", _FAST or ["fit/<real data absent>"])
def test_fast_path_and_fallback_agree(rel: str) -> None:
    fast = _read(rel)
    if not isinstance(fast, ParsedFile) or fast.decoder != "fitfast":
        pytest.skip("fitfast cannot read this file; only the fallback does")
    slow = _read(rel, fallback=True)
    assert isinstance(slow, ParsedFile) and slow.decoder == "fitdecode"
    assert len(fast.activities) == len(slow.activities)
    for a, b in zip(fast.activities, slow.activities):
        assert len(a.samples) == len(b.samples)
        assert a.summary.get("start_time") == b.summary.get("start_time")
        for key in ("distance_m", "avg_hr"):
            if b.summary.get(key) is None:
                assert a.summary.get(key) is None
            else:
                assert a.summary.get(key) == pytest.approx(b.summary[key], rel=1e-6)
        pd.testing.assert_frame_equal(a.samples, b.samples, rtol=1e-9)
