"""Load per activity: worked examples for TRIMP, hrTSS, rTSS and sRPE, then the selection rules.

Expected numbers are written out literally and were worked by hand from the published formulas
(a pocket calculator / ``math.exp``), never with the code under test:

- Banister TRIMP, Morton, Fitz-Clarke & Banister 1990 (J Appl Physiol 69:1171) weighting, as
  GoldenCheetah implements it (src/Metrics/TRIMPPoints.cpp, "TRIMP Points" and "TRIMP(100)
  Points", GoldenCheetah commit 1263365a):
  ``minutes · HRr · 0.64 · e^(1.92 · HRr)`` (men), ``0.86 · e^(1.67 · HRr)`` (women), and
  hrTSS = ``100 · TRIMP / (60 · HRr_LT · 0.64 · e^(1.92 · HRr_LT))``.
- rTSS = 100 · hours · IF² (Coggan's TSS with pace, as in Friel's "What is TSS?",
  joefrielsblog.com: TSS = s · NP · IF / (FTP · 3600) · 100).
- Session RPE = CR-10 × minutes (Foster et al. 2001, J Strength Cond Res 15:109).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coachkit.core.schemas import QUALITY_FLAGS, SPORTS
from coachkit.features.load import LOAD_METHODS, activity_loads
from coachkit.features.load_formulas import banister_trimp, hrtss, rtss, srpe
from coachkit.features.thresholds import Threshold, Thresholds

SET = "set by athlete"


def _th(hr_max=190.0, hr_rest=50.0, lthr=170.0, speed=4.0, sex="male", source=SET) -> Thresholds:
    return Thresholds(
        Threshold(hr_max, source),
        Threshold(hr_rest, source),
        Threshold(lthr, source),
        Threshold(speed, source),
        sex,
    )


def _acts(*rows: dict) -> pd.DataFrame:
    base = {
        "activity_id": "a",
        "sport": "run",
        "start_time": pd.Timestamp("2024-03-01 07:00", tz="UTC"),
        "utc_offset_s": 0,
        "elapsed_time_s": np.nan,
        "moving_time_s": 3600.0,
        "distance_m": 12000.0,
        "avg_hr": np.nan,
        "has_samples": False,
        "quality_flags": "",
    }
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["quality_flags"] = frame["quality_flags"].astype("string")
    frame["utc_offset_s"] = frame["utc_offset_s"].astype("Int64")
    return frame


def _hr_samples(hr: float, seconds: int, *, start: float = 0.0) -> pd.DataFrame:
    t = start + np.arange(seconds, dtype=float)
    return pd.DataFrame({"t_s": t, "hr_bpm": np.full(seconds, hr)})


# -- the formulas --------------------------------------------------------------------------------


def test_trimp_thirty_minutes_at_hrr_0_6_by_hand():
    # men: 30 · 0.6 · 0.64 · e^(1.92 · 0.6) = 11.52 · e^1.152 = 11.52 · 3.164437 = 36.4552
    assert banister_trimp(140.0, 1800.0, hr_rest=50, hr_max=200) == pytest.approx(36.4552, abs=1e-3)
    # women: 30 · 0.6 · 0.86 · e^(1.67 · 0.6) = 15.48 · e^1.002 = 15.48 · 2.723708 = 42.1632
    got = banister_trimp(140.0, 1800.0, hr_rest=50, hr_max=200, sex="female")
    assert got == pytest.approx(42.1632, abs=1e-3)


def test_trimp_matches_goldencheetah_trimp_points_example():
    # TRIMPPoints::compute with avg HR 150, rest 60, max 190, 45 min riding time:
    # HRr = 90/130 = 0.692308; 45 · 0.692308 · 0.64 · e^(1.92 · 0.692308) = 75.3302
    assert banister_trimp(150.0, 2700.0, hr_rest=60, hr_max=190) == pytest.approx(75.3302, abs=1e-3)


def test_unknown_sex_uses_the_male_constants():
    male = banister_trimp(150.0, 2700.0, hr_rest=60, hr_max=190, sex="male")
    assert banister_trimp(150.0, 2700.0, hr_rest=60, hr_max=190, sex="unknown") == male


def test_trimp_from_samples_is_time_weighted_and_skips_junk():
    # 1800 one-second samples at 140 bpm are the same session as one 30-min average
    assert banister_trimp(np.full(1800, 140.0), np.ones(1800), hr_rest=50, hr_max=200) == (
        pytest.approx(36.4552, abs=1e-3)
    )
    # below rest adds nothing; NaN HR or duration adds nothing; above HRmax counts as HRmax
    assert banister_trimp([40.0, np.nan, 150.0], [600, 600, np.nan], hr_rest=50, hr_max=200) == 0
    capped = banister_trimp(260.0, 60.0, hr_rest=50, hr_max=200)
    assert capped == pytest.approx(1 * 1.0 * 0.64 * math.exp(1.92), rel=1e-12)  # 4.3669
    with pytest.raises(ValueError):
        banister_trimp(150.0, 60.0, hr_rest=60, hr_max=60)


def test_hrtss_is_100_for_exactly_one_hour_at_lthr_for_every_sex():
    for sex in ("male", "female", "unknown"):
        trimp = banister_trimp(170.0, 3600.0, hr_rest=50, hr_max=190, sex=sex)
        assert hrtss(trimp, lthr=170, hr_rest=50, hr_max=190, sex=sex) == pytest.approx(100.0)
        half = banister_trimp(170.0, 1800.0, hr_rest=50, hr_max=190, sex=sex)
        assert hrtss(half, lthr=170, hr_rest=50, hr_max=190, sex=sex) == pytest.approx(50.0)


def test_hrtss_worked_example_like_goldencheetah_trimp100():
    # rest 50, max 190, LTHR 170: HRr_LT = 120/140; 1 h at LT = 60 · 0.857143 · 0.64 · e^1.645714
    # = 170.6511. 45 min at 150: HRr = 100/140; 45 · 0.714286 · 0.64 · e^1.371429 = 81.0715.
    # hrTSS = 100 · 81.0715 / 170.6511 = 47.507 (women: 0.86 / 1.67 → 49.235)
    trimp = banister_trimp(150.0, 2700.0, hr_rest=50, hr_max=190)
    assert trimp == pytest.approx(81.0715, abs=1e-3)
    assert hrtss(trimp, lthr=170, hr_rest=50, hr_max=190) == pytest.approx(47.507, abs=1e-3)
    female = banister_trimp(150.0, 2700.0, hr_rest=50, hr_max=190, sex="female")
    got = hrtss(female, lthr=170, hr_rest=50, hr_max=190, sex="female")
    assert got == pytest.approx(49.235, abs=1e-3)


def test_rtss_one_hour_at_threshold_is_100_and_scales_with_if_squared():
    assert rtss(3600.0, 4.0, 4.0) == pytest.approx(100.0)
    assert rtss(3600.0, 3.2, 4.0) == pytest.approx(64.0)  # IF 0.8 → 100 · 0.64
    assert rtss(5400.0, 3.0, 4.0) == pytest.approx(84.375)  # 1.5 h · 0.75² · 100
    # 2 h at IF 0.70 = 49 per hour → 98 (cyklopedia.cc "What is TSS", the 2-hour example)
    assert rtss(7200.0, 2.8, 4.0) == pytest.approx(98.0)
    with pytest.raises(ValueError):
        rtss(3600.0, 3.0, 0.0)


def test_session_rpe_is_rating_times_minutes():
    # Foster 2001: a 60-min run rated 7 = 420 AU; an easy (2) 60-min session = 120 AU
    assert srpe(7, 3600) == 420.0
    assert srpe(2, 3600) == 120.0
    assert srpe(5, 1800) == 150.0


# -- choosing the method -------------------------------------------------------------------------


def test_auto_prefers_hr_then_pace_then_rpe_then_duration():
    acts = _acts(
        {"activity_id": "hr", "avg_hr": 150.0},
        {"activity_id": "pace", "quality_flags": "no_hr"},
        {"activity_id": "rpe", "sport": "ride", "quality_flags": "no_hr"},
        {"activity_id": "dur", "sport": "ride", "quality_flags": "no_hr"},
    )
    fb = pd.DataFrame({"activity_id": ["rpe"], "date": [pd.Timestamp("2024-03-01")], "rpe": [6.0]})
    out = activity_loads(acts, _th(), feedback=fb).set_index("activity_id")
    assert out["load_method"].tolist() == ["hrtss", "rtss", "srpe", "duration"]
    # hrTSS from the average: 60 min at 150 with rest 50, max 190, LTHR 170 → 4/3 of the 45-min
    # example above: 100 · 108.0953 / 170.6511 = 63.343
    assert out.loc["hr", "load"] == pytest.approx(63.343, abs=1e-2)
    # rTSS: 12 km in 1 h = 3.333 m/s vs 4.0 → IF 0.8333, 100 · 0.69444 = 69.444
    assert out.loc["pace", "load"] == pytest.approx(69.444, abs=1e-2)
    assert out.loc["rpe", "load"] == pytest.approx(360.0 / 4.2)  # 6 × 60 AU at 4.2 AU per TSS
    assert out.loc["dur", "load"] == 50.0  # the flagged 50 per hour fallback
    assert "duration fallback" in out.loc["dur", "load_note"]
    assert "no RPE was logged" in out.loc["dur", "load_note"]
    assert out["excluded_reason"].isna().all()
    assert "LTHR 170 bpm, your setting" in out.loc["hr", "load_note"]


def test_hr_samples_win_over_the_average_and_pauses_do_not_count():
    # 30 min at 150, a 10-min pause (no rows), 30 min more at 150: 60 min of HR, not 70
    samples = pd.concat([_hr_samples(150.0, 1800), _hr_samples(150.0, 1800, start=2400.0)])
    acts = _acts({"activity_id": "s", "avg_hr": 175.0, "has_samples": True})
    out = activity_loads(acts, _th(), samples={"s": samples})
    assert out.loc[0, "load"] == pytest.approx(63.343, abs=0.05)  # 60 min at 150, as above
    assert "60 min of HR samples" in out.loc[0, "load_note"]


def test_interleaved_hr_rows_hold_until_the_next_hr_value():
    # HR only on every other row (NRC GPX style): still a full hour of HR
    s = _hr_samples(150.0, 3600)
    s.loc[s.index % 2 == 1, "hr_bpm"] = np.nan
    acts = _acts({"activity_id": "s", "avg_hr": 150.0, "has_samples": True})
    out = activity_loads(acts, _th(), samples={"s": s})
    assert out.loc[0, "load"] == pytest.approx(63.343, abs=0.05)


def test_an_hr_dropout_falls_back_to_pace_and_says_why():
    s = _hr_samples(150.0, 1200)  # 20 of 60 min
    acts = _acts({"activity_id": "s", "avg_hr": 150.0, "has_samples": True})
    out = activity_loads(acts, _th(), samples={"s": s})
    assert out.loc[0, "load_method"] == "rtss"
    partial = activity_loads(acts, _th(), samples={"s": _hr_samples(150.0, 2700)})  # 45 of 60
    assert partial.loc[0, "load_method"] == "hrtss"
    assert partial.loc[0, "load"] == pytest.approx(63.343, abs=0.05)  # scaled to the hour
    assert "scaled up to 60 min" in partial.loc[0, "load_note"]


def test_gap_speed_is_used_when_given():
    acts = _acts({"activity_id": "t", "sport": "trail_run", "quality_flags": "no_hr"})
    out = activity_loads(acts, _th(), gap_speed={"t": 4.0})
    assert out.loc[0, "load"] == pytest.approx(100.0)
    assert "GAP" in out.loc[0, "load_note"] and "IF 1.00" in out.loc[0, "load_note"]


def test_flagged_activities_never_get_hr_or_pace_load():
    acts = _acts(
        {"activity_id": "badhr", "avg_hr": 234.0, "quality_flags": "hr_implausible"},
        {"activity_id": "gaps", "quality_flags": "no_hr;gps_gaps"},
        {"activity_id": "tread", "sport": "treadmill", "quality_flags": "no_hr;gps_gaps"},
        {"activity_id": "fast", "quality_flags": "no_hr;speed_implausible"},
    )
    out = activity_loads(acts, _th(), method="hrtss").set_index("activity_id")
    assert out.loc["badhr", "load_method"] == "rtss"
    assert out.loc["badhr", "load_note"].startswith(
        "hrTSS was asked for but the heart rate is implausible (hr_implausible); rTSS"
    )
    assert out.loc["gaps", "load_method"] == "duration"
    assert out.loc["tread", "load_method"] == "rtss"  # no GPS indoors: the gap flag is moot
    assert out.loc["fast", "load_method"] == "duration"


def test_duplicates_implausible_dates_and_bare_manual_entries_are_excluded():
    acts = _acts(
        {"activity_id": "dup", "avg_hr": 150.0, "quality_flags": "duplicate_of:orig"},
        {"activity_id": "old", "avg_hr": 150.0, "quality_flags": "date_implausible"},
        {"activity_id": "man", "quality_flags": "manual;no_hr"},
        {"activity_id": "man_rpe", "quality_flags": "manual;no_hr"},
        {"activity_id": "man_hr", "avg_hr": 150.0, "quality_flags": "manual"},
        {"activity_id": "no_time", "moving_time_s": np.nan, "avg_hr": 150.0},
    )
    fb = pd.DataFrame({"activity_id": ["man_rpe"], "rpe": [4.0]})
    out = activity_loads(acts, _th(), feedback=fb, method="duration").set_index("activity_id")
    for aid in ("dup", "old", "man", "no_time"):
        assert np.isnan(out.loc[aid, "load"]) and pd.isna(out.loc[aid, "load_method"])
    assert out.loc["dup", "excluded_reason"] == "no load: duplicate of orig (its load counts there)"
    assert "manual" in out.loc["man", "excluded_reason"]
    assert out.loc["man_rpe", "load_method"] == "srpe" and out.loc[
        "man_rpe", "load"
    ] == pytest.approx(240.0 / 4.2)
    assert out.loc["man_hr", "load_method"] == "hrtss"


def test_overrides_per_activity_beat_the_athlete_wide_method():
    acts = _acts(
        {"activity_id": "a", "avg_hr": 150.0},
        {"activity_id": "b", "avg_hr": 150.0},
        {"activity_id": "ride", "sport": "ride", "avg_hr": 150.0},
    )
    fb = pd.DataFrame({"activity_id": ["b"], "rpe": [5.0]})
    out = activity_loads(acts, _th(), feedback=fb, method="rtss", overrides={"b": "srpe"})
    assert out["load_method"].tolist() == ["rtss", "srpe", "hrtss"]
    assert out.loc[2, "load_note"].startswith("rTSS was asked for but rTSS is for foot sports")
    auto = activity_loads(acts, _th(), method="auto", overrides={"a": "auto"})
    assert auto["load_method"].tolist() == ["hrtss"] * 3
    with pytest.raises(ValueError, match="load method"):
        activity_loads(acts, _th(), method="trimp")
    with pytest.raises(ValueError, match="override for a"):
        activity_loads(acts, _th(), overrides={"a": "bogus"})


def test_day_feedback_applies_on_the_athletes_local_day_and_the_latest_rating_wins():
    acts = _acts(
        # 23:30 UTC on 1 March is 00:30 on 2 March at UTC+1
        {"activity_id": "late", "sport": "ride", "quality_flags": "no_hr", "utc_offset_s": 3600,
         "start_time": pd.Timestamp("2024-03-01 23:30", tz="UTC")},
        {"activity_id": "own", "sport": "ride", "quality_flags": "no_hr",
         "start_time": pd.Timestamp("2024-03-02 10:00", tz="UTC")},
    )  # fmt: skip
    fb = pd.DataFrame(
        {
            "activity_id": [pd.NA, pd.NA, "own"],
            "date": pd.to_datetime(["2024-03-02", "2024-03-02", "2024-03-02"]),
            "rpe": [3.0, 4.0, 8.0],
            "created_at": pd.to_datetime(["2024-03-02 09:00", "2024-03-02 12:00", "2024-03-02 11:00"], utc=True),
        }
    )  # fmt: skip
    out = activity_loads(acts, _th(), feedback=fb).set_index("activity_id")
    assert out.loc["late", "load"] == pytest.approx(
        240.0 / 4.2
    )  # later rating (4) × 60 min, in TSS
    assert out.loc["own", "load"] == pytest.approx(
        480.0 / 4.2
    )  # its own rating (8) beats the day's


def test_only_activities_that_may_get_hrtss_are_looked_up_and_inputs_stay_untouched():
    class Recording(dict):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.asked: list[str] = []

        def __getitem__(self, key):
            self.asked.append(key)
            return super().__getitem__(key)

    acts = _acts(
        {"activity_id": "hr", "avg_hr": 150.0, "has_samples": True},
        {"activity_id": "nohr", "quality_flags": "no_hr", "has_samples": True},
        {"activity_id": "dup", "quality_flags": "duplicate_of:hr", "has_samples": True},
    )
    before = acts.copy(deep=True)
    samples = Recording({k: _hr_samples(150.0, 3600) for k in ("hr", "nohr", "dup")})
    out = activity_loads(acts, _th(), samples=samples)
    assert samples.asked == ["hr"]
    pd.testing.assert_frame_equal(acts, before)
    assert list(out.columns) == [
        "activity_id", "load", "load_method", "load_note", "excluded_reason"
    ]  # fmt: skip
    assert out["load"].dtype == "float64" and out["load_method"].dtype == "string"


def test_estimated_thresholds_are_named_as_such_in_the_note():
    acts = _acts({"activity_id": "a", "avg_hr": 150.0}, {"activity_id": "b", "sport": "walk",
                                                         "quality_flags": "no_hr"})  # fmt: skip
    out = activity_loads(acts, _th(source="estimated: from runs"))
    assert out.loc[0, "load_note"].endswith("(LTHR 170 bpm, estimated)")
    assert out.loc[1, "load_note"].endswith("threshold estimated)")


def test_inconsistent_hr_thresholds_never_give_hrtss():
    acts = _acts({"activity_id": "a", "avg_hr": 150.0})
    out = activity_loads(acts, _th(lthr=195.0, hr_max=190.0))
    assert out.loc[0, "load_method"] == "rtss"


# -- property: whatever the frame, a load is finite and ≥ 0, or NaN with a reason ----------------

_FLAG_CODES = [f for f in QUALITY_FLAGS if not f.endswith(":")] + ["duplicate_of:x"]
_num = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(min_value=0, max_value=30_000),
)


@st.composite
def _activity_frames(draw):
    n = draw(st.integers(min_value=0, max_value=8))
    rows = []
    for i in range(n):
        rows.append(
            {
                "activity_id": f"a{i}",
                "sport": draw(st.sampled_from([*SPORTS, "", "kayak"])),
                "start_time": pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=i),
                "utc_offset_s": draw(st.sampled_from([0, 3600, -18000, None])),
                "elapsed_time_s": draw(_num),
                "moving_time_s": draw(_num),
                "distance_m": draw(_num),
                "avg_hr": draw(st.one_of(_num, st.floats(min_value=20, max_value=260))),
                "has_samples": False,
                "quality_flags": ";".join(draw(st.lists(st.sampled_from(_FLAG_CODES), max_size=3))),
            }
        )
    return pd.DataFrame(rows, columns=list(_acts({}).columns))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    acts=_activity_frames(),
    rpe=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    method=st.sampled_from([None, *LOAD_METHODS]),
    sex=st.sampled_from(["male", "female", "unknown"]),
)
def test_loads_are_finite_and_non_negative_or_excluded_with_a_reason(acts, rpe, method, sex):
    fb = None
    if rpe is not None and len(acts):
        fb = pd.DataFrame({"activity_id": [acts.loc[0, "activity_id"]], "rpe": [rpe]})
    out = activity_loads(acts, _th(sex=sex), feedback=fb, method=method)
    assert len(out) == len(acts)
    for _, row in out.iterrows():
        if np.isnan(row["load"]):
            assert isinstance(row["excluded_reason"], str) and row["excluded_reason"]
            assert pd.isna(row["load_method"])
        else:
            assert np.isfinite(row["load"]) and row["load"] >= 0
            assert row["load_method"] in LOAD_METHODS and pd.isna(row["excluded_reason"])
            assert isinstance(row["load_note"], str) and row["load_note"]


_hr_values = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=100, deadline=None)
@given(
    hr=st.lists(_hr_values, min_size=0, max_size=40),
    dt=st.lists(st.floats(min_value=-5, max_value=30), min_size=0, max_size=40),
    moving=st.floats(min_value=1, max_value=600),
)
def test_any_samples_give_a_finite_non_negative_load_or_a_fallback(hr, dt, moving):
    n = min(len(hr), len(dt))
    samples = pd.DataFrame({"t_s": np.cumsum(dt[:n]), "hr_bpm": hr[:n]})
    acts = _acts(
        {"activity_id": "s", "avg_hr": 150.0, "has_samples": True, "moving_time_s": moving}
    )
    out = activity_loads(acts, _th(), samples={"s": samples})
    assert np.isfinite(out.loc[0, "load"]) and out.loc[0, "load"] >= 0
    assert out.loc[0, "load_method"] in LOAD_METHODS
