"""Sentence helpers for the coach: paces, distances and signals written the way a coach says them.

Every prescription and every change carries one plain sentence with its numbers (docs/design.md §7).
These helpers only format: they never decide. Paces are stored in s/km (docs/design.md §3) and shown
in min/km or min/mi as the athlete chooses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from coachkit.core.units import format_distance, format_pace


def format_pace_range(
    low_s_per_km: float | None, high_s_per_km: float | None, units: str = "km"
) -> str:
    """A pace band, fast end first: ``"5:45–6:02/mi"`` (``"n/a"`` when either end is unknown).

    >>> format_pace_range(345, 364, "mi")
    '9:15–9:46/mi'
    """
    a, b = format_pace(low_s_per_km, units), format_pace(high_s_per_km, units)
    if "n/a" in (a, b):
        return "n/a"
    return a if a == b else f"{a.split('/')[0]}–{b}"


def format_duration(duration_s: float | None) -> str:
    """A duration as ``"45 min"`` or ``"1 h 05 min"``, under 90 s in seconds (``"20 s"``;
    ``"n/a"`` when unknown).

    >>> format_duration(3900), format_duration(20)
    ('1 h 05 min', '20 s')
    """
    if duration_s is None or not math.isfinite(duration_s):
        return "n/a"
    if duration_s < 90:
        return f"{duration_s:.0f} s"
    minutes = int(round(duration_s / 60.0))
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def format_volume(distance_m: float | None, duration_s: float | None, units: str = "km") -> str:
    """The size of a session: its distance when known, else its duration.

    >>> format_volume(None, 2700)
    '45 min'
    """
    if distance_m is not None and math.isfinite(distance_m):
        return format_distance(distance_m, units)
    return format_duration(duration_s)


def weekday(day: pd.Timestamp) -> str:
    """The day's English weekday name: ``"Tuesday"``.

    >>> weekday(pd.Timestamp("2024-03-05"))
    'Tuesday'
    """
    return pd.Timestamp(day).day_name()


def signed_bpm(value: float) -> str:
    """``"8 bpm above"`` / ``"3 bpm below"`` for a residual in bpm.

    >>> signed_bpm(-3.2)
    '3 bpm below'
    """
    return f"{abs(value):.0f} bpm {'above' if value >= 0 else 'below'}"


def hr_phrase(day: pd.Timestamp, residual_bpm: float, z: float | None = None) -> str:
    """One run's HR against what the response model expected.

    >>> hr_phrase(pd.Timestamp("2024-03-04"), 8.0, 1.4)
    "Monday's HR was 8 bpm above expected (z 1.4)"
    """
    zs = f" (z {z:.1f})" if z is not None and math.isfinite(z) else ""
    return f"{weekday(day)}'s HR was {signed_bpm(residual_bpm)} expected{zs}"


def hr_phrases(runs: Sequence[tuple[pd.Timestamp, float, float | None]]) -> str:
    """Several runs' HR against expectation, two runs of one day said once.

    >>> d = pd.Timestamp("2024-03-03")
    >>> hr_phrases([(d, 9.0, 1.0), (d, 10.0, 1.1)])
    "Sunday's two runs had HR 9 and 10 bpm above expected (z 1.0, 1.1)"
    """
    if len(runs) == 2 and runs[0][0] == runs[1][0]:
        (day, r1, z1), (_, r2, z2) = runs
        if (r1 >= 0) == (r2 >= 0):
            side = "above" if r1 >= 0 else "below"
            zs = f" (z {z1:.1f}, {z2:.1f})" if z1 is not None and z2 is not None else ""
            return f"{weekday(day)}'s two runs had HR {abs(r1):.0f} and {abs(r2):.0f} bpm {side} expected{zs}"
    return join_reasons([hr_phrase(d, r, z) for d, r, z in runs])


def hrv_phrase(
    ln_rmssd_7d: float, band: tuple[float, float] | None, status: str | None = None
) -> str:
    """The 7-day lnRMSSD against the athlete's normal range (Plews et al. 2012, SWC band).

    >>> hrv_phrase(3.62, (3.70, 3.95))
    'your 7-day lnRMSSD (3.62) is below your normal range (3.70–3.95)'
    """
    if band is None:
        return f"your 7-day lnRMSSD ({ln_rmssd_7d:.2f}) is {status or 'unrated'}"
    lo, hi = band
    where = "below" if ln_rmssd_7d < lo else "above" if ln_rmssd_7d > hi else "within"
    return (
        f"your 7-day lnRMSSD ({ln_rmssd_7d:.2f}) is {where} your normal range ({lo:.2f}–{hi:.2f})"
    )


def join_reasons(parts: Sequence[str]) -> str:
    """``"a, b and c"``.

    >>> join_reasons(["a", "b", "c"])
    'a, b and c'
    """
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def sentence(head: str, reasons: Sequence[str] = ()) -> str:
    """One plain sentence: ``"<head>: <reason>, <reason> and <reason>."``.

    >>> sentence("Tempo moved to Friday", ["recovery is normal again"])
    'Tempo moved to Friday: recovery is normal again.'
    """
    why = join_reasons(reasons)
    text = f"{head}: {why}" if why else head
    return text if text.endswith(".") else text + "."
