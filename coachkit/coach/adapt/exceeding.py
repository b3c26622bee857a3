"""The ``exceeding`` rule: paces re-derived from the higher VDOT, next week up by <= 5 % within
the cap.

The runner exceeds the plan when the current VDOT is a full point above the plan's, or the last
three runs were below the HR expected at their pace. The rule stands down while the runner is
recovering (back from a break, or fatigued) and next week is not stepped up under a high risk.
"""

from __future__ import annotations

import math

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.adapt.draft import (
    INACTIVE,
    ZONE_OF_KIND,
    PlanDraft,
    Rule,
    format_week_volume,
    recovery_band,
    rescale_step_paces,
    scale,
    volume,
    week_end,
)
from coachkit.coach.adapt.fatigue import hr_flags
from coachkit.core.units import format_distance
from coachkit.core.values import finite

NAME = "exceeding"
VDOT_STEP = 1.0  # one row of Daniels' table: the step that changes the paces
STRONG_RUNS = 3
STEP_UP = 0.05  # weekly volume increase when exceeding; well inside the RUNSAFE 10 % spike band


def raise_paces(w: PlanDraft) -> bool:
    """Re-derive the paces from the higher VDOT and step next week up. Never recovering."""
    s = w.s
    now, plan = finite(s.vdot_now), finite(s.vdot_plan)
    strong = hr_flags(w, sign=-1.0)
    if now is not None and plan is not None and now >= plan + VDOT_STEP:
        vdot, why = (
            now,
            f"your current VDOT {now:.1f} is {now - plan:.1f} above the plan's {plan:.1f}",
        )
    elif len(strong) >= STRONG_RUNS and (plan or now) is not None:
        vdot = max(now or 0.0, (plan or now) + VDOT_STEP)
        bpm = ex.join_reasons([f"{abs(r):.0f}" for _, r, _ in strong[-STRONG_RUNS:]])
        why = f"your last {STRONG_RUNS} runs were {bpm} bpm below the HR expected at their pace"
    else:
        return False
    ev = {
        "vdot_now": now,
        "vdot_plan": plan,
        "vdot_used": vdot,
        "strong_runs": [[d.date().isoformat(), r] for d, r, _ in strong],
    }
    rows = [
        i
        for i in w.rows(w.open_day, pd.Timestamp.max)
        if w.get(i, "status") not in INACTIVE | {"done"} and w.get(i, "kind") in ZONE_OF_KIND
    ]
    before, after, example = {}, {}, None
    for i in rows:
        band = w.band(ZONE_OF_KIND[w.get(i, "kind")], vdot)
        lo, hi = recovery_band(band) if w.get(i, "kind") == "recovery" else band or (math.nan,) * 2
        old = (finite(w.get(i, "pace_low_s_per_km")), finite(w.get(i, "pace_high_s_per_km")))
        if not math.isfinite(lo) or (old[0] and abs(old[0] - lo) < 0.5 and abs(old[1] - hi) < 0.5):
            continue
        before[w.snap(i)["date"]] = w.snap(i)
        ratio = (lo + hi) / (old[0] + old[1]) if old[0] and old[1] else math.nan
        w.set(
            i,
            pace_low_s_per_km=lo,
            pace_high_s_per_km=hi,
            steps=rescale_step_paces(w.get(i, "steps"), ratio),
        )
        after[w.snap(i)["date"]] = w.snap(i)
        if (
            example is None
            or w.get(i, "kind") in ("tempo", "intervals")
            and example[0] not in ("tempo", "intervals")
        ):
            example = (w.get(i, "kind"), old, (lo, hi))
    if example:
        k, old, new = example
        text = ex.sentence(
            f"Paces re-derived from VDOT {vdot:.1f} for {len(after)} session{'s' if len(after) > 1 else ''}, e.g. {k} "
            f"{ex.format_pace_range(*new, w.units)} (was {ex.format_pace_range(*old, w.units)})",
            [why],
        )
        w.add(NAME, ev, before, after, text)
    _step_up(w, ev, why)
    return False


def _step_up(w: PlanDraft, ev: dict, why: str) -> None:
    if (w.s.risk or {}).get("level") == "high":
        return
    start = week_end(w.today) + pd.Timedelta(days=1)
    rows = w.rows(start, start + pd.Timedelta(days=6))
    if not rows or any("stepped up" in w.purpose(i) for i in rows):
        return
    rows = [i for i in rows if w.get(i, "kind") not in ("rest", "race") and w.open(i)]
    before, vol, cap = (
        {w.snap(i)["date"]: w.snap(i) for i in rows},
        volume(w.df.loc[rows]),
        w.cap(),
    )
    for i in rows:
        d = finite(w.get(i, "distance_m"))
        f = 1 + STEP_UP
        if w.get(i, "kind") == "long":  # only up to a known cap: the plan already sits at its own
            f = max(1.0, min(d * f, cap) / d) if cap is not None and d is not None else 1.0
        scale(w, i, f)
        w.set(i, purpose=f"{w.purpose(i)} (stepped up ≤{STEP_UP:.0%})", status="changed")
    new = volume(w.df.loc[rows])
    capped = (
        f", long run within your {format_distance(cap, w.units)} cap"
        if cap
        else ", long run unchanged"
    )
    text = ex.sentence(
        f"Next week steps up to {format_week_volume(new, w.units)} (was "
        f"{format_week_volume(vol, w.units)}, at most +{STEP_UP:.0%}{capped})",
        [why],
    )
    w.add(
        NAME,
        {**ev, "step_up": STEP_UP},
        before,
        {w.snap(i)["date"]: w.snap(i) for i in rows},
        text,
    )


RULE = Rule(NAME, raise_paces, while_recovering=False)
