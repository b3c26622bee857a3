"""The vectorised HRV and resting-HR status against the straightforward pandas version.

``coachkit.features.hrv`` computes on an (athlete x day) numpy grid, so that a thousand athletes
take one pass (``hrv_many``). The reference below is the implementation it replaced (pandas
group-by for the one reading per day, ``rolling`` for the windows), kept here verbatim in its
numbers: the package must give the same values and statuses, for one athlete and for many.

The one known difference: pandas' rolling SD of a constant window after varying values is a
few 1e-8 instead of 0 (its online update does not cancel exactly); the grid recomputes such
windows in two passes. Values are therefore compared to 1e-7, and statuses wherever the 7-day
mean is more than 1e-6 from an edge of the band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coachkit.features.hrv import HRV_SOURCE_PRIORITY, RMSSD_MAX_MS, hrv_many, hrv_status
from coachkit.features.resting_hr import (
    RHR_MAX_BPM,
    RHR_MIN_BPM,
    resting_hr_many,
    resting_hr_status,
)

DAY0 = pd.Timestamp("2024-01-01")
EPS = 1e-9


# --- the reference: the former pandas implementation -----------------------------------------


def _ref_pick(wellness: pd.DataFrame, value: pd.Series, end: pd.Timestamp | None) -> pd.DataFrame:
    date = pd.to_datetime(wellness["date"]).dt.normalize()
    source = wellness["source"].astype("string").fillna("unknown")
    rank = source.map({s: i for i, s in enumerate(HRV_SOURCE_PRIORITY)}).fillna(
        len(HRV_SOURCE_PRIORITY)
    )
    df = pd.DataFrame(
        {"date": date, "rank": rank.astype(int), "source": source, "value": value}
    ).dropna(subset=["date", "value"])
    if end is not None:
        df = df[df["date"] <= end]
    per_source = df.groupby(["date", "rank", "source"], sort=True)["value"].median().reset_index()
    best = per_source.drop_duplicates("date", keep="first").set_index("date")
    if best.empty:
        return pd.DataFrame({"value": pd.Series(dtype=float)})
    last = best.index.max() if end is None else end
    idx = pd.date_range(best.index.min(), last, freq="D", name="date")
    return best[["value", "source"]].reindex(idx)


def _ref_windows(x: pd.Series, window: int, baseline_days: int, min_valid: int, min_base: int):
    week = x.rolling(window, min_periods=min_valid)
    base = x.shift(window).rolling(baseline_days, min_periods=min_base)
    count = x.notna().astype(float)
    return pd.DataFrame(
        {
            "mean_7d": week.mean(),
            "sd_7d": week.std(ddof=1),
            "n_valid_7d": count.rolling(window, min_periods=1).sum().astype(int),
            "baseline_mean": base.mean(),
            "baseline_sd": base.std(ddof=1),
            "n_valid_baseline": count.shift(window, fill_value=0.0)
            .rolling(baseline_days, min_periods=1)
            .sum()
            .astype(int),
        }
    )


def ref_hrv(w: pd.DataFrame, *, as_of=None, window=7, baseline_days=60, swc_sd=0.5,
            min_valid=3, min_baseline_days=14) -> pd.DataFrame:  # fmt: skip
    rmssd = pd.to_numeric(w["rmssd_ms"], errors="coerce").astype(float)
    ln = np.log(rmssd.where((rmssd > 0) & (rmssd <= RMSSD_MAX_MS)))
    daily = _ref_pick(w, ln, as_of)
    out = pd.concat(
        [daily, _ref_windows(daily["value"], window, baseline_days, min_valid, min_baseline_days)],
        axis=1,
    ).rename(columns={"value": "ln_rmssd", "mean_7d": "ln_rmssd_7d"})
    mean7 = out["ln_rmssd_7d"]
    out["cv_7d"] = 100.0 * out["sd_7d"] / mean7
    out["swc_low"] = out["baseline_mean"] - swc_sd * out["baseline_sd"]
    out["swc_high"] = out["baseline_mean"] + swc_sd * out["baseline_sd"]
    out["status"] = np.select(
        [mean7.isna() | out["swc_low"].isna(), mean7 < out["swc_low"] - EPS,
         mean7 > out["swc_high"] + EPS],
        ["not enough data", "below", "above"],
        default="within",
    )  # fmt: skip
    return out


def ref_rhr(w: pd.DataFrame, *, as_of=None, window=7, baseline_days=60, min_valid=3,
            min_baseline_days=14, elevated_bpm=5.0) -> pd.DataFrame:  # fmt: skip
    hr = pd.to_numeric(w["resting_hr"], errors="coerce").astype(float)
    hr = hr.where((hr >= RHR_MIN_BPM) & (hr <= RHR_MAX_BPM))
    daily = _ref_pick(w, hr, as_of)
    out = pd.concat(
        [daily, _ref_windows(daily["value"], window, baseline_days, min_valid, min_baseline_days)],
        axis=1,
    ).rename(columns={"value": "resting_hr", "mean_7d": "rhr_7d", "baseline_mean": "rhr_baseline"})
    out["rhr_deviation"] = out["rhr_7d"] - out["rhr_baseline"]
    out["status"] = np.select(
        [out["rhr_deviation"].isna(), out["rhr_deviation"] > elevated_bpm + EPS],
        ["not enough data", "elevated"],
        default="normal",
    )
    return out


# --- comparisons ---------------------------------------------------------------------------

HRV_NUMBERS = ["ln_rmssd", "ln_rmssd_7d", "cv_7d", "baseline_mean", "baseline_sd", "swc_low",
               "swc_high"]  # fmt: skip
RHR_NUMBERS = ["resting_hr", "rhr_7d", "rhr_baseline", "rhr_deviation"]
COUNTS = ["n_valid_7d", "n_valid_baseline"]


def _same(got: pd.DataFrame, ref: pd.DataFrame, numbers: list[str], edges: list[str]) -> None:
    assert len(got) == len(ref)
    if not len(ref):
        return
    assert (got.index == ref.index).all()
    # atol 1e-5: pandas' rolling std of equal values leaves ~1e-6 of rounding (a CV of
    # 0.0000013 % where the exact answer is 0); the kernels compute it exactly
    for c in numbers:
        np.testing.assert_allclose(got[c].to_numpy(float), ref[c].to_numpy(float), rtol=1e-7,
                                   atol=1e-5, equal_nan=True, err_msg=c)  # fmt: skip
    for c in COUNTS:
        assert got[c].tolist() == ref[c].tolist(), c

    def names(x: pd.Series) -> list[str]:
        return x.astype("string").fillna("").tolist()

    assert names(got["source"]) == names(ref["source"])
    mean = ref[edges[0]]
    margin = np.min(np.abs(np.column_stack([mean - ref[e] for e in edges[1:]])), axis=1)
    clear = ~(margin < 1e-6)
    assert got["status"].astype(str)[clear].tolist() == ref["status"][clear].tolist()


SOURCES = ["hrv4training", "garmin", "elitehrv", "oura", "whoop"]


@st.composite
def histories(draw: st.DrawFn, max_rows: int = 160, max_day: int = 150) -> pd.DataFrame:
    n = draw(st.integers(0, max_rows))
    days = draw(st.lists(st.integers(0, max_day), min_size=n, max_size=n))
    src = draw(st.lists(st.sampled_from(SOURCES), min_size=n, max_size=n))
    # a few round values make ties, duplicates and constant stretches likely
    value = st.one_of(st.floats(5.0, 200.0), st.sampled_from([40.0, 50.0, 60.0]))
    rmssd = draw(st.lists(value, min_size=n, max_size=n))
    hr = draw(st.lists(st.one_of(st.floats(20.0, 130.0), st.just(50.0)), min_size=n, max_size=n))
    return pd.DataFrame(
        {
            "date": [DAY0 + pd.Timedelta(days=d, hours=7) for d in days],
            "rmssd_ms": rmssd,
            "resting_hr": hr,
            "source": src,
        }
    )


CHECK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OPTS = st.fixed_dictionaries(
    {"window": st.integers(3, 9), "baseline_days": st.integers(10, 70)}
).flatmap(
    lambda d: st.fixed_dictionaries(
        {
            "window": st.just(d["window"]),
            "baseline_days": st.just(d["baseline_days"]),
            "min_valid": st.integers(1, d["window"]),
            "min_baseline_days": st.integers(2, d["baseline_days"]),
        }
    )
)


@CHECK
@given(w=histories(), opts=OPTS, cut=st.one_of(st.none(), st.integers(-5, 160)))
def test_hrv_status_equals_the_pandas_reference(w, opts, cut):
    as_of = None if cut is None else DAY0 + pd.Timedelta(days=cut)
    got = hrv_status(w, as_of=as_of, **opts)
    ref = ref_hrv(w, as_of=as_of, **opts)
    _same(got, ref, HRV_NUMBERS, ["ln_rmssd_7d", "swc_low", "swc_high"])


@CHECK
@given(w=histories(), opts=OPTS, cut=st.one_of(st.none(), st.integers(-5, 160)))
def test_resting_hr_status_equals_the_pandas_reference(w, opts, cut):
    as_of = None if cut is None else DAY0 + pd.Timedelta(days=cut)
    got = resting_hr_status(w, as_of=as_of, **opts)
    ref = ref_rhr(w, as_of=as_of, **opts)
    ref["elevated_edge"] = ref["rhr_baseline"] + 5.0
    _same(got, ref, RHR_NUMBERS, ["rhr_7d", "elevated_edge"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(histories(max_rows=80, max_day=120), min_size=1, max_size=4))
def test_many_athletes_at_once_equal_one_at_a_time(parts):
    w = pd.concat([p.assign(athlete_id=f"a{i}") for i, p in enumerate(parts)], ignore_index=True)
    w = w.sample(frac=1.0, random_state=0)  # rows of athletes interleaved
    for many, one in ((hrv_many, hrv_status), (resting_hr_many, resting_hr_status)):
        got = many(w, min_baseline_days=5, explain=True)
        want = [
            one(p, min_baseline_days=5).reset_index().assign(athlete_id=f"a{i}")
            for i, p in enumerate(parts)
        ]
        want = (
            pd.concat([x for x in want if len(x)], ignore_index=True)
            if any(len(x) for x in want)
            else None
        )
        if want is None:
            assert got.empty
            continue
        got = got.astype({"athlete_id": str, "source": "string", "status": "string"})
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), want[got.columns].reset_index(drop=True),
            check_dtype=False,
        )  # fmt: skip


def test_a_constant_baseline_has_no_spread_and_a_band_of_one_value():
    # 40 varying days, then 70 days of exactly 50 ms: the band of the last day is ln 50 .. ln 50
    rmssd = [40.0 + (d % 5) for d in range(40)] + [50.0] * 70
    w = pd.DataFrame({"date": pd.date_range(DAY0, periods=110), "rmssd_ms": rmssd,
                      "source": "hrv4training"})  # fmt: skip
    last = hrv_status(w).iloc[-1]
    assert last["baseline_sd"] < 1e-12
    assert abs(last["swc_high"] - last["swc_low"]) < 1e-12
    assert last["status"] == "within"
