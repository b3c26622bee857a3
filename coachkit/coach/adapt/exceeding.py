"""The ``exceeding`` rule: paces follow the fitness estimate both ways; next week may step up.

The plan's VDOT is read from the plan itself (the E band of its open easy and long runs, else
``Signals.vdot_plan``), so once paces are re-derived the rule does not fire again until the
estimate moves another full point: a hysteresis of :data:`VDOT_STEP`, so paces do not flicker.
When the current VDOT is a full point above the plan's, or the last three runs were below the
HR expected at their pace (runs after the last re-derivation only), paces get faster and next
week may step up by 5 % through :func:`coachkit.coach.progression.next_week_volume` (within
1.3 × the 4-week mean run and 1.1 × the largest planned week, never in a cutback or taper
week, never under a high risk). A full point below: paces get slower, no step up. The rule
stands down while the runner is recovering (back from a break, or fatigued) and in a week the
plan lowers (cutback or taper).
"""

from __future__ import annotations

import math
import re

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.adapt.draft import (
    INACTIVE,
    ZONE_OF_KIND,
    PlanDraft,
    Rule,
    eased_from,
    recovery_band,
    rescale_step_paces,
)
from coachkit.coach.adapt.fatigue import hr_flags
from coachkit.coach.adapt.next_week import (
    ctx_evidence,
    describe_volume,
    next_week_context,
    set_week_volume,
)
from coachkit.coach.progression import next_week_volume
from coachkit.core.units import format_distance
from coachkit.core.values import finite

NAME = "exceeding"
VDOT_STEP = 1.0  # one row of Daniels' table: the hysteresis that changes the paces, both ways
STRONG_RUNS = 3
STEP_UP = 0.05  # weekly volume increase when exceeding; well inside the RUNSAFE 10 % spike band
MARK = re.compile(r" \(paces from VDOT [0-9.]+, set (\d{4}-\d{2}-\d{2})\)")


def paced_vdot(w: PlanDraft) -> float | None:
    """The VDOT the plan's open easy and long runs are paced at (median; E band inverted)."""
    found = []
    for i in w.rows(w.open_day, pd.Timestamp.max):
        if w.get(i, "kind") not in ("easy", "long") or not w.open(i):
            continue
        fast = finite(w.get(i, "pace_low_s_per_km"))
        if fast is None or eased_from(w.get(i, "steps")) is not None:
            continue
        lo, hi = 20.0, 90.0  # E pace gets faster as VDOT grows: bisect
        for _ in range(30):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if w.paces(mid)["E"][0] > fast else (lo, mid)
        found.append((lo + hi) / 2)
    return float(pd.Series(found).median()) if found else None


def last_set(w: PlanDraft) -> pd.Timestamp | None:
    """The day paces were last re-derived (marked in the purposes), if ever."""
    days = [m.group(1) for i in w.df.index for m in [MARK.search(w.purpose(i))] if m]
    return pd.Timestamp(max(days)) if days else None


def raise_paces(w: PlanDraft) -> bool:
    """Re-derive the paces when the fitness estimate moved a full point; maybe step up. Never
    recovering."""
    s = w.s
    this_monday = w.today - pd.Timedelta(days=w.today.day_of_week)
    if next_week_context(w, this_monday - pd.Timedelta(days=7))[0].lowered:
        return False  # a cutback or taper week: the plan lowers the load on purpose
    now, plan = finite(s.vdot_now), paced_vdot(w) or finite(s.vdot_plan)
    since = last_set(w)
    strong = [r for r in hr_flags(w, sign=-1.0) if since is None or r[0] > since]
    up = True
    if now is not None and plan is not None and now >= plan + VDOT_STEP:
        vdot = now
        why = f"your current VDOT {now:.1f} is {now - plan:.1f} above the plan's {plan:.1f}"
    elif now is not None and plan is not None and now <= plan - VDOT_STEP:
        vdot, up = now, False
        why = f"your current VDOT {now:.1f} is {plan - now:.1f} below the plan's {plan:.1f}"
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
        "direction": "faster" if up else "slower",
        "strong_runs": [[d.date().isoformat(), r] for d, r, _ in strong],
    }
    _repace(w, vdot, ev, why)
    if up:
        _step_up(w, ev, why)
    return False


def _repace(w: PlanDraft, vdot: float, ev: dict, why: str) -> None:
    rows = [
        i
        for i in w.rows(w.open_day, pd.Timestamp.max)
        if w.get(i, "status") not in INACTIVE | {"done"} and w.get(i, "kind") in ZONE_OF_KIND
    ]
    before, after, example = {}, {}, None
    mark = f" (paces from VDOT {vdot:.1f}, set {w.today.date().isoformat()})"
    for i in rows:
        band = w.band(ZONE_OF_KIND[w.get(i, "kind")], vdot)
        lo, hi = recovery_band(band) if w.get(i, "kind") == "recovery" else band or (math.nan,) * 2
        old = (finite(w.get(i, "pace_low_s_per_km")), finite(w.get(i, "pace_high_s_per_km")))
        if not math.isfinite(lo) or (old[0] and abs(old[0] - lo) < 0.5 and abs(old[1] - hi) < 0.5):
            continue
        before[w.snap(i)["date"]] = w.snap(i)
        ratio = (lo + hi) / (old[0] + old[1]) if old[0] and old[1] else math.nan
        text = MARK.sub("", w.purpose(i))
        text = text[:-1] + mark + "." if text.endswith(".") else text + mark
        w.set(
            i,
            pace_low_s_per_km=lo,
            pace_high_s_per_km=hi,
            steps=rescale_step_paces(w.get(i, "steps"), ratio),
            purpose=text,
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


def _step_up(w: PlanDraft, ev: dict, why: str) -> None:
    if (w.s.risk or {}).get("level") == "high":
        return
    this_monday = w.today - pd.Timedelta(days=w.today.day_of_week)
    ctx, rows = next_week_context(w, this_monday)
    if not rows or ctx.lowered or any("stepped up" in w.purpose(i).lower() for i in rows):
        return
    decision = next_week_volume(ctx, step_up=STEP_UP)
    if decision.volume <= ctx.planned + 1.0:
        return
    before = {w.snap(i)["date"]: w.snap(i) for i in rows}
    set_week_volume(w, rows, ctx, decision.volume, f"Stepped up ≤{STEP_UP:.0%}")
    new = (
        ctx.planned
        + float(w.df.loc[rows, ctx.metric].fillna(0).sum())
        - sum(b[ctx.metric] or 0.0 for b in before.values())
    )
    fmt = lambda v: describe_volume(v, ctx.metric, w.units)  # noqa: E731
    cap = w.cap()
    bound = {
        "acwr": f"1.3 × the {fmt(ctx.chronic)} a week you ran over the last 4 weeks",
        "growth": f"1.1 × your largest planned week, {fmt(ctx.largest)}",
    }.get(decision.binding, f"+{STEP_UP:.0%}")
    capped = (
        f", long run within your {format_distance(cap, w.units)} cap"
        if cap
        else ", long run unchanged"
    )
    text = ex.sentence(
        f"Next week steps up to {fmt(new)} (was {fmt(ctx.planned)}, at most {bound}{capped})",
        [why],
    )
    after = {w.snap(i)["date"]: w.snap(i) for i in rows}
    w.add(
        NAME,
        {**ev, "step_up": STEP_UP, **ctx_evidence(ctx), **decision.evidence()},
        before,
        after,
        text,
    )


RULE = Rule(NAME, raise_paces, while_recovering=False)
