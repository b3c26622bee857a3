"""One runner's runs for race prediction: race-like efforts, the features of a prediction, and
the table of efforts the population is fitted on.

:mod:`coachkit.models.race` predicts from these and :mod:`coachkit.models.race_population` fits
on them, so that fitting and predicting share one code path.

- **Runs** (:func:`prepare_runs`): the usable runs of an activities frame strictly before
  ``as_of``, as days since 1970 (UTC), metres, seconds and Daniels VDOT.
- **Race-like effort** (what is predicted, and the personal evidence; issue 16): a run within
  3 % of 5 km, 10 km, half or marathon whose VDOT (Daniels & Gilbert 1979) is at or above the
  90th percentile of the VDOTs of the runner's runs ≥ 3 km within ±180 days, eligible when the
  180 days before it hold ≥ 10 runs, one of them ≥ 3 km. The window looks ahead only to
  *choose* efforts: a population target uses the whole window, while "race-like as of day t"
  (the personal evidence of a prediction on day t) clips it at t, so nothing after t is read.
  A run the user marks as a race (a true ``is_race`` column, or Strava's ``workout_type`` 1 =
  race) counts at any distance ≥ 3 km. The canonical frames have neither column yet: this is
  the hook for activity editing and for Strava's race flag (docs/design.md §3).
- **Features** of a prediction at distance ``D`` on day ``now``, from the runs before it only:
  the *frontier* (the best run ≥ 3 km of the last 180 days carried to ``D`` by Riegel,
  T·(D/d)^1.06, Riegel 1981, Am Sci 69:285: the *anchor*), the 2nd and 3rd best, the
  90th-percentile effort (by VDOT), the best of the last 28 days and the age of the best,
  weekly volume and longest run of 8 weeks, and the runner's own race-like efforts of the
  last 365 days (the best of them, and the mean at this distance), all carried to ``D``.
- **Effort table** (:func:`effort_table`, :func:`athlete_efforts`): those features at every
  eligible race-band run, whether it is a target, and which earlier efforts were race-like
  as of its day (``evidence``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.sports import RUN_SPORTS
from coachkit.features.best_efforts import STANDARD_DISTANCES_M, world_record_speed
from coachkit.features.daniels import race_time_from_vdot, vdot
from coachkit.features.frames import before_as_of, column, flag_mask, numeric
from coachkit.features.thresholds import EFFORT_MIN_DISTANCE_M, RIEGEL_EXPONENT

#: race distances (metres) whose race-like efforts are targets; a run within ±3 % counts
RACE_DISTANCES_M: dict[str, float] = {
    k: STANDARD_DISTANCES_M[k] for k in ("5 km", "10 km", "half marathon", "marathon")
}
BAND_TOLERANCE = 0.03  # issue 16: "within 3 % of 5 k, 10 k, half or marathon"
_BAND_D = np.array(list(RACE_DISTANCES_M.values()))
_KNOTS = np.log(_BAND_D)
WINDOW_DAYS = 180.0  # ±180 days around an effort for its VDOT percentile; 180 days of frontier
RACE_PERCENTILE = 90.0  # race-like: VDOT at or above this percentile of the window
MIN_PRIOR_RUNS = 10  # runs in the 180 days before an effort for it to count (one ≥ 3 km)
MIN_EFFORT_M = EFFORT_MIN_DISTANCE_M  # Riegel from shorter runs overestimates (3 km)
RECENT_DAYS = 28.0  # "recent best": the best effort of the last 4 weeks
VOLUME_DAYS = 56.0  # 8 weeks of volume and longest run
RACE_DAYS = 365.0  # own race-like efforts used as features
PERSONAL_DAYS = 730.0  # own race-like efforts whose residuals form the personal layer
TRAINING_DAYS = 28.0  # 4 weeks, as Prague's km4week/sp4week
RECENT_CAP = 0.3  # log gap of "no effort in the last 4 weeks" (about the 99th percentile)
MIN_SPEED_M_S = 0.5  # slower is not running; faster than the world record is an error
STRAVA_RACE_WORKOUT_TYPE = 1  # Strava API: a run's workout_type 1 is "race"
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_vdot = np.vectorize(vdot, otypes=[float])


@dataclass(frozen=True)
class Runs:
    """One athlete's usable runs, sorted by start: days since 1970 (UTC), metres, seconds."""

    day: np.ndarray
    distance_m: np.ndarray
    time_s: np.ndarray
    vdot: np.ndarray
    band: np.ndarray  # index into RACE_DISTANCES_M when within 3 % of it, else -1
    marked: np.ndarray  # marked as a race by the user or the source
    eligible: np.ndarray  # ≥ 10 runs in the 180 days before, one ≥ 3 km

    def __len__(self) -> int:
        return len(self.day)


