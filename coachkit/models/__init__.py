"""Models: population layer + individual layer (DESIGN §6).

Pure estimators and functions: frames in, result objects out; no disk, network or clock (the
shipped population parameters are read by small loaders such as
:func:`coachkit.models.race.load_population`).
"""

from __future__ import annotations

from coachkit.models.race import (
    RacePopulation,
    RacePrediction,
    fit_population,
    load_population,
    predict_race,
)

__all__ = ["RacePopulation", "RacePrediction", "fit_population", "load_population", "predict_race"]
