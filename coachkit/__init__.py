"""coachkit: an open, explainable running coach.

The names below are the stable Python API (docs/design.md §9). They are imported lazily so that
``import coachkit`` (and so ``coachkit --help``) stays fast: nothing heavy loads until used.

>>> import coachkit
>>> callable(coachkit.predict_race)
True
"""

from __future__ import annotations

from coachkit.core.lazy import lazy_exports

__version__ = "0.1.0"

_LAZY = {
    "predict_race": "coachkit.models.race",
    "fit_population": "coachkit.models.race",
    "HrResponseModel": "coachkit.models.response",
    "InjuryRiskModel": "coachkit.models.risk",
    "risk_features": "coachkit.features.risk",
    "Store": "coachkit.store",
    "Coach": "coachkit.app.coach",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
