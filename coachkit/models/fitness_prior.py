"""The fitness–fatigue model's population prior: :class:`FitnessPrior` and its shipped file.

:class:`FitnessPrior` holds the priors of :class:`~coachkit.models.fitness.FitnessModel` (units
in :mod:`coachkit.models.fitness`); the shipped one is ``coachkit/population/fitness_prior.json``
(:func:`load_fitness_prior`, the only disk read). :mod:`coachkit.models.fitness_population`
refits it on many athletes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

PRIOR_FILE = "fitness_prior.json"


@dataclass(frozen=True)
class FitnessPrior:
    """Population prior of the fitness–fatigue model (see the module docstring for the units).

    Log-normal priors: ``k1, k2, tau1_days, tau2_days`` are medians and ``*_log_sd`` the SDs of
    the logs. ``k`` is in fractions of the athlete's median performance per unit of daily load,
    ``p0`` (sd ``p0_sd``) in those fractions too; the residual SD has a scaled-inverse-chi²
    prior of ``noise_df`` pseudo-observations of ``noise_sd`` (a fraction as well).
    """

    k1: float
    k1_log_sd: float
    k2: float
    k2_log_sd: float
    tau1_days: float
    tau1_log_sd: float
    tau2_days: float
    tau2_log_sd: float
    p0_sd: float
    noise_sd: float
    noise_df: float
    hr_slope_m_s_per_bpm: float
    sources: tuple[str, ...] = ()

    def log_normals(self) -> tuple[tuple[float, float], ...]:
        """(median, SD of the log) of ``k1, k2, tau1, tau2``, in that order."""
        return (
            (self.k1, self.k1_log_sd),
            (self.k2, self.k2_log_sd),
            (self.tau1_days, self.tau1_log_sd),
            (self.tau2_days, self.tau2_log_sd),
        )


def load_fitness_prior() -> FitnessPrior:
    """The shipped population prior (``coachkit/population/fitness_prior.json``)."""
    raw = json.loads(resources.files("coachkit.population").joinpath(PRIOR_FILE).read_text())
    return prior_from_json(raw)


def prior_from_json(raw: dict[str, Any]) -> FitnessPrior:
    """A :class:`FitnessPrior` from the JSON layout of the shipped file."""
    return FitnessPrior(
        raw["k1_rel_per_load"]["median"],
        raw["k1_rel_per_load"]["log_sd"],
        raw["k2_rel_per_load"]["median"],
        raw["k2_rel_per_load"]["log_sd"],
        raw["tau1_days"]["median"],
        raw["tau1_days"]["log_sd"],
        raw["tau2_days"]["median"],
        raw["tau2_days"]["log_sd"],
        raw["p0_rel"]["sd"],
        raw["noise_rel"]["sd"],
        raw["noise_rel"]["df"],
        raw["hr_slope_m_s_per_bpm"]["value"],
        tuple(raw.get("sources", ())),
    )
