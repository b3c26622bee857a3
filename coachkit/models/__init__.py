"""Models: population layer + individual layer (docs/design.md §6).

Pure estimators and functions: frames in, result objects out; no disk, network or clock (the
shipped population parameters are read by small loaders such as
:func:`coachkit.models.race.load_population`).

The names below are imported lazily, on first use: importing one light module of this package
(say :mod:`coachkit.models.risk_factors` on the ``coachkit today`` path) does not load
scikit-learn, SciPy or statsmodels. Each module imports its heavy libraries itself.
"""

from __future__ import annotations

from coachkit.core.lazy import lazy_exports

#: public name -> the module that defines it
_LAZY = {
    "FitnessModel": "coachkit.models.fitness",
    "FitnessResults": "coachkit.models.fitness",
    "FitnessPrior": "coachkit.models.fitness_prior",
    "performance_index": "coachkit.models.performance",
    "RacePopulation": "coachkit.models.race",
    "RacePrediction": "coachkit.models.race",
    "fit_population": "coachkit.models.race",
    "load_population": "coachkit.models.race",
    "predict_race": "coachkit.models.race",
    "HrResponseModel": "coachkit.models.response",
    "learning_curve": "coachkit.models.response_eval",
    "InjuryRiskModel": "coachkit.models.risk",
    "grouped_cv_report": "coachkit.models.risk",
    "RiskAssessment": "coachkit.models.risk_evidence",
    "assess_risk": "coachkit.models.risk_evidence",
    "risk_timeline": "coachkit.models.risk_evidence",
    "personal_risk": "coachkit.models.risk_personal",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
