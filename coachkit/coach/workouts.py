"""Workout kinds, structured steps (warm-up, reps, recoveries, cool-down) and their targets.

Pace targets are Daniels' training paces for the current VDOT, from
:func:`coachkit.features.daniels.daniels_paces` (Daniels' Running Formula): E (easy and long
runs), T (threshold/tempo), I (intervals), R (repetitions and strides). HR targets are Friel's
running zones as fractions of the lactate-threshold HR (Friel, *The Triathlete's Training
Bible*, run zones: Z1 < 85 %, Z2 85–89 %, Z3 90–94 %, Z4 95–99 %, Z5a 100–102 %, Z5b 103–106 %
of LTHR). Paces are stored in s/km (SI-like, docs/design.md §3) and only shown in min/km or min/mi.

Each :class:`Workout` knows its steps, and from them its distance, duration and the plain
sentence of its purpose, so that scaling a workout (to a weekly volume, a time cap or the
long-run cap) rewrites its numbers and its explanation together.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import date

from coachkit.core.units import format_distance, format_hms, format_pace_number

KINDS = ("rest", "recovery", "easy", "long", "tempo", "intervals", "hills", "strides", "race")
#: sessions that count as hard days: never two of them on consecutive dates
HARD_KINDS = frozenset({"long", "tempo", "intervals", "hills", "race"})
STEP_KINDS = ("warmup", "active", "recovery", "cooldown")

# Friel run zones, fractions of LTHR (see module docstring). Easy and long runs stay in Z1–Z2
# (below 0.89 LTHR); 0.75 is a display floor, Z1 has no lower bound.
HR_BANDS_LTHR: dict[str, tuple[float, float]] = {
    "recovery": (0.75, 0.85),  # Z1
    "E": (0.75, 0.89),  # Z1–Z2
    "M": (0.90, 0.94),  # Z3
    "T": (0.95, 1.02),  # Z4–Z5a: threshold
    "I": (1.03, 1.06),  # Z5b: VO2max intervals (HR lags in short reps: pace leads)
}
WARMUP_M = 2000.0
COOLDOWN_M = 1500.0
STRIDE_S = 20.0  # Daniels: strides are 15–20 s at about R pace, with full recovery
STRIDE_JOG_S = 60.0
HILL_REP_S = 60.0
HILL_JOG_S = 90.0


@dataclass(frozen=True)
class Targets:
    """Pace bands (s/km, fast–slow) and HR bands (bpm) for one VDOT and LTHR.

    >>> t = Targets.for_fitness(40.0, 170.0)
    >>> [round(x) for x in t.pace("E")], [round(x) for x in t.hr("E")]
    ([351, 419], [128, 151])
    """

    vdot: float
    lthr: float | None
    paces: dict[str, tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def for_fitness(cls, vdot: float, lthr: float | None) -> Targets:
        """Daniels paces for ``vdot``; recovery is the slow half of the E range (a convention:
        Daniels runs recovery days at E pace)."""
        from coachkit.features.daniels import daniels_paces  # NumPy: not for formatting a day

        paces = dict(daniels_paces(vdot))
        e_fast, e_slow = paces["E"]
        paces["recovery"] = ((e_fast + e_slow) / 2.0, e_slow)
        return cls(vdot=vdot, lthr=lthr, paces=paces)

    def pace(self, label: str) -> tuple[float, float]:
        """(fast, slow) pace in s/km for a Daniels label (E, M, T, I, R or recovery)."""
        return self.paces[label]

    def hr(self, label: str) -> tuple[float, float]:
        """(low, high) HR in bpm from LTHR; NaN when LTHR is unknown or the label has no band."""
        band = HR_BANDS_LTHR.get(label)
        if band is None or self.lthr is None or not math.isfinite(self.lthr):
            return (math.nan, math.nan)
        return (band[0] * self.lthr, band[1] * self.lthr)


@dataclass(frozen=True)
class Step:
    """One structured step: a distance or a duration, with pace and HR targets (None = open)."""

    kind: str
    label: str
    distance_m: float | None = None
    duration_s: float | None = None
    pace_low_s_per_km: float | None = None
    pace_high_s_per_km: float | None = None
    hr_low: float | None = None
    hr_high: float | None = None
    est_pace_s_per_km: float = 360.0  # for the estimate of distance <-> duration only

    def distance_est_m(self) -> float:
        """The step's distance, or its duration at the estimate pace."""
        if self.distance_m is not None:
            return self.distance_m
        return (self.duration_s or 0.0) / self.est_pace_s_per_km * 1000.0

    def duration_est_s(self) -> float:
        """The step's duration, or its distance at the estimate pace."""
        if self.duration_s is not None:
            return self.duration_s
        return (self.distance_m or 0.0) / 1000.0 * self.est_pace_s_per_km

    def scaled(self, factor: float) -> Step:
        """The step with its distance (to 10 m, rounded down) or duration (to 1 s) scaled."""
        if self.distance_m is not None:
            return replace(self, distance_m=math.floor(self.distance_m * factor / 10.0) * 10.0)
        return replace(self, duration_s=math.floor((self.duration_s or 0.0) * factor))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict without the unset fields."""
        out: dict[str, object] = {"type": self.kind, "target": self.label}
        for key in ("distance_m", "duration_s", "pace_low_s_per_km", "pace_high_s_per_km"):
            value = getattr(self, key)
            if value is not None:
                out[key] = round(value, 1)
        for key in ("hr_low", "hr_high"):
            value = getattr(self, key)
            if value is not None and math.isfinite(value):
                out[key] = round(value)
        return out


@dataclass(frozen=True)
class Repeat:
    """``times`` × the ``steps`` (a rep and its recovery)."""

    times: int
    steps: tuple[Step, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict: ``{"type": "repeat", "times": n, "steps": [...]}``."""
        return {"type": "repeat", "times": self.times, "steps": [s.to_dict() for s in self.steps]}


