"""PlanBuilder: periodised training plans, base → build → peak → taper, every number explained.

Rules, and where each number comes from:

- **Periodisation** base (aerobic volume, strides, then hills), build and peak (tempo + intervals),
  taper (Daniels' Running Formula, phases I–IV). Base ≈ 40 % and peak ≈ 20 % of the weeks before
  the taper.
- **Cutback week** every 4th week at 75 % of the week before (3 up, 1 down; a convention of
  published plans, e.g. Pfitzinger & Douglas, *Advanced Marathoning*).
- **Progression** (:mod:`coachkit.coach.progression`): no week's volume exceeds 1.10 × the
  largest week so far (the recent weeks of history included), nor 1.3 × the mean of the 4 weeks
  before it (what was run, then the plan's own weeks: acute:chronic, Gabbett 2016, Br J Sports
  Med 50:273); the week after a cutback only returns to that largest week.
- **Intensity mix**: mostly easy, about 80 % of the time (Seiler 2010, Int J Sports Physiol
  Perform 5:276); quality volume within Daniels' caps: T ≤ 10 % and I ≤ 8 % (and ≤ 10 km) of the
  week.
- **Taper**: progressive, intensity kept, 41–60 % less volume (Bosquet et al. 2007, Med Sci
  Sports Exerc 39:1358); its length (1, 2 or 3 weeks) is the one the runner's fitness-fatigue
  model predicts best on race day (:mod:`coachkit.coach.taper`), else 2 weeks.
- **Race day**: the race model's prediction (:func:`coachkit.models.race.predict_race`: best
  efforts and training volume) times the race-day form, else VDOT equivalence.
- **Long run**: at most :data:`~coachkit.coach.long_runs.LONG_SHARE_MAX` of its week's volume (1/n in a week of n < 3 runs).
- **Long-run cap**: no run is longer than 1.1 × the longest run of the previous 30 days, the
  history's and the plan's own (Garmin-RUNSAFE, Frandsen et al. 2025, Br J Sports Med). The
  history's longest counts as run the day before the plan starts. Race day is exempt.
- Never two hard days (long, tempo, intervals, hills, race) on consecutive dates; never a run on
  an unavailable weekday (the race day excepted); the weekly time cap scales the whole week.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from coachkit.coach import workouts as wk
from coachkit.coach.long_runs import MIN_LONG_REF_M, cap_long_runs, share_long
from coachkit.coach.plan import (
    DEFAULT_VDOT,
    Fitness,
    Goal,
    Phase,
    Plan,
    workout_row,
)
from coachkit.coach.progression import CHRONIC_WEEKS, MAX_WEEKLY_INCREASE, acwr_cap
from coachkit.coach.race_day import plan_notes, race_day
from coachkit.coach.taper import TAPER_FACTORS, daily_km
from coachkit.core.schemas import PLAN_COLUMNS
from coachkit.core.units import check_units
from coachkit.features.daniels import race_time_from_vdot
from coachkit.features.runsafe import LONG_RUN_CAP, LOOKBACK_DAYS

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CUTBACK_EVERY = 4
CUTBACK_FACTOR = 0.75
MIN_WEEKLY_KM = 10.0  # a floor for a return to running (convention)
MIN_EASY_M = 3000.0
# the long run: 28 % of the week, at most 35 % (a convention of published plans, e.g. Daniels:
# long runs at most 25-30 % of the week's mileage; 35 % leaves room for low-volume weeks)
LONG_SHARE, LONG_STEP_M = 0.28, 1000.0
TWO_QUALITY_KM = 30.0  # 2 quality sessions from 30 km a week, else they crowd out easy runs
T_SHARE, T_MAX_M, I_SHARE, I_MAX_M = 0.10, 6000.0, 0.08, 10000.0  # Daniels' quality caps
# peak week (km) and longest long run (m) of typical intermediate plans, by race distance
PEAK_KM = ((5000.0, 35.0), (10000.0, 45.0), (21097.5, 50.0), (42195.0, 65.0))
LONG_MAX_M = ((5000.0, 13000.0), (10000.0, 16000.0), (21097.5, 19000.0), (42195.0, 32000.0))


def _interp(x: float, table: tuple[tuple[float, float], ...]) -> float:
    return float(np.interp(x, [a for a, _ in table], [b for _, b in table]))


def _circ(a: int, b: int) -> int:
    return min((a - b) % 7, (b - a) % 7)


class PlanBuilder:
    """Build a periodised plan for a :class:`Goal` from the current :class:`Fitness`.

    Parameters
    ----------
    goal : Goal
    days_per_week : int
        Run days per week (the race week may add the race day).
    long_run_day : str
        ``"mon"`` … ``"sun"``; the nearest available day when it is unavailable.
    unavailable_days : tuple of str
        Weekdays never used for training.
    weekly_time_cap_s : float, optional
        Most seconds of running in a week.
    units : str
        ``"km"`` or ``"mi"``, for the purpose sentences only (frames stay in m and s/km).
    """

    def __init__(
        self,
        goal: Goal,
        *,
        days_per_week: int = 5,
        long_run_day: str = "sun",
        unavailable_days: tuple[str, ...] = (),
        weekly_time_cap_s: float | None = None,
        units: str = "km",
    ) -> None:
        unknown = [d for d in (long_run_day, *unavailable_days) if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a weekday: use one of {', '.join(WEEKDAYS)}")
        check_units(units)
        self.goal = goal
        self.days_per_week = days_per_week
        self.long_run_day = long_run_day
        self.unavailable_days = tuple(unavailable_days)
        self.weekly_time_cap_s = weekly_time_cap_s
        self.units = units

    # ---- the weekly pattern (weekday -> role), circular so week boundaries are covered -------
    def _pattern(self, n_quality: int) -> dict[int, str]:
        avail = [d for d in range(7) if WEEKDAYS[d] not in self.unavailable_days]
        if not avail:
            raise ValueError("Every weekday is unavailable: free at least one day to run.")
        n_run = max(1, min(self.days_per_week, len(avail)))
        want = WEEKDAYS.index(self.long_run_day)
        long_d = min(avail, key=lambda d: (_circ(d, want), d))
        roles = {long_d: "long"}
        for q in range(n_quality):
            free = [d for d in avail if d not in roles and all(_circ(d, h) >= 2 for h in roles)]
            if not free or len(roles) >= n_run:
                break
            roles[max(free, key=lambda d: (min(_circ(d, h) for h in roles), -d))] = f"q{q}"
        while len(roles) < n_run:
            free = [d for d in avail if d not in roles]
            roles[max(free, key=lambda d: (min(_circ(d, h) for h in roles), -d))] = "easy"
        return roles

    def build(self, current: Fitness, start: date, *, athlete_id: str = "athlete") -> Plan:
        """Build the plan from ``start`` to the goal's last day (see the module docstring).

        With a fitness-fatigue model (``current.form``) every taper length of 1-3 weeks the plan
        allows is built and the one with the best predicted race-day form is kept."""
        n_weeks = -(-((self.goal.last_day - start).days + 1) // 7)
        tapers = [t for t in TAPER_FACTORS if n_weeks >= 3 * t + 3]
        if current.form is None or not self.goal.is_race or len(tapers) < 2:
            return self.build_with_taper(current, start, athlete_id, None)
        plans = [self.build_with_taper(current, start, athlete_id, t) for t in tapers]
        perf = [current.form.after(daily_km(p.workouts, self.goal.last_day)) for p in plans]
        best = plans[int(np.argmax(perf))]
        n = len(best.weeks[best.weeks["phase"] == "taper"])
        best.notes = (
            *best.notes,
            f"A {n}-week taper: of {', '.join(f'{t}' for t in tapers)} weeks it gives the best "
            f"race-day form by {current.form.source}.",
        )
        return best

    def build_with_taper(
        self, current: Fitness, start: date, athlete_id: str, taper_weeks: int | None
    ) -> Plan:
        goal, last = self.goal, self.goal.last_day
        if last < start:
            raise ValueError(f"The goal date {last} is before the plan start {start}.")
        notes = list(current.notes)
        v = current.vdot if current.vdot and math.isfinite(current.vdot) else DEFAULT_VDOT
        if v != current.vdot:
            notes.append(f"No VDOT known: paces use the population default VDOT {v:.1f}.")
        thr = current.thresholds
        lthr = thr.lthr.value if thr is not None else None
        targets = wk.Targets.for_fitness(v, lthr)
        n_weeks = -(-((last - start).days + 1) // 7)
        blocks = [
            (max(start, last - timedelta(days=7 * j + 6)), last - timedelta(days=7 * j))
            for j in reversed(range(n_weeks))
        ]
        taper = (taper_weeks or (2 if n_weeks >= 6 else 1)) if goal.is_race else 0
        pre = n_weeks - taper
        n_peak = round(0.2 * pre) if pre >= 3 else 0
        n_base = round(0.4 * pre)
        phases = ["base"] * n_base + ["build"] * (pre - n_base - n_peak)
        phases += ["peak"] * n_peak + ["taper"] * taper
        v_ref = max(current.weekly_km_recent, MIN_WEEKLY_KM)
        d_race = goal.race_distance_m or 0.0
        peak_km = max(v_ref, goal.weekly_km_target or _interp(d_race, PEAK_KM))
        long_max = _interp(d_race, LONG_MAX_M) if goal.is_race else 0.35 * peak_km * 1000.0
        runs: dict[date, float] = {
            start - timedelta(days=1): max(current.longest_run_30d_m, MIN_LONG_REF_M)
        }
        hard_prev, last_long = False, current.longest_run_30d_m
        race = (d_race, race_time_from_vdot(v, d_race) if goal.is_race else math.nan)
        rows: list[dict[str, Any]] = []
        weeks: list[dict[str, Any]] = []
        actual: list[float] = []
        chronic = current.weekly_km_4w
        ran = [current.weekly_km_recent if chronic is None else chronic] * CHRONIC_WEEKS
        short: list[tuple[int, int]] = []  # (week, runs) of weeks with fewer runs than asked
        for i, ((b0, b1), phase) in enumerate(zip(blocks, phases)):
            n_days = (b1 - b0).days + 1
            ref_max = max([v_ref, *actual])
            cutback = phase != "taper" and i % CUTBACK_EVERY == CUTBACK_EVERY - 1 and i < pre - 1
            if phase == "taper":
                target = TAPER_FACTORS[taper][i - pre] * max(actual[:pre] or [v_ref])
            elif cutback:
                target = CUTBACK_FACTOR * actual[-1]
            else:
                after_cut = bool(weeks) and weeks[-1]["cutback"]
                target = min(peak_km, ref_max * (1.0 if after_cut else 1 + MAX_WEEKLY_INCREASE))
            acwr = acwr_cap(1000.0 * float(np.mean((ran + actual)[-CHRONIC_WEEKS:]))) / 1000.0
            target = min(target, acwr)
            target_m = target * 1000.0 * n_days / 7.0
            quality = {
                "base": ["hills"] if i >= n_base / 2 else [],
                "build": ["intervals", "tempo"],
                "peak": ["intervals", "tempo"] if goal.is_race else ["tempo"],
                "taper": ["intervals"] if b1 < last else ["tempo"],
            }[phase]
            quality = quality[: (1 if cutback or target < TWO_QUALITY_KM else 2)]
            quality = quality[: max(0, self.days_per_week - 2)] if self.days_per_week > 1 else []
            pattern = self._pattern(len(quality))
            days = [b0 + timedelta(days=k) for k in range(n_days)]
            role = {d: pattern.get(d.weekday(), "rest") for d in days}
            if b1 == last and goal.is_race:
                role = {d: ("easy" if r == "long" else r) for d, r in role.items()}
                for d in days:  # the race week keeps one short quality session, 3+ days out
                    if role[d].startswith("q") and (last - d).days < 3:
                        role[d] = "easy"
                if last - timedelta(days=1) in role and role[last - timedelta(days=1)] != "rest":
                    role[last - timedelta(days=1)] = "easy"
                role[last] = "race"
            kinds = {r: (quality[int(r[1:])] if r[0] == "q" else r) for r in set(role.values())}
            step = last_long * CUTBACK_FACTOR if cutback else last_long + LONG_STEP_M
            share = max(LONG_SHARE, 1 / self.days_per_week) * target_m
            long_m = min(long_max, 0.5 * target_m, max(share, step))  # share: share_long
            sessions: dict[date, wk.Workout] = {}
            for d in days:
                kind = kinds[role[d]]
                if kind in wk.HARD_KINDS and hard_prev and kind != "race":
                    kind = "easy"
                if kind == "easy" and hard_prev:
                    kind = "recovery"
                w = self._session(kind, target_m, long_m, targets, race)
                if w is not None:
                    sessions[d] = w
                hard_prev = w is not None and w.kind in wk.HARD_KINDS
            wk.fill_easy(sessions, target_m, phase in ("base", "build"), targets, MIN_EASY_M)
            total = sum(w.distance_m for w in sessions.values() if w.kind != "race")
            secs = sum(w.duration_s for w in sessions.values() if w.kind != "race")
            factor = min(1.0, target_m / total if total else 1.0)
            if self.weekly_time_cap_s and secs * factor > self.weekly_time_cap_s:
                factor = self.weekly_time_cap_s / secs
            sessions = {
                d: (w if w.kind == "race" else w.scaled(factor)) for d, w in sessions.items()
            }
            # the share and the cap each can undo the other (a capped run leaves the long run
            # over its share; a shorter long run lowers the cap of the runs after it): repeat
            # until neither changes anything
            first_long = last_long
            for _ in range(30):  # converges geometrically; a few passes in practice
                share_long(sessions)
                runs.update({d: w.distance_m for d, w in sessions.items()})
                before = {d: w.distance_m for d, w in sessions.items()}
                last_long = cap_long_runs(sessions, days, runs, first_long, keep_longest=cutback)
                share_long(sessions)
                runs.update({d: w.distance_m for d, w in sessions.items()})
                if all(abs(w.distance_m - before[d]) < 1.0 for d, w in sessions.items()):
                    break
            volume = sum(w.distance_m for w in sessions.values() if w.kind != "race")
            actual.append(volume / 1000.0 * 7.0 / n_days)
            n_easy = sum(1 for d in days if WEEKDAYS[d.weekday()] not in self.unavailable_days)
            n_run = sum(1 for w in sessions.values() if w.kind != "race")
            if n_days == 7 and n_run < min(self.days_per_week, n_easy):
                short.append((i + 1, n_run))
            weeks.append(
                dict(
                    week=i + 1,
                    start=b0,
                    end=b1,
                    days=n_days,
                    phase=phase,
                    cutback=cutback,
                    target_km=target * n_days / 7.0,
                    volume_km=volume / 1000.0,
                    duration_s=sum(w.duration_s for w in sessions.values()),
                    long_run_m=max(
                        (w.distance_m for w in sessions.values() if w.kind == "long"), default=0.0
                    ),
                )
            )
            n_runs = len(sessions)
            for d in days:
                rows.append(self._row(d, sessions.get(d), n_runs, volume))
        notes.extend(plan_notes(self, current, weeks, short, ran[0]))
        if goal.is_race and WEEKDAYS[last.weekday()] in self.unavailable_days:
            notes.append("The race falls on a day you marked unavailable; it is kept.")
        inputs = dict(
            goal=asdict(goal),
            vdot=v,
            weekly=current.weekly_km_recent,
            longest=current.longest_run_30d_m,
            lthr=lthr,
            start=start,
            models=[getattr(current.race, "seconds", None), taper],
            athlete=athlete_id,
            params=[
                self.days_per_week,
                self.long_run_day,
                sorted(self.unavailable_days),
                self.weekly_time_cap_s,
                self.units,
            ],
        )
        digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode())
        plan_id = "plan-" + digest.hexdigest()[:12]
        frame = pd.DataFrame(rows)
        feasibility: dict[str, Any] = {}
        if goal.is_race:
            feasibility = race_day(current, frame, last, v, d_race)
            w = wk.race(d_race, feasibility["race_day_s"], targets, goal.target_time_s)
            w = wk.Workout(w.kind, w.steps, w.label, w.vdot, feasibility.pop("note"), w.goal_time_s)
            at = frame.index[pd.to_datetime(frame["date"]) == pd.Timestamp(last)][0]
            for k, val in self._row(last, w, 0, 0.0).items():
                frame.at[at, k] = val
        frame = frame.assign(plan_id=plan_id, athlete_id=athlete_id, status="planned", version=1)
        weeks_df = pd.DataFrame(weeks)
        phase_list = tuple(
            Phase(p, g["start"].min(), g["end"].max())
            for p, g in weeks_df.groupby("phase", sort=False)
        )
        rules = dict(
            max_weekly_increase=MAX_WEEKLY_INCREASE,
            start_weekly_km=v_ref,
            long_run_cap_factor=LONG_RUN_CAP,
            long_run_lookback_days=LOOKBACK_DAYS,
            long_run_reference_m=max(current.longest_run_30d_m, MIN_LONG_REF_M),
            cutback_factor=CUTBACK_FACTOR,
            peak_weekly_km=peak_km,
            vdot=v,
        )
        return Plan(
            plan_id,
            athlete_id,
            goal,
            phase_list,
            frame[list(PLAN_COLUMNS)],
            weeks_df,
            rules,
            tuple(notes),
            self.units,
            feasibility,
        )

    def _session(
        self,
        kind: str,
        target_m: float,
        long_m: float,
        targets: wk.Targets,
        race: tuple[float, float],
    ) -> wk.Workout | None:
        """One day's workout before scaling (a quality session too small becomes easy)."""
        t_m, i_m = min(T_SHARE * target_m, T_MAX_M), min(I_SHARE * target_m, I_MAX_M)
        if kind == "long":
            return wk.easy(long_m, targets, "long")
        if kind == "tempo" and t_m >= 1500:
            return wk.tempo(t_m, targets)
        if kind == "intervals" and i_m >= 1200:
            rep = 1000.0 if i_m >= 4000 else 800.0 if i_m >= 2400 else 400.0
            return wk.intervals(min(8, int(i_m // rep)), rep, targets)
        if kind == "hills":  # 6-10 reps, one per 5 km of the week
            return wk.hills(int(np.clip(round(target_m / 5000), 6, 10)), targets)
        if kind == "race":
            return wk.race(race[0], race[1], targets, self.goal.target_time_s)
        if kind == "rest":
            return None
        return wk.easy(0.0, targets, "recovery" if kind == "recovery" else "easy")

    def _row(self, d: date, w: wk.Workout | None, n_runs: int, volume_m: float) -> dict[str, Any]:
        return workout_row(d, w, units=self.units, n_runs=n_runs, volume_m=volume_m)
