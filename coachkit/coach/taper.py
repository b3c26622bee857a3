"""Race-day form and the taper length, from the runner's fitness-fatigue model.

Banister's model (:mod:`coachkit.models.fitness`): performance on a day is
``p0 + k1 F - k2 G``, ``F`` and ``G`` the fitness and fatigue states (EWMAs of the daily load
with time constants ``tau1`` and ``tau2``). :class:`FormModel` holds the parameters relative to
the runner's typical performance and the states at the end of the history, so it can say how
much faster (or slower) the runner should be on race day after the planned load.

Where the parameters come from: the runner's own fit (:class:`~coachkit.models.fitness.
FitnessResults`) when it is trustworthy (converged, every standard error finite), else the
population prior (``coachkit/population/fitness_prior.json``: ``tau1`` 42 and ``tau2`` 7 days,
the gains refitted on many runners). Planned load is the planned km times the runner's load per
km of the last 8 weeks. The taper that gives the best race-day performance among 1, 2 and 3
weeks is kept (Bosquet et al. 2007, Med Sci Sports Exerc 39:1358: 8-14 days best on average).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

TAPER_FACTORS = {1: (0.5,), 2: (0.65, 0.45), 3: (0.8, 0.65, 0.45)}  # x the peak week (Bosquet)
FORM_LIMIT = 0.10  # race-day form is quoted within +/-10 % of today's (the model's reach)


def _ewma_end(load: np.ndarray, tau: float, x0: float) -> float:
    a, x = 1.0 - math.exp(-1.0 / tau), x0
    for w in load:
        x += a * (w - x)
    return x


@dataclass(frozen=True)
class FormModel:
    """Banister parameters relative to the runner's typical performance, and the states."""

    p0: float
    k1: float
    k2: float
    tau1: float
    tau2: float
    fitness0: float
    fatigue0: float
    load_per_km: float
    source: str
    personal: bool

    @classmethod
    def from_fit(cls, res: Any, load_per_km: float) -> FormModel | None:
        """From a :class:`~coachkit.models.fitness.FitnessResults`; ``None`` when its fit is not
        trustworthy (not converged, or a standard error not finite)."""
        if not res.converged or not np.isfinite(res.bse.to_numpy(dtype=float)).all():
            return None
        p, scale = res.params, res.model.scale
        last = res.components().iloc[-1]
        return cls(
            p["p0"] / scale,
            p["k1"] / scale,
            p["k2"] / scale,
            float(p["tau1"]),
            float(p["tau2"]),
            float(last["fitness"] / p["k1"]),
            float(last["fatigue"] / p["k2"]),
            load_per_km,
            f"your fitted fitness-fatigue model (time constants {p['tau1']:.0f} and "
            f"{p['tau2']:.0f} days, {res.weeks} weeks of data)",
            True,
        )

    @classmethod
    def from_prior(cls, prior: Any, daily_load: pd.Series, load_per_km: float) -> FormModel:
        """From the population prior (:class:`~coachkit.models.fitness_prior.FitnessPrior`), the
        states started at the mean load of the first 28 days of ``daily_load``."""
        w = daily_load.to_numpy(dtype=float)
        x0 = float(w[:28].mean()) if len(w) else 0.0
        return cls(
            1.0,
            prior.k1,
            prior.k2,
            prior.tau1_days,
            prior.tau2_days,
            _ewma_end(w, prior.tau1_days, x0),
            _ewma_end(w, prior.tau2_days, x0),
            load_per_km,
            f"the population fitness-fatigue prior (time constants {prior.tau1_days:.0f} and "
            f"{prior.tau2_days:.0f} days; your own fit is not yet trustworthy)",
            False,
        )

    def now(self) -> float:
        """Relative performance at the end of the history."""
        return self.p0 + self.k1 * self.fitness0 - self.k2 * self.fatigue0

    def after(self, daily_km: Iterable[float]) -> float:
        """Relative performance the day after ``daily_km`` (one value per day from the plan's
        first day; the race day's own run not included)."""
        w = np.asarray(list(daily_km), dtype=float) * self.load_per_km
        f = _ewma_end(w, self.tau1, self.fitness0)
        g = _ewma_end(w, self.tau2, self.fatigue0)
        return self.p0 + self.k1 * f - self.k2 * g

    def race_day_ratio(self, daily_km: Iterable[float]) -> float:
        """Race-day performance over today's (speed-like: > 1 is faster), within +/-10 %."""
        now = self.now()
        if not now > 0:
            return 1.0
        return float(np.clip(self.after(daily_km) / now, 1 - FORM_LIMIT, 1 + FORM_LIMIT))


def daily_km(workouts: pd.DataFrame, race_day: Any) -> list[float]:
    """The planned km of every day before ``race_day`` (rest days 0)."""
    day = pd.Timestamp(race_day)
    dates = pd.to_datetime(workouts["date"])
    return list(workouts.loc[dates < day, "distance_m"].fillna(0.0).to_numpy() / 1000.0)


__all__ = ["FORM_LIMIT", "TAPER_FACTORS", "FormModel", "daily_km"]
