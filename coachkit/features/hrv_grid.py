"""The (athlete x day) grid behind the HRV and resting-HR status: one value per day, windows.

One vectorised pass serves one athlete (:func:`~coachkit.features.hrv.hrv_status`,
:func:`~coachkit.features.resting_hr.resting_hr_status`) and a thousand
(:func:`~coachkit.features.hrv.hrv_many`, :func:`~coachkit.features.resting_hr.resting_hr_many`):
the per-day pick by source priority is a sort, not a group-by, and the rolling windows are
:func:`~coachkit.features.rolling.trailing_stats`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.localtime import as_day
from coachkit.features.hrv_text import with_explanations
from coachkit.features.rolling import trailing_stats

# comparisons tolerate float noise of the rolling sums (lnRMSSD of 0.01 ms steps differ by >1e-5)
ROLLING_EPS = 1e-9


def as_of_day(as_of: pd.Timestamp | str | None) -> pd.Timestamp | None:
    """The calendar day of ``as_of`` as a naive midnight (a tz-aware time keeps its wall clock)."""
    return None if as_of is None else as_day(as_of)


def check_windows(window: int, min_valid: int, baseline_days: int, min_baseline_days: int) -> None:
    """Raise ValueError unless ``min_valid`` fits the window, ``min_baseline_days`` the baseline."""
    if not 1 <= min_valid <= window:
        raise ValueError(f"min_valid must be between 1 and window ({window}), got {min_valid}")
    if not 2 <= min_baseline_days <= baseline_days:
        raise ValueError(
            f"min_baseline_days must be between 2 and baseline_days ({baseline_days}), "
            f"got {min_baseline_days}"
        )


@dataclass(frozen=True)
class Daily:
    """One value per athlete and calendar day on an (athlete x day) grid.

    Row ``i`` covers days ``first[i] .. first[i] + span[i] - 1`` (days since 1970-01-01) in
    columns ``0 .. span[i] - 1``; NaN (and source code -1) where the day has no value.
    """

    athletes: pd.Index
    first: np.ndarray
    span: np.ndarray
    value: np.ndarray
    source: np.ndarray
    source_names: pd.Index


def pick_grid(
    wellness: pd.DataFrame,
    value: np.ndarray,
    end: pd.Timestamp | None,
    *,
    many: bool,
    priority: tuple[str, ...],
) -> Daily:
    """One value per athlete and calendar day, by source priority (a vectorised group-by).

    ``value`` is aligned with ``wellness`` and NaN where the reading is missing or invalid.
    Each athlete's days run from the first valid reading to ``end`` (default: the last one).
    ``priority`` lists the sources best first; others follow, by name.
    """
    if not many and "athlete_id" in wellness and wellness["athlete_id"].nunique() > 1:
        raise ValueError("wellness holds several athletes: pass one athlete's rows at a time")
    date = pd.to_datetime(wellness["date"])
    if isinstance(date.dtype, pd.DatetimeTZDtype):
        date = date.dt.tz_localize(None)
    day = date.to_numpy("datetime64[D]")
    ok = ~np.isnat(day) & ~np.isnan(value)
    day = day.astype(np.int64)
    end_day = None if end is None else end.to_datetime64().astype("datetime64[D]").astype(np.int64)
    if end_day is not None:
        ok &= day <= end_day
    source = (
        wellness["source"].astype("string").fillna("unknown")
        if "source" in wellness
        else pd.Series("unknown", index=wellness.index, dtype="string")
    )
    src, names = pd.factorize(source, sort=True)  # codes in name order, as a sorted group-by
    prio = {s: i for i, s in enumerate(priority)}
    rank = np.array([prio.get(n, len(prio)) for n in names], dtype=np.int64)[src]
    if many:
        who, athletes = pd.factorize(wellness["athlete_id"], sort=True)
    else:
        who, athletes = np.zeros(len(wellness), dtype=np.int64), pd.Index([None])
    who, day, rank, src, v = who[ok], day[ok], rank[ok], src[ok], value[ok]
    order = np.lexsort((src, rank, day, who))
    who, day, rank, src, v = who[order], day[order], rank[order], src[order], v[order]
    new_day = np.ones(len(v), dtype=bool)
    new_day[1:] = (who[1:] != who[:-1]) | (day[1:] != day[:-1])
    new_group = new_day.copy()
    new_group[1:] |= (rank[1:] != rank[:-1]) | (src[1:] != src[:-1])
    group = np.cumsum(new_group) - 1
    # the first (best-ranked) source of each day wins; its readings count once, as their median
    day_start = np.flatnonzero(new_day)
    winner = group == group[day_start][np.cumsum(new_day) - 1]
    picked = v[day_start].copy()
    sizes = np.bincount(group) if len(group) else np.zeros(0, dtype=np.int64)
    dup = sizes[group[day_start]] > 1
    if dup.any():
        rows = winner & (sizes[group] > 1)
        medians = pd.Series(v[rows]).groupby(group[rows]).median()
        picked[dup] = medians.reindex(group[day_start][dup]).to_numpy()
    first_of = day_start
    who, day, src = who[first_of], day[first_of], src[first_of]
    present = np.unique(who)
    n_ath = len(athletes)
    first = np.full(n_ath, 0, dtype=np.int64)
    last = np.full(n_ath, -1, dtype=np.int64)
    if len(day):
        starts = np.r_[0, np.flatnonzero(who[1:] != who[:-1]) + 1]
        first[present] = day[starts]
        last[present] = day[np.r_[starts[1:], len(day)] - 1] if end_day is None else end_day
    span = np.maximum(last - first + 1, 0)
    keep = span > 0
    remap = np.cumsum(keep) - 1
    athletes, first, span = athletes[keep], first[keep], span[keep]
    width = int(span.max()) if len(span) else 0
    grid = np.full((len(span), width), np.nan)
    codes = np.full((len(span), width), -1, dtype=np.int64)
    row, col = remap[who], day - first[remap[who]]
    grid[row, col], codes[row, col] = picked, src
    return Daily(athletes, first, span, grid, codes, pd.Index(names.astype(str)))


def windows(
    grid: np.ndarray, window: int, baseline_days: int, min_valid: int, min_baseline_days: int
) -> dict[str, np.ndarray]:
    """7-day count, mean and SD, and count, mean and SD of the ``baseline_days`` before it.

    ``grid`` is (athlete x day) with no gaps in the days, so a window of 7 columns is the 7
    calendar days ``t-6 .. t``; only valid (non-NaN) days count towards the minimums. The
    baseline ends the day before the current window starts.
    """
    n7, mean7, sd7 = trailing_stats(grid, window, min_valid)
    nb, mean_b, sd_b = trailing_stats(grid, baseline_days, min_baseline_days, lag=window)
    return {
        "mean_7d": mean7,
        "sd_7d": sd7,
        "n_valid_7d": n7,
        "baseline_mean": mean_b,
        "baseline_sd": sd_b,
        "n_valid_baseline": nb,
    }


def source_names(daily: Daily, codes: np.ndarray) -> np.ndarray:
    """Source names of grid codes (None where -1: no value that day)."""
    names = np.asarray(daily.source_names, dtype=object)
    return np.where(codes >= 0, names[np.maximum(codes, 0)] if len(names) else None, None)


def one_athlete(
    daily: Daily,
    numbers: dict[str, np.ndarray],
    statuses: tuple[str, ...],
    sentence: Callable[..., str],
    columns: tuple[str, ...],
    **opts: Any,
) -> pd.DataFrame:
    """The daily frame of one athlete (row 0 of the grid), with its sentences."""
    if not len(daily.span):
        empty = pd.DatetimeIndex([], dtype="datetime64[ns]", name="date")
        out = pd.DataFrame({c: pd.Series(dtype=float) for c in columns}, index=empty)
        for c in ("source", "status", "explanation"):
            out[c] = out[c].astype("string")
        for c in ("n_valid_7d", "n_valid_baseline"):
            out[c] = out[c].astype(int)
        return out
    n = int(daily.span[0])
    start = pd.Timestamp(np.datetime64(int(daily.first[0]), "D"))
    idx = pd.date_range(start, periods=n, freq="D", name="date").as_unit("ns")
    out = pd.DataFrame({k: v[0, :n] for k, v in numbers.items() if k != "status"}, index=idx)
    out["source"] = pd.array(source_names(daily, daily.source[0, :n]), dtype="string")
    out["status"] = pd.array(
        np.asarray(statuses, dtype=object)[numbers["status"][0, :n]], dtype="string"
    )
    return with_explanations(out, sentence, columns, **opts)


def many_athletes(
    daily: Daily,
    numbers: dict[str, np.ndarray],
    statuses: tuple[str, ...],
    sentence: Callable[..., str],
    columns: tuple[str, ...],
    explain: bool,
    **opts: Any,
) -> pd.DataFrame:
    """The long (athlete, day) frame of every athlete of the grid."""
    keep = np.arange(daily.value.shape[1])[None, :] < daily.span[:, None]
    row, col = np.nonzero(keep)
    out = pd.DataFrame(
        {
            "athlete_id": daily.athletes.take(row),
            "date": (daily.first[row] + col).astype("datetime64[D]").astype("datetime64[ns]"),
            **{k: v[keep] for k, v in numbers.items() if k != "status"},
            "source": pd.Categorical.from_codes(daily.source[keep], daily.source_names),
            "status": pd.Categorical.from_codes(numbers["status"][keep], statuses),
        }
    )
    if explain:
        return with_explanations(out, sentence, ("athlete_id", "date", *columns), **opts)
    return out[["athlete_id", "date", *[c for c in columns if c != "explanation"]]]


@dataclass(frozen=True)
class StatusKind:
    """What one daily status (HRV, resting HR) reads, computes and says on the grid."""

    #: each wellness row's value (NaN where implausible)
    value: Callable[[pd.DataFrame], np.ndarray]
    #: ``numbers(daily, **settings)``: every numeric column on the grid, and the status as codes
    numbers: Callable[..., dict[str, np.ndarray]]
    #: status names, in the order of their codes on the grid
    statuses: tuple[str, ...]
    sentence: Callable[..., str]
    columns: tuple[str, ...]
    #: sources, best first (one reading a day)
    priority: tuple[str, ...]


def status_frame(
    kind: StatusKind,
    wellness: pd.DataFrame,
    as_of: pd.Timestamp | str | None,
    *,
    many: bool,
    explain: bool = True,
    settings: dict[str, Any] | None = None,
    **opts: Any,
) -> pd.DataFrame:
    """The daily ``kind`` status of one athlete (:func:`one_athlete`) or, with ``many``, of every
    athlete of ``wellness`` (:func:`many_athletes`).

    ``opts`` are the windows (``window``, ``baseline_days``, ``min_valid``,
    ``min_baseline_days``) and whatever else the sentence needs; they go to ``kind.numbers``
    and ``kind.sentence``. ``settings`` go to ``kind.numbers`` only.
    """
    check_windows(
        opts["window"], opts["min_valid"], opts["baseline_days"], opts["min_baseline_days"]
    )
    day = as_of_day(as_of)
    daily = pick_grid(wellness, kind.value(wellness), day, many=many, priority=kind.priority)
    numbers = kind.numbers(daily, **opts, **(settings or {}))
    shown = (daily, numbers, kind.statuses, kind.sentence, kind.columns)
    return many_athletes(*shown, explain, **opts) if many else one_athlete(*shown, **opts)
