"""Daily HRV and resting-HR status: worked examples by hand, Elite HRV's own numbers, invariants.

Sources of the expected numbers:

* Elite HRV export ``ElitHRV_Export - 2017-10-02.csv`` (GoldenCheetah test data,
  ``test/hrvmeasures/``, commit c0eac1dd62da; here ``shared/data/real/wellness/
  gc_elitehrv_export_2017-09_to_2017-10.csv``). Its "HRV CV" column is the CV of lnRMSSD over
  the readings of the last 7 calendar days (sample SD), rounded to 0.1 %, and its "Rolling Avg
  HRV" is the 7-day mean on Elite HRV's 0-100 scale (lnRMSSD × 100 / 6.5: every "HRV" value of
  the file is round(lnRmssd × 100 / 6.5)). (On one day of the file the average uses 6 × 24 h
  instead of calendar days; see tests/integration/test_real_hrv_status.py. The days used here
  are not affected.) The lnRmssd values are copied below as written.
* Everything else is arithmetic written out next to the assertion.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coachkit.features.hrv import HRV_STATUS_COLUMNS, daily_hrv, hrv_status, hrv_summary
from coachkit.features.resting_hr import RHR_STATUS_COLUMNS, resting_hr_status

DAY0 = pd.Timestamp("2024-01-01")


def _frame(ln_by_day: dict[int, float], source: str = "hrv4training") -> pd.DataFrame:
    """A canonical-looking wellness frame: one reading per day offset from DAY0."""
    days = sorted(ln_by_day)
    ln = [ln_by_day[d] for d in days]
    return pd.DataFrame(
        {
            "date": [DAY0 + pd.Timedelta(days=d) for d in days],
            "rmssd_ms": np.exp(ln),
            "ln_rmssd": ln,
            "source": source,
        }
    )


def _baseline_then(week: dict[int, float]) -> pd.DataFrame:
    """Days 0-59 alternate lnRMSSD 3.7 / 3.9; then the given readings (offsets from day 60)."""
    base = {d: (3.7 if d % 2 == 0 else 3.9) for d in range(60)}
    return _frame(base | {60 + d: v for d, v in week.items()})


# --- the 7-day mean and CV: Elite HRV's own numbers -----------------------------------------

ELITE_WEEK = {  # Date -> lnRmssd, rows 1-7 of the Elite HRV export (2017-09-10 not measured)
    "2017-09-06": 3.7105172775593513,
    "2017-09-07": 3.333128405614548,
    "2017-09-08": 3.391256012088342,
    "2017-09-09": 3.808360722959998,
    "2017-09-11": 3.5966107260277114,
    "2017-09-12": 3.4429949862480416,
    "2017-09-13": 3.669400373733572,
}


def _elite() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.to_datetime(list(ELITE_WEEK)),
            "ln_rmssd": list(ELITE_WEEK.values()),
            "source": "elitehrv",
        }
    )


def test_seven_day_mean_and_cv_match_elite_hrv_export():
    s = hrv_status(_elite()).loc["2017-09-12"]
    # window 09-06 .. 09-12 holds 6 readings (09-10 missing):
    # sum = 3.71052 + 3.33313 + 3.39126 + 3.80836 + 3.59661 + 3.44299 = 21.28287; / 6 = 3.547145
    assert s["n_valid_7d"] == 6
    assert s["ln_rmssd_7d"] == pytest.approx(3.547145, abs=1e-6)
    # deviations .16337 -.21402 -.15589 .26122 .04947 -.10415; squares sum 0.178323; / 5
    # = 0.035665; sqrt = 0.188851; CV = 0.188851 / 3.547145 = 5.3240 %
    assert s["cv_7d"] == pytest.approx(5.3240, abs=1e-4)
    assert round(s["cv_7d"], 1) == 5.3  # Elite HRV "HRV CV" on 2017-09-12
    assert round(s["ln_rmssd_7d"] * 100 / 6.5) == 55  # Elite HRV "Rolling Avg HRV"
    nxt = hrv_status(_elite()).loc["2017-09-13"]  # 09-06 leaves the window, 09-13 enters
    assert nxt["n_valid_7d"] == 6
    assert nxt["ln_rmssd_7d"] == pytest.approx(21.241751 / 6, abs=1e-6)  # 3.540292
    assert round(nxt["cv_7d"], 1) == 5.2  # Elite HRV "HRV CV" on 2017-09-13
    assert round(nxt["ln_rmssd_7d"] * 100 / 6.5) == 54  # Elite HRV "Rolling Avg HRV"


def test_cv_needs_three_readings_like_elite_hrv():
    st_ = hrv_status(_elite())
    # Elite HRV writes CV 0 on its first two days; coachkit leaves them NaN (not enough data)
    assert st_["cv_7d"].iloc[:2].isna().all()
    assert round(st_.loc["2017-09-08", "cv_7d"], 1) == 5.8  # Elite HRV "HRV CV", 3 readings
    assert round(st_.loc["2017-09-09", "cv_7d"], 1) == 6.6


# --- the normal range (SWC band) and the status --------------------------------------------


def test_swc_band_of_a_known_baseline():
    s = hrv_status(_baseline_then({d: 3.70 for d in range(7)})).iloc[-1]
    # the status day is day 66; its baseline is days 0-59 (the 60 days before days 60-66):
    # 30 × 3.7 and 30 × 3.9 -> mean 3.8; SD = sqrt(60 × 0.1² / 59) = 0.1008439
    assert s.name == DAY0 + pd.Timedelta(days=66)
    assert s["n_valid_baseline"] == 60
    assert s["baseline_mean"] == pytest.approx(3.8, abs=1e-12)
    assert s["baseline_sd"] == pytest.approx(0.1008439, abs=1e-7)
    # SWC = 0.5 × 0.1008439 = 0.0504219 -> normal range 3.7495781 .. 3.8504219
    assert s["swc_low"] == pytest.approx(3.7495781, abs=1e-7)
    assert s["swc_high"] == pytest.approx(3.8504219, abs=1e-7)
    assert s["status"] == "below"  # 3.70 < 3.7496
    assert s["explanation"] == (
        "7-day lnRMSSD 3.70 (7 readings, CV 0.0 %) is below your normal range 3.75–3.85 "
        "(60-day baseline of 60 readings)."
    )


@pytest.mark.parametrize(
    "week_ln, status",
    [(3.70, "below"), (3.76, "within"), (3.80, "within"), (3.84, "within"), (3.90, "above")],
)
def test_status_against_the_band(week_ln, status):
    # band 3.7496 .. 3.8504 (see test_swc_band_of_a_known_baseline)
    s = hrv_status(_baseline_then({d: week_ln for d in range(7)})).iloc[-1]
    assert s["status"] == status
    assert f"is {status} your normal range 3.75–3.85" in s["explanation"]


def test_swc_width_is_a_parameter():
    # swc_sd = 1: band 3.8 ± 0.1008 = 3.6992 .. 3.9008, so a 3.70 week is now within
    s = hrv_status(_baseline_then({d: 3.70 for d in range(7)}), swc_sd=1.0).iloc[-1]
    assert s["swc_low"] == pytest.approx(3.6991561, abs=1e-7)
    assert s["status"] == "within"


def test_two_valid_days_in_a_week_is_not_enough_data():
    s = hrv_status(_baseline_then({0: 3.70, 3: 3.70}), as_of=DAY0 + pd.Timedelta(days=66))
    last = s.iloc[-1]
    # days 60-66 hold 2 readings (days 60 and 63): below the 3 of Plews et al. 2014
    assert last["n_valid_7d"] == 2
    assert math.isnan(last["ln_rmssd_7d"]) and math.isnan(last["cv_7d"])
    assert last["status"] == "not enough data"
    assert last["explanation"] == (
        "Only 2 valid HRV readings in the last 7 days (3 needed): not enough data for a status."
    )
    # a third reading in the same week is enough
    s3 = hrv_status(_baseline_then({0: 3.70, 3: 3.70, 6: 3.70})).iloc[-1]
    assert (s3["n_valid_7d"], s3["status"]) == (3, "below")


def test_days_without_readings_count_down_to_no_reading():
    s = hrv_status(_frame({0: 4.0}), as_of=DAY0 + pd.Timedelta(days=8))
    assert s["n_valid_7d"].tolist() == [1, 1, 1, 1, 1, 1, 1, 0, 0]
    assert s["explanation"].iloc[-1].startswith("No valid HRV readings in the last 7 days")


def test_baseline_needs_fourteen_readings_before_the_week():
    w = _frame({d: 4.0 + 0.01 * (d % 3) for d in range(20)})
    s = hrv_status(w)
    # day t's baseline is days <= t - 7: 14 readings first on day 13 + 7 = 20 -> not yet
    assert (s["status"] == "not enough data").all()
    assert s["n_valid_baseline"].iloc[-1] == 13  # day 19: days 0-12
    assert (
        "but only 13 readings in the 60 days before this week (14 needed)"
        in (s["explanation"].iloc[-1])
    )
    s21 = hrv_status(_frame({d: 4.0 + 0.01 * (d % 3) for d in range(21)})).iloc[-1]
    assert s21["n_valid_baseline"] == 14 and s21["status"] != "not enough data"


def test_the_current_week_is_not_part_of_its_own_baseline():
    low_week = hrv_status(_baseline_then({d: 3.0 for d in range(7)})).iloc[-1]
    assert low_week["baseline_mean"] == pytest.approx(3.8, abs=1e-12)  # days 0-59 only


def test_explanation_adds_digits_when_two_would_hide_the_difference():
    row = pd.Series({"status": "below", "ln_rmssd_7d": 3.8024, "cv_7d": 7.9, "n_valid_7d": 7,
                     "swc_low": 3.8038, "swc_high": 4.1531, "n_valid_baseline": 60})  # fmt: skip
    assert hrv_summary(row) == (
        "7-day lnRMSSD 3.802 (7 readings, CV 7.9 %) is below your normal range 3.804–4.153 "
        "(60-day baseline of 60 readings)."
    )


def test_summary_is_the_explanation():
    s = hrv_status(_baseline_then({d: 3.70 for d in range(7)}))
    for _, row in s.iloc[[0, 10, 62, -1]].iterrows():
        assert hrv_summary(row) == row["explanation"]
    custom = hrv_status(_baseline_then({0: 3.7, 1: 3.7}), min_valid=2, window=5).iloc[-1]
    assert hrv_summary(custom, min_valid=2, window=5) == custom["explanation"]
    assert custom["explanation"].startswith("5-day lnRMSSD 3.78 (5 readings")  # days 57-61


# --- one reading per day --------------------------------------------------------------------


def _day_rows(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["date", "source", "rmssd_ms"]).assign(
        date=lambda d: pd.to_datetime(d["date"])
    )


def test_morning_app_beats_watch_overnight_and_unknown_sources_come_last():
    w = _day_rows(
        [
            ("2024-03-01", "garmin", 40.0),
            ("2024-03-01", "hrv4training", 60.0),
            ("2024-03-02", "garmin", 45.0),
            ("2024-03-02", "elitehrv", 55.0),
            ("2024-03-03", "whoop", 70.0),
            ("2024-03-03", "garmin", 42.0),
            ("2024-03-04", "whoop", 70.0),
            ("2024-03-04", "oura", 65.0),
        ]
    )
    d = daily_hrv(w)
    assert d["source"].tolist() == ["hrv4training", "elitehrv", "garmin", "oura"]
    assert d["rmssd_ms"].tolist() == pytest.approx([60.0, 55.0, 42.0, 65.0])
    assert d["ln_rmssd"].tolist() == pytest.approx([math.log(x) for x in (60, 55, 42, 65)])


def test_several_readings_of_one_source_count_once_as_their_median():
    w = _day_rows([("2024-03-01", "garmin", 50.0), ("2024-03-01", "garmin", 70.0)])
    # median of ln 50 and ln 70 = (3.912023 + 4.248495) / 2 = 4.080259 (= ln 59.16)
    assert daily_hrv(w)["ln_rmssd"].iloc[0] == pytest.approx(4.080259, abs=1e-6)


def test_implausible_values_are_dropped_and_days_have_no_gaps():
    w = _day_rows(
        [
            ("2024-03-01", "hrv4training", 0.0),
            ("2024-03-02", "hrv4training", 400.0),  # the limit itself is kept
            ("2024-03-04", "hrv4training", -3.0),
            ("2024-03-05", "hrv4training", 450.0),
            ("2024-03-06", "hrv4training", 30.0),
            ("2024-03-06", "garmin", float("nan")),
        ]
    )
    d = daily_hrv(w)
    assert d.index.name == "date"
    assert d.index.tolist() == list(pd.date_range("2024-03-02", "2024-03-06", freq="D"))
    assert d["rmssd_ms"].tolist() == pytest.approx(
        [400.0, np.nan, np.nan, np.nan, 30.0], nan_ok=True
    )
    assert d["source"].isna().tolist() == [False, True, True, True, False]


def test_ln_rmssd_alone_is_enough_and_inputs_are_not_mutated():
    w = pd.DataFrame({"date": pd.to_datetime(["2024-03-01"]), "ln_rmssd": [4.0]})
    before = w.copy()
    d = daily_hrv(w)
    assert d["rmssd_ms"].iloc[0] == pytest.approx(math.exp(4.0))
    assert d["source"].iloc[0] == "unknown"
    hrv_status(w)
    resting_hr_status(w)
    pd.testing.assert_frame_equal(w, before)


def test_one_athlete_at_a_time_and_sane_settings():
    w = _frame({0: 4.0, 1: 4.1}).assign(athlete_id=["a", "b"])
    with pytest.raises(ValueError, match="several athletes"):
        hrv_status(w)
    with pytest.raises(ValueError, match="min_valid"):
        hrv_status(_frame({0: 4.0}), min_valid=8)
    with pytest.raises(ValueError, match="min_baseline_days"):
        hrv_status(_frame({0: 4.0}), baseline_days=10, min_baseline_days=11)


# --- as_of ----------------------------------------------------------------------------------


def test_as_of_cuts_the_data_and_extends_to_the_day():
    w = _baseline_then({d: 3.70 for d in range(7)})
    cut = hrv_status(w, as_of=DAY0 + pd.Timedelta(days=62, hours=7))
    assert cut.index[-1] == DAY0 + pd.Timedelta(days=62)
    pd.testing.assert_frame_equal(cut, hrv_status(w).loc[: DAY0 + pd.Timedelta(days=62)])
    later = hrv_status(w, as_of=DAY0 + pd.Timedelta(days=70))
    assert later.index[-1] == DAY0 + pd.Timedelta(days=70)
    assert later["n_valid_7d"].iloc[-1] == 3  # days 64-70 hold readings on days 64, 65, 66
    utc = hrv_status(w, as_of=pd.Timestamp("2024-03-02 10:00", tz="UTC"))  # day 61
    assert utc.index[-1] == pd.Timestamp("2024-03-02")
    assert hrv_status(w, as_of=DAY0 - pd.Timedelta(days=1)).empty
    assert list(hrv_status(w).columns) == list(HRV_STATUS_COLUMNS)


# --- resting HR -----------------------------------------------------------------------------


def _rhr(week: list[float]) -> pd.DataFrame:
    """Days 0-59 alternate 48 / 52 bpm (mean 50, SD 2.0169), then ``week`` from day 60."""
    hr = [48.0 if d % 2 == 0 else 52.0 for d in range(60)] + week
    dates = [DAY0 + pd.Timedelta(days=d) for d in range(len(hr))]
    return pd.DataFrame({"date": dates, "resting_hr": hr, "source": "hrv4training"})


def test_resting_hr_deviation_and_elevated_status():
    r = resting_hr_status(_rhr([55, 57, 56, 58, 55, 57, 56])).iloc[-1]
    # 7-day mean = 394 / 7 = 56.2857; baseline 50 (SD sqrt(60 × 2² / 59) = 2.0169)
    assert r["rhr_7d"] == pytest.approx(56.285714, abs=1e-6)
    assert r["rhr_baseline"] == pytest.approx(50.0)
    assert r["rhr_sd"] == pytest.approx(2.016878, abs=1e-6)
    assert r["rhr_deviation"] == pytest.approx(6.285714, abs=1e-6)  # > 5 bpm
    assert r["status"] == "elevated"
    assert r["explanation"] == (
        "7-day resting HR 56.3 bpm is 6.3 bpm above your 60-day baseline of 50.0 bpm "
        "(elevated: more than 5 bpm above)."
    )
    assert list(resting_hr_status(_rhr([50.0])).columns) == list(RHR_STATUS_COLUMNS)


@pytest.mark.parametrize(
    "week, deviation, status",
    [
        ([53, 54, 55, 54, 53, 55, 54], 4.0, "normal"),  # 378 / 7 = 54
        ([55] * 7, 5.0, "normal"),  # exactly 5 bpm is not "more than"
        ([46] * 7, -4.0, "normal"),
    ],
)
def test_resting_hr_normal(week, deviation, status):
    r = resting_hr_status(_rhr(week)).iloc[-1]
    assert r["rhr_deviation"] == pytest.approx(deviation)
    assert r["status"] == status


def test_resting_hr_drops_implausible_values_and_needs_three_days():
    w = _rhr([56, 300, 10]).iloc[::-1]  # two faults in the last week, rows in reverse order
    assert resting_hr_status(w).index[-1] == DAY0 + pd.Timedelta(days=60)  # last valid day
    r = resting_hr_status(w, as_of=DAY0 + pd.Timedelta(days=62)).iloc[-1]
    assert r["n_valid_7d"] == 5  # days 56-62: 56, 57, 58, 59 and the 56 bpm of day 60
    assert math.isnan(r["resting_hr"])
    w2 = _rhr([]).iloc[:3]
    assert (resting_hr_status(w2)["status"] == "not enough data").all()


# --- properties -----------------------------------------------------------------------------

SOURCES = ["hrv4training", "garmin", "elitehrv", "oura"]


@st.composite
def wellness_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 90))
    days = draw(st.lists(st.integers(0, 99), min_size=n, max_size=n))
    src = draw(st.lists(st.sampled_from(SOURCES), min_size=n, max_size=n))
    rmssd = draw(st.lists(st.floats(5.0, 200.0), min_size=n, max_size=n))
    hr = draw(st.lists(st.floats(35.0, 80.0), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "date": [DAY0 + pd.Timedelta(days=d) for d in days],
            "rmssd_ms": rmssd,
            "resting_hr": hr,
            "source": src,
        }
    )


FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KW = {"min_baseline_days": 5}  # lets short random histories reach a status


@FAST
@given(w=wellness_frames(), data=st.data())
def test_row_order_does_not_matter(w, data):
    perm = data.draw(st.permutations(list(range(len(w)))))
    shuffled = w.iloc[perm].reset_index(drop=True)
    pd.testing.assert_frame_equal(hrv_status(shuffled, **KW), hrv_status(w, **KW))
    pd.testing.assert_frame_equal(resting_hr_status(shuffled, **KW), resting_hr_status(w, **KW))


@FAST
@given(w=wellness_frames(), data=st.data())
def test_duplicate_rows_of_a_reading_change_nothing(w, data):
    # a canonical frame has one row per day and source (docs/design.md §3); a copy of a row is the
    # same reading again. (Two *different* readings of one source and day count as their
    # median, which a third copy of one of them would of course move.)
    w = w.drop_duplicates(["date", "source"]).reset_index(drop=True)
    extra = data.draw(st.lists(st.integers(0, max(len(w) - 1, 0)), max_size=20)) if len(w) else []
    doubled = pd.concat([w, w.iloc[extra]], ignore_index=True)
    pd.testing.assert_frame_equal(hrv_status(doubled, **KW), hrv_status(w, **KW))
    pd.testing.assert_frame_equal(resting_hr_status(doubled, **KW), resting_hr_status(w, **KW))


@FAST
@given(w=wellness_frames(), k=st.floats(0.5, 2.0))
def test_scaling_rmssd_shifts_the_log_statistics_and_keeps_the_status(w, k):
    # rMSSD × k adds ln k to every lnRMSSD: means and the band move by ln k, SDs stay. (The CV
    # of the log values does change, so it is not compared.)
    a, b = hrv_status(w, **KW), hrv_status(w.assign(rmssd_ms=w["rmssd_ms"] * k), **KW)
    c = math.log(k)
    for col in ("ln_rmssd", "ln_rmssd_7d", "baseline_mean", "swc_low", "swc_high"):
        np.testing.assert_allclose(b[col], a[col] + c, atol=1e-9)
    np.testing.assert_allclose(b["baseline_sd"], a["baseline_sd"], atol=1e-9)
    assert b["n_valid_7d"].equals(a["n_valid_7d"])
    margin = np.minimum(
        (a["ln_rmssd_7d"] - a["swc_low"]).abs(), (a["ln_rmssd_7d"] - a["swc_high"]).abs()
    )
    clear = ~(margin < 1e-6)  # statuses a rounding error away from the edge may flip
    assert b["status"][clear].equals(a["status"][clear])


@FAST
@given(w=wellness_frames(), data=st.data())
def test_later_data_never_changes_an_earlier_day(w, data):
    full = hrv_status(w, **KW)
    if full.empty:
        return
    day = data.draw(st.sampled_from(list(full.index)))
    pd.testing.assert_frame_equal(hrv_status(w, as_of=day, **KW), full.loc[:day])
    rhr = resting_hr_status(w, **KW)
    if day in rhr.index:
        pd.testing.assert_frame_equal(resting_hr_status(w, as_of=day, **KW), rhr.loc[:day])


@FAST
@given(w=wellness_frames())
def test_every_day_has_a_status_and_a_sentence(w):
    s = hrv_status(w, **KW)
    assert s["status"].isin(["below", "within", "above", "not enough data"]).all()
    assert s["explanation"].str.len().gt(20).all()
    ready = s["status"] != "not enough data"
    assert (s.loc[ready, "n_valid_7d"] >= 3).all()
    assert (s.loc[ready, "n_valid_baseline"] >= 5).all()
    if len(s):
        assert (s.index.to_series().diff().dropna() == pd.Timedelta(days=1)).all()
