"""Race prediction, the intervals: normalised Mondrian split-conformal bounds per race distance
and history length (docs/design.md §6).

:mod:`coachkit.models.race_population` fits them on out-of-fold residuals;
:mod:`coachkit.models.race` reads them for a prediction.

- **Cells**: split-conformal (Lei et al. 2018, JASA 113:1094), Mondrian-style (Vovk et al.
  2005, *Algorithmic Learning in a Random World*, ch. 4): one calibration per race distance ×
  history length (0, 1–2, ≥ 3 race-like efforts of one's own); a cell with under 30 residuals
  takes its history length's over all distances. Distances between the race distances
  interpolate in log distance.
- **Personal scale** (normalised conformal, Lei et al. 2018 §5.2): residuals are first divided
  by the spread of the runner's own race-like efforts' residuals *at the same race distance*
  (the nearest one in log distance), shrunk towards the population's within-runner spread with
  k0 pseudo-observations (k0 by the interval score of Gneiting & Raftery 2007). A consistent
  marathoner gets a narrow marathon interval even when their 10 km efforts scatter; with no
  own effort at that distance the scale is 1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from coachkit.models.race_efforts import RACE_DISTANCES_M, distance_weights

HISTORY_BINS = ((0, 0), (1, 2), (3, math.inf))  # own race-like efforts behind a prediction
MIN_CELL = 30  # residuals a conformal cell needs to stand on its own
K0_GRID = (2.0, 5.0, 10.0, 20.0, math.inf)  # pseudo-observations behind a personal scale


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


def personal_scale(ssd: np.ndarray, count: np.ndarray, k0: float, var_within: float) -> np.ndarray:
    """How spread your own efforts are, relative to the population's runners: the square root
    of your residual variance shrunk towards the population's within-runner variance with k0
    pseudo-observations, (ssd + k0·σ²) / (n − 1 + k0), over σ² (1 with no evidence)."""
    if not np.isfinite(k0):
        return np.ones(len(np.atleast_1d(count)))
    dof = np.maximum(np.asarray(count, float) - 1.0, 0.0)
    return np.sqrt((np.asarray(ssd, float) + k0 * var_within) / (dof + k0) / var_within)


def empirical_quantiles(u: np.ndarray, level: float) -> tuple[float, float]:
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
        round(v, 6) for v in empirical_quantiles(resid, level)
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


def within_variance(resid: np.ndarray, athletes: np.ndarray) -> float:
    """Pooled within-runner variance of residuals (runners with ≥ 2 of them)."""
    frame = pd.DataFrame({"a": athletes, "r": resid})
    dev = frame["r"] - frame.groupby("a")["r"].transform("mean")
    dof = len(frame) - frame["a"].nunique()
    return float((dev**2).sum() / dof) if dof > 0 else float(np.var(resid))


def interval_score(r: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: float) -> float:
    """Mean interval score (Gneiting & Raftery 2007, JASA 102:359, eq. 43): width plus 2/α
    times the miss; lower is better, and it is proper for the (α/2, 1 − α/2) quantiles."""
    alpha = 1 - level
    miss = np.maximum(lo - r, 0) + np.maximum(r - hi, 0)
    return float(np.mean(hi - lo + 2 / alpha * miss))


def fit_interval(
    r: np.ndarray,
    band: np.ndarray,
    count: np.ndarray,
    same: tuple[np.ndarray, np.ndarray],
    var_within: float,
    level: float,
) -> dict:
    """Normalised conformal intervals (Lei et al. 2018, §5.2): residuals divided by the
    personal scale, then :func:`conformal_cells`; k0 of the scale by the interval score.

    ``count`` is each residual's number of own race-like efforts (its history bin); ``same``
    the count and sum of squared deviations of those at the same race distance (its scale).
    """
    best: dict = {}
    for k0 in K0_GRID:
        scale = personal_scale(same[1], same[0], k0, var_within)
        cells = conformal_cells(r / scale, band, count, level)
        hb = [history_bin(n) for n in count]
        names = list(RACE_DISTANCES_M)
        q = np.array([cells["cells"][names[b]][h] for b, h in zip(band, hb)])
        score = interval_score(r, q[:, 0] * scale, q[:, 1] * scale, level)
        if not best or score < best["score"]:
            best = {**cells, "k0": k0 if np.isfinite(k0) else None, "score": round(score, 6)}
    best["var_within"] = round(var_within, 8)
    return best
