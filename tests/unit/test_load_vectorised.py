"""The NumPy ``activity_loads`` gives what the per-row version gave (tests/load_rowwise.py).

Numbers within 1e-9, the same method, note and excluded reason strings, on frames that take
every route: each method chosen or refused for each of its reasons, every exclusion flag,
missing HR, pace, RPE and thresholds, HR samples full, partial, too sparse or absent, GAP
speeds good and bad, athlete-wide methods and per-activity overrides.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coachkit.core.schemas import QUALITY_FLAGS, SPORTS
from coachkit.features.load import LOAD_METHODS, activity_loads, load_details
from coachkit.features.thresholds import Threshold, Thresholds
from tests.load_rowwise import activity_loads as rowwise_loads

FLAGS = [f for f in QUALITY_FLAGS if not f.endswith(":")] + ["duplicate_of:orig", " manual "]
THRESHOLDS = {
    "set": ((190.0, "set by athlete"), (50.0, "set by athlete"), (170.0, "set by athlete"),
            (4.0, "set by athlete"), "male"),
    "estimated_female": ((185.0, "estimated: max"), (48.0, "estimated: rest"),
                         (165.0, "estimated: lthr"), (3.6, "estimated: races"), "female"),
    "hr_inconsistent": ((160.0, "set by athlete"), (50.0, "set by athlete"),
                        (170.0, "set by athlete"), (4.0, "set by athlete"), "unknown"),
    "nothing": ((None, "population default (no data)"), (np.nan, "population default (no data)"),
                (170.0, "set by athlete"), (None, "population default (no data)"), "unknown"),
    "no_pace": ((190.0, "set by athlete"), (50.0, "set by athlete"), (170.0, "set by athlete"),
                (0.0, "population default (no data)"), "male"),
}  # fmt: skip


def _th(name: str) -> Thresholds:
    *four, sex = THRESHOLDS[name]
    return Thresholds(*(Threshold(v, tag) for v, tag in four), sex)


def _frame(seed: int, n: int):
    """Activities, HR samples, feedback and GAP speeds that take every route at random."""
    rng = np.random.default_rng(seed)
    pick = lambda values, p=None: rng.choice(np.array(values, dtype=object), n, p=p)  # noqa: E731
    moving = rng.uniform(300, 9000, n)
    moving[rng.random(n) < 0.1] = np.nan
    moving[rng.random(n) < 0.03] = 0.0
    elapsed = moving * rng.uniform(0.9, 1.3, n)
    elapsed[rng.random(n) < 0.05] = np.nan
    elapsed[rng.random(n) < 0.02] = 3 * 86400.0
    speed = rng.uniform(0.1, 8.0, n)
    distance = np.where(rng.random(n) < 0.1, np.nan, np.nan_to_num(moving, nan=3600.0) * speed)
    avg_hr = np.where(rng.random(n) < 0.3, np.nan, rng.uniform(20, 260, n))
    flags = [
        ";".join(rng.choice(FLAGS, rng.choice([0, 0, 0, 1, 2]), replace=False)) for _ in range(n)
    ]
    acts = pd.DataFrame(
        {
            "activity_id": [f"a{i}" for i in range(n)],
            "sport": pick([*SPORTS, "", "kayak", None]),
            "start_time": pd.Timestamp("2024-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 40 * 24, n), unit="h"),
            "utc_offset_s": pd.array(rng.choice([0, 3600, -18000], n), dtype="Int64"),
            "elapsed_time_s": elapsed,
            "moving_time_s": moving,
            "distance_m": distance,
            "avg_hr": avg_hr,
            "has_samples": rng.random(n) < 0.3,
            "quality_flags": pd.array(flags, dtype="string"),
        }
    )
    samples = {}
    for i in np.flatnonzero(acts["has_samples"]):
        dur = float(np.nan_to_num(moving[i], nan=1800.0))
        cover = rng.choice([1.0, 0.7, 0.3, 0.0])
        k = int(dur * cover / 5)
        if rng.random() < 0.15:
            continue  # listed as having samples, none stored
        t = np.cumsum(rng.choice([1.0, 5.0, 10.0, 45.0], k, p=[0.2, 0.5, 0.25, 0.05]))
        hr = rng.uniform(30, 250, k)
        hr[rng.random(k) < 0.05] = np.nan
        samples[f"a{i}"] = pd.DataFrame({"t_s": t, "hr_bpm": hr})
    rated = rng.choice(n, n // 4, replace=False)
    feedback = pd.DataFrame(
        {
            "activity_id": pd.array([f"a{i}" for i in rated] + [None] * 5, dtype="string"),
            "date": [pd.NaT] * len(rated)
            + list(pd.Timestamp("2024-01-02") + pd.to_timedelta(rng.integers(0, 40, 5), "D")),
            "rpe": list(rng.choice([np.nan, 0, 3, 6.5, 9, 11], len(rated))) + [5, 7, 8, 2, 4],
        }
    )
    gap = {f"a{i}": float(rng.choice([np.nan, 0.0, -1.0, 2.5, 3.7, 9.0])) for i in range(0, n, 2)}
    gap["a1"] = None  # type: ignore[assignment]
    overrides = {f"a{i}": str(rng.choice([*LOAD_METHODS, "auto"])) for i in range(0, n, 7)}
    return acts, samples, feedback, gap, overrides


def _same(acts: pd.DataFrame, th: Thresholds, **kw) -> pd.DataFrame:
    ours, ref = activity_loads(acts, th, **kw), rowwise_loads(acts, th, **kw)
    assert list(ours.columns) == list(ref.columns)
    assert (ours.dtypes == ref.dtypes).all(), (ours.dtypes, ref.dtypes)
    assert ours.index.equals(ref.index)
    a, b = ours["load"].to_numpy(), ref["load"].to_numpy()
    assert (np.isnan(a) == np.isnan(b)).all()
    assert np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True)
    for c in ("activity_id", "load_method", "load_note", "excluded_reason"):
        got, want = ours[c].tolist(), ref[c].tolist()
        diff = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if str(g) != str(w)]
        assert not diff, (c, diff[:3])
    return ours


@pytest.mark.parametrize("th", sorted(THRESHOLDS))
@pytest.mark.parametrize("method", [None, "auto", *LOAD_METHODS])
def test_numpy_loads_equal_the_per_row_loads(th, method):
    acts, samples, feedback, gap, overrides = _frame(seed=len(th) * 7 + len(str(method)), n=400)
    kw = {"samples": samples, "feedback": feedback, "gap_speed": gap, "method": method}
    out = _same(acts, _th(th), overrides=overrides, **kw)
    _same(acts, _th(th))  # no samples, feedback, GAP or overrides
    if th == "set" and method is None:
        # the frame does take every route (else the comparison proves little)
        assert set(out["load_method"].dropna()) == set(LOAD_METHODS)
        reasons = " ".join(out["excluded_reason"].dropna())
        for why in ("duplicate of orig", "date_implausible", "duration_implausible",
                    "distance_implausible", "time_reversed", "no plausible duration", "(manual)"):  # fmt: skip
            assert why in reasons
        notes = " ".join(out["load_note"])
        for how in ("of HR samples", "scaled up", "average HR", "GAP", "no GAP", "because",
                    "heart rate covers only", "was asked for"):  # fmt: skip
            assert how in notes, how


def test_sentences_only_when_asked_and_the_same_on_demand():
    acts, samples, feedback, gap, overrides = _frame(seed=3, n=200)
    kw = {"samples": samples, "feedback": feedback, "gap_speed": gap, "overrides": overrides}
    full = activity_loads(acts, _th("set"), **kw)
    quiet = activity_loads(acts, _th("set"), explain=False, **kw)
    assert "load_note" not in quiet.columns
    pd.testing.assert_frame_equal(quiet, full.drop(columns="load_note"))
    details = load_details(acts, _th("set"), **kw)
    assert [details.note(i) for i in (5, 17, 150)] == full["load_note"].iloc[[5, 17, 150]].tolist()
    shown = activity_loads(acts.iloc[[5, 17, 150]], _th("set"), **kw)  # only the rows shown
    assert shown["load_note"].tolist() == full["load_note"].iloc[[5, 17, 150]].tolist()


def test_empty_frames_agree():
    acts, *_ = _frame(seed=1, n=5)
    _same(acts.iloc[:0], _th("set"))
    _same(pd.DataFrame({"activity_id": ["x"], "moving_time_s": [600.0]}), _th("set"))


_num = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -1.0]))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([*SPORTS, "", "kayak"]),
            _num,
            _num,
            _num,
            st.one_of(_num, st.floats(min_value=20, max_value=260)),
            st.lists(st.sampled_from(FLAGS), max_size=3),
        ),
        max_size=8,
    ),
    th=st.sampled_from(sorted(THRESHOLDS)),
    method=st.sampled_from([None, *LOAD_METHODS]),
)
def test_numpy_loads_equal_the_per_row_loads_on_any_numbers(rows, th, method):
    acts = pd.DataFrame(
        [
            {"activity_id": f"a{i}", "sport": s, "elapsed_time_s": e, "moving_time_s": m,
             "distance_m": d, "avg_hr": h, "quality_flags": ";".join(f)}
            for i, (s, e, m, d, h, f) in enumerate(rows)
        ],
        columns=["activity_id", "sport", "elapsed_time_s", "moving_time_s", "distance_m",
                 "avg_hr", "quality_flags"],
    )  # fmt: skip
    with np.errstate(all="ignore"):
        _same(acts, _th(th), method=method)


def test_many_athletes_in_one_call_each_with_their_thresholds():
    parts, expected = [], []
    for k, name in enumerate(sorted(THRESHOLDS)):
        acts, samples, feedback, gap, overrides = _frame(seed=10 + k, n=120)
        acts = acts.assign(athlete_id=name, activity_id=[f"{name}-{i}" for i in range(len(acts))])
        parts.append(acts)
        expected.append(rowwise_loads(acts, _th(name), method="rtss" if k % 2 else None))
    every = pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=1)  # interleaved
    one_call = activity_loads(
        every, {name: _th(name) for name in THRESHOLDS}, method=None, overrides=None
    )
    rtss_call = activity_loads(every, {name: _th(name) for name in THRESHOLDS}, method="rtss")
    want = pd.concat(expected).set_index("activity_id")
    for k, name in enumerate(sorted(THRESHOLDS)):
        got = (rtss_call if k % 2 else one_call).set_index("activity_id")
        mine = want.index.str.startswith(f"{name}-")
        pd.testing.assert_frame_equal(got.loc[want.index[mine]], want[mine], rtol=1e-9)
    with pytest.raises(ValueError, match="no thresholds"):
        activity_loads(every, {"set": _th("set")})
