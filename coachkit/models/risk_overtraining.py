"""Overtraining / under-recovery rules of the risk model's evidence layer (docs/design.md §6).

Each :class:`Rule` fires when a column of :func:`coachkit.features.risk.risk_features` passes a
threshold, with a relative risk per tier. Every overtraining RR is a judgement (no study gives
one); each rule cites where its threshold comes from. :mod:`coachkit.models.risk_evidence`
turns the rules that fire into factors of the overtraining score, reported apart from the
overuse-injury score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Rule:
    """A factor that fires when ``column`` passes a tier's threshold; the highest tier reached
    sets the relative risk. ``text`` is formatted with ``v`` (the value) and the row."""

    code: str
    column: str
    op: str  # ">=", ">" or "<"
    tiers: tuple[tuple[float, float], ...]  # (threshold, relative risk), mildest first
    text: str
    source: str
    requires: tuple[str, float] | None = None  # (column, minimum) that must also hold

    def relative_risk(self, row: Mapping[str, Any]) -> float | None:
        v = row_value(row, self.column)
        if self.requires is not None and not row_value(row, self.requires[0]) >= self.requires[1]:
            return None
        passed = {">=": lambda t: v >= t, ">": lambda t: v > t, "<": lambda t: v < t}[self.op]
        rr = [r for t, r in self.tiers if passed(t)]
        return rr[-1] if rr else None


# Every overtraining RR is a judgement (no study gives one); each rule cites where its
# threshold comes from.
OVERTRAINING_RULES = (
    # Plews et al. 2012 (Eur J Appl Physiol 112:3729), 2013 (Sports Med 43:773): a 7-day lnRMSSD
    # below the smallest worthwhile change preceded non-functional overreaching
    Rule(
        "hrv_suppressed",
        "hrv_below_days",
        ">=",
        ((3, 1.5), (7, 2.0)),
        "your 7-day lnRMSSD ({ln_rmssd_7d:.2f}) has been below your normal range (from "
        "{swc_low:.2f}) for {v:.0f} days",
        "Plews et al. 2012, 2013",
    ),
    # > 5 bpm is features.resting_hr.RHR_ELEVATED_BPM; overloaded runners rose by 10 bpm
    # (Dressendorfer et al. 1985, Phys Sportsmed 13(8):77)
    Rule(
        "rhr_elevated",
        "rhr_above_bpm",
        ">",
        ((5.0, 1.3), (10.0, 1.6)),
        "your 7-day resting HR is {v:.1f} bpm above your baseline",
        "Dressendorfer et al. 1985",
    ),
    # docs/design.md §7 fatigue rules: HR above expected on successive runs; RPE >= 2 above plan
    Rule(
        "hr_above_expected",
        "hr_residual_bpm",
        ">=",
        ((5.0, 1.3),),
        "your HR was {v:.0f} bpm above expected over your last {hr_residual_n_7d:.0f} runs",
        "HR response model residuals",
        requires=("hr_residual_n_7d", 2),
    ),
    Rule(
        "rpe_above_plan",
        "rpe_above_plan",
        ">=",
        ((2.0, 1.3),),
        "a session felt {v:.0f} RPE points harder than planned in the last 3 days",
        "session RPE (Foster et al. 2001, J Strength Cond Res 15:109)",
    ),
    # Milewski et al. 2014 (J Pediatr Orthop 34:129): < 8 h of sleep, 1.7 x the injury rate in
    # adolescent athletes; < 7 h and 1.3 are a conservative reading for adults
    Rule(
        "poor_sleep",
        "sleep_h_7d",
        "<",
        ((7.0, 1.3),),
        "you slept {v:.1f} h a night over the last 7 days",
        "Milewski et al. 2014",
    ),
    Rule(
        "illness",
        "illness_days_7d",
        ">=",
        ((1.0, 1.5),),
        "illness logged on {v:.0f} of the last 7 days",
        "train easy while ill",
    ),
    # Foster 1998 (Med Sci Sports Exerc 30:1164): illness and overreaching followed weeks of
    # monotony > 2 and of strain above the athlete's own usual range
    Rule(
        "monotony",
        "monotony",
        ">",
        ((2.0, 1.3),),
        "training monotony {v:.1f} over the last 7 days (above 2)",
        "Foster 1998",
    ),
    Rule(
        "strain",
        "strain_pct_180d",
        ">=",
        ((90.0, 1.3),),
        "weekly strain {strain:.0f} is higher than on {v:.0f} % of your previous 180 days",
        "Foster 1998",
    ),
    Rule(
        "no_rest_day",
        "days_since_rest",
        ">=",
        ((10.0, 1.2),),
        "{v:.0f} days in a row without a rest day",
        "recovery days (no study gives an RR)",
    ),
)


def row_value(row: Mapping[str, Any], name: str) -> float:
    """``row[name]`` as a float; NaN when missing or not a number."""
    value = row.get(name)
    try:
        return float(value) if value is not None and pd.notna(value) else math.nan
    except (TypeError, ValueError):
        return math.nan
