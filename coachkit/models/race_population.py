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
  athlete) for each race distance on its own targets, so a runner's own efforts count only as
  far as they predicted held-out runners' efforts at that distance (none where they did not:
  on the 81 runners, the half marathon); distances in between interpolate the weight.
- **5 km**: the frontier's shape (2nd and 3rd best, 90th-percentile effort) and its recency
  also enter multiplied by the 5 km hat weight, so their weights can differ at the shortest
  race distance, where the frontier is mostly longer runs carried down by Riegel.
- **Interval**: normalised Mondrian split-conformal on those out-of-fold residuals, per race
  distance × history length, scaled by the spread of the runner's own efforts at that
  distance (:mod:`coachkit.models.race_intervals`).
- **Fallback tiers**: with no run ≥ 3 km in 180 days, a regression on 4-week volume and mean
  speed ("training"); with nothing, the population's log-time-on-log-distance line ("population").
"""

from __future__ import annotations

import math
from typing import Any

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
    distance_weights,
    nearest_race,
)
from coachkit.models.race_intervals import empirical_quantiles, fit_interval, within_variance

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
FIVE_K_TERMS = ("top2", "top3", "q90", "recent")  # also multiplied by the 5 km hat weight
FEATURES += tuple(f"d_5k_{c}" for c in FIVE_K_TERMS)
K_GRID = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, math.inf)
HUBER_EPSILON, HUBER_ALPHA = 1.35, 1e-3


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
    cols |= {f"d_5k_{c}": hat[:, 0] * cols[c] for c in FIVE_K_TERMS}
    bounds = params.get("efforts", {}).get("bounds")
    if bounds:
        cols = {c: np.clip(v, *bounds[c]) for c, v in cols.items()}
    return pd.DataFrame(cols, index=feats.index)[list(FEATURES)]


def linear(x: pd.DataFrame, coef: dict[str, float], intercept: float) -> np.ndarray:
    """``intercept + Σ coef[c]·x[c]`` as an array."""
    return intercept + x[list(coef)].to_numpy(float) @ np.array(list(coef.values()), dtype=float)


def _huber(x: pd.DataFrame, y: np.ndarray) -> tuple[dict[str, float], float]:
    m = HuberRegressor(epsilon=HUBER_EPSILON, alpha=HUBER_ALPHA, max_iter=5000)
    m.fit(x.to_numpy(float), y)
    coef = dict(zip(x.columns, (round(float(c), 6) for c in m.coef_)))
    return coef, round(float(m.intercept_), 6)


def personal_terms(
    table: pd.DataFrame, resid: np.ndarray, *, same_distance: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row, the mean residual, the count and the sum of squared deviations from
    that mean of its ``evidence`` rows (the same runner's efforts race-like as of its day, in
    the last 2 years); with ``same_distance``, of those nearest the same race distance only."""
    where = {(a, d): i for i, (a, d) in enumerate(zip(table["athlete_id"], table["day"]))}
    near = nearest_race(table["distance_m"].to_numpy(float))
    mean, count, ssd = np.zeros(len(table)), np.zeros(len(table)), np.zeros(len(table))
    for i, (a, ev) in enumerate(zip(table["athlete_id"], table["evidence"])):
        rows = [where[(a, float(d))] for d in str(ev or "").split(";") if d]
        if same_distance:
            rows = [j for j in rows if near[j] == near[i]]
        if rows:
            r = resid[rows]
            mean[i], count[i], ssd[i] = (
                float(r.mean()),
                len(rows),
                float(((r - r.mean()) ** 2).sum()),
            )
    return mean, count, ssd


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
    mean, count, _ = personal_terms(table, r_pop)
    t_idx = np.flatnonzero(target)
    near = nearest_race(table["distance_m"].to_numpy(float))[t_idx]
    # k per race distance: how far a runner's own residuals carried over to their held-out
    # targets at that distance (none: the personal layer did not help there)
    err = {
        name: {k: _mape(r_pop[t] - _shrink(count[t], k) * mean[t]) for k in K_GRID}
        for b, name in enumerate(RACE_DISTANCES_M)
        if len(t := t_idx[near == b])
    }
    params["personal_k"] = {
        name: _finite_or_none(min(err[name], key=err[name].get)) if name in err else None
        for name in RACE_DISTANCES_M
    }
    w = personal_weight(params, table["D"].to_numpy(float), count)
    r = (r_pop - w * mean)[t_idx]
    band = table["band"].to_numpy(int)[t_idx]
    athletes = table["athlete_id"].to_numpy()[t_idx]
    _, n_same, ssd_same = personal_terms(table, r_pop, same_distance=True)
    params["efforts"]["interval"] = fit_interval(
        r,
        band,
        count[t_idx],
        (n_same[t_idx], ssd_same[t_idx]),
        within_variance(r_pop[t_idx], athletes),
        level,
    )
    params["efforts"]["oof_mape"] = round(_mape(r), 5)
    params["efforts"]["oof_mape_population_only"] = round(_mape(r_pop[t_idx]), 5)
    params["efforts"]["oof_mape_by_k"] = {
        name: {str(k): round(v, 5) for k, v in e.items()} for name, e in err.items()
    }
    params["efforts"]["n_rows"] = int(target.sum())
    params["efforts"]["n_evidence_rows"] = int(len(table))
    tt = table[target].reset_index(drop=True)
    params["prior"] = _fit_prior(tt, level)
    params["training"] = _fit_training(tt, level, n_splits)
    return params


def _mape(resid: np.ndarray) -> float:
    """Mean absolute percentage error of predictions whose log residuals (log actual − log
    predicted) are ``resid``."""
    return float(np.abs(np.exp(-resid) - 1).mean())


def _shrink(count: np.ndarray, k: float) -> np.ndarray:
    """The personal weight n/(n + k) of ``count`` own efforts (0 for k = inf)."""
    return count / (count + k) if np.isfinite(k) else np.zeros(len(count))


def _finite_or_none(k: float) -> float | None:
    return float(k) if np.isfinite(k) else None


def personal_weight(params: dict, distance_m: Any, count: Any) -> np.ndarray:
    """The personal layer's weight at each distance for ``count`` own race-like efforts:
    n/(n + k) with the k of each race distance (``params["personal_k"]``, none: weight 0),
    interpolated between race distances by the hat weights in log distance."""
    hat = distance_weights(np.atleast_1d(np.asarray(distance_m, float)))
    n = np.atleast_1d(np.asarray(count, float))
    ks = [params["personal_k"][name] for name in RACE_DISTANCES_M]  # JSON sorts the keys
    return sum(hat[:, b] * _shrink(n, math.inf if k is None else k) for b, k in enumerate(ks))


def _fit_prior(table: pd.DataFrame, level: float) -> dict:
    """No data at all: log time on log distance across the population's race-like efforts."""
    x = np.log(table["distance_m"].to_numpy(float) / 10_000.0)[:, None]
    y = table["y"].to_numpy(float)
    m = LinearRegression().fit(x, y)
    q_lo, q_hi = empirical_quantiles(y - m.predict(x), level)
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
    q_lo, q_hi = empirical_quantiles(yr - oof, level)
    return {
        "coef": coef,
        "intercept": icpt,
        "q_lo": round(q_lo, 6),
        "q_hi": round(q_hi, 6),
        "n_rows": int(len(t)),
    }
