"""Daily HRV status: the 7-day lnRMSSD against a 60-day normal range (docs/design.md §5).

The method is the one of the HRV-guided-training literature:

* **ln(rMSSD)**, because rMSSD is right-skewed and its log is close to normal, so means, SDs and
  bands behave (Plews et al. 2012, Eur J Appl Physiol 112:3729; Plews et al. 2013, Sports Med
  43:773).
* **7-day rolling mean and CV** of lnRMSSD over the calendar days ``t-6 .. t`` that have a
  reading (Plews et al. 2012). CV = sample SD / mean × 100 of the *log* values, as Elite HRV
  writes it in its export ("HRV CV" column; checked against its numbers in the tests).
* **At least 3 valid days a week**: Plews et al. 2014 (Int J Sports Physiol Perform 9:783)
  found that 3 randomly chosen readings a week give the weekly mean its full diagnostic value.
  With fewer, the 7-day mean and CV are NaN and the status is ``"not enough data"``.
* **Normal range** = baseline mean ± 0.5 × baseline SD (the smallest worthwhile change, SWC;
  Plews et al. 2013; Buchheit 2014, Front Physiol 5:73). The baseline is the daily lnRMSSD of
  the 60 days *before* the current 7-day window (days ``t-66 .. t-7``), as in HRV4Training's
  60-day normal values (Altini, hrv4training.com, "The importance of normal values", 2022).
  The current week is left out on purpose: a week of suppressed HRV would otherwise drag its
  own reference down and hide itself. The SD is that of the daily values (ddof = 1).
* **Status** of the 7-day mean: ``below`` / ``within`` / ``above`` the normal range.

**One reading per day.** When several sources have a reading on the same day, the first in
:data:`HRV_SOURCE_PRIORITY` wins: morning tests (HRV4Training, Elite HRV, a resting R-R file)
before a watch's overnight average (Garmin ``lastNightAvg``). Morning tests follow the protocol
the 7-day lnRMSSD literature was built on (on waking, same position, 1-5 min); an overnight
average is measured asleep and sits at another level, so averaging the two would mix two
quantities. Several readings of one source on one day (duplicates) count once, as their
median. Mixing sources across days still shifts the level: the ``source`` column shows it.

Resting HR follows the same windows and source priority (:mod:`coachkit.features.resting_hr`).

Everything is a pure function of the wellness frame (docs/design.md §3); ``as_of`` is a parameter,
never the clock, and no row after it is read. One athlete or a thousand take the same
vectorised numpy pass over an (athlete x day) grid (:mod:`coachkit.features.hrv_grid`):
:func:`hrv_many` gives the numbers of :func:`hrv_status` for every athlete of a roster at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coachkit.features.hrv_grid import (
    ROLLING_EPS,
    Daily,
    StatusKind,
    pick_grid,
    source_names,
    status_frame,
    windows,
)
from coachkit.features.hrv_text import hrv_sentence

#: morning tests first, then overnight watch values; unknown sources come last, by name
HRV_SOURCE_PRIORITY = ("hrv4training", "elitehrv", "polar_hrm", "rr_text", "garmin")
# same plausibility limit as the HRV readers (coachkit.io.hrv.RMSSD_MAX_MS): above any published
# resting rMSSD, larger values are app or file faults
RMSSD_MAX_MS = 400.0
# A normal range needs an SD: 14 values give it a relative standard error of about
# 1/sqrt(2 * 13) = 20 %. Elite HRV builds its baseline over "about 2 weeks"
# (help.elitehrv.com, "How the HRV baseline works").
MIN_BASELINE_DAYS = 14

#: status names, in the order of their codes on the grid
HRV_STATUSES = ("not enough data", "below", "within", "above")
HRV_STATUS_COLUMNS = (
    "ln_rmssd",
    "source",
    "ln_rmssd_7d",
    "cv_7d",
    "n_valid_7d",
    "baseline_mean",
    "baseline_sd",
    "n_valid_baseline",
    "swc_low",
    "swc_high",
    "status",
    "explanation",
)


def _pick_daily(wellness: pd.DataFrame, value: pd.Series, end: pd.Timestamp | None) -> pd.DataFrame:
    """One athlete's value per calendar day, by source priority, on a gap-free daily index."""
    daily = pick_grid(
        wellness, np.asarray(value, dtype=float), end, many=False, priority=HRV_SOURCE_PRIORITY
    )
    if not len(daily.span):
        empty = pd.DatetimeIndex([], dtype="datetime64[ns]", name="date")
        return pd.DataFrame(
            {"value": pd.Series(dtype=float), "source": pd.Series(dtype="string")}, index=empty
        )
    start = pd.Timestamp(np.datetime64(int(daily.first[0]), "D"))
    idx = pd.date_range(start, periods=int(daily.span[0]), freq="D", name="date").as_unit("ns")
    source = pd.array(source_names(daily, daily.source[0]), dtype="string")
    return pd.DataFrame({"value": daily.value[0], "source": source}, index=idx)


