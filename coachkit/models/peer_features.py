"""What makes two runners alike, and what a population runner did before their best race
(issue 19, "runners like you"; docs/design.md, "Runners like you").

Everything here reads one runner's :class:`~coachkit.models.race_efforts.Runs` (days since
1970, metres, seconds, Daniels VDOT) and a *reference day*:

- **Features** (:func:`runner_features`) over the 12 weeks (84 days) strictly before the
  reference day: ``vdot``, the best Daniels VDOT of the runs of 3 km or more (a training run
  understates fitness, so this is a floor); ``weekly_km``, the run distance of those 12 weeks
  divided by 12; ``history_years``, the years since the runner's first run. For the runner
  being coached the reference day is "today"; for a population runner it is the start of the
  12 weeks before their best race, so that both are compared at the start of a 12-week block.
- **Best race** (:func:`best_race`): the data flag no races, so a population runner's best
  race is their race-like effort (:func:`coachkit.models.race_efforts.race_like`: within 3 %
  of 5 km, 10 km, half or marathon, at or above the 90th percentile of their VDOTs within
  ±180 days) with the highest VDOT among those with 12 weeks of training before them and a
  run of 3 km or more in the 12 weeks before that (to measure where they started).
- **The 12 weeks** (:func:`weekly_series`): per week before the race (−12 … −1; week −1 is
  the 7 days just before race day), the run distance and the longest run, in km.
- **Improvement**: the race's VDOT minus the ``vdot`` feature 12 weeks before it. The race is
  chosen as the runner's best, and the start is a training-run floor, so this is the change
  into a best race: an upper end, not what a block of training gives on average.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from coachkit.models.race_efforts import MIN_EFFORT_M, Runs, race_like

WEEKS = 12  # the block before a race that is compared (issue 19: "the 12 weeks before")
BLOCK_DAYS = 7 * WEEKS
#: the numeric features, in the order they are reported
FEATURES = ("vdot", "weekly_km", "history_years")
SEXES = ("male", "female")
_DAYS_PER_YEAR = 365.25


def _window(runs: Runs, start_day: float, end_day: float) -> slice:
    """The runs with ``start_day <= day < end_day`` (runs are sorted by day)."""
    lo = int(np.searchsorted(runs.day, start_day, "left"))
    hi = int(np.searchsorted(runs.day, end_day, "left"))
    return slice(lo, hi)


def runner_features(runs: Runs, ref_day: float) -> dict[str, float | None]:
    """``vdot``, ``weekly_km`` and ``history_years`` from the runs strictly before ``ref_day``;
    a feature is None when the runs do not tell it (no run at all, or no run of 3 km or more
    in the 12 weeks for ``vdot``).

    >>> from coachkit.models.race_efforts import make_runs
    >>> r = make_runs(np.array([0.0, 300.0, 310.0]), np.array([5e3, 1e4, 2e3]),
    ...               np.array([1500.0, 3000.0, 700.0]))
    >>> f = runner_features(r, 320.0)
    >>> round(f["vdot"], 1), round(f["weekly_km"], 2), round(f["history_years"], 3)
    (40.0, 1.0, 0.876)
    """
    block = _window(runs, ref_day - BLOCK_DAYS, ref_day)
    before = runs.day < ref_day
    if not before.any():
        return {"vdot": None, "weekly_km": None, "history_years": None}
    long_enough = runs.distance_m[block] >= MIN_EFFORT_M
    vdot = float(runs.vdot[block][long_enough].max()) if long_enough.any() else None
    return {
        "vdot": vdot,
        "weekly_km": float(runs.distance_m[block].sum()) / 1000.0 / WEEKS,
        "history_years": (ref_day - float(runs.day[before].min())) / _DAYS_PER_YEAR,
    }


def weekly_series(runs: Runs, ref_day: float) -> tuple[list[float], list[float]]:
    """Run km and longest run km of each of the 12 weeks before ``ref_day``, from week −12 to
    week −1 (week −w covers ``[ref_day − 7w, ref_day − 7w + 7)``); 0 for a week without runs."""
    volume, longest = [], []
    for w in range(WEEKS, 0, -1):
        d = runs.distance_m[_window(runs, ref_day - 7 * w, ref_day - 7 * (w - 1))] / 1000.0
        volume.append(float(d.sum()))
        longest.append(float(d.max()) if len(d) else 0.0)
    return volume, longest


def best_race(runs: Runs) -> int | None:
    """Index of the runner's best race (module docstring), or None when no race-like effort
    has 12 weeks of training before it and a run of 3 km or more in the 12 weeks before that."""
    if not len(runs):
        return None
    first = float(runs.day.min())
    best: int | None = None
    for j in np.flatnonzero(race_like(runs)):
        start = float(runs.day[j]) - BLOCK_DAYS
        if start < first:
            continue  # their history does not reach back to the start of the 12 weeks
        if runner_features(runs, start)["vdot"] is None:
            continue
        if best is None or runs.vdot[j] > runs.vdot[best]:
            best = int(j)
    return best


def peer_record(runs: Runs, sex: str | None) -> dict[str, Any] | None:
    """One population runner's row of ``peers.json`` (no id, no dates), or None without a
    best race: their features 12 weeks before it, the 12 weeks' volume and longest runs, the
    race (distance, VDOT) and the improvement into it (all rounded for the file)."""
    j = best_race(runs)
    if j is None:
        return None
    race_day = float(runs.day[j])
    features = runner_features(runs, race_day - BLOCK_DAYS)
    volume, longest = weekly_series(runs, race_day)
    race_vdot = float(runs.vdot[j])
    return {
        "sex": sex if sex in SEXES else None,
        "features": {k: round(float(v), 2) for k, v in features.items() if v is not None},
        "volume_km": [round(v, 1) for v in volume],
        "long_run_km": [round(v, 1) for v in longest],
        "race_distance_m": round(float(runs.distance_m[j]), 0),
        "race_vdot": round(race_vdot, 2),
        "improvement_vdot": round(race_vdot - float(features["vdot"] or math.nan), 2),
    }
