"""The ``fatigue`` rule: the next hard session within 2 days becomes easy (same duration, E
pace), or the next run is cut 20 %; with normal signals an eased session of this week is put
back, at current paces.

Fatigue is HR above expected on successive runs, HRV under its band, RPE well above plan,
resting HR up, short sleep or a high injury risk (:func:`fatigue_reasons`). The rule stands down
while the runner returns from a break, and while it holds, the rules that add load stand down.
"""

from __future__ import annotations

import json
import math

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.adapt.draft import (
    EASABLE_KINDS,
    SNAP,
    ZONE_OF_KIND,
    PlanDraft,
    Rule,
    day_of,
    eased_from,
    parse_steps,
    rescale_step_paces,
    retext,
    scale,
    to_easy,
    week_end,
)
from coachkit.coach.workouts import HARD_KINDS
from coachkit.core.values import finite

NAME = "fatigue"
HR_FLAG_BPM, HR_FLAG_Z = 5.0, 1.0  # a run's HR "above expected" (docs/design.md §7)
RPE_ABOVE_PLAN = 2.0  # CR-10 points above the planned RPE
RHR_UP_BPM = 5.0
SLEEP_LOW_H = 6.0
FATIGUE_DAYS = 2  # the hard session "within 2 days" that is eased
FATIGUE_CUT = 0.20
EVENT_KEYS = frozenset({"hr_residuals", "rpe_vs_plan", "rpe_date"})


def hr_flags(w: PlanDraft, sign: float = 1.0) -> list[tuple[pd.Timestamp, float, float]]:
    """Recent runs (last 7 days) with HR above (sign 1) or below (sign -1) what was expected."""
    runs = sorted((day_of(d), float(r), float(z)) for d, r, z in w.s.hr_residuals)
    runs = [r for r in runs if w.today - pd.Timedelta(days=7) <= r[0] <= w.today]
    flagged = [sign * r >= HR_FLAG_BPM or sign * z >= HR_FLAG_Z for _, r, z in runs]
    n = 0
    while n < len(flagged) and flagged[-1 - n]:
        n += 1
    return runs[len(runs) - n :]


def fatigue_reasons(w: PlanDraft) -> tuple[list[str], list[str], dict]:
    """(triggers, supporting phrases, evidence). Any trigger means fatigue."""
    s, trig, ev = w.s, [], {}
    hr = hr_flags(w)
    if hr:
        ev["hr_residuals"] = [[d.date().isoformat(), finite(r), finite(z)] for d, r, z in hr]
    hr_text = ex.hr_phrases(hr[-2:])
    if len(hr) >= 2:
        trig.append(hr_text)
    below = s.hrv_status == "below" or (
        s.hrv_7d is not None and s.hrv_band is not None and s.hrv_7d < s.hrv_band[0]
    )
    if below and s.hrv_7d is not None:
        trig.append(ex.hrv_phrase(s.hrv_7d, s.hrv_band, s.hrv_status))
        ev.update(hrv_7d=s.hrv_7d, hrv_band=list(s.hrv_band) if s.hrv_band else None)
    elif below:
        trig.append("your HRV status is below your normal range")
    rpe = [(day_of(d), v) for d, v in s.rpe_vs_plan if day_of(d) >= w.today - pd.Timedelta(days=3)]
    if rpe and max(rpe)[1] >= RPE_ABOVE_PLAN:
        d, v = max(rpe)
        trig.append(f"you rated {ex.weekday(d)}'s run {v:g} RPE points above plan")
        ev.update(rpe_vs_plan=v, rpe_date=d.date().isoformat())
    if s.rhr_deviation_bpm is not None and s.rhr_deviation_bpm >= RHR_UP_BPM:
        trig.append(f"your resting HR is {s.rhr_deviation_bpm:.0f} bpm above normal")
        ev["rhr_deviation_bpm"] = s.rhr_deviation_bpm
    if s.sleep_h is not None and s.sleep_h < SLEEP_LOW_H:
        trig.append(f"you slept {s.sleep_h:.1f} h (under {SLEEP_LOW_H:g} h)")
        ev["sleep_h"] = s.sleep_h
    if (s.risk or {}).get("level") == "high":
        trig.append(f"your injury-risk score is high ({finite(s.risk.get('score')) or 0:.0f}/100)")
        ev["risk_score"] = s.risk.get("score")
    support = [hr_text] if len(hr) == 1 else []
    return trig, support, ev


def _answered(w: PlanDraft, since: pd.Timestamp) -> bool:
    """A session dated after ``since`` was already eased or cut for fatigue."""
    return any(
        "(fatigue)" in w.purpose(i) for i in w.rows(since + pd.Timedelta(days=1), pd.Timestamp.max)
    )


