"""The ``niggle`` rule: no hard session while a niggle is at 3/10 or more and for two days after
it drops below 3, nor until two days after the last day logged ill; each hard session in that
window becomes an easy run of the same duration at E pace (put back by the ``fatigue`` rule
once the window is over and recovery is normal, when it is still this week).

Pain-monitoring model (Thomeé 1997, Phys Ther 77:1690; Silbernagel et al. 2007, Am J Sports Med
35:897): pain of 3/10 or more is the line the risk card counts a niggle from
(:data:`coachkit.models.risk_factors.NIGGLE_MIN`); "two days after" is our stated margin, as for
illness ("above the neck" rule of thumb: train easy, and hard again only once symptoms are gone;
Eichner 1993, Phys Sportsmed 21:125). A niggle not reported again is held for the 7 days the card
lists it (its latest report + 6 days).
"""

from __future__ import annotations

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.adapt.draft import PlanDraft, Rule, day_of, to_easy
from coachkit.coach.adapt.records import Signals
from coachkit.coach.workouts import HARD_KINDS
from coachkit.models.risk_factors import NIGGLE_MIN

NAME = "niggle"
NIGGLE_DAYS = 7  # niggle and illness reports looked at: the risk card's 7-day window
AFTER_DAYS = 2  # hard sessions come back two days after the niggle (or illness) is gone
TAG = "(niggle or illness)"


def hold_until(s: Signals) -> tuple[pd.Timestamp | None, str]:
    """The last day no hard session may happen (``None``: none is held back) and why."""
    out: list[tuple[pd.Timestamp, str]] = []
    if s.niggle_high_date is not None and s.niggle_date is not None:
        high = day_of(s.niggle_high_date)
        still = s.niggle_severity is not None and s.niggle_severity >= NIGGLE_MIN
        if still:
            last = max(high + pd.Timedelta(days=NIGGLE_DAYS - 1), day_of(s.today))
            why = (
                f"you logged a {s.niggle_severity:.0f}/10 niggle on {ex.weekday(high)}: no hard "
                f"session until it is below {NIGGLE_MIN:.0f}/10 and {AFTER_DAYS} days after"
            )
        else:
            last = high + pd.Timedelta(days=AFTER_DAYS)
            why = (
                f"your niggle was {NIGGLE_MIN:.0f}/10 or more until {ex.weekday(high)}: "
                f"hard sessions come back {AFTER_DAYS} days after"
            )
        out.append((last, why))
    if s.illness_date is not None:
        ill = day_of(s.illness_date)
        why = f"you logged illness on {ex.weekday(ill)}: no hard session until {AFTER_DAYS} days after"
        out.append((ill + pd.Timedelta(days=AFTER_DAYS), why))
    if not out:
        return None, ""
    return max(out, key=lambda x: x[0])


def hold_back(w: PlanDraft) -> bool:
    """Turn the tempo, interval and hill sessions up to :func:`hold_until` into easy runs (the
    long run stays, capped by ``high_risk``). Never recovering."""
    last, why = hold_until(w.s)
    if last is None or last < w.open_day:
        return False
    ev = {
        "niggle_severity": w.s.niggle_severity,
        "niggle_high_date": str(w.s.niggle_high_date) if w.s.niggle_high_date else None,
        "illness_date": str(w.s.illness_date) if w.s.illness_date else None,
        "hold_until": last.date().isoformat(),
    }
    for i in w.rows(w.open_day, last):
        if not w.open(i) or w.get(i, "kind") not in HARD_KINDS - {"race", "long"}:
            continue
        before, what = w.snap(i), w.what(i)
        to_easy(w, i, f"instead of the {before['kind']} {TAG}", keep_original=True)
        w.set(i, status="changed")
        band = ex.format_pace_range(
            w.get(i, "pace_low_s_per_km"), w.get(i, "pace_high_s_per_km"), w.units
        )
        head = f"{what} becomes an easy run of the same duration at {band}"
        w.add(NAME, ev, before, w.snap(i), ex.sentence(head, [why]))
    return False


RULE = Rule(NAME, hold_back)
