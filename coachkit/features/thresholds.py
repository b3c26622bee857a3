"""Heart-rate and pace thresholds: the athlete's own values, else estimates from the data.

Every load and zone needs four numbers: maximum and resting heart rate, lactate-threshold heart
rate (LTHR) and threshold speed (the pace one could race for about an hour). Few runners know
them all, so each one is taken, in order, from

1. the athlete's own setting (``source == "set by athlete"``);
2. an estimate from the data before ``as_of``, whose ``source`` says so and how;
3. a population default, whose ``source`` starts with ``"population default (no data)"``.

Estimates use runs only (run, trail_run, treadmill) and skip rows whose flags make the number
untrustworthy: ``manual``, ``duplicate_of:`` and ``hr_implausible`` for heart rate;
``speed_implausible`` and (outdoors) ``gps_gaps`` for pace.

- **HRmax**: the middle of the three highest per-run maximum HRs (≥ 5 runs): the top of what
  was seen, but a single strap spike cannot set it alone (a percentile can, with few runs). Else Tanaka's 208 − 0.7·age (Tanaka, Monahan &
  Seals 2001, J Am Coll Cardiol 37:153) when the age is known, else LTHR / 0.89.
- **Resting HR**: the median morning resting HR of the last 30 days of wellness (≥ 3 readings;
  else the last 14 readings).
- **LTHR**: Friel's field test takes the average HR of a 30-min solo time trial (last 20 min)
  or of a ~60-min race as LTHR (Friel, "The Triathlete's Training Bible"; joefrieltraining.com
  "30-minute test"). Runs of 30–90 min are the nearest thing in a training log, so LTHR is the
  95th percentile of their average HR (≥ 5 runs), kept within 80–96 % of HRmax, the range Friel
  reports between athletes. Else 89 % of HRmax, the middle of that range.
- **Threshold speed**: ~1-h race pace (Daniels' "T pace"; Daniels, "Daniels' Running
  Formula"). From the fastest best effort of 3 km or more, carried to 1 h with Riegel's
  T2 = T1·(D2/D1)^1.06 (Riegel 1981, Am Sci 69:285); else from the fastest run of ≥ 30 min
  carried the same way (a lower bound when the athlete never ran hard for that long).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.localtime import local_start
from coachkit.core.sports import RUN_SPORTS
from coachkit.core.units import format_speed_as_pace
from coachkit.features.frames import before_as_of, column, dated_before, flag_mask, numeric

SET_BY_ATHLETE = "set by athlete"
POPULATION_DEFAULT = "population default (no data)"
SEXES = ("male", "female", "unknown")

# HR outside 25–230 bpm is a sensor artefact (same bounds as coachkit.io.base)
HR_PLAUSIBLE_BPM = (25.0, 230.0)
MIN_RUNS = 5  # fewer runs and a percentile is just the one hardest run
TANAKA_INTERCEPT, TANAKA_SLOPE = 208.0, 0.7  # Tanaka et al. 2001, J Am Coll Cardiol 37:153
# Friel: LTHR is 80–96 % of HRmax between athletes; 0.89 is the middle of that range
LTHR_OF_HR_MAX, LTHR_OF_HR_MAX_RANGE = 0.89, (0.80, 0.96)
LTHR_PERCENTILE = 95.0
LTHR_RUN_MINUTES = (30.0, 90.0)  # Friel's 30-min test to a ~60-min race, with some slack
REST_WINDOW_DAYS, REST_MIN_READINGS, REST_LAST_READINGS = 30, 3, 14
RIEGEL_EXPONENT = 1.06  # Riegel 1981, Am Sci 69:285
THRESHOLD_HOUR_S = 3600.0  # threshold pace = the pace one can race for ~1 h (Daniels)
EFFORT_MIN_DISTANCE_M = 3000.0  # shorter efforts carried to 1 h by Riegel overestimate
EFFORT_MAX_TIME_S = 4 * 3600.0
RUN_MIN_S = 30 * 60.0  # "sustained": as long as the shortest LTHR run
RUN_SPEED_PLAUSIBLE_M_S = (1.5, 7.0)  # slower is walking, faster beats the world 10 km record
# Population defaults (no data at all). HRmax: Tanaka at age 33; resting HR: the low end of the
# normal adult 60–100 bpm range, for people who run; threshold 5:30/km: a ~55-min 10 km runner.
HR_MAX_DEFAULT_BPM = 185.0
HR_REST_DEFAULT_BPM = 60.0
THRESHOLD_SPEED_DEFAULT_M_S = 1000.0 / 330.0


@dataclass(frozen=True)
class Threshold:
    """One threshold value and where it came from.

    Attributes
    ----------
    value : float or None
        The value in its unit (bpm, or m/s for speed); None when it cannot be known.
    source : str
        ``"set by athlete"``, ``"estimated: …"`` (how) or ``"population default (no data)…"``.
    """

    value: float | None
    source: str

    @property
    def estimated(self) -> bool:
        """True unless the athlete set the value (population defaults are estimates too)."""
        return not self.source.startswith(SET_BY_ATHLETE)

    @property
    def tag(self) -> str:
        """A two-word tag for notes: "your setting", "estimated" or "population default"."""
        if not self.estimated:
            return "your setting"
        return "population default" if self.source.startswith("population") else "estimated"


@dataclass(frozen=True)
class Thresholds:
    """The four thresholds that loads and zones need, plus the athlete's sex (for TRIMP)."""

    hr_max: Threshold
    hr_rest: Threshold
    lthr: Threshold
    threshold_speed_m_s: Threshold
    sex: str = "unknown"

    def describe(self) -> str:
        """One plain sentence with the numbers, saying which ones are estimates.

        >>> t = Thresholds(Threshold(190.0, "set by athlete"), Threshold(50.0, "estimated: x"),
        ...                Threshold(170.0, "estimated: y"), Threshold(4.0, "population default (no data)"))
        >>> t.describe()
        'Thresholds: HRmax 190 bpm (your setting), resting HR 50 bpm (estimated), LTHR 170 bpm (estimated) and threshold pace 4:10/km (population default); sex not set.'
        """
        bpm = {"HRmax": self.hr_max, "resting HR": self.hr_rest, "LTHR": self.lthr}
        parts = [
            f"{k} {'unknown' if t.value is None else f'{t.value:.0f} bpm'} ({t.tag})"
            for k, t in bpm.items()
        ]
        speed = self.threshold_speed_m_s
        pace = f"threshold pace {format_speed_as_pace(speed.value)} ({speed.tag})"
        sex = f"sex {self.sex}" if self.sex in ("male", "female") else "sex not set"
        return f"Thresholds: {', '.join(parts)} and {pace}; {sex}."


