"""The population layer of the fitness–fatigue model: the refit of its prior on many athletes.

:func:`population_fits` fits every athlete of a many-athlete frame with
:class:`~coachkit.models.fitness.FitnessModel`, and :func:`population_prior` moves the
:class:`~coachkit.models.fitness_prior.FitnessPrior` to their spread (empirical Bayes).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from coachkit.features.daily import daily_load
from coachkit.features.load import activity_loads
from coachkit.features.thresholds import estimate_thresholds
from coachkit.models.fitness import FitnessModel
from coachkit.models.fitness_prior import FitnessPrior, load_fitness_prior
from coachkit.models.performance import performance_index


def population_fits(
    activities: pd.DataFrame, *, prior: FitnessPrior, min_obs: int = 30
) -> pd.DataFrame:
    """Fit every athlete of a many-athlete activities frame (loads estimated per athlete).

    Each athlete's loads come from :func:`coachkit.features.load.activity_loads` with
    thresholds from :func:`coachkit.features.thresholds.estimate_thresholds` on their own
    history, the performance from :func:`performance_index`. Athletes with fewer than
    ``min_obs`` performance days are skipped. Pass a weak ``prior`` to see what each athlete's
    data say on their own, or the current prior for an empirical-Bayes step.

    Returns
    -------
    DataFrame
        One row per athlete: ``athlete_id, n_obs, weeks, converged, slope_source``, the
        relative parameters ``p0_rel, k1_rel, k2_rel, tau1, tau2``, the Laplace SDs of their
        logs ``se_log_k1, se_log_k2, se_log_tau1, se_log_tau2``, ``sigma_rel`` (the residual
        t scale) and ``hr_slope`` (the speed–HR slope of the performance index).
    """
    rows = []
    for athlete, acts in activities.groupby("athlete_id", sort=True):
        settings = {"sex": str(acts["sex"].iloc[0])} if "sex" in acts else {}
        loads = activity_loads(acts, estimate_thresholds(acts, settings=settings), explain=False)
        perf = performance_index(acts, prior=prior)
        if len(perf) < min_obs:
            continue
        res = FitnessModel(daily_load(acts, loads), perf, prior=prior).fit()
        se = np.sqrt(np.diag(res.cov_log))
        rows.append(
            {
                "athlete_id": athlete,
                "n_obs": res.nobs,
                "weeks": res.weeks,
                "converged": res.converged,
                "slope_source": perf.attrs["slope_source"],
                "p0_rel": res.u[0],
                "k1_rel": math.exp(res.u[1]),
                "k2_rel": math.exp(res.u[2]),
                "tau1": math.exp(res.u[3]),
                "tau2": math.exp(res.u[4]),
                "se_log_k1": se[1],
                "se_log_k2": se[2],
                "se_log_tau1": se[3],
                "se_log_tau2": se[4],
                "sigma_rel": res.sigma_rel,
                "hr_slope": perf.attrs["hr_slope_m_s_per_bpm"],
            }
        )
    return pd.DataFrame(rows)


def population_prior(
    activities: pd.DataFrame,
    *,
    start: FitnessPrior | None = None,
    iterations: int = 4,
    min_obs: int = 30,
) -> tuple[FitnessPrior, pd.DataFrame]:
    """Empirical-Bayes population prior of ``k1, k2``, the noise and the speed–HR slope.

    Each iteration fits every athlete (:func:`population_fits`) under the current prior, then
    moves the prior of ``log k`` to the mean of the athletes' ``log k`` with an SD that adds
    each fit's Laplace variance to the spread (the EM step of a normal hierarchical model),
    ``noise_sd`` to the median residual t scale and the population slope to the median of the
    athletes' own slopes. The ``tau`` priors are kept (from ``start``, the literature): on
    summary data the fits slide along the ridge ``tau1 ≈ tau2, k1 ≈ k2`` (Hellard et al.
    2006), and an EM step on ``tau`` follows that ridge instead of converging.

    Returns
    -------
    (FitnessPrior, DataFrame)
        The updated prior and the last iteration's per-athlete fits.
    """
    prior, fits = start or load_fitness_prior(), pd.DataFrame()
    for _ in range(iterations):
        fits = population_fits(activities, prior=prior, min_obs=min_obs)
        ok = fits[fits["converged"]]
        new: dict[str, float] = {}
        for k in ("k1", "k2"):
            u, var = np.log(ok[f"{k}_rel"]), ok[f"se_log_{k}"] ** 2
            new[k] = float(np.exp(u.mean()))
            new[f"{k}_log_sd"] = float(np.sqrt(((u - u.mean()) ** 2 + var).mean()))
        own = fits.loc[fits["slope_source"].str.startswith("own"), "hr_slope"]
        slope = float(own.median()) if len(own) else prior.hr_slope_m_s_per_bpm
        prior = replace(
            prior, **new, noise_sd=float(ok["sigma_rel"].median()), hr_slope_m_s_per_bpm=slope
        )
    return prior, fits
