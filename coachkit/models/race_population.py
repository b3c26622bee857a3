"""Race prediction, the population fit: the regression, the personal weight and the intervals.

:mod:`coachkit.models.race` is the public face (``predict_race``, ``fit_population``); this
module fits the population's parameters on a table of efforts
(:mod:`coachkit.models.race_efforts` defines them and their features) and holds the design
columns that fitting and predicting share.

- **Population layer**: a robust (Huber) regression of log(time) − log(anchor) on the frontier,
  recency, volume and race-like-history features over the race-like efforts of many runners
  (columns clipped to their 1–99 % range, so nothing is extrapolated linearly). The distance
  enters as piecewise-linear terms in log distance with knots at 5 km, 10 km, half and
  marathon, so any distance in between is interpolated.
- **Personal layer**: the mean residual of the runner's own race-like efforts of the last 2
  years (each predicted by the population layer from the runs before it), weighted
  n/(n+k): it takes over as such efforts accumulate. k is chosen out of fold (GroupKFold by
  athlete), so a runner's own efforts count only as far as they predicted held-out runners'.
- **Interval**: split-conformal (Lei et al. 2018, JASA 113:1094) on those out-of-fold
  residuals, Mondrian-style (Vovk et al. 2005, *Algorithmic Learning in a Random World*,
  ch. 4): one calibration per race distance × history length (0, 1–2, ≥ 3 race-like efforts
  of one's own); a cell with under 30 residuals takes its history length's over all
  distances. Distances between the race distances interpolate in log distance. Residuals
  are first divided by a *personal scale* (normalised conformal, Lei et al. 2018 §5.2): the
  spread of the runner's own race-like efforts' residuals, shrunk towards the population's
  within-runner spread with k0 pseudo-observations (k0 by the interval score of Gneiting &
  Raftery 2007), so a consistent racer gets a narrower interval and an erratic one a wider.
- **Fallback tiers**: with no run ≥ 3 km in 180 days, a regression on 4-week volume and mean
  speed ("training"); with nothing, the population's log-time-on-log-distance line ("population").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.linear_model import HuberRegressor, LinearRegression
from sklearn.model_selection import GroupKFold

from coachkit.models.race_efforts import (
    BAND_TOLERANCE,
    MIN_PRIOR_RUNS,
    PERSONAL_DAYS,
    RACE_DISTANCES_M,
    RACE_PERCENTILE,
    RECENT_CAP,
    VOLUME_DAYS,
    WINDOW_DAYS,
)

FEATURES = (
    "d_5k",
    "d_half",
    "d_marathon",
    "ldr",
    "ldr_pos",
    "top2",
    "top3",
    "q90",
    "recent",
    "age",
    "log_km_week",
    "log_long",
    "log_n180",
    "race_best",
    "has_race",
    "race_same",
    "has_same",
)
_KNOTS = np.log(np.array(list(RACE_DISTANCES_M.values())))
HISTORY_BINS = ((0, 0), (1, 2), (3, math.inf))  # own race-like efforts behind a prediction
MIN_CELL = 30  # residuals a conformal cell needs to stand on its own
K_GRID = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, math.inf)
K0_GRID = (2.0, 5.0, 10.0, 20.0, math.inf)  # pseudo-observations behind a personal scale
HUBER_EPSILON, HUBER_ALPHA = 1.35, 1e-3


def distance_weights(distance_m: np.ndarray) -> np.ndarray:
    """Piecewise-linear (hat) weights of each distance on the four race distances, in log
    distance; each row sums to 1, and outside 5 km–marathon the nearest one takes it all."""
    x = np.log(np.asarray(distance_m, dtype=float))
    eye = np.eye(len(_KNOTS))
    return np.column_stack([np.interp(x, _KNOTS, eye[k]) for k in range(len(_KNOTS))])


def design(feats: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The regression's columns (``FEATURES``) from raw features.

    Columns are clipped to the range seen in the fit (``params["efforts"]["bounds"]``, the 1st
    and 99th percentiles), so a thin or odd history is never extrapolated linearly.
    """
    D = feats["D"].to_numpy(float)
    hat = distance_weights(D)
    ldr = np.log(D / feats["best_d"].to_numpy(float))
    longest = np.maximum(feats["longest_m"].to_numpy(float), 1000.0)
    race_best, race_same = (feats[c].to_numpy(float) for c in ("race_best", "race_same"))
    cols = {
        "d_5k": hat[:, 0],
        "d_half": hat[:, 2],
        "d_marathon": hat[:, 3],
        "ldr": ldr,
        "ldr_pos": np.maximum(ldr, 0.0),
        "top2": feats["top2"].to_numpy(float),
        "top3": feats["top3"].to_numpy(float),
        "q90": feats["q90"].to_numpy(float),
        "recent": np.clip(feats["recent"].to_numpy(float), 0.0, RECENT_CAP),
        "age": feats["best_age"].to_numpy(float) / WINDOW_DAYS,
        "log_km_week": np.log1p(feats["km_week"].to_numpy(float)),
        "log_long": np.clip(np.log(longest / D), -3.0, 0.5),
        "log_n180": np.log(feats["n180"].to_numpy(float)),
        "race_best": np.nan_to_num(race_best),
        "has_race": np.isfinite(race_best) * 1.0,
        "race_same": np.nan_to_num(race_same),
        "has_same": np.isfinite(race_same) * 1.0,
    }
    bounds = params.get("efforts", {}).get("bounds")
    if bounds:
        cols = {c: np.clip(v, *bounds[c]) for c, v in cols.items()}
    return pd.DataFrame(cols, index=feats.index)[list(FEATURES)]


