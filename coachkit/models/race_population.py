"""Race prediction, the population fit: the regressions, the personal weight and the interval.

:mod:`coachkit.models.race` is the public face (``predict_race``, ``fit_population``); this
module fits the population's parameters on a table of hard efforts
(:mod:`coachkit.models.race_efforts` defines them and their features) and holds the design
columns that fitting and predicting share.

- **Population fit**: a robust (Huber) regression of log(time) − log(anchor) on those features
  over the hard efforts of many runners (columns clipped to their 1–99 % range, so nothing is
  extrapolated linearly); a partial-pooling weight n/(n+k) for the mean residual of the
  runner's own earlier hard efforts (k chosen out-of-fold); the population Riegel exponent
  and its between-runner spread (random-effects, DerSimonian & Laird 1986), which shrinks each
  personal exponent by τ²/(τ² + se²).
- **Interval**: out-of-fold residuals (GroupKFold by athlete) divided by a fitted relative
  scale exp(γ·z) of the distance, the extrapolation |log(D/d_best)|, the age of the best effort
  and the amount of data, then their 10 % and 90 % quantiles. The scale's coefficients are held
  to physical signs: older data and longer extrapolation never narrow the interval, more runs
  and more hard efforts never widen it (on the 81 runners the fitted effects of age and run
  count were nil, of hard efforts and extrapolation as expected).
- **Fallback tiers**: with no run ≥ 3 km in 180 days, a regression on 4-week volume and mean
  speed ("training"); with nothing, the population's log-time-on-log-distance line ("population").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import lsq_linear
from sklearn.linear_model import HuberRegressor, LinearRegression
from sklearn.model_selection import GroupKFold

from coachkit.features.best_efforts import STANDARD_DISTANCES_M
from coachkit.features.thresholds import RIEGEL_EXPONENT
from coachkit.models.race_efforts import (
    ANCHOR_DAYS,
    HARD_COMPARE_DAYS,
    HARD_COMPARE_RANGE,
    HARD_MIN_COMPARE,
    HARD_SPEED_RATIO,
    MIN_PRIOR_RUNS,
    PERSONAL_DAYS,
    RACE_BANDS_M,
    personal_exponent,
)

MARATHON_M = STANDARD_DISTANCES_M["marathon"]

FEATURES = (
    "top3",
    "train",
    "hard",
    "has_hard",
    "same",
    "has_same",
    "vdot",
    "ldr",
    "ldr_pos",
    "age",
    "log_n180",
    "log_km_week",
    "log_long",
    "mar_km",
    "mar_long",
    "pexp",
)
#: interval-width features and the sign each coefficient is held to (+1: may only widen the
#: interval as it grows, -1: only narrow it, 0: free). Older data and longer extrapolation
#: never narrow it; more runs and more hard efforts never widen it.
SCALE_FEATURES = {"age": 1, "log_n_hard": -1, "abs_ldr": 1, "log_n180": -1, "log_d": 0}


def design(feats: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The regression's columns (``FEATURES``) from raw features and the exponent prior.

    Columns are clipped to the range seen in the fit (``params["efforts"]["bounds"]``, the 1st
    and 99th percentiles), so a thin or odd history is never extrapolated linearly.
    """
    col = {c: feats[c].to_numpy(float) for c in ("top3", "train", "vdot", "hard", "same")}
    D, best_d = feats["D"].to_numpy(float), feats["best_d"].to_numpy(float)
    ldr = np.log(D / best_d)
    log_km = np.log1p(feats["km_week"].to_numpy(float))
    log_long = np.clip(np.log(np.maximum(feats["longest_m"].to_numpy(float), 1.0) / D), -3, 0.5)
    # how "marathon" the distance is: 0 at <= 10 km, 1 at the marathon, in log distance
    mar = np.clip(np.log(D / 10_000.0) / math.log(MARATHON_M / 10_000.0), 0.0, 1.5)
    pexp = shrunk_exponent(feats, params).to_numpy(float) - params["exponent"]["mean"]
    cols = {
        "top3": col["top3"],
        "train": col["train"],
        "hard": np.nan_to_num(col["hard"]),
        "has_hard": np.isfinite(col["hard"]) * 1.0,
        "same": np.nan_to_num(col["same"]),
        "has_same": np.isfinite(col["same"]) * 1.0,
        "vdot": col["vdot"],
        "ldr": ldr,
        "ldr_pos": np.maximum(ldr, 0.0),
        "age": feats["best_age"].to_numpy(float) / ANCHOR_DAYS,
        "log_n180": np.log(feats["n180"].to_numpy(float)),
        "log_km_week": log_km,
        "log_long": log_long,
        "mar_km": mar * log_km,
        "mar_long": mar * log_long,
        "pexp": ldr * pexp,
    }
    bounds = params.get("efforts", {}).get("bounds")
    if bounds:
        cols = {c: np.clip(v, *bounds[c]) for c, v in cols.items()}
    return pd.DataFrame(cols, index=feats.index)[list(FEATURES)]


