"""The ``return_to_run`` rule: after >= 7 days without running or >= 3 days ill, two weeks of
easy running at 50 % then 75 % of the planned volume.

The days without running count up to today, or up to today's run when there is one (back on a
Monday after three weeks is a break). They are a break only when the plan had runs on them: a
low-volume plan's own 7-day gap is not.

Daniels' Running Formula (3rd ed., "Setbacks"): 6-28 days off -> ~50 % of the load for the first
half of the return, ~75 % for the second. Weeks of 50 % then 75 %, then the plan (100 %) is our
conservative convention built on it; illness >= 3 days is treated like a break. While the runner
rebuilds, the rules that add load stand down.
"""

from __future__ import annotations

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.adapt.draft import (
    EASABLE_KINDS,
    PlanDraft,
    Rule,
    format_week_volume,
    scale,
    to_easy,
    volume,
)
from coachkit.coach.adapt.records import Signals

NAME = "return_to_run"
RETURN_BREAK_DAYS, RETURN_ILLNESS_DAYS = 7, 3
RETURN_RAMP = (0.50, 0.75)


def on_a_break(s: Signals) -> bool:
    """The runner is back from a break (or illness) long enough to rebuild."""
    return s.days_since_last_run >= RETURN_BREAK_DAYS or s.illness_days >= RETURN_ILLNESS_DAYS


def break_words(s: Signals) -> str:
    """The break in words: ``"9 days without running"``, or, when the days before today hold no
    run and no log at all (:attr:`Signals.data_days`), ``"9 days without a recorded run (no run
    or log for 8 days)"``: the coach does not know they were rest."""
    n = s.days_since_last_run
    today = pd.Timestamp(s.today).normalize().date()
    before = [d for d in s.data_days or () if d < today]
    if before:
        gap = (today - max(before)).days - 1  # the days before today with no run and no log
        if gap >= n - 1 and gap > 0:
            return f"{n} days without a recorded run (no run or log for {gap} days)"
    return f"{n} days without running"


def runs_were_planned(w: PlanDraft) -> bool:
    """The plan had a run on a day of the gap (a week the plan itself left empty is no break)."""
    s = w.s
    if s.illness_days >= RETURN_ILLNESS_DAYS:
        return True
    last = w.today - pd.Timedelta(days=s.days_since_last_run)
    gap = w.rows(last + pd.Timedelta(days=1), w.today - pd.Timedelta(days=1))
    return any(w.get(i, "kind") not in ("rest", "race") for i in gap)


def rebuild(w: PlanDraft) -> bool:
    """Ramp the next two weeks down after a break; True (recovering) while on a break."""
    s = w.s
    if not on_a_break(s) or not runs_were_planned(w):
        return False
    horizon = w.rows(w.open_day, w.open_day + pd.Timedelta(days=7 * len(RETURN_RAMP) - 1))
    if any("Return to run" in w.purpose(i) for i in horizon):
        return True  # already applied for this break
    ev = {"days_since_last_run": s.days_since_last_run, "illness_days": s.illness_days}
    why = f"after {break_words(s)}" + (f" and {s.illness_days} days ill" if s.illness_days else "")
    ramp(w, NAME, ev, why)
    return True


def ramp(w: PlanDraft, rule: str, ev: dict, why: str) -> None:
    """Two weeks from the next open day at 50 % then 75 % of the planned volume (easy running
    only in the first, no quality session in the second), one adaptation of ``rule`` per week
    with its sentence; ``why`` starts the reason (``"after 9 days without running"``)."""
    for week, factor in enumerate(RETURN_RAMP):
        start = w.open_day + pd.Timedelta(days=7 * week)
        rows = [
            i
            for i in w.rows(start, start + pd.Timedelta(days=6))
            if w.get(i, "kind") not in ("rest", "race") and w.open(i)
        ]
        if not rows:
            continue
        before = {w.snap(i)["date"]: w.snap(i) for i in rows}
        vol = volume(w.df.loc[rows])
        for i in rows:
            tag = f"Return to run (week {week + 1} of 3, {factor:.0%} volume): {w.purpose(i)}"
            if (
                week == 0
                and w.get(i, "kind") != "easy"
                or w.get(i, "kind") in EASABLE_KINDS | {"strides"}
            ):
                to_easy(w, i, tag.split(":")[0], keep_original=False, factor=factor)
            else:
                scale(w, i, factor)
                w.set(i, purpose=tag)
            w.set(i, status="changed")
        new_vol = volume(w.df.loc[rows])
        what = "has easy running only" if week == 0 else "has no quality sessions yet"
        text = ex.sentence(
            f"The week from {start.date().isoformat()} {what} at {factor:.0%} of the planned "
            f"volume ({format_week_volume(new_vol, w.units)} instead of "
            f"{format_week_volume(vol, w.units)})",
            [
                why + ", rebuilding 50 % → 75 % → 100 % over 3 weeks (after Daniels' return-from-"
                "break guideline)"
            ],
        )
        w.add(
            rule,
            {**ev, "week": week + 1, "factor": factor},
            before,
            {w.snap(i)["date"]: w.snap(i) for i in rows},
            text,
        )


RULE = Rule(NAME, rebuild)