def linear(x: pd.DataFrame, coef: dict[str, float], intercept: float) -> np.ndarray:
    """``intercept + Σ coef[c]·x[c]`` as an array."""
    return intercept + x[list(coef)].to_numpy(float) @ np.array(list(coef.values()), dtype=float)


def history_bin(n_personal: float) -> int:
    """Index into :data:`HISTORY_BINS` of a count of one's own race-like efforts."""
    return next(i for i, (lo, hi) in enumerate(HISTORY_BINS) if lo <= n_personal <= hi)


def interval_quantiles(params: dict, distance_m: float, n_personal: float) -> tuple[float, float]:
    """The interval's log-scale quantiles for a distance and a history length: the cells of
    the nearest race distances, interpolated in log distance."""
    cells = params["efforts"]["interval"]["cells"]
    hb = history_bin(n_personal)
    w = distance_weights(np.array([distance_m]))[0]
    lo = sum(wk * cells[name][hb][0] for wk, name in zip(w, RACE_DISTANCES_M))
    hi = sum(wk * cells[name][hb][1] for wk, name in zip(w, RACE_DISTANCES_M))
    return float(lo), float(hi)


def _huber(x: pd.DataFrame, y: np.ndarray) -> tuple[dict[str, float], float]:
    m = HuberRegressor(epsilon=HUBER_EPSILON, alpha=HUBER_ALPHA, max_iter=5000)
    m.fit(x.to_numpy(float), y)
    coef = dict(zip(x.columns, (round(float(c), 6) for c in m.coef_)))
    return coef, round(float(m.intercept_), 6)


