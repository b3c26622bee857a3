"""Evidence layer of the risk model: published effect sizes turned into a daily, explained score.

Two scores, reported apart (issue #6, docs/design.md §6):

* **Overuse-injury risk**: session spikes against the longest run of the previous 30 days
  (Garmin-RUNSAFE), niggles, a previous injury and the runner's personal triggers.
* **Overtraining / under-recovery**: HRV below its normal range, resting HR up, HR above
  expected, RPE above plan, poor sleep, illness, monotony and strain, no rest day (the rules
  and their sources: :mod:`coachkit.models.risk_overtraining`).

**Scale.** Each active factor carries a relative risk RR_i (a hazard or odds ratio from a study,
or a documented judgement where no study gives a number); its ``weight`` is ln RR_i. Factors
combine log-additively: RR = Π RR_i (independence is an assumption, and it is stated). The
``score`` is the attributable fraction, 100 · (1 − 1/RR): the share of today's risk that the
active factors add over the same runner on a day without them (0 = nothing active; RR 1.64 →
39; RR 2.28 → 56). Levels: ``low`` below RR 1.5, ``moderate`` from 1.5 (the smallest
published spike effect, 1.52, rounded), ``high`` from 2.0 (a doubled rate). A score above 0
always comes with its factors, biggest first.

ACWR is deliberately **not** a factor: it adds nothing over chance (Impellizzeri et al. 2020,
Int J Sports Physiol Perform 15:907) and had no association with injury in Garmin-RUNSAFE. The
weekly "10 % rule" failed a randomised trial (Buist et al. 2008, Am J Sports Med 36:33), so
weekly change is a feature, not a factor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.localtime import as_day
from coachkit.features.risk import risk_features
from coachkit.features.runsafe import LONG_RUN_CAP
from coachkit.models.risk_factors import (
    RiskFactor,
    fmt_km,
    injury_factors,
    overtraining_factors,
)
from coachkit.models.risk_overtraining import row_value
from coachkit.models.risk_personal import PersonalRisk, personal_risk

MODERATE_RR, HIGH_RR = 1.5, 2.0
LEVELS = ("low", "moderate", "high")
TIMELINE_COLUMNS = (
    "score",
    "level",
    "relative_risk",
    "factor_codes",
    "top_factor_text",
    "overtraining_score",
    "overtraining_level",
    "overtraining_factor_codes",
    "long_run_cap_m",
    "changes",
)


@dataclass(frozen=True)
class RiskScore:
    """A score (0..100, attributable fraction), its level, relative risk and factors."""

    score: float
    level: str
    relative_risk: float
    factors: list[RiskFactor]

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "level": self.level,
            "relative_risk": round(self.relative_risk, 3),
            "factors": [f.to_dict() for f in self.factors],
        }


@dataclass(frozen=True)
class RiskAssessment:
    """Risk of one day: overuse injury (``score``, ``level``, ``factors``) and, apart from it,
    ``overtraining``; ``changes`` says what the coach will change, ``explanation`` why.

    ``score`` = 100 · (1 − 1/``relative_risk``), 0..100 (module docstring); ``level`` is
    ``low`` (RR < 1.5), ``moderate`` or ``high`` (RR >= 2); ``factors`` are sorted by weight,
    biggest first. ``long_run_cap_m`` (1.1 × the 30-day longest) and ``add_recovery_day``
    are the machine-readable form of ``changes`` for the coach."""

    date: pd.Timestamp
    score: float
    level: str
    relative_risk: float
    factors: list[RiskFactor]
    overtraining: RiskScore
    changes: list[str]
    explanation: str
    long_run_cap_m: float | None = None
    add_recovery_day: bool = False
    personal_share: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``score`` and ``factors`` (each with ``code`` and ``text``) and more."""
        return {
            "date": self.date.date().isoformat(),
            "score": self.score,
            "level": self.level,
            "relative_risk": round(self.relative_risk, 3),
            "factors": [f.to_dict() for f in self.factors],
            "overtraining": self.overtraining.to_dict(),
            "changes": list(self.changes),
            "explanation": self.explanation,
            "long_run_cap_m": self.long_run_cap_m,
            "add_recovery_day": self.add_recovery_day,
            "personal_share": round(self.personal_share, 3),
            "notes": list(self.notes),
        }


