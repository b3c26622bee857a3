"""Today's prescription with its pace targets moved for the day's conditions.

:func:`adjust_prescription` takes the plain prescription dict that ``coachkit today``, its
``--json`` and the dashboard's card all show (:func:`coachkit.app.today.prescription`) and a
:class:`~coachkit.coach.conditions.ConditionsAdjustment`, and returns a new dict: the pace band
and every step's pace band slower by the adjustment's factor for that kind of session, the HR
band and the rest untouched, and a ``conditions`` entry with the numbers and one sentence that
says by how much and why. A day without pace targets (rest, or a session run by effort) keeps
everything and says that nothing changes. Pure and light: no pandas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coachkit.coach.conditions import ConditionsAdjustment
from coachkit.coach.workouts import fmt_band

PACE_KEYS = ("pace_low_s_per_km", "pace_high_s_per_km")


def _has_pace(row: Mapping[str, Any]) -> bool:
    return all(isinstance(row.get(k), (int, float)) and row[k] > 0 for k in PACE_KEYS)


def _slower(row: Mapping[str, Any], factor: float) -> dict[str, Any]:
    """``row`` with its pace band (s/km) multiplied by ``factor``."""
    out = dict(row)
    if _has_pace(row):
        for key in PACE_KEYS:
            out[key] = row[key] * factor
    return out


def _steps_slower(steps: list[Any], factor: float) -> list[Any]:
    """The structured steps with every pace band slower (repeats' inner steps too)."""
    out = []
    for step in steps:
        if isinstance(step, Mapping) and isinstance(step.get("steps"), list):
            out.append({**step, "steps": _steps_slower(step["steps"], factor)})
        elif isinstance(step, Mapping):
            out.append(_slower(step, factor))
        else:
            out.append(step)
    return out


def adjust_prescription(
    p: Mapping[str, Any], adjustment: ConditionsAdjustment, units: str = "km"
) -> dict[str, Any]:
    """``p`` with its paces moved for ``adjustment`` and a ``conditions`` entry that explains it.

    Parameters
    ----------
    p
        Today's prescription (``pace_low_s_per_km``, ``pace_high_s_per_km``, ``steps``, ``kind``
        ...), not changed.
    adjustment
        From :func:`coachkit.coach.conditions.adjust_for_conditions`.
    units
        ``km`` or ``mi``, for the pace band and the sentence.

    Returns
    -------
    dict
        A new prescription: paces slower by ``adjustment.factor_for(kind)`` (HR unchanged), the
        ``pace`` string redrawn, and ``conditions`` with the factor, its parts, the planned
        band, the sources and the sentence (``conditions.sentence``).
    """
    kind = str(p.get("kind", ""))
    out = dict(p)
    info = adjustment.to_dict(units, kind)
    if not adjustment.given:
        return out
    if not _has_pace(p):
        what = (
            "it is a rest day"
            if kind == "rest"
            else "this session has no pace targets (run it by heart rate and feel)"
        )
        info.update(factor=1.0, sentence=f"Conditions change nothing today: {what}.")
        out["conditions"] = info
        return out
    factor = adjustment.factor_for(kind)
    planned = (float(p["pace_low_s_per_km"]), float(p["pace_high_s_per_km"]))
    if factor > 1.0 + 5e-4:  # a change of under 0.05 % is no change: the band stays as planned
        out.update(_slower(p, factor))
        out["steps"] = _steps_slower(list(p.get("steps") or []), factor)
        out["pace"] = fmt_band((out["pace_low_s_per_km"], out["pace_high_s_per_km"]), units)
        if p.get("distance_m") and p.get("duration_s"):  # the same distance takes longer
            out["duration_s"] = p["duration_s"] * factor
        pct = 100.0 * (factor - 1.0)
        info["sentence"] = (
            f"Pace band slowed {pct:.1f} % to {out['pace']} (planned {fmt_band(planned, units)}) "
            f"for {adjustment.reasons(units, kind)}; HR band and effort unchanged."
            + (f" {adjustment.warning}" if adjustment.warning else "")
        )
    else:
        info["factor"] = 1.0
    info["planned_pace_low_s_per_km"], info["planned_pace_high_s_per_km"] = planned
    out["conditions"] = info
    return out
