"""Performance Management Chart: CTL, ATL, TSB, ramp rate, ACWR, monotony and strain (docs/design.md §5).

CTL ("fitness") and ATL ("fatigue") are EWMAs of daily load, ``x_t = x_{t-1} + alpha (load_t -
x_{t-1})``, with time constants of 42 and 7 days. Three conventions turn a time constant ``N``
into ``alpha`` (:data:`CONVENTIONS`), and give visibly different numbers:

- ``"exp"`` (default): ``1 - exp(-1/N)``, Banister's exponential decay per day, as GoldenCheetah
  (src/Metrics/PMCData.cpp: ``lte = exp(-1.0/ltsDays); lts = stress*(1-lte) + lastLTS*lte``);
- ``"1/N"``: TrainingPeaks, ``CTL_today = CTL_yesterday + (TSS_today - CTL_yesterday) / N``;
- ``"2/(N+1)"``: Runalyze (inc/core/Calculation/Performance/TSB.php: ``2 / (CTLn + 1)``).

**TSB is yesterday's CTL minus yesterday's ATL**: today's form reflects load up to yesterday,
not the run about to be done. GoldenCheetah's default is the same (``sb_[day+1] = lts_[day] -
sts_[day]``); Runalyze subtracts the same day's values. ACWR (Williams et al. 2017) is
descriptive only; monotony and strain are Foster's (1998). Pure functions: no disk, no clock.
Loads are in the caller's unit (hrTSS, rTSS, sRPE ...), and so is every output, per day.

The ``*_grid`` functions compute on an (athlete x day) array, one row per athlete: the series
functions here pass one row, :func:`~coachkit.features.pmc_many.pmc_many` a whole roster. What
load reaches a given TSB is :mod:`coachkit.features.form`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

#: alpha (the daily weight of today's load) from a time constant N in days
CONVENTIONS: dict[str, Callable[[float], float]] = {
    "exp": lambda n: 1.0 - math.exp(-1.0 / n),  # Banister decay; GoldenCheetah PMCData.cpp
    "1/N": lambda n: 1.0 / n,  # TrainingPeaks
    "2/(N+1)": lambda n: 2.0 / (n + 1.0),  # Runalyze TSB.php; Williams et al. 2017 for ACWR
}
RAMP_DAYS = 7  # ramp rate = CTL change over 7 days, as GoldenCheetah's rr_ over stsDays (= 7)
# Runalyze (inc/core/Calculation/Monotony.php, MAX = 10) caps monotony: a week of identical loads
# has SD 0 and an infinite ratio, which would make strain meaningless.
MONOTONY_MAX = 10.0
PMC_COLUMNS = ["load", "ctl", "atl", "tsb", "ramp_7d"]


def ewma_alpha(days: float, convention: str) -> float:
    """The daily weight ``alpha`` of a time constant of ``days`` under ``convention``.

    >>> round(ewma_alpha(42, "exp"), 5), ewma_alpha(7, "1/N") == 1 / 7
    (0.02353, True)
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown PMC convention {convention!r}; use one of {list(CONVENTIONS)}")
    if not days > 0:
        raise ValueError(f"a time constant must be a positive number of days, got {days!r}")
    alpha = CONVENTIONS[convention](float(days))
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"time constant {days} gives alpha {alpha:.3f} outside (0, 1]")
    return alpha


