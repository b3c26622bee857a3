"""Next week in a draft: its rows, its :class:`~coachkit.coach.progression.WeekContext`, and the
one edit that sets its volume (:func:`set_week_volume`).

``week_review`` and ``exceeding`` both change next week's volume; both read the context here and
ask :func:`coachkit.coach.progression.next_week_volume`, so their wishes compose, never stack.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from coachkit.coach.adapt.draft import PlanDraft, scale
from coachkit.coach.explain import format_duration
from coachkit.coach.progression import WeekContext, chronic_weekly
from coachkit.core.units import format_distance
from coachkit.core.values import finite

LOWERED_SHARE = 0.90  # a week under 90 % of the largest so far is one the plan lowers on purpose
NOT_RUN = ("rest", "race")
DROPPABLE = ("easy", "recovery", "strides")
MIN_RUN_M = 3000.0  # the plan builder's shortest easy run (convention)


def min_run(ctx: WeekContext) -> float:
    """The shortest run worth keeping, in the context's metric (3 km, or 21 min at 7:00/km)."""
    return MIN_RUN_M if ctx.metric == "distance_m" else MIN_RUN_M / 1000.0 * 420.0


def week_rows(w: PlanDraft, monday: pd.Timestamp, *, open_only: bool = False) -> list:
    """Row indices of the Monday-Sunday week from ``monday``, rest and race days left out;
    ``open_only``: only sessions still to run as written (from the first day not yet run)."""
    start = max(monday, w.open_day) if open_only else monday
    rows = w.rows(start, monday + pd.Timedelta(days=6))
    return [
        i
        for i in rows
        if w.get(i, "kind") not in NOT_RUN
        and w.get(i, "status") != "moved"
        and (not open_only or w.open(i))
    ]


def metric_of(w: PlanDraft, rows: list) -> str:
    """``distance_m`` when every row has a distance, else ``duration_s``."""
    return "distance_m" if rows and w.df.loc[rows, "distance_m"].notna().all() else "duration_s"


def week_volume(w: PlanDraft, rows: list, metric: str) -> float:
    """The planned ``metric`` summed over ``rows``."""
    return float(w.df.loc[rows, metric].fillna(0).sum()) if rows else 0.0


def next_week_context(
    w: PlanDraft, this_monday: pd.Timestamp, done: pd.DataFrame | None = None
) -> tuple[WeekContext, list]:
    """The context of the week after the one starting ``this_monday``, and that week's open rows.

    ``largest`` is the largest planned week of the plan up to this one; ``chronic`` the mean
    weekly volume run over the 4 weeks ending on this week's Sunday (``done``, default
    ``Signals.done``).
    """
    nxt = this_monday + pd.Timedelta(days=7)
    rows = week_rows(w, nxt, open_only=True)
    this, whole = week_rows(w, this_monday), week_rows(w, nxt)
    metric = metric_of(w, this or rows)
    first = w.df["date"].min()
    mondays = pd.date_range(first - pd.Timedelta(days=first.day_of_week), this_monday, freq="7D")
    largest = max((week_volume(w, week_rows(w, m), metric) for m in mondays), default=0.0)
    planned = week_volume(w, whole, metric)
    race = any(w.get(i, "kind") == "race" for i in w.rows(nxt, nxt + pd.Timedelta(days=6)))
    ctx = WeekContext(
        planned=planned,
        this_week=week_volume(w, this, metric),
        largest=largest,
        chronic=chronic_weekly(
            w.s.done if done is None else done, min(w.today, nxt - pd.Timedelta(days=1)), metric
        ),
        lowered=race or (largest > 0 and planned < LOWERED_SHARE * largest),
        metric=metric,
    )
    return ctx, rows


def set_week_volume(w: PlanDraft, rows: list, ctx: WeekContext, target: float, note: str) -> None:
    """Scale next week's open ``rows`` so the week holds ``target`` (its sessions that are not
    open stay as they are); a long run grows only within the risk model's long-run cap."""
    now = week_volume(w, rows, ctx.metric)
    want = target - (ctx.planned - now)
    if now <= 0 or abs(want - now) < 1.0:
        return
    f = max(want, 0.0) / now
    easy = sorted(
        (i for i in rows if w.get(i, "kind") in DROPPABLE),
        key=lambda i: finite(w.get(i, ctx.metric)) or 0.0,
    )
    while (
        f < 1
        and easy
        and len(rows) > 1
        and (finite(w.get(easy[0], ctx.metric)) or 0.0) * f < min_run(ctx)
    ):
        i = easy.pop(0)
        w.set(i, kind="rest", distance_m=0.0, duration_s=0.0, steps="[]", status="changed")
        w.set(i, purpose=f"Rest: {note.lower()}, this run is dropped rather than cut under 3 km.")
        rows = [r for r in rows if r != i]
        now = week_volume(w, rows, ctx.metric)
        f = max(want, 0.0) / now if now > 0 else 1.0
    cap = w.cap()
    for i in rows:
        g = f
        d = finite(w.get(i, "distance_m"))
        if f > 1 and w.get(i, "kind") == "long":
            g = max(1.0, min(d * f, cap) / d) if cap is not None and d else 1.0
        if g != 1.0:
            scale(w, i, g)
            w.set(i, status="changed", purpose=f"{note}: {w.purpose(i)}")


def describe_volume(v: float, metric: str, units: str) -> str:
    """A week's volume in words."""
    return format_distance(v, units) if metric == "distance_m" else format_duration(v)


def ctx_evidence(ctx: WeekContext) -> dict[str, Any]:
    """The context's numbers, for an adaptation's evidence."""
    return {
        "next_week_planned": round(ctx.planned, 1),
        "largest_planned_week": round(ctx.largest, 1),
        "chronic_weekly": round(ctx.chronic, 1),
        "lowered_by_plan": ctx.lowered,
    }
