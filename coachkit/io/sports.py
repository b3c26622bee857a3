"""Sport names as every source writes them, mapped to coachkit's sports (``schemas.SPORTS``).

FIT enum names, TCX ``Sport`` attributes, GPX ``<type>`` texts and numbers, Garmin type keys,
Strava API ``sport_type`` values and the localised activity types of Strava's bulk export all
land here, so that one table decides what counts as a run (the sport groups themselves are
``core.sports``).
"""

from __future__ import annotations

import unicodedata
from typing import Any

_SPORT_ALIASES = {
    "run": "run",
    "running": "run",
    "road_running": "run",
    "street_running": "run",
    "virtualrun": "treadmill",
    "virtual_run": "treadmill",
    "treadmill": "treadmill",
    "treadmill_running": "treadmill",
    "indoor_running": "treadmill",
    "trail_run": "trail_run",
    "trailrun": "trail_run",
    "trail_running": "trail_run",
    "trail": "trail_run",
    "walk": "walk",
    "walking": "walk",
    "hike": "walk",
    "hiking": "walk",
    "ride": "ride",
    "cycling": "ride",
    "biking": "ride",
    "bike": "ride",
    "virtualride": "ride",
    "road_biking": "ride",
    "mountain_biking": "ride",
    "ebikeride": "ride",
    "swim": "swim",
    "swimming": "swim",
    "lap_swimming": "swim",
    "open_water_swimming": "swim",
    "strength": "strength",
    "weighttraining": "strength",
    "strength_training": "strength",
    "training": "other",
    "generic": "other",
    "other": "other",
}
# Strava's GPX <type> numbers (Strava export): 9 = Run, 1 = Ride, 10 = Walk, 4 = Hike
_STRAVA_GPX_TYPES = {"9": "run", "1": "ride", "10": "walk", "4": "walk", "2": "swim"}


def normalize_sport(raw: Any, sub: Any = None) -> str:
    """Map a source's sport name (FIT enum name, Strava type, TCX Sport) to one of ``SPORTS``.

    >>> normalize_sport("Running", "trail")
    'trail_run'
    """
    text = str(raw or "").strip().lower().replace(" ", "_").replace("-", "_")
    subtext = str(sub or "").strip().lower().replace(" ", "_")
    if text in _STRAVA_GPX_TYPES:
        return _STRAVA_GPX_TYPES[text]
    sport = _SPORT_ALIASES.get(text, "other")
    if sport == "run" and subtext:
        if "trail" in subtext:
            return "trail_run"
        if "treadmill" in subtext or "indoor" in subtext or "virtual" in subtext:
            return "treadmill"
    return sport


def fit_sport(sport: Any, sub_sport: Any = None) -> str:
    """Canonical sport from FIT ``sport``/``sub_sport`` names (``training`` + ``strength_training``
    is strength; ``transition`` between triathlon legs is other)."""
    sport = sport if isinstance(sport, str) else None  # an unknown enum number says nothing
    sub_sport = sub_sport if isinstance(sub_sport, str) else None
    out = normalize_sport(sport, sub_sport)
    if out == "other" and sub_sport and normalize_sport(sub_sport) != "other":
        out = normalize_sport(sub_sport)
    return out


# Strava SportType values that normalize_sport does not know (it maps unknown names to
# "other"); keys are the type with case, spaces and punctuation removed.
_STRAVA_RIDES = dict.fromkeys(
    ("mountainbikeride", "emountainbikeride", "gravelride", "velomobile", "handcycle"), "ride"
)


def strava_sport(raw: Any, *, trainer: Any = None) -> str:
    """Map a Strava ``sport_type``/``type`` to one of ``schemas.SPORTS``.

    A run flagged ``trainer`` (Strava's "indoor" switch) is a treadmill run.

    >>> strava_sport("TrailRun"), strava_sport("Run", trainer=True), strava_sport("AlpineSki")
    ('trail_run', 'treadmill', 'other')
    """
    key = "".join(ch for ch in str(raw or "").casefold() if ch.isalnum())
    sport = _STRAVA_RIDES.get(key) or normalize_sport(key)
    if sport == "run" and trainer is True:
        return "treadmill"
    return sport


# Localised Strava activity types (letters only, casefolded) that strava_sport does not know.
_LOCAL_TYPES = {
    "lauf": "run",
    "laufen": "run",
    "radfahrt": "ride",
    "wanderung": "walk",
    "spaziergang": "walk",
    "schwimmen": "swim",
    "virtuellerlauf": "treadmill",
    "virtuelleradfahrt": "ride",
    "krafttraining": "strength",
    "carrera": "run",
    "bicicleta": "ride",
    "ciclismo": "ride",
    "salidaenbici": "ride",
    "caminata": "walk",
    "excursion": "walk",
    "senderismo": "walk",
    "natacion": "swim",
    "carreraportrail": "trail_run",
    "carreraenmontana": "trail_run",
    "courseapied": "run",
    "course": "run",
    "velo": "ride",
    "sortieavelo": "ride",
    "marche": "walk",
    "randonnee": "walk",
    "natation": "swim",
}


def strava_export_sport(raw: str) -> str:
    """Map an ``Activity Type`` of a Strava ``activities.csv`` in any export language.

    >>> strava_export_sport("Laufen"), strava_export_sport("Carrera por trail")
    ('run', 'trail_run')
    """
    key = "".join(
        ch for ch in unicodedata.normalize("NFKD", raw.casefold()) if ch.isalnum() and ch.isascii()
    )
    return _LOCAL_TYPES.get(key) or strava_sport(raw)