def shrunk_exponent(feats: pd.DataFrame, params: dict) -> pd.Series:
    """Personal Riegel exponent pulled towards the population's: τ²/(τ² + se²) weighting."""
    mean, tau = params["exponent"]["mean"], params["exponent"]["sd"]
    raw, se = feats["pexp_raw"].astype(float), feats["pexp_se"].astype(float)
    w = (tau**2 / (tau**2 + se**2)).fillna(0.0)
    return mean + w * (raw.fillna(mean) - mean)


def scale_design(feats: pd.DataFrame) -> pd.DataFrame:
    """Columns of the interval-width model: data age and amount, extrapolation distance."""
    return pd.DataFrame(
        {
            "age": feats["best_age"] / ANCHOR_DAYS,
            "log_n_hard": np.log1p(feats["n_personal"].astype(float)),
            "abs_ldr": np.abs(np.log(feats["D"] / feats["best_d"])),
            "log_n180": np.log(feats["n180"]),
            "log_d": np.log(feats["D"] / 10_000.0),
        }
    )[list(SCALE_FEATURES)]


def linear(x: pd.DataFrame, coef: dict[str, float], intercept: float) -> np.ndarray:
    """``intercept + Σ coef[c]·x[c]`` as an array."""
    return intercept + x[list(coef)].to_numpy(float) @ np.array(list(coef.values()), dtype=float)


