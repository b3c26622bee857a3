"""The ``week_review`` rule: planned vs done volume of the week, then repeat or proceed.

It runs on Sunday evening, after the daily rules (:data:`coachkit.coach.adapt.RULES`), through
its own entry point :func:`review_week`: it needs the week's runs, not only today's signals.
"""

from __future__ import annotations

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.adapt.draft import PlanDraft, day_of, finish, scale
from coachkit.coach.adapt.records import Adaptation, Signals
from coachkit.core.units import format_distance

NAME = "week_review"
COMPLIANCE_REPEAT = 0.70  # convention: below 70 % of the planned volume the week is repeated


def review_week(
    workouts: pd.DataFrame, done: pd.DataFrame, signals: Signals, *, units: str = "km"
) -> tuple[pd.DataFrame, list[Adaptation]]:
    """The weekly review: planned vs done volume, then repeat (< 70 %) or proceed.

    The reviewed week is the Monday-Sunday week ending on ``signals.today`` when it is a
    Sunday, else the last complete week. Below 70 % compliance next week's volume is held at
    the reviewed week's planned volume (no step up); otherwise the plan proceeds. Volume is
    the distance when every planned run has one, else the duration.
    """
    w = PlanDraft(workouts, signals, units, None)
    end = (
        w.today
        if w.today.day_of_week == 6
        else w.today - pd.Timedelta(days=w.today.day_of_week + 1)
    )
    start, nxt = end - pd.Timedelta(days=6), end + pd.Timedelta(days=1)
    runs = [
        i
        for i in w.rows(start, end)
        if w.get(i, "kind") != "rest" and w.get(i, "status") != "moved"
    ]
    col = "distance_m" if runs and w.df.loc[runs, "distance_m"].notna().all() else "duration_s"
    d = done.assign(day=pd.DatetimeIndex([day_of(x) for x in done["date"]], dtype="datetime64[ns]"))
    did = (
        float(d.loc[(d["day"] >= start) & (d["day"] <= end), col].fillna(0).sum())
        if col in d
        else 0.0
    )
    planned = float(w.df.loc[runs, col].fillna(0).sum())
    fmt = (lambda v: format_distance(v, units)) if col == "distance_m" else ex.format_duration  # noqa: E731
    nrows = [
        i
        for i in w.rows(nxt, nxt + pd.Timedelta(days=6))
        if w.get(i, "kind") not in ("rest", "race") and w.open(i)
    ]
    nvol = float(w.df.loc[nrows, col].fillna(0).sum())
    if planned <= 0:
        return w.df, []
    pct = did / planned
    ev = {
        "week_start": start.date().isoformat(),
        "planned": planned,
        "done": did,
        "metric": col,
        "compliance": round(pct, 3),
        "next_week_planned": nvol,
        "vdot_now": signals.vdot_now,
    }
    before = {w.snap(i)["date"]: w.snap(i) for i in nrows}
    head = f"You did {fmt(did)} of the {fmt(planned)} planned in the week from {start.date().isoformat()} ({pct:.0%})"
    if pct >= COMPLIANCE_REPEAT:
        why = f"at least {COMPLIANCE_REPEAT:.0%}, so next week proceeds as planned ({fmt(nvol)})"
    elif nvol > planned:
        for i in nrows:
            scale(w, i, planned / nvol)
            w.set(i, status="changed", purpose=f"Repeat of last week's volume: {w.purpose(i)}")
        why = f"under {COMPLIANCE_REPEAT:.0%}, so next week repeats this week's {fmt(planned)} instead of {fmt(nvol)}"
    else:
        why = f"under {COMPLIANCE_REPEAT:.0%}, but next week ({fmt(nvol)}) is no bigger, so it stays as planned"
    w.add(
        NAME,
        ev,
        before,
        {w.snap(i)["date"]: w.snap(i) for i in nrows},
        ex.sentence(head, [why]),
    )
    return finish(w, workouts), w.log
