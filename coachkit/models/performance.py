"""Performance from ordinary runs: speed at a reference HR, the fitness model's observations.

:func:`performance_index` gives one value a day with runs, for
:class:`~coachkit.models.fitness.FitnessModel` (docs/design.md §6, issue #5).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from coachkit.core.localtime import local_day
from coachkit.core.sports import RUN_SPORTS
from coachkit.features.hr_speed import INDEX_HR_RANGE_BPM, INDEX_MIN_HR_SD_BPM
from coachkit.features.thresholds import RUN_SPEED_PLAUSIBLE_M_S
from coachkit.models.fitness_prior import FitnessPrior, load_fitness_prior

INDEX_MIN_DURATION_S = 20 * 60.0  # HR needs minutes to settle before it says much about fitness
INDEX_EXCLUDE_FLAGS = (
    "duplicate_of:",
    "no_hr",
    "hr_implausible",
    "speed_implausible",
    "gps_gaps",
    "manual",
    "date_implausible",
    "duration_implausible",
    "distance_implausible",
    "time_reversed",
)
SLOPE_MIN_RUNS = 20  # fewer runs: the athlete's own speed–HR slope is too uncertain to use
SLOPE_RANGE = (0.005, 0.05)  # m/s per bpm, i.e. 20–200 bpm per m/s: outside, not a slope to trust


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[name], errors="coerce").astype("float64")


def performance_index(
    activity_table: pd.DataFrame,
    *,
    reference_hr: float | None = None,
    hr_slope: float | None = None,
    min_duration_s: float = INDEX_MIN_DURATION_S,
    sports: tuple[str, ...] = RUN_SPORTS,
    speed_range_m_s: tuple[float, float] = RUN_SPEED_PLAUSIBLE_M_S,
    prior: FitnessPrior | None = None,
) -> pd.Series:
    """Daily performance from ordinary runs: speed at a reference HR, m/s.

    Each clean run of at least ``min_duration_s`` with HR gives ``v + b (reference_hr - hr)``:
    its speed carried along the athlete's speed–HR line to the reference HR (the regression
    version of the efficiency factor, as :func:`coachkit.features.hr_speed.hr_speed_index`, per
    run instead of over a window, so that fatigue after a hard week is not smoothed away). A
    day's value is the duration-weighted mean of its runs.

    ``v`` is the mean GAP speed (``mean_gap_speed_m_s``) when samples gave it, else distance /
    moving time (summary-only data; elapsed time when moving time is missing). ``hr`` is the
    time-weighted HR from samples, else ``avg_hr``. Left out: other sports, runs flagged
    :data:`INDEX_EXCLUDE_FLAGS`, HR outside 60–220 bpm, speed outside ``speed_range_m_s``.

    Parameters
    ----------
    activity_table : DataFrame
        Activities (docs/design.md §3), e.g. :func:`coachkit.app.athlete.activity_table`; not modified.
        The day is ``date`` when present, else the local day of ``start_time``.
    reference_hr : float, optional
        Default: the median HR of the runs used (only a scale: the series moves as a whole).
    hr_slope : float, optional
        ``b``, m/s per bpm. Default: the duration-weighted regression slope of speed on HR over
        the runs given when there are >= 20 with an HR SD >= 3 bpm and the slope is plausible
        (0.005–0.05), else the population slope of the prior. In a replay, pass a slope learnt
        from the past only.
    sports, speed_range_m_s
        Which activities count, and their plausible mean speeds (e.g. ``("ride",)``, (2, 20)).
    prior : FitnessPrior, optional
        For the population slope; default :func:`load_fitness_prior`.

    Returns
    -------
    Series
        ``performance_index`` per day with runs (DatetimeIndex ``date``, naive local days);
        ``attrs``: ``reference_hr_bpm``, ``hr_slope_m_s_per_bpm``, ``slope_source``, ``n_runs``,
        ``unit``, ``label`` (used by :class:`~coachkit.models.fitness.FitnessModel`'s sentences)
        and ``note``.

    Examples
    --------
    >>> runs = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-03"]),
    ...     "sport": "run", "distance_m": [6000.0, 6600.0], "moving_time_s": [2000.0, 2000.0],
    ...     "avg_hr": [140.0, 150.0]})
    >>> performance_index(runs, reference_hr=150.0, hr_slope=0.03).round(2).tolist()
    [3.3, 3.3]
    """
    t = activity_table
    sport = t["sport"].astype("string") if "sport" in t else pd.Series("run", index=t.index)
    flags = t["quality_flags"] if "quality_flags" in t else pd.Series("", index=t.index)
    flags = flags.astype("string").fillna("")
    dur = _col(t, "moving_time_s").where(lambda s: s > 0, _col(t, "elapsed_time_s"))
    v = _col(t, "mean_gap_speed_m_s").fillna(_col(t, "distance_m") / dur)
    hr = _col(t, "hr_time_weighted").fillna(_col(t, "avg_hr"))
    day = (pd.to_datetime(t["date"]) if "date" in t else local_day(t)).dt.normalize()
    ok = sport.isin(sports).fillna(False) & (dur >= min_duration_s) & day.notna()
    ok &= hr.between(*INDEX_HR_RANGE_BPM) & v.between(*speed_range_m_s)
    for code in INDEX_EXCLUDE_FLAGS:
        ok &= ~flags.str.contains(code, regex=False)
    ok = ok.to_numpy(dtype=bool)
    v, hr, w, day = v[ok].to_numpy(), hr[ok].to_numpy(), dur[ok].to_numpy() / 60.0, day[ok]
    prior = prior or load_fitness_prior()
    b, source = prior.hr_slope_m_s_per_bpm, "population"
    if hr_slope is not None:
        b, source = float(hr_slope), "given"
    elif len(v) >= SLOPE_MIN_RUNS:
        mh, mv = np.average(hr, weights=w), np.average(v, weights=w)
        var = np.average((hr - mh) ** 2, weights=w)
        own = np.average((hr - mh) * (v - mv), weights=w) / var if var > 0 else np.nan
        if math.sqrt(var) >= INDEX_MIN_HR_SD_BPM and SLOPE_RANGE[0] <= own <= SLOPE_RANGE[1]:
            b, source = float(own), f"own ({len(v)} runs)"
    ref = float(np.round(np.median(hr))) if reference_hr is None and len(hr) else reference_hr
    per_run = v + b * ((ref if ref is not None else 0.0) - hr)
    frame = pd.DataFrame({"x": per_run * w, "w": w}, index=pd.DatetimeIndex(day, name="date"))
    daily = frame.groupby(level=0).sum()
    out = (daily["x"] / daily["w"]).rename("performance_index").astype("float64")
    out.attrs.update(
        reference_hr_bpm=ref,
        hr_slope_m_s_per_bpm=b,
        slope_source=source,
        n_runs=int(len(v)),
        unit="m/s",
        label=f"speed at {ref or 0:.0f} bpm",
        note=f"Speed at {ref or 0:.0f} bpm from {len(v)} runs of >= {min_duration_s / 60:.0f} "
        f"min with HR, along a speed–HR slope of {b:.4f} m/s per bpm ({source}).",
    )
    return out
