"""The sentence that says how one activity's load was computed, written only when asked for.

:func:`coachkit.features.load.activity_loads` computes every activity's load as arrays
(:class:`LoadDetails`): the numbers, the method chosen and, per method, a code for why it could
not be used. :meth:`LoadDetails.note` turns one row of those into the ``load_note`` sentence
(hrTSS from samples or from the average HR, rTSS from GAP or from the average pace, sRPE, the
duration fallback and why the ones before it were skipped). A table of thousands of runs that
shows none of them never formats a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coachkit.core.units import format_speed_as_pace
from coachkit.features.thresholds import Thresholds

LOAD_METHODS = ("hrtss", "rtss", "srpe", "duration")  # the automatic order
#: methods used only when asked for (athlete-wide or per activity), never automatically:
#: ``power`` (100 · Σ dt/3600 · (P/CP)², coachkit.features.power) changes no existing load
OPT_IN_METHODS = ("power",)
ALL_METHODS = LOAD_METHODS + OPT_IN_METHODS
# Foster 2001's CR-10: 7 = "very hard", the effort of an hour-long race at threshold, whose TSS
# is 100 by definition: 60 min × 7 = 420 AU ≈ 100 TSS.
SRPE_AU_PER_TSS = 4.2
HR_COVERAGE_FULL = 0.9  # below 90 % the note says the samples' TRIMP was scaled up
DURATION_LOAD_PER_H = 50.0  # 100 · IF² at IF 0.71, an easy aerobic hour (see features.load)
HRTSS, RTSS, SRPE, DURATION, POWER = range(5)  # column of each method in LoadDetails.why
_NAMES = ("hrTSS", "rTSS", "sRPE", "duration fallback", "power load")
#: why hrTSS (code 1..5), rTSS (1..6), sRPE (1) or the duration fallback (1) was not used;
#: code 0 = used or usable, -1 = not tried. ``None`` = written from the row's numbers.
WHY_NOT: tuple[tuple[str | None, ...], ...] = (
    (
        "",
        "there is no heart rate (no_hr)",
        "the heart rate is implausible (hr_implausible)",
        "the HR thresholds are inconsistent (need resting < LTHR ≤ HRmax)",
        None,  # heart rate covers only … of … min
        "there is no usable heart rate",
    ),
    (
        "",
        None,  # rTSS is for foot sports only (<sport>)
        "a manual entry's pace was not measured (manual)",
        "the speed is implausible (speed_implausible)",
        "GPS has gaps (gps_gaps)",
        "there is no threshold pace",
        "there is no plausible distance",
    ),
    ("", "no RPE was logged"),
    ("", "a manual entry's duration alone is not load (manual)"),
    (
        "",
        "there are no power samples",
        "critical power is unknown (coachkit settings --critical-power, or runs with power)",
        None,  # power covers only … of … min
    ),
)


@dataclass(frozen=True)
class LoadDetails:
    """Every activity's load and what its sentence needs, one array entry per activity.

    Row ``i``'s thresholds are ``thresholds[which[i]]``. ``method`` and ``asked`` index :data:`LOAD_METHODS` (-1: none / auto); ``why`` is (n, 4),
    codes into :data:`WHY_NOT`; ``reason`` is the excluded reason (None when there is a load);
    ``hr_s`` the seconds of HR samples behind an hrTSS (NaN: from the average HR); ``speed`` the
    speed behind an rTSS and ``used_gap`` whether it was the GAP speed.
    """

    thresholds: tuple[Thresholds, ...]
    which: np.ndarray
    activity_id: np.ndarray
    sport: np.ndarray
    duration_s: np.ndarray
    avg_hr: np.ndarray
    rpe: np.ndarray
    hr_s: np.ndarray
    speed: np.ndarray
    used_gap: np.ndarray
    load: np.ndarray
    method: np.ndarray
    asked: np.ndarray
    why: np.ndarray
    reason: np.ndarray
    power_s: np.ndarray | None = None  # seconds of power samples behind a power load
    cp_w: float | None = None  # the critical power of a power load

    def __len__(self) -> int:
        return len(self.load)

    def note(self, i: int) -> str:
        """The ``load_note`` of row ``i``: one sentence with the numbers, or the reason."""
        if self.reason[i] is not None:
            return str(self.reason[i])
        m, asked = int(self.method[i]), int(self.asked[i])
        text = (self._hrtss, self._rtss, self._srpe, self._duration, self._power)[m](i)
        if m == DURATION and asked != DURATION:
            text += ", because " + _join([self.why_not(i, k) for k in (HRTSS, RTSS, SRPE)])
        if asked >= 0 and m != asked:
            text = f"{_NAMES[asked]} was asked for but {self.why_not(i, asked)}; {text}"
        return text

    def notes(self) -> list[str]:
        """Every row's sentence (what ``activity_loads(..., explain=True)`` puts in the frame)."""
        return [self.note(i) for i in range(len(self))]

    def why_not(self, i: int, m: int) -> str:
        """Why method ``m`` gave row ``i`` no load (only for a method that was tried)."""
        code = int(self.why[i, m])
        text = WHY_NOT[m][code]
        if text is not None:
            return text
        if m == POWER:
            power_s = float(self.power_s[i])  # type: ignore[index]
            return f"power covers only {power_s / 60:.0f} of {self.duration_s[i] / 60:.0f} min"
        if m == HRTSS:
            return f"heart rate covers only {self.hr_s[i] / 60:.0f} of {self.duration_s[i] / 60:.0f} min"
        return f"rTSS is for foot sports only ({self.sport[i] or 'sport unknown'})"

    def _hrtss(self, i: int) -> str:
        dur, hr_s = float(self.duration_s[i]), float(self.hr_s[i])
        lthr = self.thresholds[self.which[i]].lthr
        if np.isfinite(hr_s):
            how = f"from {hr_s / 60:.0f} min of HR samples"
            if hr_s < HR_COVERAGE_FULL * dur:
                how += f" scaled up to {dur / 60:.0f} min moving"
        else:
            how = f"from average HR {float(self.avg_hr[i]):.0f} bpm over {dur / 60:.0f} min"
        value = float(self.load[i])
        return f"hrTSS {value:.0f} {how} (LTHR {lthr.value:.0f} bpm, {lthr.tag})"

    def _rtss(self, i: int) -> str:
        dur, speed = float(self.duration_s[i]), float(self.speed[i])
        thr = self.thresholds[self.which[i]].threshold_speed_m_s
        kind = "GAP" if self.used_gap[i] else "average pace (no GAP)"
        return (
            f"rTSS {float(self.load[i]):.0f} from {dur / 60:.0f} min at {format_speed_as_pace(speed)} {kind} "
            f"vs threshold {format_speed_as_pace(thr.value)} (IF {speed / thr.value:.2f}; threshold {thr.tag})"  # type: ignore[operator]
        )

    def _srpe(self, i: int) -> str:
        rpe, dur = float(self.rpe[i]), float(self.duration_s[i])
        au = rpe * dur / 60.0
        return (
            f"sRPE {float(self.load[i]):.0f} TSS-equivalent from RPE {rpe:g} × {dur / 60:.0f} min "
            f"= {au:.0f} AU (session RPE, Foster 2001; {SRPE_AU_PER_TSS:g} AU per TSS)"
        )

    def _power(self, i: int) -> str:
        dur, power_s = float(self.duration_s[i]), float(self.power_s[i])  # type: ignore[index]
        how = f"from {power_s / 60:.0f} min of power samples"
        if power_s < HR_COVERAGE_FULL * dur:
            how += f" scaled up to {dur / 60:.0f} min moving"
        return (
            f"power load {float(self.load[i]):.0f} {how} against critical power {self.cp_w:.0f} W "
            "(100 · hours · (P/CP)²: an hour at CP is 100, as Stryd's RSS)"
        )

    def _duration(self, i: int) -> str:
        return (
            f"duration fallback, a rough guess: {float(self.load[i]):.0f} for "
            f"{float(self.duration_s[i]) / 60:.0f} min at "
            f"an assumed {DURATION_LOAD_PER_H:.0f} per hour (an easy effort)"
        )


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


__all__ = [
    "ALL_METHODS",
    "DURATION_LOAD_PER_H",
    "LOAD_METHODS",
    "OPT_IN_METHODS",
    "SRPE_AU_PER_TSS",
    "LoadDetails",
]