def ease_off(w: PlanDraft) -> bool:
    """Ease or cut the next session while fatigued (True), else put eased sessions back."""
    trig, support, ev = fatigue_reasons(w)
    if not trig:
        if not support:
            _restore(w)
        return False
    # HR residuals and a logged RPE are events: each is answered once (a session after it
    # already eased or cut); HRV, resting HR, sleep and risk are states, answered while they last
    events = [d for d in (ev.get("hr_residuals", [[None]])[-1][0], ev.get("rpe_date")) if d]
    if set(ev) <= EVENT_KEYS and events and _answered(w, day_of(max(events))):
        return True
    window = w.rows(w.open_day, w.today + pd.Timedelta(days=FATIGUE_DAYS))
    active = [
        i
        for i in window
        if w.get(i, "status") in ("planned", "changed")
        and w.get(i, "kind") != "rest"
        and "(fatigue)" not in w.purpose(i)
    ]
    hard = [i for i in active if w.get(i, "kind") in HARD_KINDS - {"race"}]
    i = (hard or active or [None])[0]
    if i is None:
        return True
    before, what = w.snap(i), w.what(i)
    if w.get(i, "kind") in EASABLE_KINDS:
        to_easy(
            w,
            i,
            f"instead of the {before['kind']} (fatigue), back when recovery is normal",
            keep_original=True,
        )
        head = f"{what} becomes an easy run of the same duration at {ex.format_pace_range(w.get(i, 'pace_low_s_per_km'), w.get(i, 'pace_high_s_per_km'), w.units)}"
        ev["action"] = "ease"
    else:
        scale(w, i, 1 - FATIGUE_CUT)
        w.set(i, purpose=f"Cut {FATIGUE_CUT:.0%} (fatigue): {w.purpose(i)}")
        head = f"{what} is cut {FATIGUE_CUT:.0%} to {ex.format_volume(finite(w.get(i, 'distance_m')), finite(w.get(i, 'duration_s')), w.units)}"
        ev["action"] = "cut"
    w.set(i, status="changed")
    w.add(NAME, ev, before, w.snap(i), ex.sentence(head, support + trig))
    return True


def _restore(w: PlanDraft) -> None:
    """Signals are normal: put this week's eased sessions back, with current paces."""
    week = w.rows(w.today - pd.Timedelta(days=w.today.day_of_week), week_end(w.today))
    for i in week:
        orig = eased_from(w.get(i, "steps"))
        if orig is None:
            continue
        day = w.df.at[i, "date"]
        clear = not any(w.hard_on(day + pd.Timedelta(days=k)) for k in (-1, 1))
        target = i if day >= w.open_day and clear and w.get(i, "status") != "done" else None
        target = target if target is not None else w.host(w.open_day, week_end(w.today))
        if target is None:
            continue
        zone, old = (
            ZONE_OF_KIND.get(orig["kind"]),
            (orig["pace_low_s_per_km"], orig["pace_high_s_per_km"]),
        )
        band = w.band(zone) if zone else None
        lo, hi = band if band is not None else old
        ratio = (lo + hi) / (old[0] + old[1]) if band is not None and old[0] and old[1] else 1.0
        before, src_before = w.snap(target), w.snap(i)
        w.set(
            target,
            **{
                c: (orig[c] if orig[c] is not None else math.nan)
                for c in SNAP[:-1]
                if "pace" not in c
            },
            pace_low_s_per_km=lo,
            pace_high_s_per_km=hi,
            status="changed",
            steps=rescale_step_paces(orig["steps"], ratio),
        )
        w.set(target, purpose=retext(orig["purpose"] or "", orig, w.snap(target)))
        if target != i:
            step = parse_steps(w.get(i, "steps"))[0]
            step["restored_to"] = w.snap(target)["date"]
            del step["replaces"]
            w.set(i, steps=json.dumps([step]))
        vd = w.vdot()
        at = ex.format_pace_range(lo, hi, w.units) + (f" (VDOT {vd:.1f})" if vd else "")
        where = "back on" if target == i else "moved to"
        head = f"The {orig['kind']} eased on {ex.weekday(day)} is {where} {ex.weekday(w.df.at[target, 'date'])} at {at}"
        why = ["your recovery signals are normal again"]
        if w.s.hrv_7d is not None and w.s.hrv_band is not None:
            why.append(ex.hrv_phrase(w.s.hrv_7d, w.s.hrv_band))
        ev = {
            "action": "restore",
            "eased_date": src_before["date"],
            "vdot": vd,
            "hrv_7d": w.s.hrv_7d,
        }
        w.add(
            NAME,
            ev,
            {"source": src_before, "target": before},
            {"source": w.snap(i), "target": w.snap(target)},
            ex.sentence(head, why),
        )


RULE = Rule(NAME, ease_off, while_recovering=False)
