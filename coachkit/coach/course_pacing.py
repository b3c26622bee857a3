"""Race pacing on a course: the flat prediction carried onto the course's hills, at even effort.

Even effort, not even pace. Running at a steady metabolic power ``P = C(grade) · v``, the speed
on each stretch is ``P / C(grade)``, so its pace is the flat-equivalent pace times the stretch's
relative cost ``C(grade) / C(0)`` (Minetti et al. 2002, J Appl Physiol 93:1039, as in
:mod:`coachkit.features.course_profile`). The flat-equivalent pace is the predicted flat time
over the course's length, so a flat course gives exactly the flat prediction, and a course's
time is the flat time times its mean relative cost. The 80 % interval scales by the same
factor. Because Minetti's cost rises faster uphill than it falls downhill, going up and down
the same hill costs more than the flat, as runners know.

A ``pace_multiplier`` (default 1) scales every pace once more, for what is not the course
(heat, altitude): whoever passes one passes the sentence that explains it, and that sentence
joins the plan's explanation.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from coachkit.core.units import MILE_M, check_units, format_hms, format_pace
from coachkit.features.course_profile import CourseProfile

#: half-width of the pace band of each split in the FIT workout, around its target pace
FIT_PACE_BAND_S_PER_KM = 5.0
_SPLIT_M = {"km": 1000.0, "mi": MILE_M}
_SPLIT_NAME = {"km": "km", "mi": "mile"}
COURSE = "on this course"  # how a sentence names a course read from a file


@dataclass(frozen=True)
class CoursePlan:
    """A race prediction on a course with its even-effort pacing plan.

    ``seconds``, ``low`` and ``high`` are the course time and its 80 % interval; ``flat_*``
    the race model's over the same distance on the flat; ``cost_factor`` the course's mean
    relative cost; ``splits`` one dict per km (or mile) with ``index``, ``distance_m``,
    ``elevation_gain_m``, ``elevation_loss_m``, ``grade`` (net, a fraction), ``seconds``,
    ``pace_s_per_km``, ``pace`` (in ``units``) and ``cumulative_seconds``.
    """

    distance_m: float
    seconds: float
    low: float
    high: float
    flat_seconds: float
    flat_low: float
    flat_high: float
    cost_factor: float
    pace_multiplier: float
    elevation_gain_m: float
    elevation_loss_m: float
    has_elevation: bool
    units: str
    splits: list[dict[str, Any]]
    sentence: str
    profile_distance_m: list[float] = field(default_factory=list, repr=False)
    profile_elevation_m: list[float] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain JSON-ready values (the ``coachkit predict --json`` keys)."""
        keys = (
            "seconds",
            "low",
            "high",
            "distance_m",
            "elevation_gain_m",
            "elevation_loss_m",
            "flat_seconds",
            "flat_low",
            "flat_high",
            "cost_factor",
            "pace_multiplier",
            "has_elevation",
            "units",
            "sentence",
            "splits",
        )
        return {k: getattr(self, k) for k in keys}


def _bounds(length_m: float, split_m: float) -> np.ndarray:
    inner = np.arange(split_m, length_m, split_m)
    if len(inner) and length_m - inner[-1] < 1.0:  # a last "split" under a metre is rounding
        inner = inner[:-1]
    return np.concatenate([[0.0], inner, [length_m]])


def _splits(
    profile: CourseProfile, pace_s_per_m: float, units: str
) -> tuple[list[dict[str, Any]], float]:
    """The splits at ``pace_s_per_m`` per flat-equivalent metre, and the course's total."""
    edges = _bounds(profile.length_m, _SPLIT_M[units])
    flat_m = profile.flat_equivalent_m(edges)
    elevation = profile.elevation_at(edges)
    out: list[dict[str, Any]] = []
    cumulative = 0.0
    for i in range(len(edges) - 1):
        d = float(edges[i + 1] - edges[i])
        seconds = float(flat_m[i + 1] - flat_m[i]) * pace_s_per_m
        cumulative += seconds
        gain, loss = profile.climb_m(float(edges[i]), float(edges[i + 1]))
        pace = seconds / d * 1000.0
        out.append(
            {
                "index": i + 1,
                "distance_m": round(d, 1),
                "elevation_gain_m": round(gain, 1),
                "elevation_loss_m": round(loss, 1),
                "grade": round(float(elevation[i + 1] - elevation[i]) / d, 4),
                "seconds": round(seconds, 1),
                "pace_s_per_km": round(pace, 1),
                "pace": format_pace(pace, units),
                "cumulative_seconds": round(cumulative, 1),
            }
        )
    return out, float(flat_m[-1]) * pace_s_per_m


def _signed_duration(seconds: float) -> str:
    return f"{'plus' if seconds >= 0 else 'minus'} {format_hms(abs(seconds))}"


