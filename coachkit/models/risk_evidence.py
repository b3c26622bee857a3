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
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coachkit.core.localtime import as_day

# ``from m import X as X`` re-exports X: it lived in this module before the split
from coachkit.models.risk_overtraining import OVERTRAINING_RULES as OVERTRAINING_RULES
from coachkit.models.risk_overtraining import Rule as Rule
from coachkit.models.risk_overtraining import _get

if TYPE_CHECKING:
    from coachkit.models.risk_personal import PersonalRisk

# Frandsen JSJ, ..., Nielsen RO. How much running is too much? Identifying high-risk running
# sessions in a 5200-person cohort study. Br J Sports Med 2025 (Garmin-RUNSAFE): a session's
# distance vs the longest run of the previous 30 days; reference "regression or up to 10 %
# increase"; hazard rate ratios for overuse injury 1.64 (95 % CI 1.31-2.05) for > 10-30 %,
# 1.52 (1.16-2.00) for > 30-100 %, 2.28 (1.50-3.48) for > 100 %.
RUNSAFE = "Frandsen et al. 2025, Br J Sports Med (Garmin-RUNSAFE, 5,205 runners)"
SPIKE_BANDS = ((10.0, 30.0, 1.64, "small"), (30.0, 100.0, 1.52, "moderate"),
               (100.0, math.inf, 2.28, "large"))  # fmt: skip
#: the plan cap that keeps the next long run out of every spike band (docs/design.md §7)
LONG_RUN_CAP = 1.10
MODERATE_RR, HIGH_RR = 1.5, 2.0
LEVELS = ("low", "moderate", "high")
TIMELINE_COLUMNS = ("score", "level", "relative_risk", "factor_codes", "top_factor_text",
                    "overtraining_score", "overtraining_level", "overtraining_factor_codes",
                    "long_run_cap_m", "changes")  # fmt: skip
JUDGEMENT = "judgement (no published effect size)"

# Pain-monitoring model (Thomeé 1997, Phys Ther 77:1690; Silbernagel et al. 2007, Am J Sports
# Med 35:897): pain up to 5/10 is "acceptable" while loading, above 5 "high risk". The RRs are
# a judgement: no study gives a relative risk for a current niggle.
NIGGLE_MIN, NIGGLE_HIGH = 3.0, 5.0
NIGGLE_RR, NIGGLE_HIGH_RR = 1.5, 2.5
# Hespanhol Junior et al. 2013, J Physiother 59:263: previous running-related injury, OR 1.88
# (95 % CI 1.01-3.51) for a new one; counted 14-365 days after an injury's onset.
PREVIOUS_INJURY_RR = 1.88
PREVIOUS_INJURY_DAYS = (14, 365)


@dataclass(frozen=True)
class RiskFactor:
    """One active factor: ``weight`` = ln(relative risk), its contribution to the score."""

    code: str
    text: str
    weight: float
    value: float | None
    source: str
    personal: bool = False

    @property
    def relative_risk(self) -> float:
        return math.exp(self.weight)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "relative_risk": round(self.relative_risk, 3)}


@dataclass(frozen=True)
class RiskScore:
    """A score (0..100, attributable fraction), its level, relative risk and factors."""

    score: float
    level: str
    relative_risk: float
    factors: list[RiskFactor]

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "level": self.level,
                "relative_risk": round(self.relative_risk, 3),
                "factors": [f.to_dict() for f in self.factors]}  # fmt: skip


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
            "date": self.date.date().isoformat(), "score": self.score, "level": self.level,
            "relative_risk": round(self.relative_risk, 3),
            "factors": [f.to_dict() for f in self.factors],
            "overtraining": self.overtraining.to_dict(), "changes": list(self.changes),
            "explanation": self.explanation, "long_run_cap_m": self.long_run_cap_m,
            "add_recovery_day": self.add_recovery_day,
            "personal_share": round(self.personal_share, 3), "notes": list(self.notes),
        }  # fmt: skip


def spike_band(ratio: float | None) -> tuple[str, float] | None:
    """The Garmin-RUNSAFE band of a session / 30-day-longest ratio: (name, hazard ratio).

    ``None`` up to and including a 10 % increase (the study's reference category). The
    increase is compared in percent rounded to 1e-6, so 18.7 km after 17 km is exactly 10 %.

    >>> spike_band(1.10), spike_band(1.11), spike_band(1.5), spike_band(2.2)
    (None, ('small', 1.64), ('moderate', 1.52), ('large', 2.28))
    """
    if ratio is None or not np.isfinite(ratio):
        return None
    pct = round((float(ratio) - 1.0) * 100.0, 6)
    for low, high, hr, name in SPIKE_BANDS:
        if low < pct <= high:
            return name, hr
    return None