def _ln_rmssd(wellness: pd.DataFrame) -> pd.Series:
    """ln(rMSSD) of each row (from ``rmssd_ms``, else ``ln_rmssd``), NaN where implausible."""
    nan = pd.Series(np.nan, index=wellness.index)
    rmssd = pd.to_numeric(wellness.get("rmssd_ms", nan), errors="coerce").astype(float)
    ln_given = pd.to_numeric(wellness.get("ln_rmssd", nan), errors="coerce").astype(float)
    rmssd = rmssd.fillna(np.exp(ln_given))
    ok = (rmssd > 0) & (rmssd <= RMSSD_MAX_MS)
    return np.log(rmssd.where(ok))


def _daily_hrv(wellness: pd.DataFrame, end: pd.Timestamp | None) -> pd.DataFrame:
    daily = _pick_daily(wellness, _ln_rmssd(wellness), end).rename(columns={"value": "ln_rmssd"})
    daily.insert(0, "rmssd_ms", np.exp(daily["ln_rmssd"]))
    return daily


def daily_hrv(wellness: pd.DataFrame) -> pd.DataFrame:
    """One lnRMSSD per calendar day, from the first to the last valid reading.

    Parameters
    ----------
    wellness : pandas.DataFrame
        The wellness frame of one athlete (docs/design.md §3): ``date`` plus ``rmssd_ms`` and/or
        ``ln_rmssd``, and ``source``. Row order does not matter.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date`` (naive, daily, no gaps) with ``rmssd_ms`` (``exp(ln_rmssd)``),
        ``ln_rmssd`` (NaN on days without a valid reading) and ``source`` (the source used that
        day, see :data:`HRV_SOURCE_PRIORITY`). Readings with rMSSD <= 0 or > 400 ms are dropped.

    Examples
    --------
    >>> w = pd.DataFrame({"date": pd.to_datetime(["2024-05-01", "2024-05-01", "2024-05-03"]),
    ...                   "rmssd_ms": [40.0, 60.0, 55.0],
    ...                   "source": ["garmin", "hrv4training", "garmin"]})
    >>> d = daily_hrv(w)
    >>> d["source"].tolist(), round(float(d["ln_rmssd"].iloc[0]), 4)
    (['hrv4training', <NA>, 'garmin'], 4.0943)
    """
    return _daily_hrv(wellness, None)


def _hrv_numbers(
    daily: Daily,
    *,
    window: int,
    baseline_days: int,
    swc_sd: float,
    min_valid: int,
    min_baseline_days: int,
) -> dict[str, np.ndarray]:
    """Every numeric column of :func:`hrv_status` on the grid, and the status as codes."""
    out = windows(daily.value, window, baseline_days, min_valid, min_baseline_days)
    mean7 = out.pop("mean_7d")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["cv_7d"] = 100.0 * out.pop("sd_7d") / mean7
    out["swc_low"] = out["baseline_mean"] - swc_sd * out["baseline_sd"]
    out["swc_high"] = out["baseline_mean"] + swc_sd * out["baseline_sd"]
    with np.errstate(invalid="ignore"):
        out["status"] = np.select(
            [
                np.isnan(mean7) | np.isnan(out["swc_low"]),
                mean7 < out["swc_low"] - ROLLING_EPS,
                mean7 > out["swc_high"] + ROLLING_EPS,
            ],
            [0, 1, 3],
            default=2,
        )
    return {"ln_rmssd": daily.value, "ln_rmssd_7d": mean7, **out}


_HRV = StatusKind(
    lambda wellness: _ln_rmssd(wellness).to_numpy(),
    _hrv_numbers,
    HRV_STATUSES,
    hrv_sentence,
    HRV_STATUS_COLUMNS,
    HRV_SOURCE_PRIORITY,
)


