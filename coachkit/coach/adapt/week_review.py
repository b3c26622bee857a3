"""The ``week_review`` rule: planned vs done volume of the week, then next week's volume.

It runs on Sunday evening, after the daily rules (:data:`coachkit.coach.adapt.RULES`), through
its own entry point :func:`review_week`: it needs the week's runs, not only today's signals.
Its wish (repeat this week's volume under 70 % compliance, else proceed as planned) goes to
:func:`coachkit.coach.progression.next_week_volume`, which bounds it by what was actually run
(1.3 × the 4-week mean, Gabbett 2016) and by 1.1 × the largest planned week so far.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.adapt.draft import PlanDraft, day_of, finish
from coachkit.coach.adapt.next_week import (
    ctx_evidence,
    describe_volume,
    next_week_context,
    set_week_volume,
)
from coachkit.coach.adapt.records import Adaptation, Signals
from coachkit.coach.progression import ACWR_MAX, CHRONIC_WEEKS, next_week_volume

NAME = "week_review"
COMPLIANCE_REPEAT = 0.70  # convention: below 70 % of the planned volume the week is repeated
REPEAT_NOTE = "Repeat of last week's volume"
REBUILD_NOTE = "Rebuilt from what you ran"


def review_week(
    workouts: pd.DataFrame, done: pd.DataFrame, signals: Signals, *, units: str = "km"
) -> tuple[pd.DataFrame, list[Adaptation]]:
    """The weekly review: planned vs done volume, then next week's volume.

    The reviewed week is the Monday-Sunday week ending on ``signals.today`` when it is a
    Sunday, else the last complete week. Below 70 % compliance the wish is to hold next week at
    the reviewed week's planned volume; otherwise to proceed as planned. Either way next week
    is at most 1.3 × the mean weekly volume run over the last 4 weeks and 1.1 × the largest
    planned week so far. Volume is the distance when every planned run has one, else the
    duration.
    """
    w = PlanDraft(workouts, signals, units, None)
    end = (
        w.today
        if w.today.day_of_week == 6
        else w.today - pd.Timedelta(days=w.today.day_of_week + 1)
    )
    start = end - pd.Timedelta(days=6)
    ctx, nrows = next_week_context(w, start, done)
    col, planned = ctx.metric, ctx.this_week
    if planned <= 0:
        return w.df, []
    d = done.assign(day=pd.DatetimeIndex([day_of(x) for x in done["date"]], dtype="datetime64[ns]"))
    did = (
        float(d.loc[(d["day"] >= start) & (d["day"] <= end), col].fillna(0).sum())
        if col in d
        else 0.0
    )
    pct = did / planned
    decision = next_week_volume(ctx, repeat=pct < COMPLIANCE_REPEAT)
    ev = {
        "week_start": start.date().isoformat(),
        "planned": planned,
        "done": did,
        "metric": col,
        "compliance": round(pct, 3),
        "vdot_now": signals.vdot_now,
        **ctx_evidence(ctx),
        **decision.evidence(),
    }
    fmt = lambda v: describe_volume(v, col, units)  # noqa: E731
    nvol, new = ctx.planned, decision.volume
    before = {w.snap(i)["date"]: w.snap(i) for i in nrows}
    head = f"You did {fmt(did)} of the {fmt(planned)} planned in the week from {start.date().isoformat()} ({pct:.0%})"
    if (
        did == 0
        and signals.data_days is not None
        and not any(start.date() <= x <= end.date() for x in signals.data_days)
    ):  # missing data is named as missing, not read as a week of rest
        head = f"No data for the week from {start.date().isoformat()} (no run, no log; {fmt(planned)} planned)"
    if decision.binding == "acwr":
        note = REBUILD_NOTE
        base = (
            f"{ACWR_MAX} × the {fmt(ctx.chronic)} a week you ran over the last {CHRONIC_WEEKS} "
            "weeks (acute:chronic, Gabbett 2016)"
            if ACWR_MAX * ctx.chronic >= new
            else f"a restart: you ran {fmt(ctx.chronic)} a week over the last {CHRONIC_WEEKS} weeks"
        )
        why = f"next week is {fmt(new)} instead of {fmt(nvol)}: {base}, so the plan rebuilds from where you are"
    elif decision.binding == "growth":
        note = "Held within 1.1 × your largest week"
        why = f"next week is {fmt(new)} instead of {fmt(nvol)}: at most 1.1 × the largest planned week so far ({fmt(ctx.largest)})"
    elif decision.binding == "repeat":
        note = REPEAT_NOTE
        why = f"under {COMPLIANCE_REPEAT:.0%}, so next week repeats this week's {fmt(planned)} instead of {fmt(nvol)}"
    elif pct >= COMPLIANCE_REPEAT:
        note, why = (
            "",
            f"at least {COMPLIANCE_REPEAT:.0%}, so next week proceeds as planned ({fmt(nvol)})",
        )
    else:
        note = ""
        why = f"under {COMPLIANCE_REPEAT:.0%}, but next week ({fmt(nvol)}) is no bigger, so it stays as planned"
    if note:
        set_week_volume(w, nrows, ctx, new, note)
    w.add(
        NAME,
        ev,
        before,
        {w.snap(i)["date"]: w.snap(i) for i in nrows},
        ex.sentence(head, [why]),
    )
    return finish(w, workouts), w.log


def week_due(
    today: pd.Timestamp, plan_start: pd.Timestamp, reviewed: Callable[[str], bool]
) -> pd.Timestamp | None:
    """The Monday of the week to review at the end of ``today``, or None.

    On a Sunday its own week; on another day the last complete week, when its Sunday passed
    without a review (nothing was logged that evening), so the week under way is bounded all the
    same. ``reviewed(week_start)`` says whether a week (``YYYY-MM-DD``) was reviewed; a week that
    ends before ``plan_start`` has nothing to review.

    >>> seen = {"2024-03-04"}.__contains__
    >>> week_due(pd.Timestamp("2024-03-10"), pd.Timestamp("2024-03-04"), seen) is None
    True
    >>> week_due(pd.Timestamp("2024-03-19"), pd.Timestamp("2024-03-04"), seen).date()
    datetime.date(2024, 3, 11)
    """
    day = pd.Timestamp(today).normalize()
    sunday = day if day.day_of_week == 6 else day - pd.Timedelta(days=day.day_of_week + 1)
    monday = sunday - pd.Timedelta(days=6)
    if sunday < plan_start or reviewed(f"{monday:%Y-%m-%d}"):
        return None
    return monday