def _flat(steps: tuple[Step | Repeat, ...]) -> list[tuple[Step, int]]:
    out: list[tuple[Step, int]] = []
    for s in steps:
        out.extend((c, s.times) for c in s.steps) if isinstance(s, Repeat) else out.append((s, 1))
    return out


def fmt_band(pace: tuple[float, float], units: str = "km") -> str:
    """``"5:51–6:59/km"``: a pace band, fast first."""
    return f"{format_pace_number(pace[0], units)}–{format_pace_number(pace[1], units)}/{units}"


@dataclass(frozen=True)
class Workout:
    """One day's session: its kind, steps, main target and the numbers its purpose needs."""

    kind: str
    steps: tuple[Step | Repeat, ...]
    label: str
    vdot: float
    note: str = ""
    goal_time_s: float | None = None

    @property
    def distance_m(self) -> float:
        """Total distance (m), time-based steps at their estimate pace."""
        return sum(s.distance_est_m() * n for s, n in _flat(self.steps))

    @property
    def duration_s(self) -> float:
        """Total duration (s), distance-based steps at their estimate pace."""
        return sum(s.duration_est_s() * n for s, n in _flat(self.steps))

    @property
    def main(self) -> Step:
        """The first step run at the workout's main target (the reps of an interval session)."""
        for s, _ in _flat(self.steps):
            if s.label == self.label and s.kind == "active":
                return s
        return _flat(self.steps)[0][0]

    def scaled(self, factor: float) -> Workout:
        """The workout with every step's distance or duration scaled (rep counts kept)."""
        if factor >= 1.0:
            return self
        steps = tuple(
            Repeat(s.times, tuple(c.scaled(factor) for c in s.steps))
            if isinstance(s, Repeat)
            else s.scaled(factor)
            for s in self.steps
        )
        return replace(self, steps=steps)

    def steps_json(self) -> str:
        """The structured steps as a JSON string (plan_workouts.steps)."""
        return json.dumps([s.to_dict() for s in self.steps])

    def purpose(self, units: str = "km") -> str:
        """One plain sentence with the numbers: what, at which pace, and why."""
        d = format_distance(self.distance_m, units)
        m = self.main
        band = ""
        if m.pace_low_s_per_km is not None and m.pace_high_s_per_km is not None:
            band = fmt_band((m.pace_low_s_per_km, m.pace_high_s_per_km), units)
        hr = ""
        if m.hr_low is not None and math.isfinite(m.hr_low):
            hr = f", HR {m.hr_low:.0f}–{m.hr_high:.0f} bpm (Friel zones from LTHR)"
        v = f"VDOT {self.vdot:.0f}"
        flat = _flat(self.steps)
        reps = next((n for _, n in flat if n > 1), 1)
        if self.kind in ("easy", "long"):
            name, why = (
                ("Easy", "aerobic base") if self.kind == "easy" else ("Long run", "endurance")
            )
            text = f"{name} {d} at {band} (Daniels E pace for {v}){hr}: {why}"
        elif self.kind == "recovery":
            text = f"Recovery {d} at {band} (slow half of Daniels E for {v}){hr}: easy day after a hard one"
        elif self.kind == "strides":
            r = next(s for s, _ in flat if s.label == "R")
            r_band = fmt_band((r.pace_low_s_per_km or 0.0, r.pace_high_s_per_km or 0.0), units)
            text = (
                f"Easy {d} at {band} (Daniels E for {v}) with {reps} × {r.duration_s:.0f} s "
                f"strides at {r_band} (Daniels R pace): leg speed without fatigue"
            )
        elif self.kind == "tempo":
            text = (
                f"Tempo {d}: {format_distance(WARMUP_M, units)} warm-up, "
                f"{format_distance(m.distance_est_m(), units)} at {band} (Daniels T pace for {v}){hr},"
                f" {format_distance(COOLDOWN_M, units)} cool-down: lactate threshold"
            )
        elif self.kind == "intervals":
            jog = next(s for s, n in flat if n > 1 and s.kind == "recovery")
            text = (
                f"Intervals {d}: {reps} × {m.distance_est_m():.0f} m at {band} (Daniels I pace "
                f"for {v}) with {format_hms(jog.duration_est_s())} jog recoveries: VO2max"
            )
        elif self.kind == "hills":
            text = (
                f"Hills {d}: {reps} × {m.duration_est_s():.0f} s uphill at a hard, controlled "
                f"effort (about Daniels I) with {HILL_JOG_S:.0f} s jog-down recoveries: "
                "strength and economy"
            )
        else:  # race
            goal = f"goal {format_hms(self.goal_time_s)}, " if self.goal_time_s else ""
            text = (
                f"Race {d}: {goal}predicted {format_hms(m.duration_est_s())} "
                f"({format_pace_number(m.est_pace_s_per_km, units)}/{units})"
            )
        return text + self.note + "."


