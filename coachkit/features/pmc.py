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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.localtime import as_day as _day
from coachkit.features.daily import daily_load, daily_load_many  # noqa: F401  (re-exported)

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
_GRID_CELLS = 4_000_000  # pmc_many works on blocks of athletes x days of at most this many cells
PMC_COLUMNS = ["load", "ctl", "atl", "tsb", "ramp_7d"]
MANY_COLUMNS = ["athlete_id", "date", *PMC_COLUMNS, "acwr", "monotony", "strain"]


def _alpha(days: float, convention: str) -> float:
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

    A loop over days, vectorised over rows (athletes): numpy only, because importing
    ``scipy.signal`` for ``lfilter`` costs about a second on every command that shows a PMC.
    """
    y = np.empty_like(x, dtype=float)
    prev = np.broadcast_to(np.asarray(y0, dtype=float), (x.shape[0],)).copy()
    keep = 1.0 - alpha
    for t in range(x.shape[1]):
        prev = keep * prev + alpha * x[:, t]
        y[:, t] = prev
    return y


def _pmc_2d(
    x: np.ndarray, ctl_days: float, atl_days: float, convention: str, ctl0: Any, atl0: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ctl = _ewma(x, _alpha(ctl_days, convention), ctl0)
    atl = _ewma(x, _alpha(atl_days, convention), atl0)
    tsb = np.empty_like(ctl)
    tsb[:, :1] = (np.asarray(ctl0, dtype=float) - np.asarray(atl0, dtype=float)).reshape(-1, 1)
    tsb[:, 1:] = ctl[:, :-1] - atl[:, :-1]  # TSB = yesterday's CTL - ATL
    return ctl, atl, tsb


def _ramp(ctl: np.ndarray, prior: np.ndarray, days: int = RAMP_DAYS) -> np.ndarray:
    """``ctl[t] - ctl[t - days]``; ``prior`` holds the CTL of the days before day 0 (last = day -1)."""
    n_prior, n = prior.shape[1], ctl.shape[1]
    out = np.full(ctl.shape, np.nan)
    first = max(0, days - n_prior)
    if first < n:
        full = np.concatenate([prior, ctl], axis=1)
        out[:, first:] = ctl[:, first:] - full[:, n_prior + first - days : n_prior + n - days]
    return out


def _acwr_2d(x: np.ndarray, acute_days: float, chronic_days: float) -> np.ndarray:
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


def _monotony_strain_2d(
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


def _as_daily(load: pd.Series) -> pd.Series:
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
        Load per day (e.g. from :func:`daily_load`). With a DatetimeIndex, missing days are rest
        days (load 0) and the result covers every day from the first to the last; otherwise each
        row is one day. NaN counts as 0.
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
    return _pmc_frame(_as_daily(load), (ctl_days, atl_days, convention), ctl0, atl0, [ctl0])


def _pmc_frame(
    daily: pd.Series, spec: tuple[float, float, str], ctl0: float, atl0: float, prior: Any
) -> pd.DataFrame:
    x = daily.to_numpy()[None, :]
    ctl, atl, tsb = _pmc_2d(x, *spec, ctl0, atl0)
    ramp = _ramp(ctl, np.asarray(prior, dtype=float)[None, :])
    arrays = (x[0], ctl[0], atl[0], tsb[0], ramp[0])
    out = pd.DataFrame(dict(zip(PMC_COLUMNS, arrays)), index=daily.index)
    out.attrs.update(ctl_days=spec[0], atl_days=spec[1], convention=spec[2])
    return out


def load_to_reach_tsb(
    ctl: float,
    atl: float,
    target_tsb: float,
    *,
    ctl_days: float = 42,
    atl_days: float = 7,
    convention: str = "exp",
) -> float:
    """Load to do today so that tomorrow's TSB equals ``target_tsb`` (closed form).

    ``ctl`` and ``atl`` are the values at the end of yesterday (today's TSB is ``ctl - atl``).
    After a load ``L`` today, tomorrow's TSB is
    ``(1 - a_c) ctl - (1 - a_a) atl - (a_a - a_c) L``, which falls as ``L`` grows, so

    ``L = ((1 - a_c) ctl - (1 - a_a) atl - target_tsb) / (a_a - a_c)``.

    Read it as "the most you can do today and still have form ``target_tsb`` tomorrow". It is
    never negative: **0 means that even a rest day leaves tomorrow's TSB below the target**
    (see :func:`rest_days_until_tsb` for how many rest days it takes).

    Examples
    --------
    >>> round(load_to_reach_tsb(50.0, 70.0, -15.0), 1)
    28.7
    """
    a_c, a_a = _alpha(ctl_days, convention), _alpha(atl_days, convention)
    if math.isclose(a_c, a_a):
        raise ValueError(
            "ctl_days and atl_days must differ: with equal constants load moves no TSB"
        )
    needed = ((1.0 - a_c) * ctl - (1.0 - a_a) * atl - target_tsb) / (a_a - a_c)
    return max(0.0, float(needed))


def rest_days_until_tsb(
    ctl: float,
    atl: float,
    target_tsb: float = 0.0,
    *,
    ctl_days: float = 42,
    atl_days: float = 7,
    convention: str = "exp",
    max_days: int = 60,
) -> int | None:
    """Rest days needed before TSB reaches ``target_tsb`` (0 when today's TSB already does).

    ``ctl`` and ``atl`` are the values at the end of yesterday, so today's TSB is ``ctl - atl``;
    after ``n`` rest days the next day's TSB is ``ctl (1 - a_c)^n - atl (1 - a_a)^n``. For a
    target of 0 this is Runalyze's ``restDays`` (``log(ctl/atl) / log((1-a_a)/(1-a_c))``, TSB.php)
    rounded up to whole days. Returns None when ``max_days`` of rest are not enough (a positive
    target may never be reached: TSB tends to 0 as both decay).
    """
    a_c, a_a = _alpha(ctl_days, convention), _alpha(atl_days, convention)
    n = np.arange(int(max_days) + 1)
    tsb = ctl * (1.0 - a_c) ** n - atl * (1.0 - a_a) ** n
    hit = np.flatnonzero(tsb >= target_tsb - 1e-9)  # 1e-9: a target met to rounding is met
    return int(hit[0]) if hit.size else None


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
    planned = _as_daily(planned_load)
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
    daily = _as_daily(load)
    ratio = _acwr_2d(daily.to_numpy()[None, :], acute_days, chronic_days)[0]
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
    daily = _as_daily(load)
    total, mono, strain = _monotony_strain_2d(daily.to_numpy()[None, :], int(window), ddof)
    return pd.DataFrame(
        {"weekly_load": total[0], "monotony": mono[0], "strain": strain[0]}, index=daily.index
    )


def _block(x: np.ndarray, keep: np.ndarray, kw: dict[str, Any]) -> dict[str, np.ndarray]:
    """All daily metrics of a padded (athlete x day) load grid, at the cells in ``keep``."""
    ctl, atl, tsb = _pmc_2d(x, kw["ctl_days"], kw["atl_days"], kw["convention"], 0.0, 0.0)
    _, mono, strain = _monotony_strain_2d(x, int(kw["window"]), 0)
    arrays = (
        x,
        ctl,
        atl,
        tsb,
        _ramp(ctl, np.zeros((len(x), 1))),
        _acwr_2d(x, kw["acute_days"], kw["chronic_days"]),
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
        As :func:`pmc` (zero state before each athlete's first day), :func:`acwr` and
        :func:`monotony_strain`.
    end : date-like, optional
        Extend every athlete's days to this day (e.g. today).
    fill_gaps : bool
        True: a row per athlete per day from their first day to their last (or ``end``).
        False: only the (athlete, day) pairs of ``frame``.

    Returns
    -------
    DataFrame
        ``athlete_id, date, load, ctl, atl, tsb, ramp_7d, acwr, monotony, strain`` sorted by
        athlete and date: per athlete, the numbers of :func:`pmc`, :func:`acwr` and
        :func:`monotony_strain` on that athlete's series.

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
        last = np.maximum(last, _day(end).to_datetime64().astype("datetime64[D]").astype(np.int64))
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
