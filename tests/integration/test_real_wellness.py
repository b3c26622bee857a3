"""Wellness readers on the real files of ../shared/data/real/wellness (see its SOURCES.md rows).

Expected values were read independently of coachkit in one-off scripts: the CSVs with Python's
``csv`` module (rows kept when rMSSD, HR or sleep_time is non-zero), the Garmin responses with
``json``, and the R-R files with numpy/pandas (a pandas ``rolling(11, center=True).median()``
for the artefact rule). They are written here as literals next to that source.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from coachkit.core.schemas import WELLNESS_COLUMNS
from coachkit.io import NothingToImport, read_bytes, sniff
from coachkit.io import hrv as hrv_module
from coachkit.io.errors import UnreadableFile
from coachkit.io.garmin_json import read_garmin_json
from coachkit.io.hrv import read_polar_hrm, read_rr_text
from coachkit.io.rr import rmssd_from_rr
from tests.conftest import real_file

MY_KINDS = {"hrv4training_csv", "elitehrv_csv", "rr_text", "polar_hrm", "garmin_json"}


def _wellness_files(real_dir):
    root = real_dir / "wellness"
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".fit")


def _rr(relpath: str) -> np.ndarray:
    """R-R values read independently (all integers after [HRData] for .hrm, like hrv.io)."""
    text = real_file(relpath).read_text()
    if relpath.endswith(".hrm"):
        text = text[text.find("[HRData]") + len("[HRData]") :]
    return np.array([float(x) for x in text.split()])


# --- every file ---------------------------------------------------------------------------


def test_every_real_wellness_file_parses_or_says_why(real_dir):
    files = _wellness_files(real_dir)
    assert len(files) == 65  # SOURCES.md: 66 wellness files, minus the FIT monitoring file
    outcomes = {}
    for path in files:
        try:
            parsed = read_bytes(path.read_bytes(), name=path.name)
        except UnreadableFile as exc:  # NothingToImport is an UnreadableFile
            assert str(exc) and "\n" not in str(exc)
            outcomes[path.name] = type(exc).__name__
            continue
        assert not parsed.is_empty, path.name
        if parsed.wellness is not None:
            w = parsed.wellness
            assert list(w.columns) == list(WELLNESS_COLUMNS)
            assert w["date"].is_unique and w["date"].notna().all(), path.name
            assert (w["date"] == w["date"].dt.normalize()).all()
            ok = w["rmssd_ms"].dropna()
            assert ((ok > 0) & (ok < 400)).all(), path.name
            assert np.allclose(np.log(ok), w["ln_rmssd"].dropna())
        outcomes[path.name] = "parsed"
    # 6 HRV app CSVs + 40 Garmin responses (20 sleep, 3 activity, 3 heart-rate, 3 stress,
    # 2 each of body battery, daily summary, HRV status, HRV night, readiness; 1 sleep score)
    assert sum(v == "parsed" for v in outcomes.values()) == 46
    assert outcomes["hrv_rest_rri.txt"] == "NothingToImport"  # no date in a bare R-R file


def test_sniff_routes_real_files_to_wellness_readers(real_dir):
    for path in _wellness_files(real_dir):
        if path.name in (
            "body_battery_stress_daily_2023-07-18.json",
            "stress_weekly_2020-07-23.json",
        ):
            continue  # JSON null / [] : checked below
        assert sniff(path.read_bytes(), path.name) in MY_KINDS, path.name


@pytest.mark.parametrize(
    "fname, content",
    [
        ("stress_weekly_2020-07-23.json", b"[]"),
        ("body_battery_stress_daily_2023-07-18.json", b"null"),
    ],
)
def test_sniff_empty_garmin_responses_are_nothing_to_import(fname, content):
    data = real_file(f"wellness/garmin_connect_garth/{fname}").read_bytes()
    assert data.strip() == content
    with pytest.raises(NothingToImport):
        sniff(data, fname)


# --- HRV4Training and Elite HRV -------------------------------------------------------------

CSV_FACTS = [
    # file, days, first day, (day, rMSSD, HR) -- csv-module read of the file (see module doc)
    ("gc_hrv4training_android_2017.csv", 36, "2017-08-29",
     ("2017-09-16", 117.68394295727099, 51.621237566205906)),  # row "2017-16-09,08:28"
    ("gc_hrv4training_android_2017_1_ddmm.csv", 68, "2017-07-27",
     ("2017-08-31", 82.40220541217407, 44.5945945945946)),  # row "2017-31-08,06:29"
    ("gc_hrv4training_android_2017_2_ddmm.csv", 52, "2017-08-08",
     ("2017-09-08", 41.2494041326452, 52.00642054574639)),  # row "2017-08-09,07:25"
    ("gc_hrv4training_ios_2017-04_to_2017-07.csv", 119, "2017-04-01",
     ("2017-05-30", 35.17, 46.42)),  # SOURCES.md: ~119 readings 2017-04-01..2017-07-28
    # 42 HRV readings + 2 sleep-only days (2018-06-15, 2018-06-18); SOURCES.md: 73 rows
    ("gc_hrv4training_ios_2018-04_to_2018-07_12h_CR.csv", 44, "2018-05-18",
     ("2018-06-13", 42.08, 59.63)),
    ("gc_elitehrv_export_2017-09_to_2017-10.csv", 23, "2017-09-06",
     ("2017-09-18", 34.24, 53.25)),  # SOURCES.md: 23 readings 2017-09-06..2017-10-02
]  # fmt: skip


@pytest.mark.parametrize("fname, n_days, first, fact", CSV_FACTS)
def test_hrv_app_exports_facts(fname, n_days, first, fact):
    parsed = read_bytes(real_file(f"wellness/{fname}").read_bytes(), name=fname)
    w = parsed.wellness
    assert len(w) == n_days
    assert w["date"].iloc[0] == pd.Timestamp(first)
    assert w["date"].is_monotonic_increasing
    day, rmssd, hr = fact
    row = w.set_index("date").loc[pd.Timestamp(day)]
    assert row["rmssd_ms"] == pytest.approx(rmssd)
    assert row["resting_hr"] == pytest.approx(hr)
    assert row["ln_rmssd"] == pytest.approx(math.log(rmssd))
    source = "elitehrv" if "elitehrv" in fname else "hrv4training"
    assert (w["source"] == source).all()
    if "android" in fname:  # all Android files here write YYYY-DD-MM
        assert any("YYYY-DD-MM" in x for x in parsed.warnings)
    else:
        assert not any("dates read as" in x for x in parsed.warnings)


def test_hrv4training_sleep_time_in_seconds():
    name = "gc_hrv4training_ios_2018-04_to_2018-07_12h_CR.csv"
    w = read_bytes(real_file(f"wellness/{name}").read_bytes(), name=name).wellness.set_index("date")
    assert w.loc[pd.Timestamp("2018-06-13"), "sleep_s"] == 7 * 3600 + 14 * 60  # "07:14"
    assert w.loc[pd.Timestamp("2018-06-15"), "sleep_s"] == 7 * 3600 + 36 * 60  # sleep-only day
    assert math.isnan(w.loc[pd.Timestamp("2018-06-15"), "rmssd_ms"])
    name = "gc_hrv4training_android_2017_2_ddmm.csv"
    w = read_bytes(real_file(f"wellness/{name}").read_bytes(), name=name).wellness.set_index("date")
    assert w.loc[pd.Timestamp("2017-09-08"), "sleep_s"] == 7 * 3600 + 58 * 60  # "07:58"


# --- R-R recordings (rhenanbartels/hrv sample data) ---------------------------------------


def test_rest_rri_against_hrv_package_style_numpy():
    rr = _rr("wellness/rr_intervals/hrv_rest_rri.txt")
    assert len(rr) == 910  # SOURCES.md: ~900 beats
    # hrv.classical.time_domain on the raw series: sqrt(mean(diff(rri)**2)) = 55.14 (rounded)
    unfiltered = rmssd_from_rr(rr, tolerance=math.inf)
    assert unfiltered.rmssd_ms == pytest.approx(55.13744203126742)
    # pandas rolling(11, center=True) median, 20 % rule, no bridging: beats 21, 87, 123, 356
    # (879, 883, 783, 823 ms) rejected -> 901 pairs. (hrv.filters.quotient, which bridges
    # removed beats, drops 10 and gives 53.58 ms.)
    r = rmssd_from_rr(rr)
    assert (r.n_beats, r.n_artefacts, r.n_pairs) == (910, 4, 901)
    assert r.rmssd_ms == pytest.approx(53.00448120439392)
    assert r.mean_hr_bpm == pytest.approx(56.6211072988732)


@pytest.mark.parametrize(
    "relpath, n_beats, n_artefacts, n_pairs, rmssd_ms",
    [
        # trailing "0" line is a range artefact; pandas reference as above
        ("wellness/rr_intervals/hrv_real_rri.txt", 772, 5, 762, 72.03974187522341),
        ("wellness/rr_intervals/hrv_08012805_rri.txt", 2380, 25, 2334, 28.898635009260516),
        ("wellness/rr_intervals/hrv_exercise_rri_polar.hrm", 4117, 6, 4105, 15.489330735253404),
        ("wellness/rr_intervals/hrv_noisy_rri_polar.hrm", 3581, 71, 3456, 34.67774512485557),
    ],
)
def test_rr_recordings_rmssd(relpath, n_beats, n_artefacts, n_pairs, rmssd_ms):
    r = rmssd_from_rr(_rr(relpath))
    assert (r.n_beats, r.n_artefacts, r.n_pairs) == (n_beats, n_artefacts, n_pairs)
    assert r.rmssd_ms == pytest.approx(rmssd_ms)


def test_rest_rri_without_date_is_nothing_to_import_but_dated_name_logs_it():
    data = real_file("wellness/rr_intervals/hrv_rest_rri.txt").read_bytes()
    with pytest.raises(NothingToImport, match=r"no date.*53\.0 ms"):
        read_rr_text(data, name="hrv_rest_rri.txt")
    w = read_rr_text(data, name="2016-05-01 hrv_rest_rri.txt").wellness
    assert w["date"].tolist() == [pd.Timestamp("2016-05-01")]
    assert w["rmssd_ms"].iloc[0] == pytest.approx(53.00448120439392)
    assert w["resting_hr"].iloc[0] == pytest.approx(56.6211072988732)


@pytest.mark.parametrize(
    "relpath, median_bpm",
    [
        # 60000 / median of accepted R-R (numpy reference): 121.95, 102.39, 93.02 bpm
        ("wellness/rr_intervals/hrv_08012805_rri.txt", "122"),
        ("wellness/rr_intervals/hrv_exercise_rri_polar.hrm", "102"),
        ("wellness/rr_intervals/hrv_noisy_rri_polar.hrm", "93"),
    ],
)
def test_exercise_recordings_are_not_daily_hrv(relpath, median_bpm):
    path = real_file(relpath)
    with pytest.raises(NothingToImport, match=f"median {median_bpm} bpm looks like exercise"):
        read_bytes(path.read_bytes(), name=path.name)


@pytest.mark.parametrize(
    "relpath, day, rmssd_ms, mean_hr",
    [
        # [Params] Date=20080208 / Date=20080125; rMSSD and mean HR: numpy reference
        ("wellness/rr_intervals/hrv_exercise_rri_polar.hrm", "2008-02-08", 15.489330735253404,
         96.57636662841355),
        ("wellness/rr_intervals/hrv_noisy_rri_polar.hrm", "2008-01-25", 34.67774512485557,
         90.12937802597831),
    ],
)  # fmt: skip
def test_polar_hrm_date_and_rmssd_when_the_rest_limit_is_lifted(
    monkeypatch, relpath, day, rmssd_ms, mean_hr
):
    monkeypatch.setattr(hrv_module, "REST_HR_MAX_BPM", 250.0)
    w = read_polar_hrm(real_file(relpath).read_bytes()).wellness
    assert w["date"].tolist() == [pd.Timestamp(day)]
    assert w["rmssd_ms"].iloc[0] == pytest.approx(rmssd_ms)
    assert w["resting_hr"].iloc[0] == pytest.approx(mean_hr)


# --- Garmin Connect (matin/garth cassettes) -------------------------------------------------

GARMIN_FACTS = [
    # file, days, (day, column, value) -- json-module read of the response
    ("hrv_daily_status_2023-06-11_2023-06-22.json", 12, ("2023-06-11", "rmssd_ms", 71.0)),
    ("hrv_daily_status_2023-06-23_2023-07-20.json", 28, ("2023-07-18", "rmssd_ms", 40.0)),
    ("hrv_night_detail_2023-07-19.json", 1, ("2023-07-19", "rmssd_ms", 43.0)),
    ("sleep_daily_2021-07-01.json", 1, ("2021-07-01", "sleep_s", 18540.0)),
    ("sleep_daily_2021-07-08.json", 1, ("2021-07-08", "sleep_s", 14460.0)),
    ("sleep_score_daily_2023-07-01_2023-07-20.json", 20, ("2023-07-06", "sleep_score", 28.0)),
    ("stress_daily_2023-05-22_2023-05-25.json", 4, ("2023-05-24", "stress", 32.0)),
    ("stress_daily_2023-06-23_2023-07-20.json", 28, ("2023-07-20", "stress", 38.0)),
    ("body_battery_stress_daily_2023-07-19.json", 1, ("2023-07-19", "stress", 30.0)),
    ("daily_summary_2025-06-13.json", 1, ("2025-06-13", "resting_hr", 49.0)),
    ("daily_summary_2025-06-13.json", 1, ("2025-06-13", "stress", 23.0)),
    ("heart_rate_daily_2026-01-06.json", 1, ("2026-01-06", "resting_hr", 53.0)),
    ("training_readiness_2025-07-06.json", 1, ("2025-07-06", "readiness", 66.0)),
    # five entries that day; AFTER_WAKEUP_RESET (05:45 local) has score 80
    ("training_readiness_2025-07-07.json", 1, ("2025-07-07", "readiness", 80.0)),
    ("training_readiness_2025-07-07.json", 1, ("2025-07-07", "sleep_score", 83.0)),
]


@pytest.mark.parametrize("fname, n_days, fact", GARMIN_FACTS)
def test_garmin_wellness_facts(fname, n_days, fact):
    parsed = read_bytes(
        real_file(f"wellness/garmin_connect_garth/{fname}").read_bytes(), name=fname
    )
    w = parsed.wellness
    assert len(w) == n_days
    assert (w["source"] == "garmin").all()
    day, column, value = fact
    assert w.set_index("date").loc[pd.Timestamp(day), column] == value


@pytest.mark.parametrize(
    "fname, reason",
    [
        ("body_battery_stress_daily_2023-07-18.json", "empty Garmin response"),  # 4 bytes "null"
        ("stress_weekly_2020-07-23.json", "empty Garmin response"),  # "[]"
        ("stress_weekly_2021-07-22.json", "weekly stress"),
        ("endurancescore_2025-07-06.json", "endurance score"),
        ("hillscore_2025-07-07.json", "hill score"),
        ("intensity_minutes_daily_2023-07-01_2023-07-20.json", "intensity minutes"),
        ("training_status_latest_2025-06-11.json", "training status"),
        ("training_status_weekly_2024-06-19_2025-06-11.json", "training status"),
    ],
)
def test_garmin_responses_coachkit_does_not_use(fname, reason):
    data = real_file(f"wellness/garmin_connect_garth/{fname}").read_bytes()
    with pytest.raises(NothingToImport, match=reason):
        read_garmin_json(data, name=fname)


def test_garmin_activity_detail_and_list_agree():
    d = real_file("wellness/garmin_connect_garth/activity_21482825013.json").read_bytes()
    (detail,) = read_garmin_json(d).activities
    s = detail.summary
    # summaryDTO: startTimeGMT 2026-01-08T14:10:21, startTimeLocal 08:10:21, trail_running,
    # distance 4261.19 m, elapsedDuration 2225.441 s, averageHR 142, maxHR 162
    assert s["sport"] == "trail_run"
    assert s["start_time"] == pd.Timestamp("2026-01-08 14:10:21", tz="UTC")
    assert s["utc_offset_s"] == -6 * 3600
    assert s["distance_m"] == pytest.approx(4261.19)
    assert s["elapsed_time_s"] == pytest.approx(2225.441)
    assert (s["avg_hr"], s["max_hr"], s["avg_power_w"]) == (142.0, 162.0, 194.0)
    lst = real_file("wellness/garmin_connect_garth/activity_list_start0.json").read_bytes()
    acts = read_garmin_json(lst).activities
    assert [a.summary["sport"] for a in acts] == ["trail_run", "walk"]  # trail_running, hiking
    assert acts[0].summary["start_time"] == s["start_time"]
    assert acts[0].summary["distance_m"] == pytest.approx(s["distance_m"], rel=1e-6)
    lst2 = real_file("wellness/garmin_connect_garth/activity_list_start2.json").read_bytes()
    acts2 = read_garmin_json(lst2).activities
    # stand_up_paddleboarding_v2, open_water_swimming; swim elapsedDuration 932.67 s
    assert [a.summary["sport"] for a in acts2] == ["other", "swim"]
    assert acts2[1].summary["elapsed_time_s"] == pytest.approx(932.672, abs=1e-3)
    assert acts2[1].summary["utc_offset_s"] == -5 * 3600
