"""Models: population layer + individual layer (docs/design.md §6).

Pure estimators and functions: frames in, result objects out; no disk, network or clock (the
shipped population parameters are read by small loaders such as
:func:`coachkit.models.race.load_population`).

Importing this package loads pandas, NumPy and scikit-learn (it is imported only when a model
is used); the heavier imports (``scipy.signal``, statsmodels) stay inside the functions that
need them.
"""

from __future__ import annotations

from coachkit.models.fitness import FitnessModel, FitnessResults
from coachkit.models.fitness_prior import FitnessPrior
from coachkit.models.performance import performance_index
from coachkit.models.race import (
    RacePopulation,
    RacePrediction,
    fit_population,
    load_population,
    predict_race,
)
from coachkit.models.response import HrResponseModel
from coachkit.models.response_eval import learning_curve
from coachkit.models.risk import InjuryRiskModel, grouped_cv_report
from coachkit.models.risk_evidence import RiskAssessment, assess_risk, risk_timeline
from coachkit.models.risk_personal import personal_risk

__all__ = [
    "FitnessModel",
    "FitnessPrior",
    "FitnessResults",
    "HrResponseModel",
    "InjuryRiskModel",
    "RacePopulation",
    "RacePrediction",
    "RiskAssessment",
    "assess_risk",
    "fit_population",
    "grouped_cv_report",
    "learning_curve",
    "load_population",
    "performance_index",
    "personal_risk",
    "predict_race",
    "risk_timeline",
]
