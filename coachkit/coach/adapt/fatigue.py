"""The ``fatigue`` rule: the next hard session within 2 days becomes easy (same duration, E
pace), or the next run is cut 20 %; with normal signals an eased session of this week is put
back, at current paces.

Fatigue is HR above expected on two runs in a row (1.5 SD of the runner's own HR model), the
7-day HRV 1 SD under its baseline, RPE 2+ above plan, resting HR 5+ bpm up, under 6 h of sleep
or a poor sleep score, high Garmin stress or poor readiness, a feel of 2/5 or less, severe
soreness or a high injury risk (:func:`fatigue_reasons`; each threshold cited where it lives).
Each piece of evidence is answered once (its key in the adaptation log), however often the rules
run. The rule stands down while the runner returns from a break, and while it holds, the rules
that add load stand down; nothing is put back while the ``niggle`` rule holds hard sessions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

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
from coachkit.coach.adapt.niggle import hold_until
from coachkit.coach.workouts import HARD_KINDS
from coachkit.core.values import finite

NAME = "fatigue"
# A run's HR is "above expected" at z >= 1.5: 1.5 of the HR model's SD for this runner
# (HrResponseModel.explain ``sd_bpm``: the runner's own residual SD, pooled with the population's
# 10.6 bpm as if from 10 runs, so the population value rules until ~10 runs with HR). Two runs
# in a row over z 1.5 happen by chance on ~0.4 % of run pairs (normal tails, 6.7 % each), where
# a flat 5 bpm with an SD near 10.6 fired on ~10 % (issue #15).
HR_FLAG_Z = 1.5
# HRV: the 7-day lnRMSSD 1 SD of the runner's own daily values under their 60-day baseline
# (features.hrv: the band needs 14 readings, until then there is none). The 0.5 SD band of
# Plews et al. 2012 (Eur J Appl Physiol 112:3729) is the smallest worthwhile change, crossed on
# ~9 % of days by chance: worth showing, not worth easing a session for.
HRV_ALARM_SD, SWC_SD = 1.0, 0.5  # SWC_SD: features.hrv.hrv_status's swc_sd
RPE_ABOVE_PLAN = 2.0  # CR-10 points above the planned RPE (Foster et al. 2001, JSCR 15:109)
# Dressendorfer et al. 1985 (Phys Sportsmed 13(8):77): overloaded runners' resting HR rose ~10 bpm;
# +5 bpm is features.resting_hr.RHR_ELEVATED_BPM
RHR_UP_BPM = 5.0
# Van Dongen et al. 2003 (Sleep 26:117): 6 h a night impaired performance like total sleep loss
SLEEP_LOW_H = 6.0
SLEEP_SCORE_POOR = 60.0  # Garmin's sleep score: "poor" below 60 (its published ranges)
STRESS_HIGH = 51.0  # Garmin stress, day average: 51-75 "medium", 76-100 "high" (Garmin's ranges)
READINESS_POOR = 25.0  # Garmin training readiness: 1-24 "poor" (Garmin's ranges)
FEEL_POOR = 2.0  # the form's 1-5 scale: 2 "poor", 1 "awful"
# Serlin et al. 1995 (Pain 61:277): 7-10 on a 0-10 rating scale is "severe"
SORENESS_SEVERE = 7.0
FATIGUE_DAYS = 2  # the hard session "within 2 days" that is eased
NEXT_RUN_DAYS = 7  # else the next run of the coming week is cut
FATIGUE_CUT = 0.20


def hr_flags(w: PlanDraft, sign: float = 1.0) -> list[tuple[pd.Timestamp, float, float]]:
    """Recent runs (last 7 days), the latest ones in a row with HR above (sign 1) or below
    (sign -1) expected by :data:`HR_FLAG_Z` of the runner's HR-model SD."""
    runs = sorted((day_of(d), float(r), float(z)) for d, r, z in w.s.hr_residuals)
    runs = [r for r in runs if w.today - pd.Timedelta(days=7) <= r[0] <= w.today]
    flagged = [sign * z >= HR_FLAG_Z for _, _, z in runs]
    n = 0
    while n < len(flagged) and flagged[-1 - n]:
        n += 1
    return runs[len(runs) - n :]


