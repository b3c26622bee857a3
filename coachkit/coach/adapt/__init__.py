"""Adaptation rules: how the plan reacts to a check-in answer, missed days, fatigue, risk and
over-performance.

:func:`adapt` takes the current ``plan_workouts`` frame (docs/design.md §3, one row per date) and
the :class:`Signals` known on ``today`` and returns a new frame plus one :class:`Adaptation` per
change, each with its rule, evidence numbers, before/after and one plain sentence. The input is
never mutated; every changed row gets ``version + 1``. The rules run in the order of
:data:`RULES`, one module each (its docstring says what the rule does); a rule that finds the
runner recovering (back from a break, or fatigued) makes the rules that add load stand down.
On Sunday evening :func:`review_week` (the ``week_review`` rule) runs after them; a week whose
Sunday passed without a review is reviewed the next evening the coach runs (:func:`week_due`).

Invariants (tested by property): no new hard days back to back, nothing moved onto a rest day
marked unavailable, no long run raised above the risk cap.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from coachkit.coach.adapt import (
    checkin,
    exceeding,
    fatigue,
    high_risk,
    missed,
    niggle,
    return_to_run,
)
from coachkit.coach.adapt.draft import PlanDraft, Rule, finish
from coachkit.coach.adapt.records import Adaptation, Signals
from coachkit.coach.adapt.week_review import review_week, week_due

RULES: tuple[Rule, ...] = (
    checkin.RULE,
    missed.RULE,
    return_to_run.RULE,
    niggle.RULE,
    fatigue.RULE,
    high_risk.RULE,
    exceeding.RULE,
)


def adapt(
    workouts: pd.DataFrame,
    signals: Signals,
    *,
    units: str = "km",
    paces: Callable[[float], dict] | None = None,
) -> tuple[pd.DataFrame, list[Adaptation]]:
    """Run the adaptation rules on a plan; return the new plan frame and the adaptations.

    Parameters
    ----------
    workouts
        ``plan_workouts`` (docs/design.md §3), one row per date; never mutated.
    signals
        What is known on ``signals.today``.
    units
        ``"km"`` or ``"mi"``: the units of the paces and distances in the explanations.
    paces
        VDOT -> ``{"E"|"M"|"T"|"I"|"R": (fast, slow)}`` in s/km; default
        :func:`coachkit.features.daniels.daniels_paces`.

    Returns
    -------
    (pandas.DataFrame, list[Adaptation])
        Changed rows carry ``version + 1`` and status ``changed``, ``moved``, ``missed`` or ``done``.
    """
    w = PlanDraft(workouts, signals, units, paces)
    recovering = False
    for rule in RULES:
        if recovering and not rule.while_recovering:
            continue
        recovering = rule.apply(w) or recovering
    return finish(w, workouts), w.log


__all__ = ["RULES", "Adaptation", "Rule", "Signals", "adapt", "review_week", "week_due"]