def band_of(distance_m: float | np.ndarray) -> np.ndarray:
    """Index of the race distance within 3 % of each distance (-1: none)."""
    d = np.atleast_1d(np.asarray(distance_m, dtype=float))
    inside = np.abs(d[:, None] / _BAND_D - 1.0) <= BAND_TOLERANCE
    return np.where(inside.any(axis=1), inside.argmax(axis=1), -1)


def distance_weights(distance_m: np.ndarray) -> np.ndarray:
    """Piecewise-linear (hat) weights of each distance on the four race distances, in log
    distance; each row sums to 1, and outside 5 km–marathon the nearest one takes it all."""
    x = np.log(np.asarray(distance_m, dtype=float))
    eye = np.eye(len(_KNOTS))
    return np.column_stack([np.interp(x, _KNOTS, eye[k]) for k in range(len(_KNOTS))])


def nearest_race(distance_m: float | np.ndarray) -> np.ndarray:
    """Index into :data:`RACE_DISTANCES_M` of the race distance nearest each distance (in log
    distance): a run's band when it has one."""
    return np.abs(np.log(np.atleast_1d(np.asarray(distance_m, float))[:, None]) - _KNOTS).argmin(1)


def make_runs(
    day: np.ndarray, distance_m: np.ndarray, time_s: np.ndarray, marked: np.ndarray | None = None
) -> Runs:
    """Sort, drop non-finite rows and same-instant duplicates, and flag eligibility."""
    marked = np.zeros(len(day), dtype=bool) if marked is None else np.asarray(marked, bool)
    ok = np.isfinite(day) & np.isfinite(distance_m) & np.isfinite(time_s)
    ok &= (distance_m > 0) & (time_s > 0)
    order = np.lexsort((distance_m[ok], day[ok]))
    t, d, s, m = (a[ok][order] for a in (day, distance_m, time_s, marked))
    keep = np.ones(len(t), dtype=bool)
    keep[1:] = t[1:] != t[:-1]  # the same start twice is one run recorded twice
    t, d, s, m = t[keep], d[keep], s[keep], m[keep]
    start = np.searchsorted(t, t - WINDOW_DAYS, "left")
    end = np.searchsorted(t, t, "left")  # strictly before
    long_before = np.concatenate([[0], np.cumsum(d >= MIN_EFFORT_M)])
    eligible = (end - start >= MIN_PRIOR_RUNS) & (long_before[end] > long_before[start])
    v = _vdot(d, s) if len(t) else np.zeros(0)
    return Runs(t, d, s, v, band_of(d) if len(t) else np.zeros(0, int), m, eligible)


def candidates(runs: Runs) -> np.ndarray:
    """Indices of runs that may be race-like: eligible, in a race band or marked (≥ 3 km)."""
    ok = (runs.band >= 0) | (runs.marked & (runs.distance_m >= MIN_EFFORT_M))
    return np.flatnonzero(ok & runs.eligible)


def _is_race_like(runs: Runs, j: int, before_day: float) -> bool:
    """Run ``j`` is race-like given the runs before ``before_day`` (its window clipped there)."""
    if runs.marked[j]:
        return True
    t = runs.day
    lo = np.searchsorted(t, t[j] - WINDOW_DAYS, "left")
    hi = min(np.searchsorted(t, t[j] + WINDOW_DAYS, "right"), np.searchsorted(t, before_day))
    window = runs.vdot[lo:hi][runs.distance_m[lo:hi] >= MIN_EFFORT_M]
    return bool(runs.vdot[j] >= percentile(window, RACE_PERCENTILE))


def percentile(values: np.ndarray, q: float) -> float:
    """``np.percentile(values, q)`` (linear interpolation, the same arithmetic), ~10x faster
    on the small arrays of one window."""
    s = np.sort(values)
    pos = (len(s) - 1) * q / 100.0
    lo = int(pos)
    t = pos - lo
    a, b = float(s[lo]), float(s[min(lo + 1, len(s) - 1)])
    return b - (b - a) * (1.0 - t) if t >= 0.5 else a + (b - a) * t