def _step(kind: str, label: str, t: Targets, **kw: float | None) -> Step:
    low, high = t.pace(label)
    hr_low, hr_high = t.hr(label)
    return Step(
        kind,
        label,
        pace_low_s_per_km=low,
        pace_high_s_per_km=high,
        hr_low=hr_low,
        hr_high=hr_high,
        est_pace_s_per_km=(low + high) / 2.0,
        **kw,
    )


def _floor_m(distance_m: float) -> float:
    return math.floor(max(distance_m, 0.0) / 100.0) * 100.0


def easy(distance_m: float, t: Targets, kind: str = "easy") -> Workout:
    """An easy, long or recovery run: one step at E (or the slow half of E for recovery)."""
    label = "recovery" if kind == "recovery" else "E"
    return Workout(
        kind, (_step("active", label, t, distance_m=_floor_m(distance_m)),), label, t.vdot
    )


def strides(distance_m: float, t: Targets, n: int = 6) -> Workout:
    """An easy run finished with ``n`` × 20 s strides at R pace and 60 s easy jogs."""
    reps = Repeat(
        n,
        (
            _step("active", "R", t, duration_s=STRIDE_S),
            _step("recovery", "E", t, duration_s=STRIDE_JOG_S),
        ),
    )
    body = _floor_m(distance_m - sum(s.distance_est_m() for s in reps.steps) * n)
    return Workout("strides", (_step("active", "E", t, distance_m=body), reps), "E", t.vdot)