def _setting(settings: Mapping[str, Any], key: str) -> float | None:
    try:
        value = float(settings.get(key))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) and value > 0 else None


def _sex(settings: Mapping[str, Any]) -> str:
    raw = str(settings.get("sex") or "").strip().lower()
    return {"m": "male", "male": "male", "f": "female", "female": "female"}.get(raw, "unknown")


def _usable_runs(activities: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """Runs before ``as_of`` that are neither manual nor duplicates."""
    flags = column(activities, "quality_flags", "")
    keep = (
        column(activities, "sport", "").isin(RUN_SPORTS).to_numpy(dtype=bool)
        & before_as_of(activities, as_of)
        & ~flag_mask(flags, "manual")
        & ~flag_mask(flags, "duplicate_of:")
    )
    return activities[keep]


def _hr_runs(runs: pd.DataFrame) -> pd.DataFrame:
    flags = column(runs, "quality_flags", "")
    return runs[~flag_mask(flags, "hr_implausible") & ~flag_mask(flags, "no_hr")]


def _plausible_hr(values: np.ndarray) -> np.ndarray:
    lo, hi = HR_PLAUSIBLE_BPM
    return values[np.isfinite(values) & (values >= lo) & (values <= hi)]


def _estimate_hr_max_from_runs(hr_runs: pd.DataFrame) -> Threshold | None:
    peaks = _plausible_hr(numeric(hr_runs, "max_hr"))
    if len(peaks) < MIN_RUNS:
        return None
    value = float(np.sort(peaks)[-2])  # the middle of the top three (MIN_RUNS >= 3)
    return Threshold(
        round(value, 1),
        f"estimated: the second-highest maximum HR of {len(peaks)} runs (one spike cannot set it)",
    )


def _estimate_lthr_from_runs(hr_runs: pd.DataFrame) -> tuple[float, int] | None:
    minutes = numeric(hr_runs, "moving_time_s") / 60.0
    lo, hi = LTHR_RUN_MINUTES
    avg = numeric(hr_runs, "avg_hr")[(minutes >= lo) & (minutes <= hi)]
    avg = _plausible_hr(avg)
    if len(avg) < MIN_RUNS:
        return None
    return float(np.percentile(avg, LTHR_PERCENTILE)), len(avg)


def _estimate_hr_rest(wellness: pd.DataFrame | None, as_of: pd.Timestamp | None) -> Threshold:
    if wellness is None or wellness.empty or "resting_hr" not in wellness.columns:
        return Threshold(HR_REST_DEFAULT_BPM, POPULATION_DEFAULT)
    dates, ok = dated_before(wellness, as_of)
    rest = numeric(wellness, "resting_hr")
    ok = ok & np.isfinite(rest) & (rest >= 25) & (rest <= 120) & dates.notna().to_numpy()
    if not ok.any():
        return Threshold(HR_REST_DEFAULT_BPM, POPULATION_DEFAULT)
    d, r = dates[ok].to_numpy(), rest[ok]
    order = np.argsort(d, kind="stable")
    d, r = d[order], r[order]
    recent = d > d[-1] - np.timedelta64(REST_WINDOW_DAYS, "D")
    if recent.sum() >= REST_MIN_READINGS:
        picked, how = r[recent], f"in the {REST_WINDOW_DAYS} days"
    else:
        picked, how = r[-REST_LAST_READINGS:], "(the latest readings)"
    last = pd.Timestamp(d[-1]).date().isoformat()
    return Threshold(
        round(float(np.median(picked)), 1),
        f"estimated: median resting HR of {len(picked)} wellness readings {how} up to {last}",
    )


def _riegel_hour_speed(distance_m: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    """Speed one could hold for 1 h, given one effort, by Riegel's T2 = T1·(D2/D1)^1.06."""
    d_hour = distance_m * (THRESHOLD_HOUR_S / time_s) ** (1.0 / RIEGEL_EXPONENT)
    return d_hour / THRESHOLD_HOUR_S


def _speed_from_efforts(
    best_efforts: pd.DataFrame | None, as_of: pd.Timestamp | None
) -> Threshold | None:
    if best_efforts is None or best_efforts.empty:
        return None
    dist, time = numeric(best_efforts, "distance_m"), numeric(best_efforts, "time_s")
    ok = (dist >= EFFORT_MIN_DISTANCE_M) & (time > 0) & (time <= EFFORT_MAX_TIME_S)
    dates, dated_ok = dated_before(best_efforts, as_of)
    if "date" in best_efforts.columns:
        ok = ok & dated_ok
    lo, hi = RUN_SPEED_PLAUSIBLE_M_S
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.where(ok, _riegel_hour_speed(dist, time), np.nan)
    speed[(speed < lo) | (speed > hi)] = np.nan
    if not np.isfinite(speed).any():
        return None
    best = int(np.nanargmax(speed))
    d, t, day = dist[best], time[best], dates.iloc[best]
    when = "" if pd.isna(day) else f" on {day.date().isoformat()}"
    return Threshold(
        round(float(speed[best]), 3),
        f"estimated: 1-h race pace from your best {d / 1000:g} km effort "
        f"({int(t // 60)}:{int(t % 60):02d}{when}) by Riegel's formula",
    )


def _speed_from_runs(runs: pd.DataFrame) -> Threshold | None:
    flags = column(runs, "quality_flags", "")
    sport = column(runs, "sport", "")
    flat = sport.isin(("run", "treadmill")).to_numpy(dtype=bool)  # hills distort trail speed
    outdoor_gaps = flag_mask(flags, "gps_gaps") & (sport != "treadmill").to_numpy(dtype=bool)
    keep = flat & ~flag_mask(flags, "speed_implausible") & ~outdoor_gaps
    dist, time = numeric(runs, "distance_m")[keep], numeric(runs, "moving_time_s")[keep]
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = dist / time
    lo, hi = RUN_SPEED_PLAUSIBLE_M_S
    ok = (time >= RUN_MIN_S) & (speed >= lo) & (speed <= hi)
    if not ok.any():
        return None
    hour = _riegel_hour_speed(dist[ok], time[ok])
    best = int(np.argmax(hour))
    row = np.flatnonzero(keep)[np.flatnonzero(ok)[best]]  # the local day of that one run only
    d, t, day = dist[ok][best], time[ok][best], pd.Timestamp(local_start(runs.iloc[[row]]).iloc[0])
    return Threshold(
        round(float(hour[best]), 3),
        f"estimated: 1-h race pace from your fastest run of 30 min or more ({d / 1000:.2f} km "
        f"in {int(t // 60)}:{int(t % 60):02d} on {day.date().isoformat()}) by Riegel's formula; "
        "a lower bound unless that run was a race",
    )


def estimate_thresholds(
    activities: pd.DataFrame,
    *,
    wellness: pd.DataFrame | None = None,
    best_efforts: pd.DataFrame | None = None,
    settings: Mapping[str, Any] | None = None,
    as_of: pd.Timestamp | None = None,
) -> Thresholds:
    """HRmax, resting HR, LTHR and threshold speed: the athlete's settings, else estimates.

    Parameters
    ----------
    activities : pandas.DataFrame
        Activities frame (docs/design.md §3). Only runs that started before ``as_of`` are used.
    wellness : pandas.DataFrame, optional
        Wellness frame; ``resting_hr`` readings dated before ``as_of`` give the resting HR.
    best_efforts : pandas.DataFrame, optional
        Columns ``distance_m``, ``time_s`` and optionally ``date`` (efforts dated before
        ``as_of`` are used).
    settings : mapping, optional
        The athlete's own values: ``hr_max``, ``hr_rest``, ``lthr``,
        ``threshold_pace_s_per_km``, ``sex`` and ``age``. Set values always win.
    as_of : pandas.Timestamp, optional
        Use only data strictly before this instant. A naive timestamp is the athlete's local
        time, so a bare date excludes that day itself (pass the next day to include it).

    Returns
    -------
    Thresholds
        Each value with a ``source`` saying whether it was set, estimated (and how) or a
        population default.

    Examples
    --------
    >>> acts = pd.DataFrame({"sport": ["run"] * 6, "max_hr": [180.0, 185, 190, 186, 184, 183],
    ...                      "avg_hr": [150.0] * 6, "moving_time_s": [1800.0] * 6,
    ...                      "quality_flags": [""] * 6,
    ...                      "start_time": pd.date_range("2024-05-01", periods=6, tz="UTC")})
    >>> th = estimate_thresholds(acts, settings={"lthr": 170})
    >>> th.hr_max.value, th.hr_max.estimated, th.lthr.source
    (186.0, True, 'set by athlete')
    """
    settings = settings or {}
    runs = _usable_runs(activities, as_of)
    hr_runs = _hr_runs(runs)

    # HRmax and LTHR lean on each other when only one of them can be measured
    hr_max: Threshold | None = None
    if (v := _setting(settings, "hr_max")) is not None:
        hr_max = Threshold(v, SET_BY_ATHLETE)
    else:
        hr_max = _estimate_hr_max_from_runs(hr_runs)
        age = _setting(settings, "age")
        if hr_max is None and age is not None:
            hr_max = Threshold(
                round(TANAKA_INTERCEPT - TANAKA_SLOPE * age, 1),
                f"estimated: 208 − 0.7 × age {age:g} (Tanaka 2001)",
            )

    lthr: Threshold | None = None
    if (v := _setting(settings, "lthr")) is not None:
        lthr = Threshold(v, SET_BY_ATHLETE)
    elif (found := _estimate_lthr_from_runs(hr_runs)) is not None:
        value, n = found
        how = (
            f"estimated: {LTHR_PERCENTILE:.0f}th percentile of average HR of {n} runs of 30–90 min"
        )
        if hr_max is not None and hr_max.value is not None:
            lo, hi = (f * hr_max.value for f in LTHR_OF_HR_MAX_RANGE)
            if not lo <= value <= hi:
                value = float(np.clip(value, lo, hi))
                how += " (kept within 80–96 % of HRmax)"
        lthr = Threshold(round(value, 1), how)

    if hr_max is None and lthr is not None and lthr.value is not None:
        hr_max = Threshold(round(lthr.value / LTHR_OF_HR_MAX, 1), "estimated: LTHR / 0.89")
    if hr_max is None:
        hr_max = Threshold(HR_MAX_DEFAULT_BPM, POPULATION_DEFAULT)
    if lthr is not None and hr_max.estimated and lthr.value >= hr_max.value:  # type: ignore[operator]
        # a set LTHR above an HRmax estimated from easy runs: the estimate is the one to move
        hr_max = Threshold(
            round(lthr.value / LTHR_OF_HR_MAX_RANGE[1], 1),  # type: ignore[operator]
            "estimated: LTHR / 0.96 (the top of Friel's range; the runs gave less than LTHR)",
        )
    if lthr is None:
        assert hr_max.value is not None
        source = (
            f"{POPULATION_DEFAULT}: 89 % of HRmax"
            if hr_max.source.startswith("population")
            else "estimated: 89 % of HRmax (Friel's 80–96 % range)"
        )
        lthr = Threshold(round(LTHR_OF_HR_MAX * hr_max.value, 1), source)

    if (v := _setting(settings, "hr_rest")) is not None:
        hr_rest = Threshold(v, SET_BY_ATHLETE)
    else:
        hr_rest = _estimate_hr_rest(wellness, as_of)

    if (v := _setting(settings, "threshold_pace_s_per_km")) is not None:
        speed = Threshold(round(1000.0 / v, 3), SET_BY_ATHLETE)
    else:
        speed = (
            _speed_from_efforts(best_efforts, as_of)
            or _speed_from_runs(runs)
            or Threshold(round(THRESHOLD_SPEED_DEFAULT_M_S, 3), POPULATION_DEFAULT)
        )
    return Thresholds(hr_max, hr_rest, lthr, speed, _sex(settings))


__all__ = ["POPULATION_DEFAULT", "SET_BY_ATHLETE", "Threshold", "Thresholds"]
__all__ += ["estimate_thresholds"]