def personal_terms(
    table: pd.DataFrame, resid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row, the mean residual, the count and the sum of squared deviations from
    that mean of its ``evidence`` rows (the same runner's efforts race-like as of its day, in
    the last 2 years)."""
    where = {(a, d): i for i, (a, d) in enumerate(zip(table["athlete_id"], table["day"]))}
    mean, count, ssd = np.zeros(len(table)), np.zeros(len(table)), np.zeros(len(table))
    for i, (a, ev) in enumerate(zip(table["athlete_id"], table["evidence"])):
        rows = [where[(a, float(d))] for d in str(ev or "").split(";") if d]
        if rows:
            r = resid[rows]
            mean[i], count[i], ssd[i] = (
                float(r.mean()),
                len(rows),
                float(((r - r.mean()) ** 2).sum()),
            )
    return mean, count, ssd


def personal_scale(ssd: np.ndarray, count: np.ndarray, k0: float, var_within: float) -> np.ndarray:
    """How spread your own efforts are, relative to the population's runners: the square root
    of your residual variance shrunk towards the population's within-runner variance with k0
    pseudo-observations, (ssd + k0·σ²) / (n − 1 + k0), over σ² (1 with no evidence)."""
    if not np.isfinite(k0):
        return np.ones(len(np.atleast_1d(count)))
    dof = np.maximum(np.asarray(count, float) - 1.0, 0.0)
    return np.sqrt((np.asarray(ssd, float) + k0 * var_within) / (dof + k0) / var_within)


def _quantiles(u: np.ndarray, level: float) -> tuple[float, float]:
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    return float(np.quantile(u, lo)), float(np.quantile(u, hi))


def conformal_quantiles(u: np.ndarray, level: float) -> tuple[float, float]:
    """Split-conformal bounds from calibration residuals ``u``: the residuals at ranks
    (n+1)·α/2 and (n+1)·(1−α/2), interpolated (α = 1 − level). A new exchangeable residual
    falls below the k-th smallest of n with probability k/(n+1), so these bounds cover it with
    probability *level* on average (Lei et al. 2018, JASA 113:1094, rounded ranks give ≥)."""
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    return float(np.quantile(u, lo, method="weibull")), float(np.quantile(u, hi, method="weibull"))


def conformal_cells(
    resid: np.ndarray, band: np.ndarray, n_personal: np.ndarray, level: float
) -> dict:
    """Interval bounds per race distance × history bin (Mondrian conformal prediction, Vovk
    et al. 2005, ch. 4: each cell calibrated on its own residuals). A cell with fewer than
    ``MIN_CELL`` residuals takes its history bin's over all distances, or everyone's."""
    hb = np.array([history_bin(n) for n in n_personal], dtype=int)

    def bounds(sel: np.ndarray) -> list[float] | None:
        if sel.sum() < MIN_CELL:
            return None
        return [round(v, 6) for v in conformal_quantiles(resid[sel], level)]

    everyone = bounds(np.ones(len(resid), dtype=bool)) or [
        round(v, 6) for v in _quantiles(resid, level)
    ]
    by_history = [bounds(hb == h) or everyone for h in range(len(HISTORY_BINS))]
    cells = {
        name: [bounds((band == b) & (hb == h)) or by_history[h] for h in range(len(HISTORY_BINS))]
        for b, name in enumerate(RACE_DISTANCES_M)
    }
    counts = {
        name: [int(((band == b) & (hb == h)).sum()) for h in range(len(HISTORY_BINS))]
        for b, name in enumerate(RACE_DISTANCES_M)
    }
    return {"cells": cells, "counts": counts, "by_history": by_history, "all": everyone}


def fit_params(table: pd.DataFrame, *, n_splits: int = 5, level: float = 0.8) -> dict:
    """Fit every population parameter on a table of efforts (one row each).

    ``table`` has ``athlete_id, day, distance_m, band, y`` (log seconds), ``target``,
    ``evidence`` and the raw features of
    :func:`~coachkit.models.race_efforts.effort_features`, computed from each runner's runs
    before that effort.
    """
    table = table[table["tier"] == "efforts"].reset_index(drop=True)
    target = table["target"].to_numpy(bool)
    params: dict = {"level": level}
    params["targets"] = {
        "distances_m": dict(RACE_DISTANCES_M),
        "tolerance": BAND_TOLERANCE,
        "vdot_percentile": RACE_PERCENTILE,
        "window_days": WINDOW_DAYS,
        "min_prior_runs": MIN_PRIOR_RUNS,
        "personal_days": PERSONAL_DAYS,
        "volume_days": VOLUME_DAYS,
    }
    x = design(table, params)
    params["efforts"] = {
        "bounds": {
            c: [
                round(float(x[c][target].quantile(0.01)), 6),
                round(float(x[c][target].quantile(0.99)), 6),
            ]
            for c in x
        }
    }
    x = design(table, params)
    yr = table["y"].to_numpy(float) - table["anchor"].to_numpy(float)
    coef, icpt = _huber(x[target], yr[target])
    params["efforts"].update(coef=coef, intercept=icpt)
    # out-of-fold population predictions (GroupKFold by athlete) of every effort, for k and
    # the interval: the personal evidence of a held-out target is held out with it
    groups = table["athlete_id"].to_numpy()
    oof = np.zeros(len(table))
    folds = GroupKFold(n_splits=min(n_splits, len(np.unique(groups))))
    for tr, va in folds.split(x, yr, groups):
        fit_rows = tr[target[tr]]
        c, i0 = _huber(x.iloc[fit_rows], yr[fit_rows])
        oof[va] = linear(x.iloc[va], c, i0)
    r_pop = yr - oof
    mean, count, ssd = personal_terms(table, r_pop)
    t_idx = np.flatnonzero(target)

    def mape(k: float) -> float:
        w = count[t_idx] / (count[t_idx] + k) if np.isfinite(k) else 0.0
        return float(np.abs(np.exp(-(r_pop[t_idx] - w * mean[t_idx])) - 1).mean())

    err = {k: mape(k) for k in K_GRID}
    k_best = min(err, key=err.get)
    params["personal_k"] = k_best if np.isfinite(k_best) else None
    w = count / (count + k_best) if np.isfinite(k_best) else np.zeros(len(table))
    r = (r_pop - w * mean)[t_idx]
    band = table["band"].to_numpy(int)[t_idx]
    athletes = table["athlete_id"].to_numpy()[t_idx]
    params["efforts"]["interval"] = _fit_interval(
        r, band, count[t_idx], ssd[t_idx], _within_variance(r_pop[t_idx], athletes), level
    )
    params["efforts"]["oof_mape"] = round(err[k_best], 5)
    params["efforts"]["oof_mape_population_only"] = round(err[math.inf], 5)
    params["efforts"]["oof_mape_by_k"] = {str(k): round(v, 5) for k, v in err.items()}
    params["efforts"]["n_rows"] = int(target.sum())
    params["efforts"]["n_evidence_rows"] = int(len(table))
    tt = table[target].reset_index(drop=True)
    params["prior"] = _fit_prior(tt, level)
    params["training"] = _fit_training(tt, level, n_splits)
    return params


def _within_variance(resid: np.ndarray, athletes: np.ndarray) -> float:
    """Pooled within-runner variance of residuals (runners with ≥ 2 of them)."""
    frame = pd.DataFrame({"a": athletes, "r": resid})
    dev = frame["r"] - frame.groupby("a")["r"].transform("mean")
    dof = len(frame) - frame["a"].nunique()
    return float((dev**2).sum() / dof) if dof > 0 else float(np.var(resid))


def _interval_score(r: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: float) -> float:
    """Mean interval score (Gneiting & Raftery 2007, JASA 102:359, eq. 43): width plus 2/α
    times the miss; lower is better, and it is proper for the (α/2, 1 − α/2) quantiles."""
    alpha = 1 - level
    miss = np.maximum(lo - r, 0) + np.maximum(r - hi, 0)
    return float(np.mean(hi - lo + 2 / alpha * miss))


def _fit_interval(
    r: np.ndarray,
    band: np.ndarray,
    count: np.ndarray,
    ssd: np.ndarray,
    var_within: float,
    level: float,
) -> dict:
    """Normalised conformal intervals (Lei et al. 2018, §5.2): residuals divided by the
    personal scale, then :func:`conformal_cells`; k0 of the scale by the interval score."""
    best: dict = {}
    for k0 in K0_GRID:
        scale = personal_scale(ssd, count, k0, var_within)
        cells = conformal_cells(r / scale, band, count, level)
        hb = [history_bin(n) for n in count]
        names = list(RACE_DISTANCES_M)
        q = np.array([cells["cells"][names[b]][h] for b, h in zip(band, hb)])
        score = _interval_score(r, q[:, 0] * scale, q[:, 1] * scale, level)
        if not best or score < best["score"]:
            best = {**cells, "k0": k0 if np.isfinite(k0) else None, "score": round(score, 6)}
    best["var_within"] = round(var_within, 8)
    return best


def _fit_prior(table: pd.DataFrame, level: float) -> dict:
    """No data at all: log time on log distance across the population's race-like efforts."""
    x = np.log(table["distance_m"].to_numpy(float) / 10_000.0)[:, None]
    y = table["y"].to_numpy(float)
    m = LinearRegression().fit(x, y)
    q_lo, q_hi = _quantiles(y - m.predict(x), level)
    return {
        "intercept": round(float(m.intercept_), 6),
        "slope": round(float(m.coef_[0]), 6),
        "q_lo": round(q_lo, 6),
        "q_hi": round(q_hi, 6),
        "n_rows": int(len(y)),
    }


def training_design(feats: pd.DataFrame) -> pd.DataFrame:
    """Columns of the training-only model: distance, 4-week volume and mean speed."""
    return pd.DataFrame(
        {
            "log_d": np.log(feats["D"].astype(float) / 10_000.0),
            "log_km_week": np.log1p(feats["km_week_28"].astype(float)),
            "log_speed": np.log(feats["speed_28"].astype(float)),
        }
    )


def _fit_training(table: pd.DataFrame, level: float, n_splits: int) -> dict:
    """Only 4-week volume and mean speed: log(time) on log distance, volume and speed.

    The weight of the training speed is fitted, not fixed at −1 (time ∝ 1/speed): mean speed
    from elapsed times carries stops and easy days, so it is a weaker signal than a race pace.
    """
    ok = np.isfinite(table["speed_28"].to_numpy(float))
    t = table[ok].reset_index(drop=True)
    x = training_design(t)
    yr = t["y"].to_numpy(float)
    g = t["athlete_id"].to_numpy()
    coef, icpt = _huber(x, yr)
    oof = np.zeros(len(t))
    for tr, va in GroupKFold(n_splits=min(n_splits, len(np.unique(g)))).split(x, yr, g):
        c, i0 = _huber(x.iloc[tr], yr[tr])
        oof[va] = linear(x.iloc[va], c, i0)
    q_lo, q_hi = _quantiles(yr - oof, level)
    return {
        "coef": coef,
        "intercept": icpt,
        "q_lo": round(q_lo, 6),
        "q_hi": round(q_hi, 6),
        "n_rows": int(len(t)),
    }
