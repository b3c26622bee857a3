"""The per-row ``activity_loads`` as it was before the NumPy version (issue 18), kept as a reference.

``coachkit.features.load`` now computes every activity at once and writes the sentences only
when asked; this is the earlier implementation, one ``_Context.load`` call per activity. The
helpers that did not change (HR from samples, RPE by activity, the method check, the note's list
join) and the constants are imported from the package rather than copied.
``tests/unit/test_load_vectorised.py`` checks the two agree (numbers, methods, notes, reasons)
and the metrics bench prints the speed-up against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coachkit.core.sports import FOOT_SPORTS
from coachkit.core.units import format_speed_as_pace
from coachkit.features.frames import column, numeric
from coachkit.features.held import held_values
from coachkit.features.load import (
    HR_COVERAGE_MIN,
    MAX_DURATION_S,
    SPEED_PLAUSIBLE_M_S,
    _check_method,
    _rpe_by_activity,
)
from coachkit.features.load_formulas import banister_trimp, rtss, srpe
from coachkit.features.load_inputs import IMPLAUSIBLE_WHY as _IMPLAUSIBLE_WHY
from coachkit.features.load_inputs import NO_LOAD_FLAGS as _NO_LOAD_FLAGS
from coachkit.features.load_notes import (
    DURATION_LOAD_PER_H,
    HR_COVERAGE_FULL,
    LOAD_METHODS,
    SRPE_AU_PER_TSS,
    _join,
)
from coachkit.features.thresholds import HR_PLAUSIBLE_BPM, Thresholds

_NAMES = {"hrtss": "hrTSS", "rtss": "rTSS", "srpe": "sRPE", "duration": "duration fallback"}
_OUT_COLUMNS = ("activity_id", "load", "load_method", "load_note", "excluded_reason")


def activity_loads(
    activities: pd.DataFrame,
    thresholds: Thresholds,
    *,
    samples: Mapping[str, pd.DataFrame] | None = None,
    feedback: pd.DataFrame | None = None,
    gap_speed: Mapping[str, float] | None = None,
    method: str | None = None,
    overrides: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Load of every activity, how it was computed, and why when there is none.

    Parameters
    ----------
    activities : pandas.DataFrame
        Activities frame (docs/design.md §3); not modified.
    thresholds : Thresholds
        From :func:`coachkit.features.thresholds.estimate_thresholds`.
    samples : mapping, optional
        activity_id -> samples frame; only activities that may get hrTSS (HR not flagged,
        ``has_samples`` true) are looked up, so a lazy mapping reads no more than that.
    feedback : pandas.DataFrame, optional
        Feedback frame (``activity_id`` or ``date``, ``rpe``). A rating with an activity_id
        is that activity's; one with only a date applies to every activity of that local day.
    gap_speed : mapping, optional
        activity_id -> mean grade-adjusted speed, m/s; without it rTSS uses distance / time.
    method : str, optional
        Athlete-wide preference, one of :data:`LOAD_METHODS` (``None`` or ``"auto"``: auto).
    overrides : mapping, optional
        activity_id -> method for single activities (wins over ``method``).

    Returns
    -------
    pandas.DataFrame
        One row per activity, in input order: ``activity_id``, ``load`` (float, NaN when
        excluded), ``load_method`` (string or NA), ``load_note`` (one sentence with the
        numbers; the reason itself for excluded rows) and ``excluded_reason`` (string or NA).

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
    preferred = _check_method(method, "method")
    per_activity = {k: _check_method(v, f"override for {k}") for k, v in (overrides or {}).items()}
    moving, elapsed = numeric(activities, "moving_time_s"), numeric(activities, "elapsed_time_s")
    rows = zip(
        column(activities, "activity_id", "").astype("string").fillna(""),
        column(activities, "sport", "").astype("string").fillna(""),
        column(activities, "quality_flags", "").astype("string").fillna(""),
        # moving time, but never more than elapsed: "time_inverted" files swap the two
        np.fmin(np.where(np.isfinite(moving) & (moving > 0), moving, elapsed), elapsed),
        numeric(activities, "distance_m"),
        numeric(activities, "avg_hr"),
        _rpe_by_activity(activities, feedback),
        column(activities, "has_samples", True).fillna(True).astype(bool),
    )
    ctx = _Context(thresholds, samples, gap_speed or {})
    out = []
    for aid, sport, flags, dur, dist, hr, rpe, with_samples in rows:
        act = _Activity(
            str(aid),
            str(sport),
            frozenset(f.strip() for f in str(flags).split(";")),
            float(dur),
            float(dist),
            float(hr),
            float(rpe),
            bool(with_samples),
        )
        asked = per_activity.get(act.aid, preferred)
        out.append((act.aid, *ctx.load(act, asked)))
    frame = pd.DataFrame(out, columns=list(_OUT_COLUMNS))
    for col in ("activity_id", "load_method", "load_note", "excluded_reason"):
        frame[col] = frame[col].astype("string")
    frame["load"] = frame["load"].astype("float64")
    return frame


@dataclass(frozen=True)
class _Activity:
    aid: str
    sport: str
    flags: frozenset[str]
    duration_s: float
    distance_m: float
    avg_hr: float
    rpe: float
    has_samples: bool

    def duplicate_of(self) -> str | None:
        return next((f.split(":", 1)[1] for f in self.flags if f.startswith("duplicate_of:")), None)


class _Context:
    """What every activity's load needs: thresholds, samples and GAP speeds."""

    def __init__(
        self,
        thresholds: Thresholds,
        samples: Mapping[str, pd.DataFrame] | None,
        gap_speed: Mapping[str, float],
    ) -> None:
        self.th, self.samples, self.gap = thresholds, samples, gap_speed
        rest, lthr, hmax = (
            thresholds.hr_rest.value,
            thresholds.lthr.value,
            thresholds.hr_max.value,
        )
        self.hr_ok = all(v is not None and np.isfinite(v) for v in (rest, lthr, hmax)) and (
            rest < lthr <= hmax  # type: ignore[operator]
        )
        self.hr_args = {"hr_rest": rest, "hr_max": hmax, "sex": thresholds.sex}
        # hrTSS = 100 * TRIMP / TRIMP of one hour at LTHR: the divisor is the same every time
        self.hour_at_lthr = (
            banister_trimp(float(lthr), 3600.0, **self.hr_args)  # type: ignore[arg-type]
            if self.hr_ok
            else float("nan")
        )

    def load(self, act: _Activity, asked: str | None) -> tuple[float, object, str, object]:
        """(load, method, note, excluded_reason) for one activity."""
        reason = None
        if (original := act.duplicate_of()) is not None:
            reason = f"no load: duplicate of {original} (its load counts there)"
        elif implausible := [f for f in _NO_LOAD_FLAGS if f in act.flags]:
            reason = f"no load: {_IMPLAUSIBLE_WHY[implausible[0]]} ({implausible[0]})"
        elif not (np.isfinite(act.duration_s) and 0 < act.duration_s <= MAX_DURATION_S):
            reason = "no load: no plausible duration"
        if reason is not None:
            return np.nan, pd.NA, reason, reason
        why_not: dict[str, str] = {}
        for m in ([asked] if asked else []) + [m for m in LOAD_METHODS if m != asked]:
            value, text = getattr(self, m)(act)
            if value is None:
                why_not[m] = text
                continue
            if m == "duration":
                skipped = [why_not[k] for k in ("hrtss", "rtss", "srpe") if k in why_not]
                text += ", because " + _join(skipped) if skipped else ""
            if asked and m != asked:
                text = f"{_NAMES[asked]} was asked for but {why_not[asked]}; {text}"
            return float(value), m, text, pd.NA
        reason = "no load: manual entry without heart rate or RPE (manual)"
        return np.nan, pd.NA, reason, reason

    def _samples(self, aid: str) -> pd.DataFrame | None:
        if self.samples is None:
            return None
        try:
            return self.samples[aid]
        except KeyError:
            return None

    def hrtss(self, act: _Activity) -> tuple[float | None, str]:
        if "no_hr" in act.flags:
            return None, "there is no heart rate (no_hr)"
        if "hr_implausible" in act.flags:
            return None, "the heart rate is implausible (hr_implausible)"
        if not self.hr_ok:
            return None, "the HR thresholds are inconsistent (need resting < LTHR ≤ HRmax)"
        dur, lthr = act.duration_s, self.th.lthr
        frame = self._samples(act.aid) if act.has_samples else None
        hr, held = held_values(frame) if frame is not None else (np.empty(0), np.empty(0))
        lo, hi = HR_PLAUSIBLE_BPM
        avg_ok = np.isfinite(act.avg_hr) and lo <= act.avg_hr <= hi
        if len(hr):
            hr_s = float(held.sum())
            if hr_s < HR_COVERAGE_MIN * dur:
                return None, f"heart rate covers only {hr_s / 60:.0f} of {dur / 60:.0f} min"
            # TRIMP per minute of HR times the moving minutes, as the average-HR route does
            trimp = banister_trimp(hr, held, **self.hr_args) * max(1.0, dur / hr_s)  # type: ignore[arg-type]
            how = f"from {hr_s / 60:.0f} min of HR samples"
            if hr_s < HR_COVERAGE_FULL * dur:
                how += f" scaled up to {dur / 60:.0f} min moving"
        else:
            if not avg_ok:
                return None, "there is no usable heart rate"
            trimp = banister_trimp(act.avg_hr, dur, **self.hr_args)  # type: ignore[arg-type]
            how = f"from average HR {act.avg_hr:.0f} bpm over {dur / 60:.0f} min"
        value = 100.0 * trimp / self.hour_at_lthr  # = hrtss(trimp, lthr=..., **self.hr_args)
        return value, f"hrTSS {value:.0f} {how} (LTHR {lthr.value:.0f} bpm, {lthr.tag})"

    def rtss(self, act: _Activity) -> tuple[float | None, str]:
        if act.sport not in FOOT_SPORTS:
            return None, f"rTSS is for foot sports only ({act.sport or 'sport unknown'})"
        if "manual" in act.flags:
            return None, "a manual entry's pace was not measured (manual)"
        if "speed_implausible" in act.flags:
            return None, "the speed is implausible (speed_implausible)"
        if "gps_gaps" in act.flags and act.sport != "treadmill":
            return None, "GPS has gaps (gps_gaps)"
        thr = self.th.threshold_speed_m_s
        if thr.value is None or not thr.value > 0:
            return None, "there is no threshold pace"
        gap = self.gap.get(act.aid)
        gap = float(gap) if gap is not None and np.isfinite(gap) and gap > 0 else None
        speed = gap if gap is not None else act.distance_m / act.duration_s
        lo, hi = SPEED_PLAUSIBLE_M_S
        if not (np.isfinite(speed) and lo <= speed <= hi):
            return None, "there is no plausible distance"
        value = rtss(act.duration_s, speed, thr.value)
        kind = "GAP" if gap is not None else "average pace (no GAP)"
        return value, (
            f"rTSS {value:.0f} from {act.duration_s / 60:.0f} min at {format_speed_as_pace(speed)} {kind} "
            f"vs threshold {format_speed_as_pace(thr.value)} (IF {speed / thr.value:.2f}; threshold {thr.tag})"
        )

    def srpe(self, act: _Activity) -> tuple[float | None, str]:
        if not np.isfinite(act.rpe):
            return None, "no RPE was logged"
        au = srpe(act.rpe, act.duration_s)
        value = au / SRPE_AU_PER_TSS
        return value, (
            f"sRPE {value:.0f} TSS-equivalent from RPE {act.rpe:g} × {act.duration_s / 60:.0f} min "
            f"= {au:.0f} AU (session RPE, Foster 2001; {SRPE_AU_PER_TSS:g} AU per TSS)"
        )

    def duration(self, act: _Activity) -> tuple[float | None, str]:
        if "manual" in act.flags:
            return None, "a manual entry's duration alone is not load (manual)"
        value = DURATION_LOAD_PER_H * act.duration_s / 3600.0
        return value, (
            f"duration fallback, a rough guess: {value:.0f} for {act.duration_s / 60:.0f} min at "
            f"an assumed {DURATION_LOAD_PER_H:.0f} per hour (an easy effort)"
        )


__all__ = ["LOAD_METHODS", "activity_loads"]
