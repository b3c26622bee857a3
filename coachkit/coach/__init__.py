"""The coach (docs/design.md §7): periodised plans, structured workouts and their exports.

- :class:`PlanBuilder` (:mod:`coachkit.coach.plan_builder`) builds a :class:`Plan` (base → build
  → peak → taper) for a :class:`Goal` from the current :class:`Fitness`; every workout carries
  one sentence with its numbers.
- :mod:`coachkit.coach.adapt`: the adaptation rules, one module each, run by :func:`adapt` in
  the order of :data:`~coachkit.coach.adapt.RULES`, and the weekly :func:`review_week`.
- :mod:`coachkit.coach.workouts`: workout kinds, structured steps, Daniels paces, Friel HR bands.
- :mod:`coachkit.coach.export`: ``.ics``, CSV, JSON and FIT workout files.

Pure: no disk, network or clock; "today" and the plan start are parameters.

The names below are imported lazily, on first use, so that a command which needs one module
(``coachkit today`` formats a stored workout with :mod:`coachkit.coach.workouts`) does not load
the plan builder, the adaptation rules and the models behind them.
"""

from __future__ import annotations

from coachkit.core.lazy import lazy_exports

#: public name -> the module that defines it
_LAZY = {
    "Adaptation": "coachkit.coach.adapt",
    "Signals": "coachkit.coach.adapt",
    "adapt": "coachkit.coach.adapt",
    "review_week": "coachkit.coach.adapt",
    "to_csv": "coachkit.coach.export",
    "to_fit_workouts": "coachkit.coach.export",
    "to_ics": "coachkit.coach.export",
    "to_json": "coachkit.coach.export",
    "Fitness": "coachkit.coach.plan",
    "Goal": "coachkit.coach.plan",
    "Phase": "coachkit.coach.plan",
    "Plan": "coachkit.coach.plan",
    "PlanBuilder": "coachkit.coach.plan_builder",
    "HARD_KINDS": "coachkit.coach.workouts",
    "KINDS": "coachkit.coach.workouts",
    "Repeat": "coachkit.coach.workouts",
    "Step": "coachkit.coach.workouts",
    "Targets": "coachkit.coach.workouts",
    "Workout": "coachkit.coach.workouts",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