def _score(factors: list[RiskFactor]) -> RiskScore:
    factors = sorted(factors, key=lambda f: (-f.weight, f.code))
    rr = math.exp(sum(f.weight for f in factors))
    level = "high" if rr >= HIGH_RR - 1e-9 else "moderate" if rr >= MODERATE_RR - 1e-9 else "low"
    return RiskScore(round(100.0 * (1.0 - 1.0 / rr), 1), level, rr, factors)


def _changes(
    row: Mapping[str, Any], injury: RiskScore, over: RiskScore
) -> tuple[list[str], float | None, bool]:
    """What the coach will change (docs/design.md §7 "high risk: cap the long run and add recovery")."""
    codes = {f.code for f in injury.factors} | {f.code for f in over.factors}
    out, longest = [], row_value(row, "longest_30d_m")
    # the RUNSAFE cap holds every day (the coach enforces it on the next long run); it is
    # named as a change only when today is a spike or the risk is high
    cap = round(LONG_RUN_CAP * longest, 1) if np.isfinite(longest) and longest > 0 else None
    if ("long_run_spike" in codes or injury.level == "high") and cap is not None:
        out.append(
            f"cap the long run at {fmt_km(cap)} ({LONG_RUN_CAP:g} × your 30-day longest, "
            f"{fmt_km(longest)})"
        )
    recovery = injury.level == "high" or over.level == "high"
    # each sentence is what a rule of coachkit.coach.adapt does (a test per factor checks it)
    if recovery:
        out.append("add a recovery day: an easy 30 min the day after the next hard session")
    if "niggle" in codes:
        out.append(
            "no tempo, intervals or hills until the niggle is below 3/10 and for 2 days after"
        )
    if "illness" in codes:
        out.append("no tempo, intervals or hills until 2 days after the last day you log illness")
    if codes & {"monotony", "no_rest_day"}:
        out.append("vary the days: the next easy day of the coming week becomes a rest day")
    if not out and (injury.level != "low" or over.level != "low"):
        # elevated, but no factor with an action of its own: say so rather than promise one
        out.append(
            "no change to the plan for this alone: the coach's fatigue and risk rules act when "
            "their own thresholds are crossed"
        )
    return out, cap, recovery


def _explain(
    day: pd.Timestamp, injury: RiskScore, over: RiskScore, personal: PersonalRisk | None
) -> str:
    def part(name: str, s: RiskScore) -> str:
        head = f"{name} risk is {s.level} ({s.score:.0f}/100, {s.relative_risk:.2f} × base rate)"
        return f"{head} because {s.factors[0].text}" if s.factors else head

    n = personal.n_episodes if personal is not None else 0
    share = personal.personal_share if personal is not None else 0.0
    how = (
        f"based on {n} logged niggle episode{'s' if n != 1 else ''}, {100 * share:.0f} % personal"
        if n
        else "published evidence only, 0 % personal"
    )
    injury_part, over_part = part("overuse-injury", injury), part("overtraining", over)
    return f"On {day.date().isoformat()}, {injury_part}; {over_part} ({how})."


def assess_row(
    day: Any, row: Mapping[str, Any], personal: PersonalRisk | None = None
) -> RiskAssessment:
    """The assessment of one day from one row of :func:`coachkit.features.risk.risk_features`."""
    day = as_day(day)
    injury = _score(injury_factors(row, day, personal))
    over = _score(overtraining_factors(row))
    changes, cap, recovery = _changes(row, injury, over)
    notes = []
    if not np.isfinite(row_value(row, "longest_30d_m")) and np.isfinite(
        row_value(row, "session_distance_m")
    ):
        notes.append("no run in the previous 30 days: the session spike cannot be judged")
    return RiskAssessment(
        day,
        injury.score,
        injury.level,
        injury.relative_risk,
        injury.factors,
        over,
        changes,
        _explain(day, injury, over, personal),
        cap,
        recovery,
        personal.personal_share if personal is not None else 0.0,
        notes,
    )


