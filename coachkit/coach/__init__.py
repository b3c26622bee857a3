"""The coach (docs/design.md §7): periodised plans, structured workouts and their exports.

- :class:`PlanBuilder` (:mod:`coachkit.coach.plan_builder`) builds a :class:`Plan` (base → build
  → peak → taper) for a :class:`Goal` from the current :class:`Fitness`; every workout carries
  one sentence with its numbers.
- :mod:`coachkit.coach.adapt`: the adaptation rules, one module each, run by :func:`adapt` in
  the order of :data:`~coachkit.coach.adapt.RULES`, and the weekly :func:`review_week`.
- :mod:`coachkit.coach.workouts`: workout kinds, structured steps, Daniels paces, Friel HR bands.
- :mod:`coachkit.coach.export`: ``.ics``, CSV, JSON and FIT workout files.

Pure: no disk, network or clock; "today" and the plan start are parameters.
"""

from __future__ import annotations

from coachkit.coach.adapt import Adaptation, Signals, adapt, review_week
from coachkit.coach.export import to_csv, to_fit_workouts, to_ics, to_json
from coachkit.coach.plan import Fitness, Goal, Phase, Plan
from coachkit.coach.plan_builder import PlanBuilder
from coachkit.coach.workouts import HARD_KINDS, KINDS, Repeat, Step, Targets, Workout

__all__ = [
    "Adaptation",
    "Signals",
    "adapt",
    "review_week",
    "HARD_KINDS",
    "KINDS",
    "Fitness",
    "Goal",
    "Phase",
    "Plan",
    "PlanBuilder",
    "Repeat",
    "Step",
    "Targets",
    "Workout",
    "to_csv",
    "to_fit_workouts",
    "to_ics",
    "to_json",
]
