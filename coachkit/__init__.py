"""coachkit: an open, explainable running coach.

The names below are the stable Python API (docs/design.md §9). They are imported lazily so that
``import coachkit`` (and so ``coachkit --help``) stays fast: nothing heavy loads until used.

>>> import coachkit
>>> callable(coachkit.predict_race)
True
"""

from __future__ import annotations

import importlib
from typing import Any

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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'coachkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))
