"""One runner's runs for race prediction: hard efforts, the features of a prediction, and the
table of hard efforts the population is fitted on.

:mod:`coachkit.models.race` predicts from these and :mod:`coachkit.models.race_population` fits
on them, so that fitting and predicting share one code path.

- **Runs** (:func:`prepare_runs`): the usable runs of an activities frame strictly before
  ``as_of``, as days since 1970 (UTC), metres and seconds.
- **Hard effort** (the thing predicted, and the personal evidence): a run whose distance lies in
  the band of a race distance (5 km, 10 km, half marathon: ±3 %; marathon: 41.5–43.5 km, GPS
  reads long) and whose average speed is at least ``HARD_SPEED_RATIO`` (1.08) × the median speed
  of the runner's runs of 0.5–1.5 × that distance in the 365 days before it (≥ 3 such runs). The
  rule looks only backwards, so whether a run counts never depends on later data.
- **Features** of a prediction at distance ``D`` on day ``now``, from the runs before it: the
  Riegel-equivalent (T·(D/d)^1.06, Riegel 1981, Am Sci 69:285) of the best run ≥ 3 km of the
  last 180 days (the *anchor*), of the 3 best, of the median run of the last 8 weeks, the median
  of earlier hard efforts (any distance, and at this distance), the VDOT-equivalent time of the
  anchor (Daniels & Gilbert 1979), the personal Riegel exponent, weekly volume, longest run.
- **Effort table** (:func:`effort_table`, :func:`athlete_efforts`): those features at every
  hard effort, each from the runs before it only.
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

#: race distances whose hard efforts are targets (metres) and their bands (low, high)
RACE_BANDS_M: dict[str, tuple[float, float, float]] = {
    "5 km": (STANDARD_DISTANCES_M["5 km"], 0.97, 1.03),
    "10 km": (STANDARD_DISTANCES_M["10 km"], 0.97, 1.03),
    "half marathon": (STANDARD_DISTANCES_M["half marathon"], 0.97, 1.03),
    "marathon": (STANDARD_DISTANCES_M["marathon"], 41_500 / 42_195, 43_500 / 42_195),
}
_BAND_D = np.array([v[0] for v in RACE_BANDS_M.values()])
_BAND_LO = np.array([v[0] * v[1] for v in RACE_BANDS_M.values()])
_BAND_HI = np.array([v[0] * v[2] for v in RACE_BANDS_M.values()])

HARD_SPEED_RATIO = 1.08  # "faster than typical training at that distance by a margin"
HARD_COMPARE_DAYS, HARD_COMPARE_RANGE, HARD_MIN_COMPARE = 365.0, (0.5, 1.5), 3
MIN_PRIOR_RUNS = 20  # a hard effort is a target / personal evidence only with this much history
ANCHOR_DAYS = 180.0  # the Riegel baseline's window: best effort of the last 180 days
RECENT_DAYS = 56.0  # 8 weeks of volume
HARD_DAYS = 365.0  # earlier hard efforts used as anchors
PERSONAL_DAYS = 730.0  # earlier hard efforts used for the personal residual and exponent
TRAINING_DAYS = 28.0  # 4 weeks, as Prague's km4week/sp4week
MIN_EFFORT_M = EFFORT_MIN_DISTANCE_M  # Riegel from shorter runs overestimates (3 km)
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
MIN_SPEED_M_S = 0.5  # slower is not running; faster than the world record is an error


@dataclass(frozen=True)
class Runs:
    """One athlete's usable runs, sorted by start: days since 1970 (UTC), metres, seconds."""

    day: np.ndarray
    distance_m: np.ndarray
    time_s: np.ndarray
    band: np.ndarray  # index into RACE_BANDS_M when a hard effort, else -1

    def __len__(self) -> int:
        return len(self.day)


def _median(a: np.ndarray) -> float:
    """Median of a small non-empty array (``np.median`` costs ~10x more at these sizes)."""
    s = np.sort(a)
    n = len(s)
    return float(s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2]))


def band_of(distance_m: float | np.ndarray) -> np.ndarray:
    """Index of the race band holding each distance (-1: none)."""
    d = np.atleast_1d(np.asarray(distance_m, dtype=float))
    inside = (d[:, None] >= _BAND_LO) & (d[:, None] <= _BAND_HI)
    return np.where(inside.any(axis=1), inside.argmax(axis=1), -1)