def _framed(kind: str, label: str, t: Targets, main: tuple[Step | Repeat, ...]) -> Workout:
    steps = (
        _step("warmup", "E", t, distance_m=WARMUP_M),
        *main,
        _step("cooldown", "E", t, distance_m=COOLDOWN_M),
    )
    return Workout(kind, steps, label, t.vdot)


def tempo(block_m: float, t: Targets) -> Workout:
    """Warm-up, a continuous block at T pace, cool-down (Daniels: T ≤ 10 % of weekly volume)."""
    return _framed("tempo", "T", t, (_step("active", "T", t, distance_m=_floor_m(block_m)),))


def intervals(n: int, rep_m: float, t: Targets) -> Workout:
    """Warm-up, ``n`` × ``rep_m`` at I pace with jog recoveries as long as a rep, cool-down."""
    rep = _step("active", "I", t, distance_m=rep_m)
    jog = _step("recovery", "E", t, duration_s=round(rep.duration_est_s()))
    return _framed("intervals", "I", t, (Repeat(n, (rep, jog)),))


def hills(n: int, t: Targets) -> Workout:
    """Warm-up, ``n`` × 60 s uphill hard (no pace target: grade changes pace), jog down."""
    i_fast, i_slow = t.pace("I")
    up = Step("active", "hill", duration_s=HILL_REP_S, est_pace_s_per_km=(i_fast + i_slow) / 2.0)
    down = _step("recovery", "E", t, duration_s=HILL_JOG_S)
    return _framed("hills", "hill", t, (Repeat(n, (up, down)),))


def race(distance_m: float, predicted_s: float, t: Targets, goal_time_s: float | None) -> Workout:
    """Race day: the race distance, with the predicted pace (and the goal when given)."""
    pace = predicted_s / distance_m * 1000.0
    step = Step(
        "active",
        "race",
        distance_m=distance_m,
        pace_low_s_per_km=pace,
        pace_high_s_per_km=pace,
        est_pace_s_per_km=pace,
    )
    return Workout("race", (step,), "race", t.vdot, goal_time_s=goal_time_s)


def fill_easy(
    sessions: dict[date, Workout],
    target_m: float,
    with_strides: bool,
    targets: Targets,
    min_easy_m: float,
) -> None:
    """Share the volume left after long and quality runs among the easy days (a recovery day
    counts 0.7), dropping easy days while each would be under ``min_easy_m``."""
    keep = [d for d, w in sessions.items() if w.kind in ("easy", "recovery")]
    fixed = sum(w.distance_m for d, w in sessions.items() if d not in keep and w.kind != "race")
    left = target_m - fixed
    weight = {d: (0.7 if sessions[d].kind == "recovery" else 1.0) for d in keep}
    while keep and left * min(weight[d] for d in keep) / sum(weight[d] for d in keep) < min_easy_m:
        keep.remove(min(keep, key=lambda d: (weight[d], d)))
    for d, w in list(sessions.items()):
        if w.kind in ("easy", "recovery") and d not in keep:
            del sessions[d]
    total_w = sum(weight[d] for d in keep)
    plain = [d for d in keep if sessions[d].kind == "easy"]
    for d in keep:
        dist = left * weight[d] / total_w
        if with_strides and plain and d == plain[len(plain) // 2]:
            sessions[d] = strides(dist, targets)
        else:
            sessions[d] = easy(dist, targets, sessions[d].kind)