def race_like(runs: Runs, now_day: float = math.inf, final: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the runs before ``now_day`` that are race-like as of ``now_day``.

    ``final`` (a mask as of any later day, e.g. ``now_day = inf``) saves work: an effort whose
    whole window lies before ``now_day`` keeps the status it has there.
    """
    out = np.zeros(len(runs), dtype=bool)
    cand = candidates(runs)
    cand = cand[runs.day[cand] < now_day]
    if final is not None:
        settled = runs.day[cand] + WINDOW_DAYS < now_day
        out[cand[settled]] = final[cand[settled]]
        cand = cand[~settled]
    for j in cand:
        out[j] = _is_race_like(runs, j, now_day)
    return out


def _riegel(runs: Runs, upto: int, distance_m: float) -> np.ndarray:
    """log of each run's time carried to ``distance_m`` by Riegel (exponent 1.06)."""
    return np.log(runs.time_s[:upto]) + RIEGEL_EXPONENT * np.log(
        distance_m / runs.distance_m[:upto]
    )


def effort_features(
    runs: Runs, upto: int, distance_m: float, now_day: float, race_mask: np.ndarray
) -> dict[str, float]:
    """Raw features for predicting ``distance_m`` on ``now_day`` from ``runs[:upto]``.

    ``race_mask`` flags the runs race-like as of ``now_day`` (:func:`race_like`). Key ``tier``:
    "efforts" when a run ≥ 3 km lies in the last 180 days, "training" when only other runs of
    the last 28 days exist, "population" otherwise; then the numbers each tier uses.
    """
    t, d, s = runs.day[:upto], runs.distance_m[:upto], runs.time_s[:upto]
    age = now_day - t
    D = float(distance_m)
    out: dict[str, float] = {"D": D, "n_runs_365": float((age <= 365).sum())}
    out["n_runs_180"] = float((age <= WINDOW_DAYS).sum())
    w28 = age <= TRAINING_DAYS
    out["km_week_28"] = float(d[w28].sum() / 1000 / (TRAINING_DAYS / 7))
    out["speed_28"] = float(d[w28].sum() / s[w28].sum()) if w28.any() else math.nan
    w56 = age <= VOLUME_DAYS
    out["km_week"] = float(d[w56].sum() / 1000 / (VOLUME_DAYS / 7))
    out["longest_m"] = float(d[w56].max()) if w56.any() else 0.0
    big = (age <= WINDOW_DAYS) & (d >= MIN_EFFORT_M)
    if not big.any():
        out["tier"] = "training" if w28.any() else "population"
        return out
    out["tier"] = "efforts"
    eq = _riegel(runs, upto, D)
    idx = np.flatnonzero(big)
    j = int(idx[np.argmin(eq[idx])])
    anchor = float(eq[j])
    out.update(anchor=anchor, best_d=float(d[j]), best_s=float(s[j]), best_age=float(age[j]))
    out["n180"] = float(big.sum())
    ranked = np.sort(eq[idx])
    out["top2"] = float(ranked[min(1, len(ranked) - 1)]) - anchor
    out["top3"] = float(ranked[min(2, len(ranked) - 1)]) - anchor
    v90 = percentile(runs.vdot[idx], RACE_PERCENTILE)
    t90 = race_time_from_vdot(v90, D)
    out["q90"] = math.log(t90) - anchor if np.isfinite(t90) else 0.0
    recent = big & (age <= RECENT_DAYS)
    out["recent"] = float(eq[recent].min()) - anchor if recent.any() else RECENT_CAP
    out["vdot_value"] = float(runs.vdot[j])
    t_vdot = race_time_from_vdot(out["vdot_value"], D)
    out["vdot_seconds"] = t_vdot
    races = np.flatnonzero(race_mask[:upto] & (age <= RACE_DAYS))
    out["n_race"] = float(len(races))
    out["race_best"] = float(eq[races].min()) - anchor if len(races) else math.nan
    same = races[runs.band[races] == band_of(D)[0]] if band_of(D)[0] >= 0 else races[:0]
    out["n_same"] = float(len(same))
    out["race_same"] = float(eq[same].mean()) - anchor if len(same) else math.nan
    return out


def _now_day(as_of: Any) -> float | None:
    if as_of is None:
        return None
    ts = pd.Timestamp(as_of)
    ts = ts.tz_convert("UTC") if ts.tzinfo is not None else ts.tz_localize("UTC")
    return (ts - _EPOCH) / pd.Timedelta(days=1)


def marked_races(frame: pd.DataFrame) -> np.ndarray:
    """Rows marked as a race: a true ``is_race`` column, or Strava's ``workout_type`` 1.

    Neither column is in the canonical frames yet (activity editing and Strava's workout type
    will add them); absent columns mark nothing.
    """
    flag = column(frame, "is_race", False).astype("boolean").fillna(False).to_numpy(dtype=bool)
    workout = numeric(frame, "workout_type")
    return flag | (workout == STRAVA_RACE_WORKOUT_TYPE)


def prepare_runs(history: pd.DataFrame, as_of: Any = None) -> tuple[Runs, float]:
    """Usable runs strictly before ``as_of`` and "now" in days since 1970 (UTC).

    Runs are rows whose ``sport`` is a run (every row when the column is absent), not flagged
    ``duplicate_of:`` or ``speed_implausible``, with a speed between 0.5 m/s and the world
    record for the distance. Manual entries are kept: a typed-in race result is evidence.
    Time is ``elapsed_time_s`` (races are timed by the clock), else ``moving_time_s``.
    Without ``as_of``, "now" is the start of the last run.
    """
    keep = np.array(before_as_of(history, as_of), dtype=bool)  # a copy: it may return a view
    if "sport" in history.columns:
        sport = history["sport"].astype("string")
        keep = keep & (sport.isin(RUN_SPORTS) | sport.isna()).to_numpy(dtype=bool)
    flags = column(history, "quality_flags", "")
    keep = keep & ~flag_mask(flags, "duplicate_of:") & ~flag_mask(flags, "speed_implausible")
    h = history[keep]
    start = pd.to_datetime(column(h, "start_time", pd.NaT), utc=True, errors="coerce")
    day = ((start - _EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)
    dist = numeric(h, "distance_m")
    time = numeric(h, "elapsed_time_s")
    time = np.where(np.isfinite(time) & (time > 0), time, numeric(h, "moving_time_s"))
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = dist / time
        ok = (speed >= MIN_SPEED_M_S) & (speed <= world_record_speed(np.nan_to_num(dist)))
    runs = make_runs(day[ok], dist[ok], time[ok], marked_races(h)[ok])
    now = _now_day(as_of)
    if now is None:
        now = float(runs.day[-1]) if len(runs) else 0.0
    return runs, now


def effort_table(runs: Runs) -> pd.DataFrame:
    """Raw features of every candidate effort (:func:`candidates`), each from the runs strictly
    before it, with ``target`` (race-like over its whole ±180-day window) and ``evidence``: the days of the earlier efforts race-like as of its day (the personal
    evidence a prediction then would have had), ``;``-joined.
    """
    final = race_like(runs)
    rows = []
    for j in candidates(runs):
        upto = int(np.searchsorted(runs.day, runs.day[j], "left"))
        mask = race_like(runs, runs.day[j], final)
        f = effort_features(runs, upto, float(runs.distance_m[j]), float(runs.day[j]), mask)
        ev = np.flatnonzero(mask & (runs.day >= runs.day[j] - PERSONAL_DAYS))
        f.update(
            day=float(runs.day[j]),
            distance_m=float(runs.distance_m[j]),
            band=int(runs.band[j]),
            y=math.log(runs.time_s[j]),
            target=bool(final[j]),
            evidence=";".join(repr(float(x)) for x in runs.day[ev]),
        )
        rows.append(f)
    return pd.DataFrame(rows)


def _columns(names: str, dtype: str) -> dict[str, pd.Series]:
    return {c: pd.Series(dtype=dtype) for c in names.split()}


#: columns of the per-runner effort table the population is fitted on (a fixed schema, so
#: that a Dask cluster can build it in pieces)
EFFORT_META = pd.DataFrame(
    {
        **_columns("athlete_id", "object"),
        **_columns("D n_runs_365 n_runs_180 km_week_28 speed_28 km_week longest_m", "float64"),
        **_columns("tier", "object"),
        **_columns(
            "anchor best_d best_s best_age n180 top2 top3 q90 recent vdot_value vdot_seconds "
            "n_race race_best n_same race_same day distance_m",
            "float64",
        ),
        **_columns("band", "int64"),
        **_columns("y", "float64"),
        **_columns("target", "bool"),
        **_columns("evidence", "object"),
    }
)


def athlete_efforts(acts: pd.DataFrame) -> pd.DataFrame:
    """One runner's effort table (:func:`effort_table`) in the :data:`EFFORT_META` schema."""
    table = effort_table(prepare_runs(acts)[0])
    athlete = str(acts["athlete_id"].iloc[0]) if len(acts) else ""
    return table.reindex(columns=EFFORT_META.columns).assign(athlete_id=athlete)