def hrv_status(
    wellness: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None = None,
    window: int = 7,
    baseline_days: int = 60,
    swc_sd: float = 0.5,
    min_valid: int = 3,
    min_baseline_days: int = MIN_BASELINE_DAYS,
) -> pd.DataFrame:
    """Daily HRV status: the 7-day lnRMSSD against the normal range of the 60 days before.

    Parameters
    ----------
    wellness : pandas.DataFrame
        One athlete's wellness frame (docs/design.md §3); row order does not matter.
    as_of : pandas.Timestamp, optional
        Last day to use and return (its calendar day). Rows after it are never read. Default:
        the last valid reading. When later than that, the frame runs on to ``as_of``.
    window : int
        Days in the rolling window (7, Plews et al. 2012).
    baseline_days : int
        Days in the baseline, which ends the day before the window starts (60, HRV4Training).
    swc_sd : float
        Half-width of the normal range in baseline SDs (0.5, the SWC).
    min_valid : int
        Fewest valid days in the window for a status (3, Plews et al. 2014).
    min_baseline_days : int
        Fewest valid baseline days for a normal range (:data:`MIN_BASELINE_DAYS`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date`` (daily, from the first valid reading to ``as_of``), with the columns
        of :data:`HRV_STATUS_COLUMNS`: ``ln_rmssd`` and ``source`` of the day, ``ln_rmssd_7d``
        and ``cv_7d`` (% CV of lnRMSSD; both NaN below ``min_valid`` readings), ``n_valid_7d``,
        ``baseline_mean``, ``baseline_sd``, ``n_valid_baseline``, ``swc_low``/``swc_high`` (the
        normal range, an estimate from the baseline), ``status`` (``below``, ``within``,
        ``above`` or ``not enough data``) and ``explanation`` (one sentence with the numbers).

    Examples
    --------
    >>> days = pd.date_range("2024-01-01", periods=90, freq="D")
    >>> rmssd = np.where(np.arange(90) % 2 == 0, 50.0, 60.0)  # alternating, ln 3.91 / 4.09
    >>> rmssd[-7:] = 40.0  # a suppressed last week (ln 3.69)
    >>> w = pd.DataFrame({"date": days, "rmssd_ms": rmssd, "source": "hrv4training"})
    >>> hrv_status(w)["status"].iloc[-1]
    'below'
    """
    return status_frame(
        _HRV,
        wellness,
        as_of,
        many=False,
        settings={"swc_sd": swc_sd},
        window=window,
        baseline_days=baseline_days,
        min_valid=min_valid,
        min_baseline_days=min_baseline_days,
    )


def hrv_many(
    wellness: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None = None,
    window: int = 7,
    baseline_days: int = 60,
    swc_sd: float = 0.5,
    min_valid: int = 3,
    min_baseline_days: int = MIN_BASELINE_DAYS,
    explain: bool = False,
) -> pd.DataFrame:
    """:func:`hrv_status` of many athletes in one vectorised pass (rosters, benchmarks).

    Parameters
    ----------
    wellness : pandas.DataFrame
        Wellness rows of any number of athletes, with an ``athlete_id`` column.
    as_of, window, baseline_days, swc_sd, min_valid, min_baseline_days
        As :func:`hrv_status`; ``as_of`` is the same day for every athlete.
    explain : bool
        Also write the ``explanation`` sentence of every day (a Python string per row: about
        as slow as everything else together, so off by default).

    Returns
    -------
    pandas.DataFrame
        ``athlete_id``, ``date`` and the columns of :data:`HRV_STATUS_COLUMNS` (without
        ``explanation`` unless ``explain``), sorted by athlete and day: per athlete, the rows
        of ``hrv_status`` on that athlete's rows. ``source`` and ``status`` are categoricals.

    Examples
    --------
    >>> days = pd.date_range("2024-01-01", periods=90, freq="D")
    >>> one = pd.DataFrame({"date": days, "rmssd_ms": np.where(np.arange(90) % 2, 50.0, 60.0),
    ...                     "source": "hrv4training"})
    >>> two = pd.concat([one.assign(athlete_id="a"), one.assign(athlete_id="b")])
    >>> hrv_many(two).groupby("athlete_id", observed=True)["status"].last().tolist()
    ['within', 'within']
    """
    return status_frame(
        _HRV,
        wellness,
        as_of,
        many=True,
        explain=explain,
        settings={"swc_sd": swc_sd},
        window=window,
        baseline_days=baseline_days,
        min_valid=min_valid,
        min_baseline_days=min_baseline_days,
    )


def hrv_summary(
    status_row: pd.Series,
    *,
    window: int = 7,
    baseline_days: int = 60,
    min_valid: int = 3,
    min_baseline_days: int = MIN_BASELINE_DAYS,
) -> str:
    """The plain sentence for one day of :func:`hrv_status`, rebuilt from its numbers.

    Pass the same settings as to :func:`hrv_status` (the defaults match its defaults).

    Examples
    --------
    >>> row = pd.Series({"status": "below", "ln_rmssd_7d": 3.62, "cv_7d": 4.1, "n_valid_7d": 6,
    ...                  "swc_low": 3.70, "swc_high": 3.95, "n_valid_baseline": 52})
    >>> hrv_summary(row)
    '7-day lnRMSSD 3.62 (6 readings, CV 4.1 %) is below your normal range 3.70–3.95 (60-day baseline of 52 readings).'
    """  # noqa: E501
    opts = dict(
        window=window,
        baseline_days=baseline_days,
        min_valid=min_valid,
        min_baseline_days=min_baseline_days,
    )
    return hrv_sentence(status_row.to_dict(), **opts)
