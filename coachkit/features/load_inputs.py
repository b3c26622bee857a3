"""What :func:`coachkit.features.load.activity_loads` reads from each row, as arrays.

Text columns as Python strings, the quality flags looked up once per distinct flag string (a
few distinct strings in many rows), GAP speeds by activity id, and the thresholds of each row:
one athlete's, or each athlete's from a mapping by ``athlete_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coachkit.features.frames import column
from coachkit.features.load_formulas import TRIMP_COEFFICIENTS, banister_trimp
from coachkit.features.thresholds import Thresholds

#: flags of a row whose date, duration or distance cannot be right: no load at all
IMPLAUSIBLE_WHY = {
    "date_implausible": "the date is implausible",
    "duration_implausible": "the duration is implausible",
    "distance_implausible": "the distance is implausible",
    "time_reversed": "the recorded clock steps back in time",
}
NO_LOAD_FLAGS = tuple(IMPLAUSIBLE_WHY)


def texts(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A text column as Python strings ("" for missing values or a missing column)."""
    values = column(frame, name, "")
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.astype("string")
    return values.to_numpy(dtype=object, na_value="")


def flag_table(flags: np.ndarray) -> tuple[Callable[[str], np.ndarray], np.ndarray]:
    """``has(flag)`` (a row mask) and each row's excluded reason (None) from its quality flags."""
    codes, uniques = pd.factorize(flags)
    sets = [frozenset(f.strip() for f in str(u).split(";")) for u in uniques]
    reasons = []
    for s in sets:
        original = next((f.split(":", 1)[1] for f in s if f.startswith("duplicate_of:")), None)
        implausible = next((f for f in NO_LOAD_FLAGS if f in s), None)
        if original is not None:
            reasons.append(f"no load: duplicate of {original} (its load counts there)")
        elif implausible is not None:
            reasons.append(f"no load: {IMPLAUSIBLE_WHY[implausible]} ({implausible})")
        else:
            reasons.append(None)

    def has(flag: str) -> np.ndarray:
        return np.array([flag in s for s in sets], dtype=bool)[codes]

    return has, np.array(reasons, dtype=object)[codes]


def gap_speeds(aid: np.ndarray, gap_speed: Mapping[str, float] | None) -> np.ndarray:
    """Each row's GAP speed, NaN when there is none (or it is not a positive number)."""
    out = np.full(len(aid), np.nan)
    for i, a in enumerate(aid if gap_speed else ()):
        gap = gap_speed.get(a)  # type: ignore[union-attr]
        if gap is not None and np.isfinite(gap) and gap > 0:
            out[i] = float(gap)
    return out


@dataclass(frozen=True)
class ThresholdRows:
    """The thresholds of each row: ``every[which[i]]``, and the numbers the formulas need.

    ``hr_ok``: resting < LTHR ≤ HRmax, all known; ``hour_at_lthr`` the TRIMP of one hour at
    LTHR (hrTSS = 100 · TRIMP / it); ``a``, ``b`` the TRIMP constants of the athlete's sex;
    ``speed`` the threshold speed (NaN unknown).
    """

    every: tuple[Thresholds, ...]
    which: np.ndarray
    rest: np.ndarray
    hr_max: np.ndarray
    hr_ok: np.ndarray
    hour_at_lthr: np.ndarray
    a: np.ndarray
    b: np.ndarray
    speed: np.ndarray

    @classmethod
    def of(
        cls, thresholds: Thresholds | Mapping[str, Thresholds], activities: pd.DataFrame
    ) -> ThresholdRows:
        if isinstance(thresholds, Thresholds):
            every, which = (thresholds,), np.zeros(len(activities), dtype=np.intp)
        else:
            codes, athletes = pd.factorize(texts(activities, "athlete_id"))
            missing = [a for a in athletes if a not in thresholds]
            if missing:
                raise ValueError(f"no thresholds for athlete(s) {missing[:5]}")
            every, which = tuple(thresholds[a] for a in athletes), codes
        numbers = np.array([_numbers(th) for th in every], dtype=float).reshape(-1, 8)
        rest, lthr, hmax, ok, hour, a, b, speed = numbers[which].T
        return cls(every, which, rest, hmax, ok.astype(bool), hour, a, b, speed)


def _numbers(th: Thresholds) -> tuple[float, ...]:
    rest, lthr, hmax = th.hr_rest.value, th.lthr.value, th.hr_max.value
    ok = all(v is not None and np.isfinite(v) for v in (rest, lthr, hmax)) and (
        rest < lthr <= hmax  # type: ignore[operator]
    )
    # the divisor of hrTSS, the same for every activity of the athlete
    args = {"hr_rest": rest, "hr_max": hmax, "sex": th.sex}
    hour = banister_trimp(float(lthr), 3600.0, **args) if ok else np.nan  # type: ignore[arg-type]
    a, b = TRIMP_COEFFICIENTS.get(th.sex, TRIMP_COEFFICIENTS["unknown"])
    speed = th.threshold_speed_m_s.value
    speed = float(speed) if speed is not None and speed > 0 else np.nan
    nan = lambda v: np.nan if v is None else float(v)  # noqa: E731
    return nan(rest), nan(lthr), nan(hmax), float(ok), hour, a, b, speed