def _ewma(x: np.ndarray, alpha: float, y0: float | np.ndarray = 0.0) -> np.ndarray:
    """``y_t = (1 - alpha) y_{t-1} + alpha x_t`` along axis 1, from ``y_{-1} = y0`` (per row).

    A loop over days: numpy only, because importing ``scipy.signal`` for ``lfilter`` costs about
    a second on every command that shows a PMC. One row (one athlete's series) loops over
    Python floats, much faster than a numpy call per day on a 1-element array; many rows (a
    roster's grid) loop over contiguous day columns of all of them at once. Both do the same
    two products and one sum per day in double precision, so a row's numbers do not depend on
    the rows it is computed with.
    """
    x = np.asarray(x, dtype=float)
    keep = 1.0 - alpha
    start = np.broadcast_to(np.asarray(y0, dtype=float), (x.shape[0],))
    if x.shape[0] == 1:
        prev, out = float(start[0]), []
        for value in x[0].tolist():
            prev = keep * prev + alpha * value
            out.append(prev)
        return np.array(out, dtype=float).reshape(1, -1)
    days = np.ascontiguousarray(x.T)  # one contiguous row per day
    y = np.empty_like(days)
    prev, scratch = start.copy(), np.empty(x.shape[0])
    for t in range(days.shape[0]):
        np.multiply(prev, keep, out=y[t])
        np.multiply(days[t], alpha, out=scratch)
        np.add(y[t], scratch, out=y[t])
        prev = y[t]
    return y.T