def _km(m: float) -> str:
    return f"{m / 1000:.1f} km"


def _minutes(s: float) -> str:
    return f"{s / 60:.0f} min"


def _factor(code: str, text: str, rr: float, value: Any, source: str, **kw: Any) -> RiskFactor:
    return RiskFactor(
        code, text, math.log(rr), None if value is None else float(value), source, **kw
    )


def _spike(row: Mapping[str, Any]) -> RiskFactor | None:
    planned = bool(row.get("session_planned", False))
    today = "today's planned" if planned else "today's"
    ratio = _get(row, "spike_distance_ratio")
    if np.isfinite(ratio):
        band = spike_band(ratio)
        if band is None:
            return None
        session, longest = _get(row, "session_distance_m"), _get(row, "longest_30d_m")
        what, ref, fmt = _km(session), _km(longest), "distance"
    else:  # no distance (e.g. a treadmill run without one): the same rule on duration
        ratio = _get(row, "spike_duration_ratio")
        band = spike_band(ratio)
        if band is None:
            return None
        what, ref = _minutes(_get(row, "session_duration_s")), _minutes(_get(row, "longest_30d_s"))
        fmt = "duration"
    name, hr = band
    pct = 100 * (ratio - 1)
    pct_text = f"{pct:.0f}" if pct >= 10.5 else f"{pct:.1f}"  # 10.3 % must not read "10 %"
    text = (f"{today} {what} is {pct_text} % longer than your longest run in the previous 30 "
            f"days ({ref}): a {name} spike")  # fmt: skip
    source = f"{RUNSAFE}: {name} spike ({fmt}), HR {hr}"
    return _factor("long_run_spike", text, hr, ratio, source)


def _injury_factors(
    row: Mapping[str, Any], day: pd.Timestamp, personal: PersonalRisk | None
) -> list[RiskFactor]:
    out = [f for f in [_spike(row)] if f is not None]
    niggle = _get(row, "niggle_severity_max_7d")
    if niggle >= NIGGLE_MIN:
        sites = row.get("niggle_sites")
        where = f" ({sites.replace(';', ', ')})" if isinstance(sites, str) and sites else ""
        rr = NIGGLE_HIGH_RR if niggle > NIGGLE_HIGH else NIGGLE_RR
        text = f"a niggle{where} of {niggle:.0f}/10 in the last 7 days"
        source = f"Thomeé 1997 pain-monitoring model; RR {rr} {JUDGEMENT}"
        out.append(_factor("niggle", text, rr, niggle, source))
    if personal is None:
        return out
    lo, hi = PREVIOUS_INJURY_DAYS
    recent = [d for d in personal.injury_dates if lo <= (day - d).days <= hi]
    if recent:
        days = (day - max(recent)).days
        text = f"an injury logged {days} days ago ({max(recent).date().isoformat()})"
        source = "Hespanhol Junior et al. 2013, J Physiother: previous injury OR 1.88"
        out.append(
            _factor("previous_injury", text, PREVIOUS_INJURY_RR, days, source, personal=True)
        )
    for trig in personal.triggers:
        if trig.active(row):
            value = _get(row, trig.column)
            text = f"{trig.text()} (now: {value:.3g})"
            source = trig.source()
            code = f"personal_{trig.code}"
            out.append(_factor(code, text, trig.relative_risk, value, source, personal=True))
    return out


def _overtraining_factors(row: Mapping[str, Any]) -> list[RiskFactor]:
    out = []
    values = {k: _get(row, k) for k in row if k != "niggle_sites"}
    for rule in OVERTRAINING_RULES:
        rr = rule.relative_risk(row)
        if rr is not None:
            v = _get(row, rule.column)
            text = rule.text.format_map({**values, "v": v})
            out.append(_factor(rule.code, text, rr, v, f"{rule.source}; RR {rr} {JUDGEMENT}"))
    return out