def _explain(plan: dict[str, Any], profile: CourseProfile, units: str, where: str) -> str:
    head = (
        f"Predicted {format_hms(plan['seconds'])} (80 % interval {format_hms(plan['low'])}–"
        f"{format_hms(plan['high'])}) {where}"
    )
    splits = plan["splits"]
    if not profile.has_elevation or plan["elevation_gain_m"] + plan["elevation_loss_m"] < 1.0:
        why = ""
        if where == COURSE:  # a file's course: say why it is paced as flat
            why = (
                " (flat)" if profile.has_elevation else " (no elevation in the file: taken as flat)"
            )
        pace = format_pace(plan["seconds"] / profile.length_m * 1000.0, units)
        return f"{head}{why}: even effort is even pace on the flat, {pace}."
    flat = plan["flat_seconds"] * plan["pace_multiplier"]
    name = _SPLIT_NAME[units]
    full = [s for s in splits if s["distance_m"] >= 0.5 * _SPLIT_M[units]]
    ranked = sorted(full if len(full) > 1 else splits, key=lambda s: s["pace_s_per_km"])
    fast, slow = ranked[0], ranked[-1]
    if fast is slow:
        paces = f"{slow['pace']} ({name} {slow['index']}, {slow['grade']:+.1%})"
    else:
        paces = (
            f"from {slow['pace']} on the slowest {name} ({name} {slow['index']}, "
            f"{slow['grade']:+.1%}) to {fast['pace']} on the fastest ({name} {fast['index']}, "
            f"{fast['grade']:+.1%})"
        )
    return (
        f"{head}: {format_hms(flat)} on the flat {_signed_duration(plan['seconds'] - flat)} for "
        f"{plan['elevation_gain_m']:.0f} m of climbing and {plan['elevation_loss_m']:.0f} m of "
        "descent, by the cost of running on each grade (Minetti et al. 2002); pace for even "
        f"effort, {paces}."
    )


def pace_course(
    profile: CourseProfile,
    *,
    flat_seconds: float,
    flat_low: float,
    flat_high: float,
    units: str = "km",
    pace_multiplier: float = 1.0,
    multiplier_sentence: str = "",
    where: str = COURSE,
) -> CoursePlan:
    """Carry a flat prediction onto ``profile`` at even effort, with one split per km or mile.

    Parameters
    ----------
    profile
        The course (:func:`~coachkit.features.course_profile.course_profile`).
    flat_seconds, flat_low, flat_high
        The predicted time over the course's length on the flat and its 80 % interval.
    units
        ``"km"`` (splits per km) or ``"mi"`` (per mile); paces in the sentence follow.
    pace_multiplier, multiplier_sentence
        A further factor on every pace (conditions), and the one sentence that says why;
        a multiplier other than 1 needs its sentence.
    where
        How the sentence names the course (``"on this course"``, ``"on a flat 10.0 km"``).

    Examples
    --------
    >>> from coachkit.features.course_profile import course_profile, flat_profile
    >>> pace_course(flat_profile(5000.0), flat_seconds=1500, flat_low=1450, flat_high=1560).seconds
    1500.0
    >>> hill = course_profile([0, 2500, 5000], [0, 100, 0])  # up 4 %, then down 4 %
    >>> pace_course(hill, flat_seconds=1500, flat_low=1450, flat_high=1560).seconds > 1500
    True
    """
    check_units(units)
    if not (math.isfinite(pace_multiplier) and pace_multiplier > 0):
        raise ValueError(f"a pace multiplier must be positive, not {pace_multiplier!r}")
    if pace_multiplier != 1.0 and not multiplier_sentence.strip():
        raise ValueError("a pace multiplier other than 1 needs the sentence that explains it")
    pace_s_per_m = flat_seconds / profile.length_m * pace_multiplier
    splits, seconds = _splits(profile, pace_s_per_m, units)
    factor = seconds / (flat_seconds * pace_multiplier)
    if not profile.has_elevation:
        factor, seconds = 1.0, flat_seconds * pace_multiplier  # exactly the flat prediction
    gain, loss = profile.climb_m()
    fields: dict[str, Any] = {
        "distance_m": round(profile.length_m, 1),
        "seconds": round(seconds, 1),
        "low": round(flat_low * factor * pace_multiplier, 1),
        "high": round(flat_high * factor * pace_multiplier, 1),
        "flat_seconds": round(flat_seconds, 1),
        "flat_low": round(flat_low, 1),
        "flat_high": round(flat_high, 1),
        "cost_factor": round(factor, 5),
        "pace_multiplier": pace_multiplier,
        "elevation_gain_m": round(gain, 1),
        "elevation_loss_m": round(loss, 1),
        "has_elevation": profile.has_elevation,
        "units": units,
        "splits": splits,
    }
    sentence = _explain(fields, profile, units, where)
    if pace_multiplier != 1.0:
        sentence += (
            f" Every pace is {abs(pace_multiplier - 1):.1%} "
            f"{'slower' if pace_multiplier > 1 else 'faster'} for the conditions: "
            f"{multiplier_sentence.strip()}"
        )
    return CoursePlan(
        **fields,
        sentence=sentence,
        profile_distance_m=profile.distance_m.round(1).tolist(),
        profile_elevation_m=profile.elevation_m.round(2).tolist(),
    )


def pacing_steps(plan: CoursePlan) -> list[dict[str, Any]]:
    """The plan as workout steps, one per split: its distance and a pace band of
    ± :data:`FIT_PACE_BAND_S_PER_KM` around the split's pace (the step format of
    :mod:`coachkit.coach.workouts`, which :func:`coachkit.coach.export.fit_workout` writes)."""
    name = _SPLIT_NAME[plan.units]
    return [
        {
            "type": "race",
            "target": f"{name} {s['index']} {s['pace']}",
            "distance_m": s["distance_m"],
            "pace_low_s_per_km": s["pace_s_per_km"] - FIT_PACE_BAND_S_PER_KM,
            "pace_high_s_per_km": s["pace_s_per_km"] + FIT_PACE_BAND_S_PER_KM,
        }
        for s in plan.splits
    ]


def course_fit_workout(plan: CoursePlan, day: date, name: str = "Race pacing") -> bytes:
    """The pacing plan as one FIT workout file: one distance step per split, each with its
    pace as a speed target (see :func:`pacing_steps`)."""
    from coachkit.coach.export import fit_workout
    from coachkit.core.extras import require

    require("fit_tool", "The FIT workout export")
    steps = json.dumps(pacing_steps(plan))
    serial = int(hashlib.sha256(steps.encode()).hexdigest()[:8], 16)
    return fit_workout(steps, name, day, serial)