def assess_risk(
    features: pd.DataFrame, as_of: Any = None, *, personal: PersonalRisk | None = None
) -> RiskAssessment:
    """Overuse-injury and overtraining risk of one day (default: the table's last day).

    Parameters
    ----------
    features : pandas.DataFrame
        The table of :func:`coachkit.features.risk.risk_features` (index ``date``).
    as_of : date-like, optional
        The day to assess.
    personal : PersonalRisk, optional
        The individual layer (:func:`coachkit.models.risk_personal.personal_risk`).
    """
    if features.empty:
        raise ValueError("no risk features: nothing is dated up to that day")
    day = as_day(as_of) if as_of is not None else features.index[-1]
    if day not in features.index:
        first, last = features.index[0].date(), features.index[-1].date()
        raise ValueError(f"no risk features for {day.date()}: the table spans {first}..{last}")
    return assess_row(day, features.loc[day].to_dict(), personal)


def _assessments(features: pd.DataFrame, personal: PersonalRisk | None) -> list[RiskAssessment]:
    rows = features.to_dict("records")
    return [assess_row(day, row, personal) for day, row in zip(features.index, rows)]


def risk_timeline(features: pd.DataFrame, *, personal: PersonalRisk | None = None) -> pd.DataFrame:
    """One row per day of ``features`` (no gaps): score, level, relative risk, the factor codes
    (``;``-joined, biggest first), the top factor's text, the overtraining score, level and
    codes, the long-run cap and the changes (``; ``-joined). Index ``date``."""
    rows = [
        {
            "score": a.score,
            "level": a.level,
            "relative_risk": a.relative_risk,
            "factor_codes": ";".join(f.code for f in a.factors),
            "top_factor_text": a.factors[0].text if a.factors else "",
            "overtraining_score": a.overtraining.score,
            "overtraining_level": a.overtraining.level,
            "overtraining_factor_codes": ";".join(f.code for f in a.overtraining.factors),
            "long_run_cap_m": a.long_run_cap_m,
            "changes": "; ".join(a.changes),
        }
        for a in _assessments(features, personal)
    ]
    return pd.DataFrame(rows, index=features.index, columns=list(TIMELINE_COLUMNS)).rename_axis(
        "date"
    )


def risk_contributions(
    features: pd.DataFrame, *, personal: PersonalRisk | None = None
) -> pd.DataFrame:
    """ln(RR) of every factor on every day (0 when inactive), one column per factor code; the
    overtraining ones are prefixed ``overtraining:``. The unprefixed columns of a day sum to ln
    of its overuse-injury relative risk (the bars of a stacked contribution chart)."""
    rows = [
        {f.code: f.weight for f in a.factors}
        | {f"overtraining:{f.code}": f.weight for f in a.overtraining.factors}
        for a in _assessments(features, personal)
    ]
    return pd.DataFrame(rows, index=features.index).fillna(0.0).rename_axis("date")


def assess_history(
    activities: pd.DataFrame,
    wellness: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    as_of: Any = None,
    **feature_kw: Any,
) -> tuple[RiskAssessment, pd.DataFrame, PersonalRisk]:
    """Features, the individual layer and the assessment of ``as_of`` in one call (CLI, notebooks).

    ``feature_kw`` goes to :func:`coachkit.features.risk.risk_features` (``planned``,
    ``hr_residuals``, ``plan_rpe``). Returns the assessment, the feature table (for
    :func:`risk_timeline`) and the
    :class:`~coachkit.models.risk_personal.PersonalRisk` used.
    """
    features = risk_features(activities, wellness, feedback, as_of, **feature_kw)
    fb = feedback if feedback is not None else pd.DataFrame(columns=["date"])
    personal = personal_risk(fb, features)
    return assess_risk(features, as_of, personal=personal), features, personal