def make_runs(
    day: np.ndarray,
    distance_m: np.ndarray,
    time_s: np.ndarray,
    *,
    hard_speed_ratio: float = HARD_SPEED_RATIO,
) -> Runs:
    """Sort, drop non-finite rows and same-instant duplicates, and flag hard efforts (causal)."""
    ok = np.isfinite(day) & np.isfinite(distance_m) & np.isfinite(time_s)
    ok &= (distance_m > 0) & (time_s > 0)
    order = np.lexsort((distance_m[ok], day[ok]))
    t, d, s = day[ok][order], distance_m[ok][order], time_s[ok][order]
    keep = np.ones(len(t), dtype=bool)
    keep[1:] = t[1:] != t[:-1]  # the same start twice is one run recorded twice
    t, d, s = t[keep], d[keep], s[keep]
    v = d / s
    band = band_of(d)
    hard = np.full(len(t), -1)
    lo_r, hi_r = HARD_COMPARE_RANGE
    for i in np.flatnonzero(band >= 0):
        D = _BAND_D[band[i]]
        start = np.searchsorted(t, t[i] - HARD_COMPARE_DAYS, "left")
        end = np.searchsorted(t, t[i], "left")  # strictly before
        cmp_d = d[start:end]
        comp = v[start:end][(cmp_d >= lo_r * D) & (cmp_d <= hi_r * D)]
        if len(comp) >= HARD_MIN_COMPARE and v[i] >= hard_speed_ratio * _median(comp):
            hard[i] = band[i]
    return Runs(t, d, s, hard)


def personal_exponent(d: np.ndarray, s: np.ndarray, band: np.ndarray) -> tuple[float, float]:
    """Slope of log time on log distance over hard efforts at ≥ 2 bands, and its std. error."""
    if len(np.unique(band)) < 2:
        return math.nan, math.nan
    x, y = np.log(d), np.log(s)
    xm = x.mean()
    sxx = float(((x - xm) ** 2).sum())
    b = float(((x - xm) * (y - y.mean())).sum() / sxx)
    resid = y - y.mean() - b * (x - xm)
    # with two efforts the line is exact: take a typical 5 % spread of hard efforts instead
    s2 = float((resid**2).sum() / (len(x) - 2)) if len(x) > 3 else 0.05**2
    return b, math.sqrt(max(s2, 0.02**2) / sxx)


def effort_features(runs: Runs, upto: int, distance_m: float, now_day: float) -> dict[str, float]:
    """Raw features for predicting ``distance_m`` on ``now_day`` from ``runs[:upto]``.

    Keys ``tier`` ("efforts" when a run ≥ 3 km lies in the last 180 days, "training" when only
    other runs of the last 28 days exist, "population" otherwise) and the numbers each tier uses.
    """
    t, d, s, hb = (a[:upto] for a in (runs.day, runs.distance_m, runs.time_s, runs.band))
    age = now_day - t
    D = float(distance_m)
    out: dict[str, float] = {"D": D, "n_runs_365": float((age <= 365).sum())}
    w28 = age <= TRAINING_DAYS
    out["km_week_28"] = float(d[w28].sum() / 1000 / (TRAINING_DAYS / 7))
    out["speed_28"] = float(d[w28].sum() / s[w28].sum()) if w28.any() else math.nan
    w56 = age <= RECENT_DAYS
    out["km_week"] = float(d[w56].sum() / 1000 / (RECENT_DAYS / 7))
    out["longest_m"] = float(d[w56].max()) if w56.any() else 0.0
    big = (age <= ANCHOR_DAYS) & (d >= MIN_EFFORT_M)
    if not big.any():
        out["tier"] = "training" if w28.any() else "population"
        return out
    out["tier"] = "efforts"
    eq = np.log(s[big]) + RIEGEL_EXPONENT * np.log(D / d[big])
    j = int(np.argmin(eq))
    anchor = float(eq[j])
    out.update(anchor=anchor, best_d=float(d[big][j]), best_s=float(s[big][j]))
    out["best_age"] = float(age[big][j])
    out["n180"] = float(big.sum())
    out["top3"] = float(np.sort(eq)[:3].mean()) - anchor
    rec = w56 & (d >= MIN_EFFORT_M)
    pool = rec if rec.sum() >= 3 else big
    out["train"] = float(_median(np.log(s[pool]) + RIEGEL_EXPONENT * np.log(D / d[pool]))) - anchor
    hard = (hb >= 0) & (age <= HARD_DAYS)
    eq_h = np.log(s[hard]) + RIEGEL_EXPONENT * np.log(D / d[hard])
    out["n_hard"] = float(hard.sum())
    out["hard"] = float(_median(eq_h)) - anchor if hard.any() else math.nan
    same = band_of(D)[0]
    same_mask = hb[hard] == same if same >= 0 else np.zeros(len(eq_h), dtype=bool)
    out["n_same"] = float(same_mask.sum())
    out["same"] = float(_median(eq_h[same_mask])) - anchor if same_mask.any() else math.nan
    v_dot = vdot(out["best_d"], out["best_s"])
    t_vdot = race_time_from_vdot(v_dot, D) if np.isfinite(v_dot) else math.nan
    out["vdot_value"] = v_dot
    out["vdot"] = math.log(t_vdot) - anchor if np.isfinite(t_vdot) else 0.0
    pers = (hb >= 0) & (age <= PERSONAL_DAYS)
    out["pexp_raw"], out["pexp_se"] = personal_exponent(d[pers], s[pers], hb[pers])
    out["n_bands"] = float(len(np.unique(hb[pers])))
    return out


