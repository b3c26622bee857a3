"""The ``high_risk`` rule: the next long run is capped, a recovery day follows the next hard
session, and monotonous training gets a rest day.

The cap is the risk model's ``long_run_cap_m`` (1.1 × the longest run of the last 30 days,
Garmin-RUNSAFE); the recovery day comes when the risk assessment asks for one (high risk); with
monotony over 2 or 10+ days without rest (Foster 1998, Med Sci Sports Exerc 30:1164) the next
easy day of the coming 7 days becomes a rest day, once a week. Each is what the risk card says
the coach will do (:mod:`coachkit.models.risk_evidence`).
"""

from __future__ import annotations

import json
import math

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.adapt.draft import (
    INACTIVE,
    PlanDraft,
    Rule,
    active_step,
    describe,
    recovery_band,
    scale,
)
from coachkit.core.units import format_distance
from coachkit.core.values import finite

NAME = "high_risk"
RECOVERY_RUN_S = 1800.0
VARY_CODES = frozenset({"monotony", "no_rest_day"})
VARY_TAG = "rest day (vary the days)"


def _codes(risk: dict) -> set[str]:
    """The factor codes of an assessment, overuse and overtraining."""
    over = (risk.get("overtraining") or {}).get("factors") or []
    return {f.get("code") for f in [*(risk.get("factors") or []), *over] if isinstance(f, dict)}


def vary(w: PlanDraft, risk: dict, why: list[str]) -> None:
    """Monotony or no rest day: the next easy day of the coming 7 days becomes a rest day."""
    codes = _codes(risk) & VARY_CODES
    week = w.rows(w.open_day, w.open_day + pd.Timedelta(days=6))
    recent = w.rows(w.open_day - pd.Timedelta(days=6), w.open_day + pd.Timedelta(days=6))
    if not codes or any(VARY_TAG in w.purpose(i) for i in recent):
        return
    easy = [i for i in week if w.open(i) and w.get(i, "kind") in ("easy", "recovery")]
    if not easy:
        return
    i, what = easy[0], w.what(easy[0])
    factors = [
        f.get("text")
        for f in (risk.get("overtraining") or {}).get("factors") or []
        if isinstance(f, dict) and f.get("code") in codes
    ]
    # the day's own sentence carries the numbers that made it a rest day
    reason = (
        factors[0] if factors else f"injury-risk score {finite(risk.get('score')) or 0:.0f}/100"
    )
    before = w.snap(i)
    w.set(
        i,
        kind="rest",
        distance_m=math.nan,
        duration_s=math.nan,
        pace_low_s_per_km=math.nan,
        pace_high_s_per_km=math.nan,
        steps="[]",
        status="changed",
        purpose=f"Rest: {VARY_TAG}: {reason}",
    )
    text = ex.sentence(f"{what} becomes a rest day", [*factors, *why][:2])
    w.add(NAME, {"codes": sorted(codes), "risk_score": risk.get("score")}, before, w.snap(i), text)


def guard(w: PlanDraft) -> bool:
    """Cap the next long run and add a recovery day after the next hard session. Never recovering."""
    risk = w.s.risk or {}
    score = finite(risk.get("score"))
    ev = {"risk_score": score, "level": risk.get("level"), "long_run_cap_m": w.cap()}
    why = [
        f"your injury-risk score is {score:.0f}/100 ({risk.get('level')})"
        if score is not None
        else "your injury risk"
    ]
    future = [
        i
        for i in w.rows(w.open_day, pd.Timestamp.max)
        if w.get(i, "status") not in INACTIVE | {"done"}
    ]
    cap = w.cap()
    longs = [i for i in future if w.get(i, "kind") == "long"]
    if cap is not None and longs and (finite(w.get(longs[0], "distance_m")) or 0) > cap + 1.0:
        i, before = longs[0], w.snap(longs[0])
        scale(w, i, cap / before["distance_m"])
        w.set(i, distance_m=cap, status="changed")  # exactly the cap, not a rounding above it
        text = ex.sentence(
            f"{ex.weekday(w.df.at[i, 'date'])}'s long run is capped at {format_distance(cap, w.units)} (was {format_distance(before['distance_m'], w.units)})",
            ["1.1 × your longest run of the last 30 days (Garmin-RUNSAFE, Frandsen 2025)", *why],
        )
        w.add(NAME, ev, before, w.snap(i), text)
    vary(w, risk, why)
    hard = [i for i in future if w.is_hard(i)]
    if risk.get("add_recovery_day") and hard:
        after_day = w.df.at[hard[0], "date"] + pd.Timedelta(days=1)
        j = w.by_day.get(after_day)
        if (
            j is None
            or w.get(j, "kind") in ("rest", "recovery", "race")
            or w.get(j, "status") != "planned"
        ):
            return False
        before, what = w.snap(j), w.what(j)
        lo, hi = recovery_band(w.band("E"))
        w.set(
            j,
            kind="recovery",
            duration_s=min(finite(w.get(j, "duration_s")) or RECOVERY_RUN_S, RECOVERY_RUN_S),
            distance_m=math.nan,
            pace_low_s_per_km=lo,
            pace_high_s_per_km=hi,
            status="changed",
            steps=json.dumps(
                [
                    active_step(
                        "recovery",
                        duration_s=RECOVERY_RUN_S,
                        pace_low_s_per_km=lo,
                        pace_high_s_per_km=hi,
                    )
                ]
            ),
        )
        hard_day = ex.weekday(after_day - pd.Timedelta(days=1))
        w.set(
            j,
            purpose=describe(
                w, j, f"recovery day after {hard_day}'s {w.get(hard[0], 'kind')} (high risk)"
            ),
        )
        text = ex.sentence(
            f"{what} becomes a {RECOVERY_RUN_S / 60:.0f}-min recovery run after {ex.weekday(after_day - pd.Timedelta(days=1))}'s {w.get(hard[0], 'kind')}",
            why,
        )
        w.add(NAME, {**ev, "add_recovery_day": True}, before, w.snap(j), text)
    return False


RULE = Rule(NAME, guard)
