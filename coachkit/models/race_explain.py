"""Race prediction, told: the :class:`RacePrediction` result, its interval, share and sentence.

:mod:`coachkit.models.race` computes the log-time estimate, its interval quantiles and the
personal layer's weight ``n/(n+k)`` (the personal share); this module turns them into
seconds, the ``inputs`` record and the one-sentence explanation with the numbers behind it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from coachkit.core.units import format_hms
from coachkit.models.race_efforts import RACE_DISTANCES_M


@dataclass(frozen=True)
class RacePrediction:
    """A predicted race time over ``distance_m`` with its 80 % interval (seconds).

    Attributes
    ----------
    seconds, low, high : float
        Point estimate and the interval (``low ≤ seconds ≤ high``).
    method : str
        ``"population"`` (no usable run), ``"training"`` (volume and speed only),
        ``"efforts"`` (best efforts and training, population weights) or
        ``"efforts+personal"`` (also corrected by your own race-like efforts).
    explanation : str
        One sentence with the numbers behind the prediction.
    personal_share : float
        0..1, the weight n/(n+k) of the personal layer (your own race-like efforts).
    inputs : dict
        What was used (best effort, Riegel and VDOT times, volume, exponent, counts).
    """

    distance_m: float
    seconds: float
    low: float
    high: float
    method: str
    explanation: str
    personal_share: float
    inputs: dict[str, Any] = field(default_factory=dict)


def _distance_name(distance_m: float) -> str:
    for name, d in RACE_DISTANCES_M.items():
        if abs(distance_m - d) < 1.0:
            return name
    return f"{round(distance_m / 1000, 1):g} km"


def build_prediction(
    feats: dict[str, float],
    mu: float,
    q_lo: float,
    q_hi: float,
    method: str,
    share: float,
    extra: dict[str, Any],
    level: float = 0.8,
) -> RacePrediction:
    """The prediction ``exp(mu)`` with its interval ``exp(mu + [q_lo, q_hi])``, told."""
    D = feats["D"]
    q_lo, q_hi = min(q_lo, 0.0), max(q_hi, 0.0)  # the interval always holds the estimate
    share = float(min(max(share, 0.0), 1.0))
    inputs = _inputs(feats, extra)
    seconds, low, high = math.exp(mu), math.exp(mu + q_lo), math.exp(mu + q_hi)
    head = (
        f"Predicted {_distance_name(D)}: {format_hms(seconds)} ({level:.0%} range {format_hms(low)}–"
        f"{format_hms(high)})"
    )
    if method == "population":
        why = (
            "is the population's typical time, as there is no run in the 4 weeks and none of 3 km "
            "or more in the 180 days before"
        )
    elif method == "training":
        pace = 1000.0 / feats["speed_28"]
        why = (
            f"from your training alone ({feats['km_week_28']:.0f} km/week at "
            f"{format_hms(pace)}/km over 4 weeks), with no run of 3 km or more in the last "
            "180 days to go on"
        )
    else:
        why = _efforts_reason(feats, inputs, extra)
    sentence = f"{head} {why}; {share:.0%} personal."
    return RacePrediction(float(D), seconds, low, high, method, sentence, share, inputs)


def _efforts_reason(feats: dict[str, float], inputs: dict[str, Any], extra: dict[str, Any]) -> str:
    n = extra["personal_efforts"]
    volume = (
        f"{feats['km_week']:.0f} km/week and a longest run of {feats['longest_m'] / 1000:.1f} km "
        "over 8 weeks"
        if feats["km_week"] > 0
        else "no run in the last 8 weeks"
    )
    if n:
        ran = math.exp(-extra["personal_residual"]) - 1  # > 0: faster than the population said
        own = (
            f"; your {n} race-like effort{'s' if n != 1 else ''} of the last 2 years ran "
            f"{abs(ran):.1%} {'faster' if ran >= 0 else 'slower'} than the population model "
            f"expected, counted at {extra['personal_weight']:.0%} (population alone: "
            f"{format_hms(extra['population_seconds'])})"
        )
    else:
        own = "; no race-like effort of your own in the last 2 years to personalise it"
    return (
        f"from your best run of the last 180 days ({feats['best_d'] / 1000:.1f} km in "
        f"{format_hms(feats['best_s'])}, {feats['best_age']:.0f} days ago; Riegel says "
        f"{format_hms(inputs['riegel_seconds'])}) and {volume}{own}"
    )


def _inputs(feats: dict[str, float], extra: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "tier": feats["tier"],
        "runs_365d": int(feats["n_runs_365"]),
        "km_per_week_8w": round(feats["km_week"], 1),
        "longest_run_m_8w": round(feats["longest_m"], 0),
        "km_per_week_4w": round(feats["km_week_28"], 1),
    }
    if feats["tier"] == "efforts":
        out.update(
            best_effort_distance_m=feats["best_d"],
            best_effort_time_s=feats["best_s"],
            best_effort_age_days=round(feats["best_age"], 1),
            riegel_seconds=math.exp(feats["anchor"]),
            vdot=round(feats["vdot_value"], 1) if np.isfinite(feats["vdot_value"]) else None,
            vdot_seconds=feats["vdot_seconds"] if np.isfinite(feats["vdot_seconds"]) else None,
            runs_3km_180d=int(feats["n180"]),
            race_like_365d=int(feats["n_race"]),
        )
    out.update(extra)
    return out