def heat_note(s: Any, runs: list[tuple[pd.Timestamp, float, float]]) -> str:
    """What the expected HR of ``runs`` already allowed for heat, e.g. "; expected HR includes
    +10 bpm for 30 °C on Tuesday" ("" when none of them was hot): a flag on a hot day says it
    is HR above the heat-adjusted expectation."""
    days: dict[str, list[str]] = {}  # "+10 bpm for 30 °C" -> the weekdays it was added on
    for d, _, _ in runs:
        if d.date() in s.hr_heat:
            bpm, temp = s.hr_heat[d.date()]
            days.setdefault(f"+{bpm:.0f} bpm for {temp:.0f} °C", []).append(ex.weekday(d))
    parts = [f"{what} on {ex.join_reasons(list(dict.fromkeys(on)))}" for what, on in days.items()]
    return f"; expected HR includes {ex.join_reasons(parts)}" if parts else ""


def _hrv_low(s: Any) -> tuple[bool, float | None]:
    """(the 7-day HRV is :data:`HRV_ALARM_SD` under the baseline, that line)."""
    if s.hrv_7d is None or s.hrv_band is None:
        return False, None
    lo, hi = s.hrv_band
    sd = (hi - lo) / (2 * SWC_SD)
    line = (lo + hi) / 2 - HRV_ALARM_SD * sd
    return s.hrv_7d < line, line


def _state_triggers(s: Any) -> list[tuple[str, float, str]]:
    """(name, value, phrase) of each morning or logged state past its threshold."""
    checks = (
        (
            "rhr_deviation_bpm",
            s.rhr_deviation_bpm,
            lambda v: v >= RHR_UP_BPM,
            "your resting HR is {:.0f} bpm above normal",
        ),
        (
            "sleep_h",
            s.sleep_h,
            lambda v: v < SLEEP_LOW_H,
            f"you slept {{:.1f}} h (under {SLEEP_LOW_H:g} h)",
        ),
        (
            "sleep_score",
            s.sleep_score,
            lambda v: v < SLEEP_SCORE_POOR,
            f"your sleep score was {{:.0f}} (poor: under {SLEEP_SCORE_POOR:.0f})",
        ),
        (
            "stress",
            s.stress,
            lambda v: v >= STRESS_HIGH,
            f"your Garmin stress averaged {{:.0f}} (medium or high: {STRESS_HIGH:.0f}+)",
        ),
        (
            "readiness",
            s.readiness,
            lambda v: v < READINESS_POOR,
            f"your training readiness is {{:.0f}} (poor: under {READINESS_POOR:.0f})",
        ),
        ("feel", s.feel, lambda v: v <= FEEL_POOR, "you felt {:.0f}/5 today"),
        (
            "soreness",
            s.soreness,
            lambda v: v >= SORENESS_SEVERE,
            f"your soreness is {{:.0f}}/10 (severe: {SORENESS_SEVERE:.0f}+)",
        ),
    )
    return [(n, v, t.format(v)) for n, v, fires, t in checks if v is not None and fires(v)]


