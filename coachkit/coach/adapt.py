"""Adaptation rules: how the plan reacts to missed days, fatigue, risk and over-performance.

:func:`adapt` takes the current ``plan_workouts`` frame (docs/design.md §3, one row per date) and the
:class:`Signals` known on ``today`` and returns a new frame plus one :class:`Adaptation` per
change, each with its rule, evidence numbers, before/after and one plain sentence. The input is
never mutated; every changed row gets ``version + 1``. The rules run in this fixed order:

1. ``missed``: past sessions without a run are marked ``missed`` (``done`` when a run matches).
   A missed key session (tempo, intervals, long) moves to the next day of the same week that
   holds only an easy run (else a usable rest day) and has no hard day before or after it
   (source ``moved``, host ``changed``); otherwise, or while fatigued or back from a break,
   it is dropped, never crammed.
2. ``return_to_run``: after >= 7 days without running or >= 3 days ill, two weeks of easy
   running at 50 % then 75 % of the planned volume.
3. ``fatigue``: the next hard session within 2 days becomes easy (same duration, E pace), or
   the next run is cut 20 %; with normal signals an eased session of this week is put back.
4. ``high_risk``: the next long run is capped, a recovery day follows the next hard session.
5. ``exceeding``: paces re-derived from the higher VDOT, next week up by <= 5 % within the cap.

Invariants (tested by property): no new hard days back to back, nothing moved onto a rest day
marked unavailable, no long run raised above the risk cap. :func:`review_week` is the weekly
review (compliance, then repeat or proceed).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.workouts import HARD_KINDS
from coachkit.features.daniels import daniels_paces

KEY_KINDS = frozenset({"tempo", "intervals", "long"})
EASABLE_KINDS = frozenset({"tempo", "intervals", "hills"})
HOST_KINDS = ("easy", "recovery", "strides")  # days a moved session may take over, before rest
ZONE_OF_KIND = {"easy": "E", "recovery": "E", "long": "E", "strides": "E", "tempo": "T",
                "intervals": "I"}  # fmt: skip
INACTIVE = frozenset({"missed", "moved"})  # the session does not happen on this row's day

HR_FLAG_BPM, HR_FLAG_Z = 5.0, 1.0  # a run's HR "above expected" (docs/design.md §7)
RPE_ABOVE_PLAN = 2.0  # CR-10 points above the planned RPE
RHR_UP_BPM = 5.0
SLEEP_LOW_H = 6.0
FATIGUE_DAYS = 2  # the hard session "within 2 days" that is eased
FATIGUE_CUT = 0.20
# Daniels' Running Formula (3rd ed., "Setbacks"): 6-28 days off -> ~50 % of the load for the
# first half of the return, ~75 % for the second. Weeks of 50 % then 75 %, then the plan (100 %)
# is our conservative convention built on it; illness >= 3 days is treated like a break.
RETURN_BREAK_DAYS, RETURN_ILLNESS_DAYS = 7, 3
RETURN_RAMP = (0.50, 0.75)
VDOT_STEP = 1.0  # one row of Daniels' table: the step that changes the paces
STRONG_RUNS = 3
STEP_UP = 0.05  # weekly volume increase when exceeding; well inside the RUNSAFE 10 % spike band
RECOVERY_RUN_S = 1800.0
COMPLIANCE_REPEAT = 0.70  # convention: below 70 % of the planned volume the week is repeated
SNAP = ("kind", "distance_m", "duration_s", "pace_low_s_per_km", "pace_high_s_per_km",
        "hr_low", "hr_high", "purpose", "status")  # fmt: skip


@dataclass(frozen=True)
class Signals:
    """What is known on ``today``, built by the caller from the analysis tables.

    ``hr_residuals`` holds ``(day, residual_bpm, z)`` of recent runs, ``rpe_vs_plan`` holds
    ``(day, RPE - planned RPE)``, ``missed_today`` says the runner logged today's session as
    missed (it is then rescheduled at once, not the next day), ``risk`` is ``RiskAssessment.to_dict()``, ``done`` the runs
    up to today (``date`` plus ``distance_m``/``duration_s``/``avg_hr``), ``vdot_plan`` the VDOT
    the plan's paces came from and ``vdot_now`` the current estimate.
    """

    today: pd.Timestamp
    hr_residuals: list[tuple[date, float, float]] = field(default_factory=list)
    hrv_status: str | None = None
    hrv_7d: float | None = None
    hrv_band: tuple[float, float] | None = None
    rhr_deviation_bpm: float | None = None
    sleep_h: float | None = None
    rpe_vs_plan: list[tuple[date, float]] = field(default_factory=list)
    risk: Mapping[str, Any] | None = None
    done: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["date"]))
    missed_reason: str | None = None
    missed_today: bool = False
    illness_days: int = 0
    days_since_last_run: int = 0
    vdot_now: float | None = None
    vdot_plan: float | None = None


@dataclass(frozen=True)
class Adaptation:
    """One logged change: ``rule``, ``evidence`` numbers, ``change`` before/after, ``explanation``."""

    date: pd.Timestamp
    rule: str
    evidence: dict
    change: dict
    explanation: str

    def to_record(self, athlete_id: str) -> dict[str, str]:
        """A row of the ``adaptations`` table (JSON columns as text; ``created_at`` is the caller's)."""
        return {"athlete_id": athlete_id, "date": self.date.date().isoformat(), "rule": self.rule,
                "evidence": json.dumps(self.evidence), "change": json.dumps(self.change),
                "explanation": self.explanation}  # fmt: skip


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _day(x: Any) -> pd.Timestamp:
    t = pd.Timestamp(x)
    return (t.tz_convert(None) if t.tzinfo else t).normalize()


def _steps(raw: Any) -> list:
    try:
        out = json.loads(raw) if isinstance(raw, str) and raw else []
    except ValueError:
        return []
    return out if isinstance(out, list) else [out]


def _step(target: str, **values: Any) -> dict[str, Any]:
    """One structured step in the plan's step format (``{"type", "target", ...}``, unset left out)."""
    out: dict[str, Any] = {"type": "active", "target": target}
    return out | {k: round(v, 1) for k, v in values.items() if _num(v) is not None}


def _eased_from(raw: Any) -> dict | None:
    """The original session an eased row replaces (stored in its first step), if any."""
    s = _steps(raw)
    return s[0]["replaces"] if s and isinstance(s[0], dict) and "replaces" in s[0] else None


def _rescale_steps(raw: Any, ratio: float) -> Any:
    """Scale every pace inside the structured steps by ``ratio`` (the session band's change)."""

    def walk(o: Any) -> Any:
        if isinstance(o, dict):
            return {k: (v * ratio if "pace" in k and isinstance(v, int | float) else walk(v))
                    for k, v in o.items()}  # fmt: skip
        return [walk(v) for v in o] if isinstance(o, list) else o

    if not isinstance(raw, str) or not raw or not math.isfinite(ratio):
        return raw
    try:
        return json.dumps(walk(json.loads(raw)))
    except ValueError:
        return raw


class _Work:
    """The frame being adapted, with the day index and the log. Internal to this module."""

    def __init__(self, workouts: pd.DataFrame, signals: Signals, units: str,
                 paces: Callable[[float], dict] | None) -> None:  # fmt: skip
        ex.check_units(units)
        self.df = workouts.copy()
        self.df["date"] = pd.to_datetime(self.df["date"]).map(_day)
        if self.df["date"].duplicated().any():
            raise ValueError("plan_workouts must hold one row per date (key plan_id, date)")
        self.by_day = {d: i for i, d in self.df["date"].items()}
        self.s, self.units, self.log = signals, units, []
        self.today = _day(signals.today)
        self.paces = paces or daniels_paces
        done = signals.done if signals.done is not None else pd.DataFrame(columns=["date"])
        self.done_days = {_day(d) for d in done.get("date", pd.Series(dtype=object)).dropna()}
        self.open_day = self.today + pd.Timedelta(days=int(self.today in self.done_days))
        self.changed: set = set()
        # purposes are written in the plan's own units (the explanations in ``units``)
        text = self.df["purpose"].astype("string").fillna("") if "purpose" in self.df else []
        self.plan_units = "mi" if any("/mi" in p for p in text) else "km"

    def get(self, i: Any, col: str) -> Any:
        return self.df.at[i, col] if col in self.df.columns else None

    def purpose(self, i: Any) -> str:
        p = self.get(i, "purpose")
        return p if isinstance(p, str) else ""

    def is_hard(self, i: Any) -> bool:
        return self.get(i, "kind") in HARD_KINDS and self.get(i, "status") not in INACTIVE

    def hard_on(self, day: pd.Timestamp) -> bool:
        i = self.by_day.get(day)
        return i is not None and self.is_hard(i)

    def open(self, i: Any) -> bool:
        """Still to be run as written (planned, or changed by an earlier adaptation)."""
        return self.get(i, "status") in ("planned", "changed")

    def fixed(self, i: Any) -> bool:
        return self.get(i, "kind") == "rest" and "unavailable" in self.purpose(i).lower()

    def rows(self, start: pd.Timestamp, end: pd.Timestamp) -> list:
        """Row indices with ``start <= date <= end`` in date order."""
        return [self.by_day[d] for d in sorted(self.by_day) if start <= d <= end]

    def snap(self, i: Any) -> dict:
        out: dict[str, Any] = {"date": self.df.at[i, "date"].date().isoformat()}
        for c in SNAP:
            v = self.get(i, c)
            out[c] = _num(v) if c not in ("kind", "purpose", "status") else v
        return out

    def set(self, i: Any, **values: Any) -> None:
        for k, v in values.items():
            self.df.at[i, k] = v
        self.changed.add(i)

    def add(self, rule: str, evidence: dict, before: dict, after: dict, text: str) -> None:
        change = {"before": before, "after": after}
        self.log.append(Adaptation(self.today, rule, evidence, change, text))

    def vdot(self) -> float | None:
        return _num(self.s.vdot_now) or _num(self.s.vdot_plan)

    def band(self, zone: str, vdot: float | None = None) -> tuple[float, float] | None:
        v = vdot if vdot is not None else self.vdot()
        if v is not None:
            fast, slow = self.paces(v)[zone]
            if math.isfinite(fast) and math.isfinite(slow):
                return float(fast), float(slow)
        easy = self.df[self.df["kind"] == "easy"]
        if zone == "E" and len(easy) and easy["pace_low_s_per_km"].notna().any():
            return float(easy["pace_low_s_per_km"].median()), float(
                easy["pace_high_s_per_km"].median()
            )
        return None

    def what(self, i: Any) -> str:
        size = ex.format_volume(
            _num(self.get(i, "distance_m")), _num(self.get(i, "duration_s")), self.units
        )
        kind = self.get(i, "kind")
        return f"{ex.weekday(self.df.at[i, 'date'])}'s {kind}{' run' if kind in ('easy', 'long', 'recovery') else ''} ({size})"

    def host(self, start: pd.Timestamp, end: pd.Timestamp) -> Any:
        """The first day in ``[start, end]`` a session can move to: a planned easy day (else a
        usable rest day) with no hard day before or after it. ``None`` when there is none."""
        ok = [i for i in self.rows(start, end) if self.open(i) and _eased_from(self.get(i, "steps")) is None
              and not self.hard_on(self.df.at[i, "date"] - pd.Timedelta(days=1))
              and not self.hard_on(self.df.at[i, "date"] + pd.Timedelta(days=1))]  # fmt: skip
        runs = [i for i in ok if self.get(i, "kind") in HOST_KINDS]
        rests = [i for i in ok if self.get(i, "kind") == "rest" and not self.fixed(i)]
        return (runs or rests or [None])[0]

    def cap(self) -> float | None:
        return _num((self.s.risk or {}).get("long_run_cap_m"))


def _recovery_band(band: tuple[float, float] | None) -> tuple[float, float]:
    """The slow half of the E band (recovery runs, as the plan builder writes them)."""
    return (sum(band) / 2, band[1]) if band is not None else (math.nan, math.nan)


def _describe(w: _Work, i: Any, note: str) -> str:
    """The purpose sentence of a row whose kind changed: ``"Easy 45 min at 5:03–6:03/km: note"``."""
    u = w.plan_units
    size = ex.format_volume(_num(w.get(i, "distance_m")), _num(w.get(i, "duration_s")), u)
    band = ex.format_pace_range(w.get(i, "pace_low_s_per_km"), w.get(i, "pace_high_s_per_km"), u)
    return f"{str(w.get(i, 'kind')).capitalize()} {size} at {band}: {note}"


def _retext(text: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """Rewrite the distance and pace band quoted in a purpose sentence to the row's new numbers."""
    for units in ex.UNITS:
        pairs = [(ex.format_distance(before.get("distance_m"), units),
                  ex.format_distance(after.get("distance_m"), units)),
                 (ex.format_pace_range(before.get("pace_low_s_per_km"), before.get("pace_high_s_per_km"), units),
                  ex.format_pace_range(after.get("pace_low_s_per_km"), after.get("pace_high_s_per_km"), units))]  # fmt: skip
        for old, new in pairs:
            if "n/a" not in (old, new) and old != new:
                text = text.replace(old, new)
    return text


def _week_end(day: pd.Timestamp) -> pd.Timestamp:
    return day + pd.Timedelta(days=6 - day.day_of_week)


def _scale(w: _Work, i: Any, factor: float) -> None:
    for c in ("distance_m", "duration_s"):
        v = _num(w.get(i, c))
        if v is not None:
            w.set(i, **{c: v * factor})


def _to_easy(w: _Work, i: Any, note: str, *, keep_original: bool, factor: float = 1.0) -> None:
    """Turn a session into an easy run of ``factor`` × its duration at E pace."""
    band = w.band("E")
    original = {**w.snap(i), "steps": w.get(i, "steps")}
    dist, dur = _num(w.get(i, "distance_m")), _num(w.get(i, "duration_s"))
    lo, hi = _num(w.get(i, "pace_low_s_per_km")), _num(w.get(i, "pace_high_s_per_km"))
    if dur is None and dist is not None and lo and hi:
        dur = dist / 1000.0 * (lo + hi) / 2
    if band is not None and dur is not None and dist is not None:
        dist = dur * 1000.0 / (sum(band) / 2)
    dur, dist = (v * factor if v is not None else None for v in (dur, dist))
    lo, hi = band if band is not None else (math.nan, math.nan)
    step = _step("E", duration_s=dur, distance_m=dist, pace_low_s_per_km=lo, pace_high_s_per_km=hi)
    if keep_original:
        step["replaces"] = original
    w.set(i, kind="easy", distance_m=dist if dist is not None else math.nan,
          duration_s=dur if dur is not None else math.nan, pace_low_s_per_km=lo,
          pace_high_s_per_km=hi, steps=json.dumps([step]))  # fmt: skip
    w.set(i, purpose=_describe(w, i, note))


def _rule_missed(w: _Work) -> None:
    reason = f" (you logged “{w.s.missed_reason}”)" if w.s.missed_reason else ""
    # recovery first: no rescheduling while tired or before a return to run
    tired = _fatigue_reasons(w)[0]
    if _breaking(w.s):
        tired = [f"you have not run for {w.s.days_since_last_run} days"]
    # a session is missed once its day is over, or at once when the runner says so today
    last = (
        w.today
        if w.s.missed_today and w.today not in w.done_days
        else w.today - pd.Timedelta(days=1)
    )
    for i in w.rows(pd.Timestamp.min, last):
        status, kind = w.get(i, "status"), w.get(i, "kind")
        if kind == "rest" or status not in ("planned", "changed"):
            continue
        if w.df.at[i, "date"] in w.done_days:
            w.set(i, status="done")
            continue
        before, day = w.snap(i), w.df.at[i, "date"]
        w.set(i, status="missed")
        target = None
        if kind in KEY_KINDS and status == "planned" and not tired:
            target = w.host(max(w.open_day, day + pd.Timedelta(days=1)), _week_end(day))
        ev = {"missed_date": before["date"], "kind": kind, "missed_reason": w.s.missed_reason}
        if target is None:
            why = ("easy running is not made up" if kind not in KEY_KINDS else
                   f"recovery comes first: {tired[0]}" if tired else "no day left this "
                   "week has a free slot without a hard day before or after it")  # fmt: skip
            head = f"{w.what(i)} was missed{reason} and is dropped, not crammed"
            w.add("missed", ev, before, w.snap(i), ex.sentence(head, [why]))
            continue
        host_before = w.snap(target)
        dist = _num(w.get(i, "distance_m"))
        if kind == "long" and w.cap() is not None and dist is not None and dist > w.cap():
            dist = w.cap()
        cols = [c for c in SNAP if c not in ("status", "purpose", "distance_m")] + ["steps"]
        w.set(target, **{c: w.get(i, c) for c in cols if c in w.df.columns}, status="changed",
              distance_m=dist if dist is not None else math.nan,
              purpose=f"Moved from {ex.weekday(day)}: {w.purpose(i)}")  # fmt: skip
        w.set(target, purpose=_retext(w.purpose(target), before, w.snap(target)))
        w.set(i, status="moved")
        ev.update(moved_to=w.snap(target)["date"], replaced=host_before["kind"])
        text = ex.sentence(
            f"{w.what(i)} was missed{reason}, so it moves to {ex.weekday(w.df.at[target, 'date'])} "
            f"(was {host_before['kind']})", ["the next day this week with no hard day before or after it"])  # fmt: skip
        w.add("missed", ev, {"source": before, "target": host_before},
              {"source": w.snap(i), "target": w.snap(target)}, text)  # fmt: skip


def _breaking(s: Signals) -> bool:
    return s.days_since_last_run >= RETURN_BREAK_DAYS or s.illness_days >= RETURN_ILLNESS_DAYS


def _rule_return_to_run(w: _Work) -> bool:
    s = w.s
    if not _breaking(s):
        return False
    horizon = w.rows(w.open_day, w.open_day + pd.Timedelta(days=7 * len(RETURN_RAMP) - 1))
    if any("Return to run" in w.purpose(i) for i in horizon):
        return True  # already applied for this break
    ev = {"days_since_last_run": s.days_since_last_run, "illness_days": s.illness_days}
    for week, factor in enumerate(RETURN_RAMP):
        start = w.open_day + pd.Timedelta(days=7 * week)
        rows = [i for i in w.rows(start, start + pd.Timedelta(days=6))
                if w.get(i, "kind") not in ("rest", "race") and w.open(i)]  # fmt: skip
        if not rows:
            continue
        before = {w.snap(i)["date"]: w.snap(i) for i in rows}
        vol = _volume(w.df.loc[rows])
        for i in rows:
            tag = f"Return to run (week {week + 1} of 3, {factor:.0%} volume): {w.purpose(i)}"
            if (
                week == 0
                and w.get(i, "kind") != "easy"
                or w.get(i, "kind") in EASABLE_KINDS | {"strides"}
            ):
                _to_easy(w, i, tag.split(":")[0], keep_original=False, factor=factor)
            else:
                _scale(w, i, factor)
                w.set(i, purpose=tag)
            w.set(i, status="changed")
        new_vol = _volume(w.df.loc[rows])
        why = (f"after {s.days_since_last_run} days without running" +
               (f" and {s.illness_days} days ill" if s.illness_days else ""))  # fmt: skip
        what = "has easy running only" if week == 0 else "has no quality sessions yet"
        text = ex.sentence(
            f"The week from {start.date().isoformat()} {what} at {factor:.0%} of the planned "
            f"volume ({_fmt_vol(new_vol, w.units)} instead of {_fmt_vol(vol, w.units)})",
            [why + ", rebuilding 50 % → 75 % → 100 % over 3 weeks (after Daniels' return-from-"
             "break guideline)"])  # fmt: skip
        w.add("return_to_run", {**ev, "week": week + 1, "factor": factor}, before,
              {w.snap(i)["date"]: w.snap(i) for i in rows}, text)  # fmt: skip
    return True


def _volume(rows: pd.DataFrame) -> tuple[float, float]:
    return (float(rows["distance_m"].fillna(0).sum()), float(rows["duration_s"].fillna(0).sum()))


def _fmt_vol(vol: tuple[float, float], units: str) -> str:
    return ex.format_distance(vol[0], units) if vol[0] > 0 else ex.format_duration(vol[1])


def _hr_flags(w: _Work, sign: float = 1.0) -> list[tuple[pd.Timestamp, float, float]]:
    """Recent runs (last 7 days) with HR above (sign 1) or below (sign -1) what was expected."""
    runs = sorted((_day(d), float(r), float(z)) for d, r, z in w.s.hr_residuals)
    runs = [r for r in runs if w.today - pd.Timedelta(days=7) <= r[0] <= w.today]
    flagged = [sign * r >= HR_FLAG_BPM or sign * z >= HR_FLAG_Z for _, r, z in runs]
    n = 0
    while n < len(flagged) and flagged[-1 - n]:
        n += 1
    return runs[len(runs) - n :]


def _fatigue_reasons(w: _Work) -> tuple[list[str], list[str], dict]:
    """(triggers, supporting phrases, evidence). Any trigger means fatigue."""
    s, trig, ev = w.s, [], {}
    hr = _hr_flags(w)
    if hr:
        ev["hr_residuals"] = [[d.date().isoformat(), _num(r), _num(z)] for d, r, z in hr]
    hr_text = ex.hr_phrases(hr[-2:])
    if len(hr) >= 2:
        trig.append(hr_text)
    below = s.hrv_status == "below" or (
        s.hrv_7d is not None and s.hrv_band is not None and s.hrv_7d < s.hrv_band[0]
    )
    if below and s.hrv_7d is not None:
        trig.append(ex.hrv_phrase(s.hrv_7d, s.hrv_band, s.hrv_status))
        ev.update(hrv_7d=s.hrv_7d, hrv_band=list(s.hrv_band) if s.hrv_band else None)
    elif below:
        trig.append("your HRV status is below your normal range")
    rpe = [(_day(d), v) for d, v in s.rpe_vs_plan if _day(d) >= w.today - pd.Timedelta(days=3)]
    if rpe and max(rpe)[1] >= RPE_ABOVE_PLAN:
        d, v = max(rpe)
        trig.append(f"you rated {ex.weekday(d)}'s run {v:g} RPE points above plan")
        ev.update(rpe_vs_plan=v, rpe_date=d.date().isoformat())
    if s.rhr_deviation_bpm is not None and s.rhr_deviation_bpm >= RHR_UP_BPM:
        trig.append(f"your resting HR is {s.rhr_deviation_bpm:.0f} bpm above normal")
        ev["rhr_deviation_bpm"] = s.rhr_deviation_bpm
    if s.sleep_h is not None and s.sleep_h < SLEEP_LOW_H:
        trig.append(f"you slept {s.sleep_h:.1f} h (under {SLEEP_LOW_H:g} h)")
        ev["sleep_h"] = s.sleep_h
    if (s.risk or {}).get("level") == "high":
        trig.append(f"your injury-risk score is high ({_num(s.risk.get('score')) or 0:.0f}/100)")
        ev["risk_score"] = s.risk.get("score")
    support = [hr_text] if len(hr) == 1 else []
    return trig, support, ev


EVENT_KEYS = frozenset({"hr_residuals", "rpe_vs_plan", "rpe_date"})


def _answered(w: _Work, since: pd.Timestamp) -> bool:
    """A session dated after ``since`` was already eased or cut for fatigue."""
    return any(
        "(fatigue)" in w.purpose(i) for i in w.rows(since + pd.Timedelta(days=1), pd.Timestamp.max)
    )


def _rule_fatigue(w: _Work) -> bool:
    trig, support, ev = _fatigue_reasons(w)
    if not trig:
        if not support:
            _restore(w)
        return False
    # HR residuals and a logged RPE are events: each is answered once (a session after it
    # already eased or cut); HRV, resting HR, sleep and risk are states, answered while they last
    events = [d for d in (ev.get("hr_residuals", [[None]])[-1][0], ev.get("rpe_date")) if d]
    if set(ev) <= EVENT_KEYS and events and _answered(w, _day(max(events))):
        return True
    window = w.rows(w.open_day, w.today + pd.Timedelta(days=FATIGUE_DAYS))
    active = [i for i in window if w.get(i, "status") in ("planned", "changed")
              and w.get(i, "kind") != "rest" and "(fatigue)" not in w.purpose(i)]  # fmt: skip
    hard = [i for i in active if w.get(i, "kind") in HARD_KINDS - {"race"}]
    i = (hard or active or [None])[0]
    if i is None:
        return True
    before, what = w.snap(i), w.what(i)
    if w.get(i, "kind") in EASABLE_KINDS:
        _to_easy(
            w,
            i,
            f"instead of the {before['kind']} (fatigue), back when recovery is normal",
            keep_original=True,
        )
        head = f"{what} becomes an easy run of the same duration at {ex.format_pace_range(w.get(i, 'pace_low_s_per_km'), w.get(i, 'pace_high_s_per_km'), w.units)}"
        ev["action"] = "ease"
    else:
        _scale(w, i, 1 - FATIGUE_CUT)
        w.set(i, purpose=f"Cut {FATIGUE_CUT:.0%} (fatigue): {w.purpose(i)}")
        head = f"{what} is cut {FATIGUE_CUT:.0%} to {ex.format_volume(_num(w.get(i, 'distance_m')), _num(w.get(i, 'duration_s')), w.units)}"
        ev["action"] = "cut"
    w.set(i, status="changed")
    w.add("fatigue", ev, before, w.snap(i), ex.sentence(head, support + trig))
    return True


def _restore(w: _Work) -> None:
    """Signals are normal: put this week's eased sessions back, with current paces."""
    week = w.rows(w.today - pd.Timedelta(days=w.today.day_of_week), _week_end(w.today))
    for i in week:
        orig = _eased_from(w.get(i, "steps"))
        if orig is None:
            continue
        day = w.df.at[i, "date"]
        clear = not any(w.hard_on(day + pd.Timedelta(days=k)) for k in (-1, 1))
        target = i if day >= w.open_day and clear and w.get(i, "status") != "done" else None
        target = target if target is not None else w.host(w.open_day, _week_end(w.today))
        if target is None:
            continue
        zone, old = (
            ZONE_OF_KIND.get(orig["kind"]),
            (orig["pace_low_s_per_km"], orig["pace_high_s_per_km"]),
        )
        band = w.band(zone) if zone else None
        lo, hi = band if band is not None else old
        ratio = (lo + hi) / (old[0] + old[1]) if band is not None and old[0] and old[1] else 1.0
        before, src_before = w.snap(target), w.snap(i)
        w.set(target, **{c: (orig[c] if orig[c] is not None else math.nan) for c in SNAP[:-1] if "pace" not in c},
              pace_low_s_per_km=lo, pace_high_s_per_km=hi, status="changed",
              steps=_rescale_steps(orig["steps"], ratio))  # fmt: skip
        w.set(target, purpose=_retext(orig["purpose"] or "", orig, w.snap(target)))
        if target != i:
            step = _steps(w.get(i, "steps"))[0]
            step["restored_to"] = w.snap(target)["date"]
            del step["replaces"]
            w.set(i, steps=json.dumps([step]))
        vd = w.vdot()
        at = ex.format_pace_range(lo, hi, w.units) + (f" (VDOT {vd:.1f})" if vd else "")
        where = "back on" if target == i else "moved to"
        head = f"The {orig['kind']} eased on {ex.weekday(day)} is {where} {ex.weekday(w.df.at[target, 'date'])} at {at}"
        why = ["your recovery signals are normal again"]
        if w.s.hrv_7d is not None and w.s.hrv_band is not None:
            why.append(ex.hrv_phrase(w.s.hrv_7d, w.s.hrv_band))
        ev = {
            "action": "restore",
            "eased_date": src_before["date"],
            "vdot": vd,
            "hrv_7d": w.s.hrv_7d,
        }
        w.add("fatigue", ev, {"source": src_before, "target": before},
              {"source": w.snap(i), "target": w.snap(target)}, ex.sentence(head, why))  # fmt: skip


def _rule_high_risk(w: _Work) -> None:
    risk = w.s.risk or {}
    score = _num(risk.get("score"))
    ev = {"risk_score": score, "level": risk.get("level"), "long_run_cap_m": w.cap()}
    why = [
        f"your injury-risk score is {score:.0f}/100 ({risk.get('level')})"
        if score is not None
        else "your injury risk"
    ]
    future = [
        i
        for i in w.rows(w.open_day, pd.Timestamp.max)
        if w.get(i, "status") not in INACTIVE | {"done"}
    ]
    cap = w.cap()
    longs = [i for i in future if w.get(i, "kind") == "long"]
    if cap is not None and longs and (_num(w.get(longs[0], "distance_m")) or 0) > cap:
        i, before = longs[0], w.snap(longs[0])
        _scale(w, i, cap / before["distance_m"])
        w.set(i, distance_m=cap, status="changed")  # exactly the cap, not a rounding above it
        text = ex.sentence(
            f"{ex.weekday(w.df.at[i, 'date'])}'s long run is capped at {ex.format_distance(cap, w.units)} (was {ex.format_distance(before['distance_m'], w.units)})",
            ["1.1 × your longest run of the last 30 days (Garmin-RUNSAFE, Frandsen 2025)", *why])  # fmt: skip
        w.add("high_risk", ev, before, w.snap(i), text)
    hard = [i for i in future if w.is_hard(i)]
    if risk.get("add_recovery_day") and hard:
        after_day = w.df.at[hard[0], "date"] + pd.Timedelta(days=1)
        j = w.by_day.get(after_day)
        if (
            j is None
            or w.get(j, "kind") in ("rest", "recovery", "race")
            or w.get(j, "status") != "planned"
        ):
            return
        before, what = w.snap(j), w.what(j)
        lo, hi = _recovery_band(w.band("E"))
        w.set(j, kind="recovery", duration_s=min(_num(w.get(j, "duration_s")) or RECOVERY_RUN_S, RECOVERY_RUN_S),
              distance_m=math.nan, pace_low_s_per_km=lo, pace_high_s_per_km=hi, status="changed",
              steps=json.dumps([_step("recovery", duration_s=RECOVERY_RUN_S, pace_low_s_per_km=lo,
                                      pace_high_s_per_km=hi)]))  # fmt: skip
        hard_day = ex.weekday(after_day - pd.Timedelta(days=1))
        w.set(
            j,
            purpose=_describe(
                w, j, f"recovery day after {hard_day}'s {w.get(hard[0], 'kind')} (high risk)"
            ),
        )
        text = ex.sentence(
            f"{what} becomes a {RECOVERY_RUN_S / 60:.0f}-min recovery run after {ex.weekday(after_day - pd.Timedelta(days=1))}'s {w.get(hard[0], 'kind')}",
            why,
        )
        w.add("high_risk", {**ev, "add_recovery_day": True}, before, w.snap(j), text)


def _rule_exceeding(w: _Work) -> None:
    s = w.s
    now, plan = _num(s.vdot_now), _num(s.vdot_plan)
    strong = _hr_flags(w, sign=-1.0)
    if now is not None and plan is not None and now >= plan + VDOT_STEP:
        vdot, why = (
            now,
            f"your current VDOT {now:.1f} is {now - plan:.1f} above the plan's {plan:.1f}",
        )
    elif len(strong) >= STRONG_RUNS and (plan or now) is not None:
        vdot = max(now or 0.0, (plan or now) + VDOT_STEP)
        bpm = ex.join_reasons([f"{abs(r):.0f}" for _, r, _ in strong[-STRONG_RUNS:]])
        why = f"your last {STRONG_RUNS} runs were {bpm} bpm below the HR expected at their pace"
    else:
        return
    ev = {"vdot_now": now, "vdot_plan": plan, "vdot_used": vdot,
          "strong_runs": [[d.date().isoformat(), r] for d, r, _ in strong]}  # fmt: skip
    rows = [i for i in w.rows(w.open_day, pd.Timestamp.max)
            if w.get(i, "status") not in INACTIVE | {"done"} and w.get(i, "kind") in ZONE_OF_KIND]  # fmt: skip
    before, after, example = {}, {}, None
    for i in rows:
        band = w.band(ZONE_OF_KIND[w.get(i, "kind")], vdot)
        lo, hi = _recovery_band(band) if w.get(i, "kind") == "recovery" else band or (math.nan,) * 2
        old = (_num(w.get(i, "pace_low_s_per_km")), _num(w.get(i, "pace_high_s_per_km")))
        if not math.isfinite(lo) or (old[0] and abs(old[0] - lo) < 0.5 and abs(old[1] - hi) < 0.5):
            continue
        before[w.snap(i)["date"]] = w.snap(i)
        ratio = (lo + hi) / (old[0] + old[1]) if old[0] and old[1] else math.nan
        w.set(
            i,
            pace_low_s_per_km=lo,
            pace_high_s_per_km=hi,
            steps=_rescale_steps(w.get(i, "steps"), ratio),
        )
        after[w.snap(i)["date"]] = w.snap(i)
        if (
            example is None
            or w.get(i, "kind") in ("tempo", "intervals")
            and example[0] not in ("tempo", "intervals")
        ):
            example = (w.get(i, "kind"), old, (lo, hi))
    if example:
        k, old, new = example
        text = ex.sentence(
            f"Paces re-derived from VDOT {vdot:.1f} for {len(after)} session{'s' if len(after) > 1 else ''}, e.g. {k} "
            f"{ex.format_pace_range(*new, w.units)} (was {ex.format_pace_range(*old, w.units)})", [why])  # fmt: skip
        w.add("exceeding", ev, before, after, text)
    _step_up(w, ev, why)


def _step_up(w: _Work, ev: dict, why: str) -> None:
    if (w.s.risk or {}).get("level") == "high":
        return
    start = _week_end(w.today) + pd.Timedelta(days=1)
    rows = w.rows(start, start + pd.Timedelta(days=6))
    if not rows or any("stepped up" in w.purpose(i) for i in rows):
        return
    rows = [i for i in rows if w.get(i, "kind") not in ("rest", "race") and w.open(i)]
    before, vol, cap = (
        {w.snap(i)["date"]: w.snap(i) for i in rows},
        _volume(w.df.loc[rows]),
        w.cap(),
    )
    for i in rows:
        d = _num(w.get(i, "distance_m"))
        f = 1 + STEP_UP
        if w.get(i, "kind") == "long":  # only up to a known cap: the plan already sits at its own
            f = max(1.0, min(d * f, cap) / d) if cap is not None and d is not None else 1.0
        _scale(w, i, f)
        w.set(i, purpose=f"{w.purpose(i)} (stepped up ≤{STEP_UP:.0%})", status="changed")
    new = _volume(w.df.loc[rows])
    capped = (
        f", long run within your {ex.format_distance(cap, w.units)} cap"
        if cap
        else ", long run unchanged"
    )
    text = ex.sentence(
        f"Next week steps up to {_fmt_vol(new, w.units)} (was {_fmt_vol(vol, w.units)}, at most "
        f"+{STEP_UP:.0%}{capped})", [why])  # fmt: skip
    w.add(
        "exceeding",
        {**ev, "step_up": STEP_UP},
        before,
        {w.snap(i)["date"]: w.snap(i) for i in rows},
        text,
    )


def _finish(w: _Work, workouts: pd.DataFrame) -> pd.DataFrame:
    out = w.df
    for i in w.changed:
        out.at[i, "version"] = int(workouts.at[i, "version"]) + 1
        if workouts.at[i, "kind"] == out.at[i, "kind"]:
            before = {c: _num(workouts.at[i, c]) for c in SNAP[1:7]}
            out.at[i, "purpose"] = _retext(w.purpose(i), before, w.snap(i))
    return out


def adapt(workouts: pd.DataFrame, signals: Signals, *, units: str = "km",
          paces: Callable[[float], dict] | None = None) -> tuple[pd.DataFrame, list[Adaptation]]:  # fmt: skip
    """Run the adaptation rules on a plan; return the new plan frame and the adaptations.

    Parameters
    ----------
    workouts
        ``plan_workouts`` (docs/design.md §3), one row per date; never mutated.
    signals
        What is known on ``signals.today``.
    units
        ``"km"`` or ``"mi"``: the units of the paces and distances in the explanations.
    paces
        VDOT -> ``{"E"|"M"|"T"|"I"|"R": (fast, slow)}`` in s/km; default
        :func:`coachkit.features.daniels.daniels_paces`.

    Returns
    -------
    (pandas.DataFrame, list[Adaptation])
        Changed rows carry ``version + 1`` and status ``changed``, ``moved``, ``missed`` or ``done``.
    """
    w = _Work(workouts, signals, units, paces)
    _rule_missed(w)
    rebuilding = _rule_return_to_run(w)
    tired = False if rebuilding else _rule_fatigue(w)
    _rule_high_risk(w)
    if not (rebuilding or tired):
        _rule_exceeding(w)
    return _finish(w, workouts), w.log


def review_week(workouts: pd.DataFrame, done: pd.DataFrame, signals: Signals, *,
                units: str = "km") -> tuple[pd.DataFrame, list[Adaptation]]:  # fmt: skip
    """The weekly review: planned vs done volume, then repeat (< 70 %) or proceed.

    The reviewed week is the Monday-Sunday week ending on ``signals.today`` when it is a
    Sunday, else the last complete week. Below 70 % compliance next week's volume is held at
    the reviewed week's planned volume (no step up); otherwise the plan proceeds. Volume is
    the distance when every planned run has one, else the duration.
    """
    w = _Work(workouts, signals, units, None)
    end = (
        w.today
        if w.today.day_of_week == 6
        else w.today - pd.Timedelta(days=w.today.day_of_week + 1)
    )
    start, nxt = end - pd.Timedelta(days=6), end + pd.Timedelta(days=1)
    runs = [
        i
        for i in w.rows(start, end)
        if w.get(i, "kind") != "rest" and w.get(i, "status") != "moved"
    ]
    col = "distance_m" if runs and w.df.loc[runs, "distance_m"].notna().all() else "duration_s"
    d = done.assign(day=pd.DatetimeIndex([_day(x) for x in done["date"]], dtype="datetime64[ns]"))
    did = (
        float(d.loc[(d["day"] >= start) & (d["day"] <= end), col].fillna(0).sum())
        if col in d
        else 0.0
    )
    planned = float(w.df.loc[runs, col].fillna(0).sum())
    fmt = (lambda v: ex.format_distance(v, units)) if col == "distance_m" else ex.format_duration  # noqa: E731
    nrows = [i for i in w.rows(nxt, nxt + pd.Timedelta(days=6))
             if w.get(i, "kind") not in ("rest", "race") and w.open(i)]  # fmt: skip
    nvol = float(w.df.loc[nrows, col].fillna(0).sum())
    if planned <= 0:
        return w.df, []
    pct = did / planned
    ev = {"week_start": start.date().isoformat(), "planned": planned, "done": did, "metric": col,
          "compliance": round(pct, 3), "next_week_planned": nvol, "vdot_now": signals.vdot_now}  # fmt: skip
    before = {w.snap(i)["date"]: w.snap(i) for i in nrows}
    head = f"You did {fmt(did)} of the {fmt(planned)} planned in the week from {start.date().isoformat()} ({pct:.0%})"
    if pct >= COMPLIANCE_REPEAT:
        why = f"at least {COMPLIANCE_REPEAT:.0%}, so next week proceeds as planned ({fmt(nvol)})"
    elif nvol > planned:
        for i in nrows:
            _scale(w, i, planned / nvol)
            w.set(i, status="changed", purpose=f"Repeat of last week's volume: {w.purpose(i)}")
        why = f"under {COMPLIANCE_REPEAT:.0%}, so next week repeats this week's {fmt(planned)} instead of {fmt(nvol)}"
    else:
        why = f"under {COMPLIANCE_REPEAT:.0%}, but next week ({fmt(nvol)}) is no bigger, so it stays as planned"
    w.add(
        "week_review",
        ev,
        before,
        {w.snap(i)["date"]: w.snap(i) for i in nrows},
        ex.sentence(head, [why]),
    )
    return _finish(w, workouts), w.log


__all__ = ["Adaptation", "HARD_KINDS", "Signals", "adapt", "review_week"]
