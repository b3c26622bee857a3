"""The one-sentence explanations of the daily HRV and resting-HR status.

The sentences of :mod:`coachkit.features.hrv` and :mod:`coachkit.features.resting_hr`, rebuilt
from a day's numbers alone, so that a stored status row can be explained again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd


def with_explanations(
    out: pd.DataFrame, sentence: Callable[..., str], columns: tuple[str, ...], **opts: Any
) -> pd.DataFrame:
    """``out`` with its ``explanation`` column and its columns in the documented order."""
    text = [sentence(r, **opts) for r in out.to_dict("records")]  # a few hundred days: cheap
    out["explanation"] = pd.Series(text, index=out.index, dtype="string")
    return out[list(columns)]


def _fmt(v: object, nd: int = 2) -> str:
    return "n/a" if pd.isna(v) else f"{float(v):.{nd}f}"  # type: ignore[arg-type]


def _too_few(row: Mapping[str, Any], what: str, window: int, min_valid: int) -> str | None:
    """The sentence for a week with too few readings, else None."""
    n7 = int(row["n_valid_7d"])
    if n7 >= min_valid:
        return None
    count = "No" if n7 == 0 else f"Only {n7}"
    return (
        f"{count} valid {what} reading{'' if n7 == 1 else 's'} in the last {window} days "
        f"({min_valid} needed): not enough data for a status."
    )


def _no_baseline(week: str, row: Mapping[str, Any], baseline_days: int, min_base: int) -> str:
    return (
        f"{week}, but only {int(row['n_valid_baseline'])} readings in the {baseline_days} days "
        f"before this week ({min_base} needed) to set your normal range: not enough data yet."
    )


def hrv_sentence(
    row: Mapping[str, Any],
    *,
    window: int,
    baseline_days: int,
    min_valid: int,
    min_baseline_days: int,
) -> str:
    """The sentence for one day of the HRV status (``row``: that day's numbers and status)."""
    few = _too_few(row, "HRV", window, min_valid)
    if few:
        return few
    mean, low, high = row["ln_rmssd_7d"], row["swc_low"], row["swc_high"]
    nd = 2  # as in docs/design.md §7; more digits only when 2 would print "3.80 is below 3.80-..."
    while nd < 4 and _fmt(mean, nd) in (_fmt(low, nd), _fmt(high, nd)):
        nd += 1
    week = (
        f"{window}-day lnRMSSD {_fmt(mean, nd)} ({int(row['n_valid_7d'])} readings, "
        f"CV {_fmt(row['cv_7d'], 1)} %)"
    )
    if row["status"] == "not enough data":
        return _no_baseline(week, row, baseline_days, min_baseline_days)
    return (
        f"{week} is {row['status']} your normal range {_fmt(low, nd)}–{_fmt(high, nd)} "
        f"({baseline_days}-day baseline of {int(row['n_valid_baseline'])} readings)."
    )


def resting_hr_sentence(
    row: Mapping[str, Any],
    *,
    window: int,
    baseline_days: int,
    min_valid: int,
    min_baseline_days: int,
    elevated_bpm: float,
) -> str:
    """The sentence for one day of the resting-HR status (``row``: that day's numbers)."""
    few = _too_few(row, "resting-HR", window, min_valid)
    if few:
        return few
    week = f"{window}-day resting HR {_fmt(row['rhr_7d'], 1)} bpm"
    if row["status"] == "not enough data":
        return _no_baseline(week, row, baseline_days, min_baseline_days)
    dev = float(row["rhr_deviation"])
    rule = "more than" if row["status"] == "elevated" else "not more than"
    return (
        f"{week} is {_fmt(abs(dev), 1)} bpm {'above' if dev >= 0 else 'below'} your "
        f"{baseline_days}-day baseline of {_fmt(row['rhr_baseline'], 1)} bpm "
        f"({row['status']}: {rule} {elevated_bpm:g} bpm above)."
    )
