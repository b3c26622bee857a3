"""The two limits on a long run: its share of the week and the Garmin-RUNSAFE cap.

- **Share**: at most :data:`LONG_SHARE_MAX` of its week's volume (1/n in a week of n < 3 runs;
  a convention of published plans, e.g. Daniels: long runs at most 25-30 % of the week's
  mileage; 35 % leaves room for low-volume weeks).
- **Cap**: no run is longer than 1.1 × the longest run of the previous 30 days, the history's
  and the plan's own (Garmin-RUNSAFE, Frandsen et al. 2025, Br J Sports Med). Race day is exempt.
  The plan builder holds it against the plan's own runs; the ``high_risk`` rule caps the next
  long run at the risk model's cap; and today's prescription is held against what was actually
  run, whatever the plan says (:func:`runsafe_today`: a runner who ran less and logged nothing
  is not prescribed a jump).
"""

from __future__ import annotations

import math
from datetime import date

from coachkit.coach import workouts as wk
from coachkit.features.runsafe import LONG_RUN_CAP, LOOKBACK_DAYS

LONG_SHARE_MAX = 0.35
MIN_LONG_REF_M = 5000.0  # no run in the last 30 days: the cap starts from 5 km (convention)


def share_long(sessions: dict[date, wk.Workout]) -> None:
    """Shorten the week's long run to its share of the week, in place."""
    n = sum(1 for x in sessions.values() if x.kind != "race")
    share = max(LONG_SHARE_MAX, 1.0 / max(n, 1))
    for d, w in sessions.items():
        if w.kind == "long":
            rest = sum(x.distance_m for x in sessions.values() if x.kind != "race") - w.distance_m
            most = share / (1 - share) * rest if share < 1 else math.inf
            if w.distance_m > most > 0:
                sessions[d] = w.scaled(most / w.distance_m)


def runsafe_today(kind: str, distance_m: float | None, longest_30d_m: float | None) -> float | None:
    """Today's distance held within 1.1 × the longest run of the 30 days before today, or None
    when nothing needs to change (no distance, no run in 30 days, race day, or within the cap).

    >>> runsafe_today("easy", 3800.0, 3000.0)
    3300.0
    >>> runsafe_today("easy", 3000.0, 3000.0) is None, runsafe_today("race", 21097.5, 8000.0)
    (True, None)
    """
    if kind in ("rest", "race") or not distance_m or not longest_30d_m or longest_30d_m <= 0:
        return None
    cap = LONG_RUN_CAP * longest_30d_m
    return round(cap, 1) if distance_m > cap + 1.0 else None


def cap_long_runs(
    sessions: dict[date, wk.Workout],
    days: list[date],
    runs: dict[date, float],
    last_long: float,
    *,
    keep_longest: bool = False,
) -> float:
    """Cap every run of ``days`` at 1.1 × the longest of ``runs`` in the 30 days before it, in
    place; record each run in ``runs``. Returns the longest long run so far (unchanged when
    ``keep_longest``, as in a cutback week)."""
    for d in days:
        w = sessions.get(d)
        ref = max(
            (m for r, m in runs.items() if 0 < (d - r).days <= LOOKBACK_DAYS),
            default=MIN_LONG_REF_M,
        )
        cap = LONG_RUN_CAP * ref
        if w is not None and w.kind != "race":
            if w.distance_m > cap:
                w = w.scaled(cap / w.distance_m)
            if w.kind == "long":
                last_long = last_long if keep_longest else max(last_long, w.distance_m)
                w = wk.Workout(
                    w.kind,
                    w.steps,
                    w.label,
                    w.vdot,
                    note=f", within the {cap / 1000:.1f} km cap (1.1 × the longest run of the "
                    f"last 30 days, {ref / 1000:.1f} km; Garmin-RUNSAFE)",
                )
            sessions[d] = w
        if w is not None:
            runs[d] = w.distance_m
    return last_long