def _now_day(as_of: Any) -> float | None:
    if as_of is None:
        return None
    ts = pd.Timestamp(as_of)
    ts = ts.tz_convert("UTC") if ts.tzinfo is not None else ts.tz_localize("UTC")
    return (ts - _EPOCH) / pd.Timedelta(days=1)


def prepare_runs(
    history: pd.DataFrame, as_of: Any = None, *, hard_speed_ratio: float = HARD_SPEED_RATIO
) -> tuple[Runs, float]:
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
    runs = make_runs(day[ok], dist[ok], time[ok], hard_speed_ratio=hard_speed_ratio)
    now = _now_day(as_of)
    if now is None:
        now = float(runs.day[-1]) if len(runs) else 0.0
    return runs, now


def effort_table(runs: Runs, since_day: float = -math.inf) -> pd.DataFrame:
    """Raw features of every hard effort (from ``since_day`` on) with ≥ ``MIN_PRIOR_RUNS`` runs
    before it.

    Each row is computed from the runs strictly before that effort only, so a table built
    from a whole history equals, row by row, what a replay would have seen.
    """
    rows = []
    for j in np.flatnonzero((runs.band >= 0) & (runs.day >= since_day)):
        upto = int(np.searchsorted(runs.day, runs.day[j], "left"))
        if upto < MIN_PRIOR_RUNS:
            continue
        f = effort_features(runs, upto, float(runs.distance_m[j]), float(runs.day[j]))
        f.update(
            day=float(runs.day[j]),
            distance_m=float(runs.distance_m[j]),
            band=int(runs.band[j]),
            y=math.log(runs.time_s[j]),
        )
        rows.append(f)
    return pd.DataFrame(rows)


def _columns(names: str, dtype: str) -> dict[str, pd.Series]:
    return {c: pd.Series(dtype=dtype) for c in names.split()}


#: columns of the per-runner hard-effort table the population is fitted on (a fixed schema, so
#: that a Dask cluster can build it in pieces)
EFFORT_META = pd.DataFrame(
    {
        **_columns("athlete_id", "object"),
        **_columns("D n_runs_365 km_week_28 speed_28 km_week longest_m", "float64"),
        **_columns("tier", "object"),
        **_columns(
            "anchor best_d best_s best_age n180 top3 train n_hard hard n_same same vdot_value "
            "vdot pexp_raw pexp_se n_bands day distance_m",
            "float64",
        ),
        **_columns("band", "int64"),
        **_columns("y", "float64"),
    }
)


def athlete_efforts(
    acts: pd.DataFrame, *, hard_speed_ratio: float = HARD_SPEED_RATIO
) -> pd.DataFrame:
    """One runner's hard-effort table (:func:`effort_table`) in the :data:`EFFORT_META` schema."""
    table = effort_table(prepare_runs(acts, hard_speed_ratio=hard_speed_ratio)[0])
    athlete = str(acts["athlete_id"].iloc[0]) if len(acts) else ""
    return table.reindex(columns=EFFORT_META.columns).assign(athlete_id=athlete)
