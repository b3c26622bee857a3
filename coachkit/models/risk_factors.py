"""The risk model's factors: what applies to a day, each with its relative risk and source.

:func:`injury_factors` and :func:`overtraining_factors` read one row of
:func:`coachkit.features.risk.risk_features` and return the active :class:`RiskFactor` s: the
Garmin-RUNSAFE session spike (:func:`spike_band`), a niggle, a previous injury, the runner's
personal triggers (:mod:`coachkit.models.risk_personal`) and the overtraining rules
(:mod:`coachkit.models.risk_overtraining`). :mod:`coachkit.models.risk_evidence` combines them
into scores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coachkit.models.risk_overtraining import OVERTRAINING_RULES, row_value

if TYPE_CHECKING:
    from coachkit.models.risk_personal import PersonalRisk

# Frandsen JSJ, ..., Nielsen RO. How much running is too much? Identifying high-risk running
# sessions in a 5200-person cohort study. Br J Sports Med 2025 (Garmin-RUNSAFE): a session's
# distance vs the longest run of the previous 30 days; reference "regression or up to 10 %
# increase"; hazard rate ratios for overuse injury 1.64 (95 % CI 1.31-2.05) for > 10-30 %,
# 1.52 (1.16-2.00) for > 30-100 %, 2.28 (1.50-3.48) for > 100 %.
RUNSAFE = "Frandsen et al. 2025, Br J Sports Med (Garmin-RUNSAFE, 5,205 runners)"
SPIKE_BANDS = (
    (10.0, 30.0, 1.64, "small"),
    (30.0, 100.0, 1.52, "moderate"),
    (100.0, math.inf, 2.28, "large"),
)
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


def fmt_km(m: float) -> str:
    """Metres as ``"12.3 km"``."""
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
    ratio = row_value(row, "spike_distance_ratio")
    if np.isfinite(ratio):
        band = spike_band(ratio)
        if band is None:
            return None
        session, longest = row_value(row, "session_distance_m"), row_value(row, "longest_30d_m")
        what, ref, fmt = fmt_km(session), fmt_km(longest), "distance"
    else:  # no distance (e.g. a treadmill run without one): the same rule on duration
        ratio = row_value(row, "spike_duration_ratio")
        band = spike_band(ratio)
        if band is None:
            return None
        what, ref = (
            _minutes(row_value(row, "session_duration_s")),
            _minutes(row_value(row, "longest_30d_s")),
        )
        fmt = "duration"
    name, hr = band
    pct = 100 * (ratio - 1)
    pct_text = f"{pct:.0f}" if pct >= 10.5 else f"{pct:.1f}"  # 10.3 % must not read "10 %"
    text = (
        f"{today} {what} is {pct_text} % longer than your longest run in the previous 30 "
        f"days ({ref}): a {name} spike"
    )
    source = f"{RUNSAFE}: {name} spike ({fmt}), HR {hr}"
    return _factor("long_run_spike", text, hr, ratio, source)


def injury_factors(
    row: Mapping[str, Any], day: pd.Timestamp, personal: PersonalRisk | None
) -> list[RiskFactor]:
    out = [f for f in [_spike(row)] if f is not None]
    niggle = row_value(row, "niggle_severity_max_7d")
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
            value = row_value(row, trig.column)
            text = f"{trig.text()} (now: {value:.3g})"
            source = trig.source()
            code = f"personal_{trig.code}"
            out.append(_factor(code, text, trig.relative_risk, value, source, personal=True))
    return out


def overtraining_factors(row: Mapping[str, Any]) -> list[RiskFactor]:
    out = []
    values = {k: row_value(row, k) for k in row if k != "niggle_sites"}
    for rule in OVERTRAINING_RULES:
        rr = rule.relative_risk(row)
        if rr is not None:
            v = row_value(row, rule.column)
            text = rule.text.format_map({**values, "v": v})
            out.append(_factor(rule.code, text, rr, v, f"{rule.source}; RR {rr} {JUDGEMENT}"))
    return out
