"""The HR response model's covariates and design matrices (docs/design.md §6).

The population layer of :class:`~coachkit.models.response.HrResponseModel` explains a run's
average HR in bpm with

- ``gap_speed``: grade-adjusted speed (m/s). A summary has only ``elevation_gain_m``, so the
  route is taken as out-and-back: half the distance climbing and half descending at the grade
  ``g = 2 · gain / distance``, costing ``(C(g) + C(−g)) / 2`` with Minetti's cost curve
  :func:`~coachkit.features.gap.minetti_cost` (Minetti et al. 2002, J Appl Physiol 93:1039);
- ``log_duration``: ln(moving hours); the HR drift of long runs and the rise of short ones;
- ``climb``: elevation gain per km, what that crude GAP misses on hilly routes;
- ``km_7d`` and ``km_42d``: running km in the 7 days before, and km per week over the 42 days
  before (recent load and fitness);
- ``typical_gap_speed``: the median GAP speed of the runs of the 90 days before (else of all
  earlier runs): a fitter runner's HR is lower at the same speed.

Covariates are centred on a reference run (:data:`CENTERS`: 1 h at 3.0 m/s, 10 m/km of climb,
25 km in the last week and per week), so the intercept is the HR of that run. Load and typical
speed are unknown without any earlier run: they are then set to the reference (no effect).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.engine import per_athlete
from coachkit.core.sports import RUN_SPORTS
from coachkit.features.frames import column, flag_mask, numeric
from coachkit.features.gap import minetti_cost, with_grade_and_gap
from coachkit.features.thresholds import HR_PLAUSIBLE_BPM, RUN_SPEED_PLAUSIBLE_M_S

FIXED = ("gap_speed", "log_duration", "climb", "km_7d", "km_42d", "typical_gap_speed")
RANDOM = ("gap_speed", "log_duration", "climb")  # plus the intercept
# the reference run (near the medians of the 17k population runs with HR)
CENTERS = {
    "gap_speed": 3.0,  # m/s (5:33/km)
    "log_duration": 0.0,  # ln(1 h)
    "climb": 10.0,  # m/km
    "km_7d": 25.0,  # km
    "km_42d": 25.0,  # km per week
    "typical_gap_speed": 3.0,  # m/s
}
LOAD_DAYS, FITNESS_DAYS, TYPICAL_DAYS = 7.0, 42.0, 90.0
MIN_DURATION_S = 300.0  # shorter: the average HR is mostly the rise from rest
SAMPLE_MIN_S = 600.0  # the drift term is not extrapolated back to the first minutes
SAMPLE_SPEED_MAX_M_S = 7.0
_DAY = pd.Timedelta(days=1)
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def epoch_days(values: Any) -> np.ndarray:
    """Times as float days since 1970 (UTC); NaN where missing."""
    ts = pd.to_datetime(pd.Series(values), utc=True, errors="coerce")
    return ((ts - _EPOCH) / _DAY).to_numpy(dtype=float, na_value=np.nan)


def _foot(frame: pd.DataFrame) -> np.ndarray:
    sport = column(frame, "sport", "run").astype("string").fillna("run")
    return sport.isin(RUN_SPORTS).to_numpy(dtype=bool)


def _summary(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Speed, duration, GAP (from the gain, out-and-back), climb and log duration per row."""
    dist = numeric(frame, "distance_m")
    dur = numeric(frame, "moving_time_s")
    dur = np.where(np.isfinite(dur) & (dur > 0), dur, numeric(frame, "elapsed_time_s"))
    gain = np.nan_to_num(numeric(frame, "elevation_gain_m"), nan=0.0).clip(min=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = dist / dur
        g = np.clip(2.0 * gain / dist, 0.0, 0.45)
        climb = gain / dist * 1000.0
        log_dur = np.log(dur / 3600.0)
    gap = speed * (minetti_cost(g) + minetti_cost(-g)) / (2.0 * minetti_cost(0.0))
    return {
        "speed_m_s": speed,
        "duration_s": dur,
        "gap_speed": gap,
        "log_duration": log_dur,
        "climb": climb,
        "distance_m": dist,
    }


def hr_features(
    runs: pd.DataFrame, context: pd.DataFrame | None = None, *, as_of: Any = None
) -> pd.DataFrame:
    """The population layer's covariates for each row of ``runs`` (one athlete).

    Parameters
    ----------
    runs : DataFrame
        Activities (docs/design.md §3): ``start_time``, ``distance_m``, ``moving_time_s`` (else
        ``elapsed_time_s``), ``elevation_gain_m``; optional ``sport``, ``temperature_c``.
    context : DataFrame, optional
        The athlete's other activities, for load and typical speed. Only runs (run, trail_run,
        treadmill) that start before each row count; ``runs`` themselves count too, and a run
        in both frames (same start and distance) counts once.
    as_of : timestamp, optional
        Ignore ``context`` rows starting at or after it.

    Returns
    -------
    DataFrame
        Indexed like ``runs``: ``day`` (days since 1970), ``speed_m_s``, ``duration_s``, the
        :data:`FIXED` covariates (not centred) and ``temperature_c``.

    Examples
    --------
    >>> runs = pd.DataFrame({"start_time": pd.to_datetime(["2024-05-01", "2024-05-03"], utc=True),
    ...                      "distance_m": [10000.0, 5000.0], "moving_time_s": [3000.0, 1500.0],
    ...                      "elevation_gain_m": [0.0, 0.0]})
    >>> hr_features(runs)[["gap_speed", "km_7d"]].round(2).to_numpy().tolist()
    [[3.33, 25.0], [3.33, 10.0]]
    """
    own = _summary(runs)
    day = epoch_days(column(runs, "start_time", pd.NaT))
    parts = [runs] if context is None else [context, runs]
    keep = [_foot(p) & ~flag_mask(column(p, "quality_flags", ""), "duplicate_of:") for p in parts]
    if context is not None and as_of is not None:
        keep[0] &= epoch_days(column(context, "start_time", pd.NaT)) < epoch_days([as_of])[0]
    ctx = pd.DataFrame(
        {
            "day": np.concatenate([epoch_days(column(p, "start_time", pd.NaT)) for p in parts]),
            "km": np.concatenate(
                [_summary(p)["distance_m"] for p in parts[:-1]] + [own["distance_m"]]
            )
            / 1000.0,
            "gap": np.concatenate(
                [_summary(p)["gap_speed"] for p in parts[:-1]] + [own["gap_speed"]]
            ),
        }
    )[np.concatenate(keep)]
    ctx = ctx[np.isfinite(ctx["day"].to_numpy())].drop_duplicates(["day", "km"])
    ctx = ctx.sort_values("day", kind="stable")
    cday, cgap = ctx["day"].to_numpy(), ctx["gap"].to_numpy()
    cum = np.concatenate([[0.0], np.cumsum(np.nan_to_num(ctx["km"].to_numpy()))])
    end = np.searchsorted(cday, day, side="left")  # strictly before the run
    km7 = cum[end] - cum[np.searchsorted(cday, day - LOAD_DAYS, side="left")]
    km42 = (cum[end] - cum[np.searchsorted(cday, day - FITNESS_DAYS, side="left")]) / 6.0
    lo90 = np.searchsorted(cday, day - TYPICAL_DAYS, side="left")
    typical = np.full(len(runs), np.nan)
    for i, (a, b) in enumerate(zip(lo90, end)):
        window = cgap[a:b] if b > a else cgap[:b]
        window = window[np.isfinite(window)]
        if len(window):
            typical[i] = np.median(window)
    unknown = (end == 0) | ~np.isfinite(day)  # no earlier run at all: load unknown, not zero
    out = {k: v for k, v in own.items() if k != "distance_m"}
    out.update(
        day=day,
        km_7d=np.where(unknown, CENTERS["km_7d"], km7),
        km_42d=np.where(unknown, CENTERS["km_42d"], km42),
        typical_gap_speed=np.where(np.isfinite(typical), typical, CENTERS["typical_gap_speed"]),
        temperature_c=numeric(runs, "temperature_c"),
    )
    return pd.DataFrame(out, index=runs.index)


_FEATURE_COLUMNS = (
    "speed_m_s",
    "duration_s",
    "gap_speed",
    "log_duration",
    "climb",
    "day",
    "km_7d",
    "km_42d",
    "typical_gap_speed",
    "temperature_c",
)


def _athlete_hr_features(runs: pd.DataFrame) -> pd.DataFrame:
    """:func:`hr_features` of one athlete's rows, keyed by their position ``_pos`` in the fit."""
    feats = hr_features(runs).reindex(columns=list(_FEATURE_COLUMNS))
    return feats.assign(
        athlete_id=runs["athlete_id"].astype(str).to_numpy(), _pos=runs["_pos"].to_numpy()
    )


def features_of_many(frame: pd.DataFrame, scheduler: Any = None) -> pd.DataFrame:
    """:func:`hr_features` of every row of a many-athlete ``frame``, computed per athlete.

    NaN where the athlete is unknown. Through :func:`coachkit.core.engine.per_athlete`: in this
    process, or on a Dask cluster with ``scheduler``, with the same result.
    """
    meta = pd.DataFrame(
        {
            "athlete_id": pd.Series(dtype="object"),
            "_pos": pd.Series(dtype="int64"),
            **{c: pd.Series(dtype="float64") for c in _FEATURE_COLUMNS},
        }
    )
    known = frame.assign(_pos=np.arange(len(frame)))
    known = known[column(frame, "athlete_id", pd.NA).notna().to_numpy()]
    out = per_athlete(known, _athlete_hr_features, meta=meta, scheduler=scheduler)
    feats = out.set_index("_pos")[list(_FEATURE_COLUMNS)].reindex(np.arange(len(frame)))
    feats.index = frame.index
    return feats


def usable_runs(frame: pd.DataFrame, feats: pd.DataFrame) -> np.ndarray:
    """Runs whose average HR can teach the model: plausible HR, pace and duration, no bad flag."""
    flags = column(frame, "quality_flags", "")
    hr = numeric(frame, "avg_hr")
    speed = feats["speed_m_s"].to_numpy()
    ok = np.isfinite(feats[list(FIXED)].to_numpy()).all(axis=1)
    for code in ("no_hr", "hr_implausible", "manual", "duplicate_of:"):
        ok &= ~flag_mask(flags, code)
    return (
        ok
        & _foot(frame)
        & (hr >= HR_PLAUSIBLE_BPM[0])
        & (hr <= HR_PLAUSIBLE_BPM[1])
        & (speed >= RUN_SPEED_PLAUSIBLE_M_S[0])
        & (speed <= RUN_SPEED_PLAUSIBLE_M_S[1])
        & (feats["duration_s"].to_numpy() >= MIN_DURATION_S)
        & np.isfinite(feats["day"].to_numpy())
    )


def design_matrices(feats: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-effects and random-effects design matrices (centred on :data:`CENTERS`)."""
    one = np.ones((len(feats), 1))
    cols = {c: feats[c].to_numpy(dtype=float) - CENTERS[c] for c in FIXED}
    x = np.column_stack([one] + [cols[c] for c in FIXED])
    z = np.column_stack([one] + [cols[c] for c in RANDOM])
    return x, z


def sample_features(
    samples: pd.DataFrame,
    order: np.ndarray,
    t: np.ndarray,
    history: pd.DataFrame | None = None,
    *,
    start_time: Any = None,
    sport: str = "run",
    as_of: Any = None,
) -> pd.DataFrame:
    """The covariates of each sample of one run, for the per-sample HR model.

    One row per sample, taken in ``order`` (time-sorted positions with a time), ``t`` seconds
    from the first. Load and typical speed are those of the whole run (from ``history`` before
    ``start_time``, by default the first ``timestamp``); ``gap_speed`` is each sample's GAP from
    the real grade (climb 0: the grade is in it already) and ``log_duration`` the instantaneous
    drift term ``ln T + 1``, from :data:`SAMPLE_MIN_S` on (see
    :meth:`~coachkit.models.response.HrResponseModel.predict_samples`).
    """
    if start_time is None and "timestamp" in samples.columns:
        start_time = pd.to_datetime(samples["timestamp"], utc=True, errors="coerce").min()
    dist = numeric(samples, "distance_m")[order]
    run = pd.DataFrame(
        {
            "start_time": [pd.to_datetime(start_time, utc=True)],
            "distance_m": [
                np.nanmax(dist) - np.nanmin(dist) if np.isfinite(dist).any() else np.nan
            ],
            "moving_time_s": [max(t[-1], 1.0)],
            "sport": [sport],
        }
    )
    base = hr_features(run, history, as_of=as_of).iloc[[0] * len(t)].reset_index(drop=True)
    gap = with_grade_and_gap(samples, sport=sport)["gap_speed_m_s"].to_numpy()[order]
    base["gap_speed"] = pd.Series(gap).ffill().bfill().fillna(0).clip(0, SAMPLE_SPEED_MAX_M_S)
    base["log_duration"] = np.log(np.maximum(t, SAMPLE_MIN_S) / 3600.0) + 1.0
    base["climb"] = 0.0  # the grade is in the GAP already
    base["temperature_c"] = pd.Series(numeric(samples, "temperature_c")[order]).ffill().bfill()
    return base