def fatigue_reasons(w: PlanDraft) -> tuple[list[str], list[str], dict]:
    """(triggers, supporting phrases, evidence). Any trigger means fatigue; ``evidence["keys"]``
    names each trigger once (an event by its day, a state by today) so it is answered once."""
    s, trig, ev, keys = w.s, [], {}, []
    today = w.today.date().isoformat()
    hr = hr_flags(w)
    if hr:
        ev["hr_residuals"] = [[d.date().isoformat(), finite(r), finite(z)] for d, r, z in hr]
    hr_text, heat = ex.hr_phrases(hr[-2:]), heat_note(w.s, hr[-2:])
    if len(hr) >= 2:
        trig.append(f"{hr_text} (over {HR_FLAG_Z:g} × your HR-model SD){heat}")
        keys.append(f"hr:{hr[-1][0].date().isoformat()}")
    low, line = _hrv_low(s)
    if low:
        trig.append(
            f"{ex.hrv_phrase(s.hrv_7d, s.hrv_band, s.hrv_status)}, under {line:.2f} "
            f"({HRV_ALARM_SD:g} SD below your baseline)"
        )
        ev.update(hrv_7d=s.hrv_7d, hrv_band=list(s.hrv_band), hrv_alarm=line)
        keys.append(f"hrv:{today}")
    rpe = [(day_of(d), v) for d, v in s.rpe_vs_plan if day_of(d) >= w.today - pd.Timedelta(days=3)]
    if rpe and max(rpe)[1] >= RPE_ABOVE_PLAN:
        d, v = max(rpe)
        trig.append(f"you rated {ex.weekday(d)}'s run {v:g} RPE points above plan")
        ev.update(rpe_vs_plan=v, rpe_date=d.date().isoformat())
        keys.append(f"rpe:{d.date().isoformat()}")
    for name, value, text in _state_triggers(s):
        trig.append(text)
        ev[name] = value
        keys.append(f"{name}:{today}")
    if (s.risk or {}).get("level") == "high":
        trig.append(f"your injury-risk score is high ({finite(s.risk.get('score')) or 0:.0f}/100)")
        ev["risk_score"] = s.risk.get("score")
        keys.append(f"risk:{today}")
    if keys:
        ev["keys"] = keys
    support = [hr_text + heat] if len(hr) == 1 else []
    return trig, support, ev


def _plan_answers(w: PlanDraft) -> frozenset[str]:
    """Keys answered by sessions of the plan itself (their first step's ``answers``) and by
    this run of the rules: with :attr:`Signals.answered` (the log) a day rewritten since does not
    lose what it answered."""
    found = answered_keys(a.evidence for a in w.log)
    for raw in w.df.get("steps", []):
        steps = parse_steps(raw)
        if steps and isinstance(steps[0], dict) and steps[0].get("answers"):
            found |= frozenset(steps[0]["answers"])
    return found


def answered_keys(evidence: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """The trigger keys the logged ``fatigue`` adaptations (their evidence) already answered."""
    return frozenset(k for ev in evidence for k in (ev or {}).get("keys", []))


def ease_off(w: PlanDraft) -> bool:
    """Ease or cut the next session while fatigued (True), else put eased sessions back."""
    trig, support, ev = fatigue_reasons(w)
    if not trig:
        held, _ = hold_until(w.s)
        if not support and (held is None or held < w.open_day):
            _restore(w)
        return False
    # each trigger is answered once: an HR run or a logged RPE by its day, a state (HRV,
    # resting HR, sleep, stress, readiness, feel, soreness, risk) once a day while it lasts;
    # the keys answered come from the adaptation log, so a rewritten day is not cut again
    if set(ev["keys"]) <= w.s.answered | _plan_answers(w):
        return True
    # the hard session within 2 days becomes easy; else the next run (within a week) is cut
    window = w.rows(w.open_day, w.today + pd.Timedelta(days=NEXT_RUN_DAYS))
    active = [
        i
        for i in window
        if w.get(i, "status") in ("planned", "changed")
        and w.get(i, "kind") not in ("rest", "race")
        and "(fatigue)" not in w.purpose(i)
    ]
    soon = w.today + pd.Timedelta(days=FATIGUE_DAYS)
    hard = [i for i in active if w.get(i, "kind") in HARD_KINDS and w.df.at[i, "date"] <= soon]
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
    steps = parse_steps(w.get(i, "steps")) or [{}]
    if isinstance(steps[0], dict):
        steps[0]["answers"] = ev["keys"]
    w.set(i, status="changed", steps=json.dumps(steps))
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
        paced = finite(lo) is not None and finite(hi) is not None  # hills have an effort target
        at = (
            f" at {ex.format_pace_range(lo, hi, w.units)}" + (f" (VDOT {vd:.1f})" if vd else "")
            if paced
            else ""
        )
        where = "back on" if target == i else "moved to"
        head = f"The {orig['kind']} eased on {ex.weekday(day)} is {where} {ex.weekday(w.df.at[target, 'date'])}{at}"
        why = ["your recovery signals are normal again"]
        low, line = _hrv_low(w.s)
        if line is not None and not low:
            why.append(
                f"your 7-day lnRMSSD ({w.s.hrv_7d:.2f}) is back above {line:.2f} "
                f"({HRV_ALARM_SD:g} SD below your baseline)"
            )
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