def _score(factors: list[RiskFactor]) -> RiskScore:
    factors = sorted(factors, key=lambda f: (-f.weight, f.code))
    rr = math.exp(sum(f.weight for f in factors))
    level = "high" if rr >= HIGH_RR - 1e-9 else "moderate" if rr >= MODERATE_RR - 1e-9 else "low"
    return RiskScore(round(100.0 * (1.0 - 1.0 / rr), 1), level, rr, factors)


_FATIGUE = {"hrv_suppressed", "rhr_elevated", "hr_above_expected", "rpe_above_plan", "poor_sleep"}


def _changes(
    row: Mapping[str, Any], injury: RiskScore, over: RiskScore
) -> tuple[list[str], float | None, bool]:
    """What the coach will change (docs/design.md §7 "high risk: cap the long run and add recovery")."""
    codes = {f.code for f in injury.factors} | {f.code for f in over.factors}
    out, longest = [], _get(row, "longest_30d_m")
    # the RUNSAFE cap holds every day (the coach enforces it on the next long run); it is
    # named as a change only when today is a spike or the risk is high
    cap = round(LONG_RUN_CAP * longest, 1) if np.isfinite(longest) and longest > 0 else None
    if ("long_run_spike" in codes or injury.level == "high") and cap is not None:
        out.append(f"cap the long run at {_km(cap)} ({LONG_RUN_CAP:g} × your 30-day longest, "
                   f"{_km(longest)})")  # fmt: skip
    recovery = injury.level == "high" or over.level == "high"
    if recovery:
        out.append("add a recovery day: rest or an easy 30 min tomorrow")
    if "niggle" in codes:
        out.append("swap hard sessions for easy running or cross-training until the niggle is "
                   "below 3/10")  # fmt: skip
    if over.level != "low" and codes & _FATIGUE:
        out.append("turn the next hard session into an easy run")
    if "illness" in codes:
        out.append("no hard sessions until two days after the symptoms are gone")
    if codes & {"monotony", "no_rest_day"}:
        out.append("vary the days: make one easy day a rest day this week")
    return out, cap, recovery


def _explain(
    day: pd.Timestamp, injury: RiskScore, over: RiskScore, personal: PersonalRisk | None
) -> str:
    def part(name: str, s: RiskScore) -> str:
        head = f"{name} risk is {s.level} ({s.score:.0f}/100, {s.relative_risk:.2f} × base rate)"
        return f"{head} because {s.factors[0].text}" if s.factors else head

    n = personal.n_episodes if personal is not None else 0
    share = personal.personal_share if personal is not None else 0.0
    how = (f"based on {n} logged niggle episode{'s' if n != 1 else ''}, {100 * share:.0f} % personal"
           if n else "published evidence only, 0 % personal")  # fmt: skip
    injury_part, over_part = part("overuse-injury", injury), part("overtraining", over)
    return f"On {day.date().isoformat()}, {injury_part}; {over_part} ({how})."


def assess_row(
    day: Any, row: Mapping[str, Any], personal: PersonalRisk | None = None
) -> RiskAssessment:
    """The assessment of one day from one row of :func:`coachkit.features.risk.risk_features`."""
    day = as_day(day)
    injury = _score(_injury_factors(row, day, personal))
    over = _score(_overtraining_factors(row))
    changes, cap, recovery = _changes(row, injury, over)
    notes = []
    if not np.isfinite(_get(row, "longest_30d_m")) and np.isfinite(_get(row, "session_distance_m")):
        notes.append("no run in the previous 30 days: the session spike cannot be judged")
    return RiskAssessment(
        day, injury.score, injury.level, injury.relative_risk, injury.factors, over, changes,
        _explain(day, injury, over, personal), cap, recovery,
        personal.personal_share if personal is not None else 0.0, notes,
    )  # fmt: skip


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
        The individual layer (:func:`coachkit.models.risk.personal_risk`).
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
    rows = [{
        "score": a.score, "level": a.level, "relative_risk": a.relative_risk,
        "factor_codes": ";".join(f.code for f in a.factors),
        "top_factor_text": a.factors[0].text if a.factors else "",
        "overtraining_score": a.overtraining.score, "overtraining_level": a.overtraining.level,
        "overtraining_factor_codes": ";".join(f.code for f in a.overtraining.factors),
        "long_run_cap_m": a.long_run_cap_m, "changes": "; ".join(a.changes),
    } for a in _assessments(features, personal)]  # fmt: skip
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