def personal_terms(
    athlete: np.ndarray, day: np.ndarray, resid: np.ndarray, ok: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each row, mean residual and count of the same athlete's earlier rows (730 days)."""
    mean, count = np.zeros(len(day)), np.zeros(len(day))
    for a in np.unique(athlete):
        idx = np.flatnonzero(athlete == a)
        idx = idx[np.argsort(day[idx], kind="stable")]
        for pos, i in enumerate(idx):
            prev = idx[:pos]
            prev = prev[ok[prev] & (day[prev] < day[i]) & (day[prev] >= day[i] - PERSONAL_DAYS)]
            if len(prev):
                mean[i], count[i] = resid[prev].mean(), len(prev)
    return mean, count


def _huber(x: pd.DataFrame, y: np.ndarray) -> tuple[dict[str, float], float]:
    m = HuberRegressor(epsilon=1.35, alpha=1e-4, max_iter=2000).fit(x.to_numpy(float), y)
    return dict(zip(x.columns, (round(float(c), 6) for c in m.coef_))), round(
        float(m.intercept_), 6
    )


def _signed_fit(x: pd.DataFrame, y: np.ndarray) -> dict[str, float]:
    """Least squares of ``y`` on ``x`` (plus an intercept, dropped) with the signs of
    ``SCALE_FEATURES``; log|residual| is the target, so exp(x·coef) is a relative scale."""
    sign = np.array([SCALE_FEATURES[c] for c in x.columns], dtype=float)
    a = np.column_stack([x.to_numpy(float), np.ones(len(x))])
    lower = np.append(np.where(sign > 0, 0.0, -np.inf), -np.inf)
    upper = np.append(np.where(sign < 0, 0.0, np.inf), np.inf)
    sol = lsq_linear(a, y, bounds=(lower, upper)).x
    return dict(zip(x.columns, (round(float(c), 6) for c in sol[:-1])))


def _exponent_prior(table: pd.DataFrame) -> dict[str, float]:
    """Population Riegel exponent: random-effects mean and spread of per-runner exponents."""
    b, se = [], []
    for _, g in table.groupby("athlete_id", sort=True):
        bi, si = personal_exponent(
            g["distance_m"].to_numpy(), np.exp(g["y"].to_numpy()), g["band"].to_numpy()
        )
        if np.isfinite(bi):
            b.append(bi)
            se.append(si)
    b_arr, v = np.array(b), np.array(se) ** 2
    if len(b_arr) < 3:
        return {"mean": RIEGEL_EXPONENT, "sd": 0.05, "n_runners": len(b_arr)}
    w = 1 / v
    fixed = float((w * b_arr).sum() / w.sum())
    q = float((w * (b_arr - fixed) ** 2).sum())  # DerSimonian & Laird 1986 moment estimator
    tau2 = max(0.0, (q - (len(b_arr) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    w = 1 / (v + tau2)
    return {
        "mean": round(float((w * b_arr).sum() / w.sum()), 4),
        "sd": round(max(math.sqrt(tau2), 0.01), 4),
        "n_runners": len(b_arr),
        "q10": round(float(np.quantile(b_arr, 0.1)), 4),
        "q90": round(float(np.quantile(b_arr, 0.9)), 4),
    }


def _quantiles(u: np.ndarray, level: float) -> tuple[float, float]:
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    return round(float(np.quantile(u, lo)), 6), round(float(np.quantile(u, hi)), 6)


K_GRID = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, math.inf)


def fit_params(
    table: pd.DataFrame,
    *,
    n_splits: int = 5,
    level: float = 0.8,
    hard_speed_ratio: float = HARD_SPEED_RATIO,
) -> dict:
    """Fit every population parameter on a table of hard efforts (one row each).

    ``table`` has ``athlete_id, day, distance_m, band, y`` (log seconds) and the raw features of
    :func:`~coachkit.models.race_efforts.effort_features` computed from each runner's runs
    before that effort.
    """
    table = table.reset_index(drop=True)
    groups = table["athlete_id"].to_numpy()
    y = table["y"].to_numpy(float)
    params: dict = {"exponent": _exponent_prior(table), "level": level}
    params["hard_effort"] = {
        "speed_ratio": hard_speed_ratio,
        "compare_days": HARD_COMPARE_DAYS,
        "compare_distance_range": list(HARD_COMPARE_RANGE),
        "min_compare_runs": HARD_MIN_COMPARE,
        "min_prior_runs": MIN_PRIOR_RUNS,
        "bands_m": {
            k: [round(v[0] * v[1], 1), round(v[0] * v[2], 1)] for k, v in RACE_BANDS_M.items()
        },
    }
    eff = (table["tier"] == "efforts").to_numpy()
    te = table[eff].reset_index(drop=True)
    x = design(te, params)
    params["efforts"] = {
        "bounds": {
            c: [round(float(x[c].quantile(0.01)), 6), round(float(x[c].quantile(0.99)), 6)]
            for c in x
        }
    }
    x = design(te, params)
    yr = y[eff] - te["anchor"].to_numpy(float)
    g = groups[eff]
    coef, icpt = _huber(x, yr)
    params["efforts"].update(coef=coef, intercept=icpt)
    # out-of-fold population residuals (grouped by athlete) for k and the interval
    oof = np.zeros(len(te))
    for tr, va in GroupKFold(n_splits=min(n_splits, len(np.unique(g)))).split(x, yr, g):
        c, i0 = _huber(x.iloc[tr], yr[tr])
        oof[va] = linear(x.iloc[va], c, i0)
    r_pop = yr - oof
    day = te["day"].to_numpy(float)
    ok = np.ones(len(te), dtype=bool)
    mean, count = personal_terms(g, day, r_pop, ok)
    err = {
        k: np.abs(
            np.exp(-(r_pop - (count / (count + k) if np.isfinite(k) else 0) * mean)) - 1
        ).mean()
        for k in K_GRID
    }
    k_best = min(err, key=err.get)
    params["personal_k"] = k_best if np.isfinite(k_best) else None
    w = count / (count + k_best) if np.isfinite(k_best) else np.zeros(len(te))
    r = r_pop - w * mean
    sx = scale_design(te.assign(n_personal=count))
    scale_coef = _signed_fit(sx, np.log(np.abs(r) + 1e-3))
    sigma = np.exp(linear(sx, scale_coef, 0.0))
    q_lo, q_hi = _quantiles(r / sigma, level)
    params["efforts"]["scale"] = {"coef": scale_coef, "q_lo": q_lo, "q_hi": q_hi}
    params["efforts"]["oof_mape"] = round(float(err[k_best]), 5)
    params["efforts"]["n_rows"] = int(len(te))
    params["prior"] = _fit_prior(table, level)
    params["training"] = _fit_training(table, level, n_splits)
    return params


def _fit_prior(table: pd.DataFrame, level: float) -> dict:
    """No data at all: log time on log distance across the population's hard efforts."""
    x = np.log(table["distance_m"].to_numpy(float) / 10_000.0)[:, None]
    y = table["y"].to_numpy(float)
    m = LinearRegression().fit(x, y)
    q_lo, q_hi = _quantiles(y - m.predict(x), level)
    return {
        "intercept": round(float(m.intercept_), 6),
        "slope": round(float(m.coef_[0]), 6),
        "q_lo": q_lo,
        "q_hi": q_hi,
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
    return {"coef": coef, "intercept": icpt, "q_lo": q_lo, "q_hi": q_hi, "n_rows": int(len(t))}
