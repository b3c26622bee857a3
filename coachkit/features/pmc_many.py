"""PMC, ACWR, monotony and strain of many athletes in one vectorised pass (rosters, benchmarks).

Per athlete the numbers are those of :func:`~coachkit.features.pmc.pmc`,
:func:`~coachkit.features.pmc.acwr` and :func:`~coachkit.features.pmc.monotony_strain` on that
athlete's series; here athletes of similar history length share blocks of an (athlete x day)
grid, and each EWMA runs once per block.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.localtime import as_day
from coachkit.features.pmc import PMC_COLUMNS, acwr_grid, monotony_strain_grid, pmc_grid, ramp_grid

_GRID_CELLS = 4_000_000  # pmc_many works on blocks of athletes x days of at most this many cells
MANY_COLUMNS = ["athlete_id", "date", *PMC_COLUMNS, "acwr", "monotony", "strain"]


def _block(x: np.ndarray, keep: np.ndarray, kw: dict[str, Any]) -> dict[str, np.ndarray]:
    """All daily metrics of a padded (athlete x day) load grid, at the cells in ``keep``."""
    ctl, atl, tsb = pmc_grid(x, kw["ctl_days"], kw["atl_days"], kw["convention"], 0.0, 0.0)
    _, mono, strain = monotony_strain_grid(x, int(kw["window"]), 0)
    arrays = (
        x,
        ctl,
        atl,
        tsb,
        ramp_grid(ctl, np.zeros((len(x), 1))),
        acwr_grid(x, kw["acute_days"], kw["chronic_days"]),
        mono,
        strain,
    )
    return {name: values[keep] for name, values in zip(MANY_COLUMNS[2:], arrays)}


def pmc_many(
    frame: pd.DataFrame,
    *,
    ctl_days: float = 42,
    atl_days: float = 7,
    convention: str = "exp",
    acute_days: float = 7,
    chronic_days: float = 28,
    window: int = 7,
    end: Any = None,
    fill_gaps: bool = True,
) -> pd.DataFrame:
    """PMC, ACWR, monotony and strain for many athletes in one vectorised pass.

    Parameters
    ----------
    frame : DataFrame
        ``athlete_id, date, load``: daily rows; gaps are rest days, repeated days are summed.
    ctl_days, atl_days, convention, acute_days, chronic_days, window
        As :func:`~coachkit.features.pmc.pmc` (zero state before each athlete's first day),
        :func:`~coachkit.features.pmc.acwr` and :func:`~coachkit.features.pmc.monotony_strain`.
    end : date-like, optional
        Extend every athlete's days to this day (e.g. today).
    fill_gaps : bool
        True: a row per athlete per day from their first day to their last (or ``end``).
        False: only the (athlete, day) pairs of ``frame``.

    Returns
    -------
    DataFrame
        ``athlete_id, date, load, ctl, atl, tsb, ramp_7d, acwr, monotony, strain`` sorted by
        athlete and date: per athlete, the numbers of ``pmc``, ``acwr`` and ``monotony_strain``
        on that athlete's series.

    Notes
    -----
    Athletes sorted by length of history fill blocks of an (athlete x day) grid padded at the
    end, with one vectorised pass per EWMA per block.
    """
    kw = dict(
        ctl_days=ctl_days,
        atl_days=atl_days,
        convention=convention,
        window=window,
        acute_days=acute_days,
        chronic_days=chronic_days,
    )
    dates = pd.to_datetime(frame["date"])
    if dates.dt.tz is not None:
        dates = dates.dt.tz_localize(None)
    ok = (dates.notna() & frame["athlete_id"].notna()).to_numpy()
    if not ok.any():
        return pd.DataFrame({c: pd.Series(dtype=float) for c in MANY_COLUMNS})
    day = dates[ok].to_numpy("datetime64[D]").astype(np.int64)
    codes, athletes = pd.factorize(frame["athlete_id"][ok], sort=True)
    load = pd.to_numeric(frame["load"][ok], errors="coerce").to_numpy("float64", na_value=np.nan)
    load = np.nan_to_num(load)
    first = pd.Series(day).groupby(codes).min().to_numpy()
    last = pd.Series(day).groupby(codes).max().to_numpy()
    if end is not None:
        last = np.maximum(
            last, as_day(end).to_datetime64().astype("datetime64[D]").astype(np.int64)
        )
    span = last - first + 1
    order = np.argsort(span, kind="stable")  # similar lengths share a block: little padding
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    row_rank = rank[codes]
    by_rank = np.argsort(row_rank, kind="stable")
    sorted_rank = row_rank[by_rank]
    pieces, i = [], 0
    while i < len(order):
        j = min(len(order), i + max(1, _GRID_CELLS // int(span[order[i]])))
        j = min(j, i + max(1, _GRID_CELLS // int(span[order[j - 1]])))
        who, width = order[i:j], int(span[order[j - 1]])
        rows = by_rank[np.searchsorted(sorted_rank, i) : np.searchsorted(sorted_rank, j)]
        cell = (row_rank[rows] - i) * width + (day[rows] - first[codes[rows]])
        x = np.bincount(cell, weights=load[rows], minlength=(j - i) * width).reshape(j - i, width)
        keep = np.arange(width)[None, :] < span[who][:, None]
        if not fill_gaps:
            keep &= np.bincount(cell, minlength=x.size).reshape(x.shape) > 0
        block = _block(x, keep, kw)
        block["code"] = np.broadcast_to(who[:, None], x.shape)[keep]
        block["day"] = first[block["code"]] + np.nonzero(keep)[1]
        pieces.append(block)
        i = j
    cols = {k: np.concatenate([p[k] for p in pieces]) for k in pieces[0]}
    sort = np.lexsort((cols["day"], cols["code"]))
    out = {
        "athlete_id": athletes.take(cols["code"][sort]),
        "date": cols["day"][sort].astype("datetime64[D]").astype("datetime64[ns]"),
    }
    return pd.DataFrame({**out, **{c: cols[c][sort] for c in MANY_COLUMNS[2:]}})