def pmc_grid(
    x: np.ndarray, ctl_days: float, atl_days: float, convention: str, ctl0: Any, atl0: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CTL, ATL and TSB of each row of the daily load grid ``x``, from ``ctl0`` and ``atl0``."""
    ctl = _ewma(x, ewma_alpha(ctl_days, convention), ctl0)
    atl = _ewma(x, ewma_alpha(atl_days, convention), atl0)
    tsb = np.empty_like(ctl)
    tsb[:, :1] = (np.asarray(ctl0, dtype=float) - np.asarray(atl0, dtype=float)).reshape(-1, 1)
    tsb[:, 1:] = ctl[:, :-1] - atl[:, :-1]  # TSB = yesterday's CTL - ATL
    return ctl, atl, tsb


def ramp_grid(ctl: np.ndarray, prior: np.ndarray, days: int = RAMP_DAYS) -> np.ndarray:
    """``ctl[t] - ctl[t - days]``; ``prior`` holds the CTL of the days before day 0 (last = day -1)."""
    n_prior, n = prior.shape[1], ctl.shape[1]
    out = np.full(ctl.shape, np.nan)
    first = max(0, days - n_prior)
    if first < n:
        full = np.concatenate([prior, ctl], axis=1)
        out[:, first:] = ctl[:, first:] - full[:, n_prior + first - days : n_prior + n - days]
    return out


def acwr_grid(x: np.ndarray, acute_days: float, chronic_days: float) -> np.ndarray:
    """ACWR of each row of the daily load grid ``x`` (see :func:`acwr`)."""
    la, lc = 2.0 / (acute_days + 1.0), 2.0 / (chronic_days + 1.0)  # Williams et al. 2017
    t = np.arange(x.shape[1])
    # From a zero start, divided by the weight accumulated so far (pandas' ewm(adjust=True)): a
    # constant load reads 1.0 from the first valid day instead of a start-up artefact of ~1.16.
    acute = _ewma(x, la) / (1.0 - (1.0 - la) ** (t + 1))
    chronic = _ewma(x, lc) / (1.0 - (1.0 - lc) ** (t + 1))
    out = np.full(x.shape, np.nan)
    np.divide(acute, chronic, out=out, where=chronic > 0)
    out[:, : max(0, math.ceil(chronic_days) - 1)] = np.nan  # no chronic window yet
    return out


def monotony_strain_grid(
    x: np.ndarray, window: int, ddof: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weekly load, monotony and strain over trailing windows along axis 1 (NaN before a full one).

    Sums by shifted slices rather than cumulative sums: no cancellation, so an all-rest week has
    exactly 0 mean and 0 SD, and a padded row gives the same numbers as the unpadded one.
    """
    n = x.shape[1]
    total = np.full(x.shape, np.nan)
    sq = np.zeros(x.shape)
    if n >= window:
        total[:, window - 1 :] = 0.0
        for k in range(window):
            total[:, window - 1 :] += x[:, window - 1 - k : n - k]
        mean = total[:, window - 1 :] / window
        for k in range(window):
            sq[:, window - 1 :] += (x[:, window - 1 - k : n - k] - mean) ** 2
    sd = np.sqrt(sq / (window - ddof))
    mean = total / window
    with np.errstate(divide="ignore", invalid="ignore"):
        monotony = np.where(sd > 0, mean / sd, np.where(mean > 0, MONOTONY_MAX, np.nan))
    monotony = np.minimum(monotony, MONOTONY_MAX)
    strain = np.where(mean == 0, 0.0, total * monotony)
    return total, monotony, strain


def as_daily_series(load: pd.Series) -> pd.Series:
    """Float daily series: NaN -> 0; a DatetimeIndex is summed per day and its gaps filled with 0."""
    values = pd.to_numeric(load, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    s = pd.Series(np.nan_to_num(values, nan=0.0), index=load.index, name="load")
    if isinstance(s.index, pd.DatetimeIndex) and len(s):
        s = s.groupby(s.index.normalize()).sum()
        full = pd.date_range(s.index[0], s.index[-1], freq="D", name=load.index.name or "date")
        s = s.reindex(full, fill_value=0.0)
    return s


def pmc(
    load: pd.Series,
    *,
    ctl_days: float = 42,
    atl_days: float = 7,
    convention: str = "exp",
    ctl0: float = 0.0,
    atl0: float = 0.0,
) -> pd.DataFrame:
    """CTL, ATL, TSB and 7-day ramp rate of a daily load series.

    Parameters
    ----------
    load : Series
        Load per day (e.g. from :func:`~coachkit.features.daily.daily_load`). With a
        DatetimeIndex, missing days are rest days (load 0) and the result covers every day from
        the first to the last; otherwise each row is one day. NaN counts as 0.
    ctl_days, atl_days : float
        Time constants of CTL and ATL, days.
    convention : {"exp", "1/N", "2/(N+1)"}
        How a time constant becomes a daily weight (see :data:`CONVENTIONS`).
    ctl0, atl0 : float
        CTL and ATL on the day before the first row (0: no training before the history).

    Returns
    -------
    DataFrame
        ``load, ctl, atl, tsb, ramp_7d`` on the daily index. ``tsb`` is the previous day's
        ``ctl - atl`` (``ctl0 - atl0`` on the first row); ``ramp_7d`` is ``ctl`` minus ``ctl``
        7 days earlier (NaN for the first 6 rows, where that is unknown).

    Examples
    --------
    >>> pmc(pd.Series([100.0, 0.0]), convention="1/N").round(3)
        load    ctl     atl     tsb  ramp_7d
    0  100.0  2.381  14.286   0.000      NaN
    1    0.0  2.324  12.245 -11.905      NaN
    """
    return _pmc_frame(as_daily_series(load), (ctl_days, atl_days, convention), ctl0, atl0, [ctl0])


def _pmc_frame(
    daily: pd.Series, spec: tuple[float, float, str], ctl0: float, atl0: float, prior: Any
) -> pd.DataFrame:
    x = daily.to_numpy()[None, :]
    ctl, atl, tsb = pmc_grid(x, *spec, ctl0, atl0)
    ramp = ramp_grid(ctl, np.asarray(prior, dtype=float)[None, :])
    arrays = (x[0], ctl[0], atl[0], tsb[0], ramp[0])
    out = pd.DataFrame(dict(zip(PMC_COLUMNS, arrays)), index=daily.index)
    out.attrs.update(ctl_days=spec[0], atl_days=spec[1], convention=spec[2])
    return out


def project_pmc(
    last: pd.Series | pd.DataFrame | Mapping[str, Any],
    planned_load: pd.Series,
    *,
    ctl_days: float = 42,
    atl_days: float = 7,
    convention: str = "exp",
) -> pd.DataFrame:
    """Projected PMC over a planned load series, continuing from the last known day.

    Parameters
    ----------
    last : Series, DataFrame or mapping
        The last row of :func:`pmc` (``ctl``, ``atl``), or the whole PMC frame, whose last 7 days
        of CTL then give the ramp of the first projected days. When the last day is known (the
        row's name, a ``date`` key) and ``planned_load`` is dated, days between are rest days.
    planned_load : Series
        Planned load per day.

    Returns
    -------
    DataFrame
        As :func:`pmc`; ``attrs["note"]`` says it is a projection (an estimate).
    """
    if isinstance(last, pd.DataFrame):
        row: Any = last.iloc[-1]
        prior = last["ctl"].to_numpy(dtype=float)[-RAMP_DAYS:]
    else:
        row, prior = last, [float(last["ctl"])]
    last_day = row.name if isinstance(row, pd.Series) else row.get("date")
    planned = as_daily_series(planned_load)
    if isinstance(planned.index, pd.DatetimeIndex) and isinstance(last_day, pd.Timestamp | str):
        start = pd.Timestamp(last_day).normalize() + pd.Timedelta(days=1)
        if len(planned) and planned.index[0] < start:
            raise ValueError(
                f"planned load starts on {planned.index[0]:%Y-%m-%d}, before {start:%Y-%m-%d}"
            )
        end = planned.index[-1] if len(planned) else start - pd.Timedelta(days=1)
        planned = planned.reindex(pd.date_range(start, end, freq="D", name="date"), fill_value=0.0)
    spec = (ctl_days, atl_days, convention)
    out = _pmc_frame(planned, spec, float(row["ctl"]), float(row["atl"]), prior)
    out.attrs["note"] = (
        "projection from planned load: an estimate that holds only if the plan is done"
    )
    return out


def acwr(load: pd.Series, *, acute_days: float = 7, chronic_days: float = 28) -> pd.Series:
    """Acute:chronic workload ratio from EWMAs (Williams et al. 2017, Br J Sports Med 51:209).

    **Descriptive only, never a risk score.** It says how this week compares with the last month.
    The "sweet spot" thresholds and the injury links built on them do not survive scrutiny
    (Impellizzeri et al. 2020, Int J Sports Physiol Perform 15:907; Lolli et al. 2019,
    Br J Sports Med 53:921), so nothing here turns it into a risk.

    Both EWMAs use ``lambda = 2 / (N + 1)`` from a zero start, each divided by its accumulated
    weight ``1 - (1 - lambda)^(t+1)`` (the start-up bias correction of pandas'
    ``ewm(adjust=True)``). NaN for the first ``chronic_days - 1`` days and where the chronic
    load is 0. Index as :func:`pmc` (gaps filled with rest days).
    """
    daily = as_daily_series(load)
    ratio = acwr_grid(daily.to_numpy()[None, :], acute_days, chronic_days)[0]
    return pd.Series(ratio, index=daily.index, name="acwr")


def monotony_strain(load: pd.Series, *, window: int = 7, ddof: int = 0) -> pd.DataFrame:
    """Foster's training monotony and strain over trailing ``window``-day windows.

    monotony = mean / SD of the daily loads of the window (rest days count as 0 load);
    strain = weekly load x monotony (Foster 1998, Med Sci Sports Exerc 30:1164; Foster et al.
    2001, J Strength Cond Res 15:109). The SD is the population SD (``ddof=0``), as Runalyze's
    ``Monotony.php`` (a week of 5, 15, 20, 20, 20, 25, 35 gives 20 / 8.45). A week of identical
    non-zero loads has SD 0: monotony is capped at :data:`MONOTONY_MAX` (10, Runalyze's cap).
    A week of rest has monotony NaN and strain 0. NaN until a full window exists.

    Returns
    -------
    DataFrame
        ``weekly_load, monotony, strain`` on the daily index of :func:`pmc`.
    """
    daily = as_daily_series(load)
    total, mono, strain = monotony_strain_grid(daily.to_numpy()[None, :], int(window), ddof)
    return pd.DataFrame(
        {"weekly_load": total[0], "monotony": mono[0], "strain": strain[0]}, index=daily.index
    )
