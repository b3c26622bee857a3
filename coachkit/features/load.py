"""Training load per activity: hrTSS, rTSS, session RPE, and a flagged duration fallback.

Four ways to put a number on one session (``load_method``, docs/design.md §5):

- ``hrtss``: Banister's TRIMP (Banister 1991, "Modeling elite athletic performance", in
  Physiological Testing of Elite Athletes; weighting from Morton, Fitz-Clarke & Banister 1990,
  J Appl Physiol 69:1171) normalised so that one hour at LTHR scores 100, as GoldenCheetah's
  "TRIMP(100) Points" (src/Metrics/TRIMPPoints.cpp). Works for any sport with heart rate,
  judged against the running thresholds (a ride at the same HR scores the same).
- ``rtss``: 100 · hours · IF², IF = GAP speed / threshold speed (Coggan's TSS with pace in
  place of power, as TrainingPeaks' rTSS; Friel, joefrielsblog.com "What is TSS?"). Foot
  sports only: a bike's or a swimmer's speed says nothing against a running threshold.
- ``srpe``: session RPE, CR-10 rating × minutes (Foster et al. 2001, J Strength Cond Res
  15:109), brought onto the TSS scale so that it can share one PMC with the others: an hour at
  threshold is 100 TSS by definition and rates about 7 ("very hard") on Foster's CR-10, so
  1 TSS ≈ 4.2 AU (``SRPE_AU_PER_TSS``). The note gives both numbers.
- ``duration``: the fallback when nothing else is known: 50 per hour, the TSS of an easy
  aerobic hour (100 · 0.71² = 50; easy runs sit at IF 0.70–0.80). Always flagged in the note.

Auto-selection tries them in that order. ``method`` (athlete-wide) or ``overrides``
(per activity) put one method first; if it cannot be computed for an activity the note says
why and the next one is used. Junk never becomes load: duplicates, implausible dates and
manual entries without HR or RPE get NaN and an ``excluded_reason``; ``no_hr`` and
``hr_implausible`` never give hrTSS; ``speed_implausible`` and outdoor ``gps_gaps`` never
give rTSS; manual entries never give rTSS or a duration fallback.

Every activity of the frame is computed at once with NumPy (:func:`load_details`; many
athletes in one call with thresholds by ``athlete_id``); only HR samples are read one activity
at a time. The ``load_note`` sentences are formatted only when asked for
(``activity_loads(..., explain=True)``, the default, or :meth:`LoadDetails.note` for the rows
shown; :mod:`coachkit.features.load_notes`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from coachkit.core.localtime import local_day
from coachkit.core.sports import FOOT_SPORTS
from coachkit.features.frames import column, numeric
from coachkit.features.held import held_values
from coachkit.features.load_formulas import POWER_PLAUSIBLE_W, banister_trimp, power_load
from coachkit.features.load_inputs import (
    ThresholdRows,
    flag_table,
    gap_speeds,
    texts,
)
from coachkit.features.load_notes import (
    ALL_METHODS,
    DURATION,
    DURATION_LOAD_PER_H,
    HR_COVERAGE_FULL,
    HRTSS,
    LOAD_METHODS,
    POWER,
    RTSS,
    SRPE,
    SRPE_AU_PER_TSS,
    LoadDetails,
)
from coachkit.features.thresholds import HR_PLAUSIBLE_BPM, Thresholds

HR_COVERAGE_MIN = 0.5  # HR on < 50 % of the moving time is a dropout, not a measurement
MAX_DURATION_S = 48 * 3600.0  # longer than two days is a watch left running
SPEED_PLAUSIBLE_M_S = (0.3, 7.0)  # on foot, averaged over a session
_MANUAL_ONLY = "no load: manual entry without heart rate or RPE (manual)"


def _rpe_by_activity(activities: pd.DataFrame, feedback: pd.DataFrame | None) -> np.ndarray:
    """The athlete's CR-10 rating for each activity (NaN if none).

    A rating tied to an activity wins; a rating for a day (no activity_id) applies to every
    activity that started on that local day. The latest rating counts.
    """
    out = np.full(len(activities), np.nan)
    if feedback is None or feedback.empty or "rpe" not in feedback.columns:
        return out
    fb = feedback.assign(_rpe=numeric(feedback, "rpe"))
    fb = fb[(fb["_rpe"] > 0) & (fb["_rpe"] <= 10)]
    if "created_at" in fb.columns:
        fb = fb.sort_values("created_at", kind="stable", na_position="first")
    ids = column(fb, "activity_id", pd.NA).astype("string")
    by_id = fb[ids.notna()].assign(_id=ids[ids.notna()]).groupby("_id")["_rpe"].last()
    if "date" in fb.columns:
        day_rows = fb[ids.isna()]
        days = pd.to_datetime(day_rows["date"], errors="coerce").dt.normalize()
        by_day = day_rows.assign(_day=days).dropna(subset=["_day"]).groupby("_day")["_rpe"].last()
        act_day = local_day(activities)
        out = act_day.map(by_day).to_numpy(dtype=float, na_value=np.nan)
    act_ids = column(activities, "activity_id", pd.NA).astype("string")
    direct = act_ids.map(by_id).to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(direct), direct, out)


def _check_method(value: str | None, where: str) -> str | None:
    if value is None or value == "auto":
        return None
    if value not in ALL_METHODS:
        raise ValueError(f"{where}: load method {value!r} is not one of {ALL_METHODS} or 'auto'")
    return value


def activity_loads(
    activities: pd.DataFrame,
    thresholds: Thresholds | Mapping[str, Thresholds],
    *,
    samples: Mapping[str, pd.DataFrame] | None = None,
    feedback: pd.DataFrame | None = None,
    gap_speed: Mapping[str, float] | None = None,
    method: str | None = None,
    overrides: Mapping[str, str] | None = None,
    explain: bool = True,
    critical_power_w: float | None = None,
    hr_held: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> pd.DataFrame:
    """Load of every activity, how it was computed, and why when there is none.

    Parameters
    ----------
    activities : pandas.DataFrame
        Activities frame (docs/design.md §3); not modified.
    thresholds : Thresholds or mapping
        From :func:`coachkit.features.thresholds.estimate_thresholds`; or athlete_id ->
        Thresholds, each row taking its ``athlete_id``'s (many athletes in one call).
    samples : mapping, optional
        activity_id -> samples frame; only activities that may get hrTSS (HR not flagged,
        ``has_samples`` true) are looked up, so a lazy mapping reads no more than that.
    feedback : pandas.DataFrame, optional
        Feedback frame (``activity_id`` or ``date``, ``rpe``). A rating with an activity_id
        is that activity's; one with only a date applies to every activity of that local day.
    gap_speed : mapping, optional
        activity_id -> mean grade-adjusted speed, m/s; without it rTSS uses distance / time.
    method : str, optional
        Athlete-wide preference, one of :data:`LOAD_METHODS` (``None`` or ``"auto"``: auto), or
        ``"power"`` (opt-in, never automatic: power samples against ``critical_power_w``).
    overrides : mapping, optional
        activity_id -> method for single activities (wins over ``method``).
    explain : bool, default True
        Write the ``load_note`` sentence of every row. ``False`` leaves the column out (the
        numbers, methods and reasons are the same): a row's load depends on that row alone, so
        the sentences of the rows shown are ``activity_loads(activities.loc[shown], ...)``,
        or :meth:`LoadDetails.note` on :func:`load_details`.
    critical_power_w : float, optional
        Running critical power, W, for the ``power`` method (only read where it is asked for).
    hr_held : mapping, optional
        activity_id -> ``(hr, seconds)`` as :func:`held_values` gives them (or collapsed by
        :func:`collapse_held`); an activity found here needs no samples.

    Returns
    -------
    pandas.DataFrame
        One row per activity, in input order: ``activity_id``, ``load`` (float, NaN when
        excluded), ``load_method`` (string or NA), ``load_note`` (one sentence with the
        numbers; the reason itself for excluded rows; only with ``explain``) and
        ``excluded_reason`` (string or NA).

    Examples
    --------
    >>> from coachkit.features.thresholds import Threshold, Thresholds
    >>> th = Thresholds(*(Threshold(v, "set by athlete") for v in (190.0, 50.0, 170.0, 4.0)))
    >>> acts = pd.DataFrame({"activity_id": ["a", "b"], "sport": ["run", "ride"],
    ...                      "moving_time_s": [3600.0, 3600.0], "distance_m": [14400.0, 30000.0],
    ...                      "avg_hr": [170.0, np.nan], "quality_flags": ["", "no_hr"]})
    >>> activity_loads(acts, th)[["activity_id", "load", "load_method"]]
      activity_id   load load_method
    0           a  100.0       hrtss
    1           b   50.0    duration
    """
    d = load_details(
        activities,
        thresholds,
        samples=samples,
        feedback=feedback,
        gap_speed=gap_speed,
        method=method,
        overrides=overrides,
        critical_power_w=critical_power_w,
        hr_held=hr_held,
    )
    names = np.array([*ALL_METHODS, None], dtype=object)
    columns = {
        "activity_id": pd.array(d.activity_id, dtype="string"),
        "load": d.load,
        "load_method": pd.array(names[d.method], dtype="string"),
        "load_note": pd.array(d.notes(), dtype="string") if explain else None,
        "excluded_reason": pd.array(d.reason, dtype="string"),
    }
    return pd.DataFrame({k: v for k, v in columns.items() if v is not None})


def load_details(
    activities: pd.DataFrame,
    thresholds: Thresholds | Mapping[str, Thresholds],
    *,
    samples: Mapping[str, pd.DataFrame] | None = None,
    feedback: pd.DataFrame | None = None,
    gap_speed: Mapping[str, float] | None = None,
    method: str | None = None,
    overrides: Mapping[str, str] | None = None,
    critical_power_w: float | None = None,
    hr_held: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> LoadDetails:
    """What :func:`activity_loads` computes, as arrays, with each row's sentence on demand.

    Same arguments as :func:`activity_loads`; ``load_details(...).note(i)`` is row ``i``'s
    ``load_note``. All activities at once with NumPy: only the HR samples of the activities
    that may get hrTSS are read and summed one by one.
    """
    preferred = _check_method(method, "method")
    per_activity = {k: _check_method(v, f"override for {k}") for k, v in (overrides or {}).items()}
    n = len(activities)
    aid, sport = texts(activities, "activity_id"), texts(activities, "sport")
    moving, elapsed = numeric(activities, "moving_time_s"), numeric(activities, "elapsed_time_s")
    # moving time, but never more than elapsed: "time_inverted" files swap the two
    dur = np.fmin(np.where(np.isfinite(moving) & (moving > 0), moving, elapsed), elapsed)
    dist, avg_hr = numeric(activities, "distance_m"), numeric(activities, "avg_hr")
    rpe = _rpe_by_activity(activities, feedback)
    with_samples = column(activities, "has_samples", True)
    if with_samples.dtype != bool:
        with_samples = with_samples.fillna(True).astype(bool)
    with_samples = with_samples.to_numpy(dtype=bool)
    has, reason = flag_table(texts(activities, "quality_flags"))
    th = ThresholdRows.of(thresholds, activities)
    bad_duration = ~(np.isfinite(dur) & (dur > 0) & (dur <= MAX_DURATION_S))
    ok = np.fromiter((r is None for r in reason), bool, n)
    reason[np.flatnonzero(bad_duration & ok)] = "no load: no plausible duration"
    ok &= ~bad_duration
    asked_names = [per_activity.get(a, preferred) for a in aid] if per_activity else [preferred]
    index = {m: i for i, m in enumerate(ALL_METHODS)} | {None: -1}
    asked = np.broadcast_to(np.array([index[m] for m in asked_names], np.int8), (n,)).copy()

    why = np.full((n, len(ALL_METHODS)), -1, np.int8)
    value = np.full((n, len(ALL_METHODS)), np.nan)
    with np.errstate(all="ignore"):  # NaN and inf rows are refused below, not warned about
        # rTSS: foot sports with a measured, plausible speed against a threshold pace
        gap = gap_speeds(aid, gap_speed)
        used_gap = np.isfinite(gap)
        speed = np.where(used_gap, gap, dist / dur)
        lo, hi = SPEED_PLAUSIBLE_M_S
        foot = np.fromiter((s in FOOT_SPORTS for s in sport), bool, n)
        why[:, RTSS] = np.select(
            [
                ~foot,
                has("manual"),
                has("speed_implausible"),
                has("gps_gaps") & (sport != "treadmill"),
                ~(th.speed > 0),
                ~(np.isfinite(speed) & (speed >= lo) & (speed <= hi)),
            ],
            [1, 2, 3, 4, 5, 6],
            0,
        )
        value[:, RTSS] = 100.0 * dur / 3600.0 * (speed / th.speed) ** 2
        why[:, SRPE] = np.where(np.isfinite(rpe), 0, 1)
        value[:, SRPE] = rpe * dur / 60.0 / SRPE_AU_PER_TSS
        why[:, DURATION] = np.where(has("manual"), 1, 0)
        value[:, DURATION] = DURATION_LOAD_PER_H * dur / 3600.0
    power_s = np.full(n, np.nan)
    _power(
        ok & (asked == POWER),
        (aid, dur, with_samples),
        samples,
        critical_power_w,
        why,
        value,
        power_s,
    )
    avail = (why == 0) & ok[:, None]
    # hrTSS is tried unless the method asked for comes before it and gives a load
    rows = np.arange(n)
    tried = ok & ~((asked > 0) & avail[rows, np.maximum(asked, 0)])
    hr_s = np.full(n, np.nan)
    heart = (samples, hr_held or {})
    _hrtss(th, tried, has, (aid, dur, avg_hr, with_samples), heart, why, value, hr_s)
    avail[:, HRTSS] = tried & (why[:, HRTSS] == 0)

    first = np.where(avail.any(axis=1), avail.argmax(axis=1), -1)
    chosen = np.where((asked >= 0) & avail[rows, np.maximum(asked, 0)], asked, first)
    load = np.where(chosen >= 0, value[rows, np.maximum(chosen, 0)], np.nan)
    reason[np.flatnonzero(ok & (chosen < 0))] = _MANUAL_ONLY
    return LoadDetails(
        thresholds=th.every,
        which=th.which,
        activity_id=aid,
        sport=sport,
        duration_s=dur,
        avg_hr=avg_hr,
        rpe=rpe,
        hr_s=hr_s,
        speed=speed,
        used_gap=used_gap,
        load=load,
        method=chosen.astype(np.int8),
        asked=asked,
        why=why,
        reason=reason,
        power_s=power_s,
        cp_w=critical_power_w,
    )


def _power(tried, row, samples, cp_w, why, value, power_s) -> None:  # noqa: ANN001
    """Power load of the ``tried`` rows (asked for): power samples against CP, scaled up to the
    moving time as hrTSS is; why not into ``why[:, POWER]`` (1 no power, 2 no CP, 3 coverage)."""
    aid, dur, with_samples = row
    why[tried, POWER] = 1 if cp_w is not None and cp_w > 0 else 2
    if cp_w is None or not cp_w > 0:
        return
    for i in np.flatnonzero(tried & with_samples) if samples is not None else ():
        watts, held = held_values(samples.get(aid[i]), "power_w", POWER_PLAUSIBLE_W)
        seconds = float(held.sum())
        if not seconds > 0:
            continue
        power_s[i] = seconds
        if seconds < HR_COVERAGE_MIN * dur[i]:
            why[i, POWER] = 3
            continue
        why[i, POWER] = 0
        value[i, POWER] = power_load(watts, held, cp_w) * max(1.0, dur[i] / seconds)


def _hrtss(th: ThresholdRows, tried, has, row, heart, why, value, hr_s) -> None:  # noqa: ANN001
    """hrTSS of the ``tried`` rows into ``value[:, HRTSS]``, or why not into ``why[:, HRTSS]``;
    ``heart`` is ``(samples, hr_held)``, the held HR of an activity read from ``hr_held`` first."""
    aid, dur, avg_hr, with_samples = row
    samples, hr_held = heart
    code = np.select([has("no_hr"), has("hr_implausible"), ~th.hr_ok], [1, 2, 3], 0)
    why[:, HRTSS] = np.where(tried, code, -1)
    todo = tried & (code == 0)
    looked = samples is not None or hr_held
    for i in np.flatnonzero(todo & with_samples) if looked else ():
        got = hr_held.get(aid[i])
        if got is None:
            try:
                frame = samples[aid[i]] if samples is not None else None
            except KeyError:
                continue
            got = held_values(frame) if frame is not None else (np.empty(0),) * 2
        hr, held = got
        if not len(hr):
            continue
        todo[i] = False
        hr_s[i] = float(held.sum())
        if hr_s[i] < HR_COVERAGE_MIN * dur[i]:
            why[i, HRTSS] = 4
            continue
        sex = th.every[th.which[i]].sex
        trimp = banister_trimp(hr, held, hr_rest=th.rest[i], hr_max=th.hr_max[i], sex=sex)
        # TRIMP per minute of HR times the moving minutes, as the average-HR route does
        value[i, HRTSS] = 100.0 * (trimp * max(1.0, dur[i] / hr_s[i])) / th.hour_at_lthr[i]
    lo, hi = HR_PLAUSIBLE_BPM
    avg_ok = np.isfinite(avg_hr) & (avg_hr >= lo) & (avg_hr <= hi)
    why[todo & ~avg_ok, HRTSS] = 5
    with np.errstate(all="ignore"):  # rows with HR thresholds unknown are not used
        hrr = np.minimum(np.maximum((avg_hr - th.rest) / (th.hr_max - th.rest), 0.0), 1.0)
        trimp = dur / 60.0 * hrr * th.a * np.exp(th.b * hrr)
    use = todo & avg_ok
    value[use, HRTSS] = 100.0 * trimp[use] / th.hour_at_lthr[use]


__all__ = [
    "DURATION_LOAD_PER_H",
    "HR_COVERAGE_FULL",
    "LOAD_METHODS",
    "SRPE_AU_PER_TSS",
    "LoadDetails",
    "activity_loads",
    "load_details",
]
