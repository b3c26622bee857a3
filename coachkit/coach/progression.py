"""Next week's volume, decided in one place from what was run and every rule's wish.

The plan builder, the weekly review (``week_review``) and the over-performance rule
(``exceeding``) all ask :func:`next_week_volume`; each passes its wish (the plan's own week,
"repeat this week", "step up 5 %") and the function applies the bounds once, so wishes never
stack. The bounds:

- **Acute:chronic**: no week above :data:`ACWR_MAX` × the mean weekly volume actually run over
  the last :data:`CHRONIC_WEEKS` weeks. Gabbett 2016 (Br J Sports Med 50:273): an acute:chronic
  workload ratio of 0.8–1.3 is the "sweet spot"; above 1.5 injury risk climbs steeply.
- **Growth**: no week above :data:`MAX_WEEKLY_INCREASE` over the largest planned week so far
  (the "10 % rule": a conservative convention, not evidence, Buist et al. 2008, Am J Sports
  Med 36:33).
- A runner who ran nothing at all in those 4 weeks (a first plan, or a return after a long
  break, which ``return_to_run`` eases further) is allowed :data:`START_FLOOR_KM` a week (a
  convention: two runs of 2.5 km), or the same in time at an easy 7 min/km. Any running at all
  sets the bound: 2 km a week run allows 2.6 km, not the floor.

A week the plan itself lowers (a cutback or taper week) is never stepped up. Volumes are in
one metric per call: metres (distance) or seconds (duration).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

ACWR_MAX = 1.3  # Gabbett 2016, BJSM 50:273: acute:chronic above 1.3 leaves the "sweet spot"
CHRONIC_WEEKS = 4  # the chronic window of Gabbett's acute:chronic ratio (4 weeks)
MAX_WEEKLY_INCREASE = 0.10  # the "10 % rule" (convention; Buist et al. 2008, AJSM 36:33)
START_FLOOR_KM = 5.0  # the week allowed after 4 weeks with no running at all (convention)
EASY_S_PER_KM = 420.0  # the floor in time: 5 km at 7:00/km
TOLERANCE = 1.0 + 1e-6  # rounding of stored distances


@dataclass(frozen=True)
class WeekContext:
    """What decides next week: the plan's own next week, this week, and what was run."""

    planned: float  # next week's volume as the plan holds it now
    this_week: float  # this week's planned volume
    largest: float  # the largest planned week so far (this week included)
    chronic: float  # mean weekly volume run over the last CHRONIC_WEEKS weeks
    lowered: bool = False  # the plan itself lowers next week (a cutback or taper week)
    metric: str = "distance_m"


@dataclass(frozen=True)
class Decision:
    """Next week's volume, the bound that set it (``"plan"``, ``"repeat"``, ``"step_up"``,
    ``"acwr"`` or ``"growth"``) and the numbers behind it."""

    volume: float
    binding: str
    cap_acwr: float
    cap_growth: float
    wish: float

    @property
    def rebuilds(self) -> bool:
        """The runner ran much less than planned: the week is set from what was run."""
        return self.binding == "acwr"

    def evidence(self) -> dict[str, float | str]:
        """The numbers, for an adaptation's evidence."""
        return {
            "next_week_volume": round(self.volume, 1),
            "bound": self.binding,
            "acwr_cap": round(self.cap_acwr, 1),
            "growth_cap": round(self.cap_growth, 1),
            "wish": round(self.wish, 1),
        }


def floor_of(metric: str) -> float:
    """:data:`START_FLOOR_KM` in the metric (metres or seconds)."""
    m = START_FLOOR_KM * 1000.0
    return m if metric == "distance_m" else m / 1000.0 * EASY_S_PER_KM


def acwr_cap(chronic: float, metric: str = "distance_m") -> float:
    """The most a week may hold after ``chronic`` a week was run: 1.3 × chronic, or the start
    floor when nothing was run.

    >>> acwr_cap(2000.0), acwr_cap(0.0)
    (2600.0, 5000.0)
    """
    return ACWR_MAX * chronic if chronic > 0 else floor_of(metric)


def next_week_volume(ctx: WeekContext, *, repeat: bool = False, step_up: float = 0.0) -> Decision:
    """Next week's volume from every wish and bound.

    ``repeat``: the weekly review asks to hold this week's volume (no step up). ``step_up``:
    the over-performance rule asks for that fraction more (ignored in a week the plan lowers).
    The result is the wish, bounded by the acute:chronic cap and the growth cap.

    >>> ctx = WeekContext(planned=31000, this_week=30000, largest=30000, chronic=8000)
    >>> d = next_week_volume(ctx)
    >>> round(d.volume), d.binding
    (10400, 'acwr')
    >>> d = next_week_volume(WeekContext(30000, 30000, 30000, 30000), step_up=0.05)
    >>> round(d.volume), d.binding
    (31500, 'step_up')
    """
    wish, binding = ctx.planned, "plan"
    if repeat and ctx.this_week < wish:
        wish, binding = ctx.this_week, "repeat"
    if step_up > 0 and not ctx.lowered:
        wish, binding = wish * (1.0 + step_up), "step_up"
    cap_a = acwr_cap(ctx.chronic, ctx.metric)
    cap_g = (1.0 + MAX_WEEKLY_INCREASE) * ctx.largest if ctx.largest > 0 else math.inf
    volume = wish
    if cap_g < volume:
        volume, binding = cap_g, "growth"
    if cap_a < volume:
        volume, binding = cap_a, "acwr"
    return Decision(volume, binding, cap_a, cap_g, wish)


def chronic_weekly(done: pd.DataFrame, end: pd.Timestamp, metric: str = "distance_m") -> float:
    """Mean weekly ``metric`` run over the :data:`CHRONIC_WEEKS` weeks ending on ``end`` (incl.)."""
    if done is None or len(done) == 0 or metric not in done:
        return 0.0
    days = pd.to_datetime(done["date"])
    days = days.dt.tz_convert(None) if days.dt.tz is not None else days
    days = days.dt.normalize()
    start = end - pd.Timedelta(weeks=CHRONIC_WEEKS) + pd.Timedelta(days=1)
    sel = (days >= start) & (days <= end)
    return float(done.loc[sel.to_numpy(), metric].fillna(0).sum()) / CHRONIC_WEEKS


def within_bounds(ctx: WeekContext, volume: float) -> bool:
    """``volume`` respects both caps (what the property tests check)."""
    d = next_week_volume(ctx)
    return volume <= max(d.cap_acwr, 0.0) * TOLERANCE and volume <= d.cap_growth * TOLERANCE


__all__ = [
    "ACWR_MAX",
    "CHRONIC_WEEKS",
    "MAX_WEEKLY_INCREASE",
    "START_FLOOR_KM",
    "Decision",
    "WeekContext",
    "acwr_cap",
    "chronic_weekly",
    "floor_of",
    "next_week_volume",
    "within_bounds",
]
