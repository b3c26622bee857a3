"""The plan fitted to the runner's calendar and travel (issue 19; docs/design.md, "Calendar").

Pure: the current plan frame and each day's :class:`~coachkit.coach.calendar_days.DayFree` in,
the new frame and one :class:`~coachkit.coach.adapt.records.Adaptation` of rule :data:`RULE`
per change out, logged like every other rule. Day by day from the first day re-planned:

1. A day with **no free time** (an all-day event, or the waking window all busy) keeps no
   session: it moves to the nearest rest day within :data:`MOVE_DAYS` days that has room for
   all of it, or is dropped when there is none.
2. A **travel day** keeps no hard session (:data:`~coachkit.coach.workouts.HARD_KINDS`, the long
   run included): moved as in 1, else dropped. Easy sessions stay if they fit.
3. A session **longer than the day's longest free window** is never crammed: it is shortened to
   the window when what remains is at least :data:`MIN_SESSION_S` and at least
   :data:`KEEP_SHARE` of it; otherwise moved as in 1; otherwise shortened if at least
   :data:`MIN_SESSION_S` fits, otherwise dropped.
4. Moves keep the coach's rules (:mod:`coachkit.coach.edit_rules`): never onto a day marked
   unavailable, past, already run or race day; no two hard days back to back; no run over the
   Garmin-RUNSAFE cap. Race day itself is never moved; a busy race day is only noted.
5. Dropping a long run lowers the RUNSAFE cap of the weeks after it: a run the calendar's
   changes put over its cap is shortened to the cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd

from coachkit.coach import edit_rules as rules
from coachkit.coach import edits
from coachkit.coach import workouts as wk
from coachkit.coach.adapt.records import Adaptation
from coachkit.coach.calendar_days import DayFree
from coachkit.core.values import finite
from coachkit.features.runsafe import LOOKBACK_DAYS

RULE = "calendar"
MIN_SESSION_S = 20 * 60  # a shortened session under 20 min is not worth the changing
KEEP_SHARE = 0.5  # shorten in place when at least half the session remains, else try a move
MOVE_DAYS = 3  # a session moves at most 3 days, so it stays in its part of the week
ACTIVE = ("planned", "changed")


def minutes(seconds: float, *, exact: bool = False) -> str:
    """Seconds as whole minutes, ``"45 min"``, or with ``exact`` as ``"44:37 min"``.

    >>> minutes(2677), minutes(2677, exact=True)
    ('45 min', '44:37 min')
    """
    if exact:
        return f"{int(seconds // 60)}:{round(seconds % 60):02d} min"
    return f"{round(seconds / 60)} min"


def _names(info: DayFree) -> str:
    """The events that make the day busy: ``"'Standup', 'Work'"`` (at most three)."""
    shown = [f"'{n}'" for n in info.blockers[:3]]
    more = len(info.blockers) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def window_text(info: DayFree) -> str:
    """The day's longest free time: ``"45 min free between 07:00 and 07:45 (calendar
    'Standup')"``, with the zone when the runner is away."""
    w = info.longest
    where = f" {info.zone} time" if info.away else ""
    text = (
        f"{minutes(info.longest_s)} free between {w[0]:%H:%M} and {w[1]:%H:%M}{where}"
        if w
        else "no free time"
    )
    return f"{text} (calendar {_names(info)})" if info.blockers else text


def _why_full(info: DayFree) -> str:
    if info.busy_all_day:
        return f"your calendar is busy all day ({_names(info)})"
    return f"your calendar fills your waking hours ({_names(info)})"


class CalendarFit:
    """One pass of the calendar rules over a plan frame (see the module docstring)."""

    def __init__(
        self,
        days: Mapping[date, DayFree],
        *,
        start: Any,
        units: str = "km",
        vdot: float | None = None,
        longest_run_m: float | None = None,
    ) -> None:
        self.days = days
        self.start = pd.Timestamp(start).normalize()
        self.units = units
        self.vdot = vdot
        self.longest_run_m = longest_run_m

    def fit(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Adaptation]]:
        """The plan under the calendar, and what changed with its sentence."""
        out = frame.copy()
        logged: list[Adaptation] = []
        for day in sorted(d for d in out["date"] if d >= self.start):
            info = self.days.get(day.date())
            i = edits.row_of(out, day)
            if info is None or out.at[i, "kind"] == "rest" or out.at[i, "status"] not in ACTIVE:
                continue
            if out.at[i, "kind"] == "race":
                if info.full or info.travel_to:
                    logged.append(self._race_note(out, day, info))
                continue
            fitted = self._fit_day(out, day, info)
            if fitted is not None:
                out, change = fitted
                logged.append(change)
        out, capped = self._hold_runsafe(frame, out)
        return out, logged + capped

    # -- one day -----------------------------------------------------------------------------

    def _fit_day(self, out: pd.DataFrame, day: pd.Timestamp, info: DayFree) -> Any:
        """(new frame, adaptation) for ``day``'s session under ``info``, None when it fits."""
        rec = out.loc[edits.row_of(out, day)]
        need = finite(rec["duration_s"]) or 0.0
        hard = rec["kind"] in wk.HARD_KINDS
        if info.full:
            return self._move(out, day, info, _why_full(info))
        if hard and info.travel_to:
            why = f"it is a travel day (to {info.travel_to}) and travel days get no hard session"
            return self._move(out, day, info, why + (f" ({_names(info)})" if info.blockers else ""))
        free = info.longest_s
        if need <= free + 1:
            return None
        if free >= MIN_SESSION_S and free >= KEEP_SHARE * need:
            short = self._shorten(out, day, info)
            if short is not None:
                return short
        why = f"only {window_text(info)}, less than the session's {minutes(need)}"
        moved = self._move(out, day, info, why, drop=False)
        if moved is not None:
            return moved
        if free >= MIN_SESSION_S:
            short = self._shorten(out, day, info)
            if short is not None:
                return short
        return self._drop(out, day, why)

    def _targets(self, frame: pd.DataFrame) -> wk.Targets | None:
        return wk.Targets.for_fitness(float(self.vdot), edits.lthr_of(frame)) if self.vdot else None

    def _resized(
        self,
        frame: pd.DataFrame,
        day: pd.Timestamp,
        *,
        seconds: float | None = None,
        metres: float | None = None,
    ) -> dict[str, Any] | None:
        """``day``'s session rebuilt to last at most ``seconds`` (or run at most ``metres``),
        at the plan's paces; None when it cannot be (no VDOT, or under 20 min)."""
        from coachkit.coach.plan import workout_row

        t = self._targets(frame)
        rec = frame.loc[edits.row_of(frame, day)]
        dist, need = finite(rec["distance_m"]), finite(rec["duration_s"])
        if t is None or not dist or not need:
            return None
        dist = dist * seconds / need if seconds is not None else float(metres)
        for _ in range(8):
            w = edits.build(str(rec["kind"]), dist, t)
            over = w.duration_s / seconds if seconds is not None else w.distance_m / metres
            if over <= 1.0:
                break
            dist *= 0.998 / over
        else:
            return None
        if w.duration_s < MIN_SESSION_S and seconds is not None:
            return None
        row = workout_row(day.date(), w, units=self.units)
        row.pop("date")
        return row

    def _shorten(self, out: pd.DataFrame, day: pd.Timestamp, info: DayFree) -> Any:
        row = self._resized(out, day, seconds=info.longest_s)
        if row is None:
            return None
        new = out.copy()
        i = edits.row_of(new, day)
        before, was = edits.snap(new, i), new.loc[i].copy()
        row["purpose"] = f"Shortened for your calendar: {row['purpose']}"
        _put(new, i, row)
        exact = minutes(was["duration_s"]) == minutes(row["duration_s"])  # a few seconds off
        text = (
            f"{edits.day_text(day)}: {edits.what(was, self.units)} "
            f"({minutes(was['duration_s'], exact=exact)}) shortened to "
            f"{minutes(row['duration_s'], exact=exact)} ({edits.size(row, self.units)}): "
            f"{window_text(info)}."
        )
        ev = {
            "op": "shorten",
            "date": f"{day:%Y-%m-%d}",
            "free_s": info.longest_s,
            "zone": info.zone,
        }
        return new, self._logged(ev, before, edits.snap(new, i), text)

    def _move(
        self, out: pd.DataFrame, day: pd.Timestamp, info: DayFree, why: str, *, drop: bool = True
    ) -> Any:
        rec = out.loc[edits.row_of(out, day)]
        target = rules.nearest_day(
            out, day, self.start, lambda t: self._moved(out, day, t) is not None, exclude=[day]
        )
        if target is None:
            return self._drop(out, day, why) if drop else None
        new = self._moved(out, day, target)
        i, j = edits.row_of(new, day), edits.row_of(new, target)
        text = (
            f"{edits.day_text(day)}: {edits.what(rec, self.units)} ({minutes(rec['duration_s'])}) "
            f"moved to {edits.day_text(target)}: {why}."
        )
        ev = {
            "op": "move",
            "from": f"{day:%Y-%m-%d}",
            "to": f"{target:%Y-%m-%d}",
            "zone": info.zone,
        }
        return new, self._logged(ev, edits.snap(out, i), edits.snap(new, j), text)

    def _moved(
        self, out: pd.DataFrame, day: pd.Timestamp, target: pd.Timestamp
    ) -> pd.DataFrame | None:
        """The frame with ``day``'s session on ``target``, or None when that breaks a rule."""
        j = edits.row_of(out, target)
        there = self.days.get(target.date())
        rec = out.loc[edits.row_of(out, day)]
        if (
            abs((target - day).days) > MOVE_DAYS
            or there is None
            or out.at[j, "kind"] != "rest"
            or out.at[j, "status"] not in ACTIVE
            or rules.unavailable(out, target)
            or there.full
            or there.longest_s + 1 < (finite(rec["duration_s"]) or 0.0)
            or (rec["kind"] in wk.HARD_KINDS and there.travel_to)
        ):
            return None
        new = out.copy()
        i = edits.row_of(new, day)
        session = {c: new.at[i, c] for c in edits.SESSION}
        session["purpose"] = (
            f"Moved for your calendar from {edits.day_text(day)}: {session['purpose']}"
        )
        _put(new, j, session)
        _put(
            new,
            i,
            edits.rest_values(
                f"Rest: your calendar; the session moved to {edits.day_text(target)}."
            ),
        )
        longest = self._longest_for(target)
        if rules.back_to_back(new, [target]) or rules.too_long(new, target, self.units, longest):
            return None
        return new

    def _drop(self, out: pd.DataFrame, day: pd.Timestamp, why: str, *, moved: bool = True) -> Any:
        """``day``'s session dropped (rest, ``why``); ``moved``: a move was tried first."""
        new = out.copy()
        i = edits.row_of(new, day)
        rec = new.loc[i].copy()
        text = f"{edits.day_text(day)}: {edits.what(rec, self.units)} ({minutes(rec['duration_s'])}) dropped: {why}"
        if moved:
            text += (
                f", and no rest day within {MOVE_DAYS} days has "
                f"{minutes(rec['duration_s'])} free without breaking a rule"
            )
        text += "."
        _put(new, i, edits.rest_values(f"Rest: {text}"))
        ev = {"op": "drop", "date": f"{day:%Y-%m-%d}", "kind": rec["kind"]}
        return new, self._logged(ev, edits.snap(out, i), edits.snap(new, i), text)

    def _race_note(self, out: pd.DataFrame, day: pd.Timestamp, info: DayFree) -> Adaptation:
        i = edits.row_of(out, day)
        busy = (
            f"is a travel day (to {info.travel_to})"
            if info.travel_to
            else f"is busy in your calendar ({_names(info)})"
        )
        text = (
            f"{edits.day_text(day)} is race day and {busy}: the plan keeps the race "
            "(change the goal with `coachkit plan create`)."
        )
        ev = {"op": "note", "date": f"{day:%Y-%m-%d}"}
        return self._logged(ev, edits.snap(out, i), edits.snap(out, i), text)

    # -- the long-run cap after the changes --------------------------------------------------

    def _longest_for(self, day: pd.Timestamp) -> float | None:
        """The longest run done before the plan counts for days within 30 days of its start."""
        return self.longest_run_m if (day - self.start).days <= LOOKBACK_DAYS else None

    def _hold_runsafe(
        self, before: pd.DataFrame, out: pd.DataFrame
    ) -> tuple[pd.DataFrame, list[Adaptation]]:
        """Shorten to the RUNSAFE cap each run the calendar's changes put over it (a run over
        the cap in the plan as it was is not this rule's to change)."""
        logged = []
        for day in sorted(d for d in out["date"] if d >= self.start):
            i = edits.row_of(out, day)
            if out.at[i, "kind"] in ("rest", "race") or out.at[i, "status"] not in ACTIVE:
                continue
            longest = self._longest_for(day)
            if not rules.too_long(out, day, self.units, longest) or rules.too_long(
                before, day, self.units, longest
            ):
                continue
            cap = rules.runsafe_cap(out, day, longest)
            row = self._resized(out, day, metres=cap)
            was = out.loc[i].copy()
            if row is None:
                out, change = self._drop(
                    out,
                    day,
                    "with the calendar's changes it is over 1.1 × the longest run of the 30 days "
                    "before it (Garmin-RUNSAFE) and cannot be rebuilt shorter at the plan's paces",
                    moved=False,
                )
                logged.append(change)
                continue
            new = out.copy()
            row["purpose"] = (
                f"Shortened to the long-run cap after calendar changes: {row['purpose']}"
            )
            _put(new, i, row)
            text = (
                f"{edits.day_text(day)}: {edits.what(was, self.units)} shortened to "
                f"{edits.size(row, self.units)}: with the calendar's changes, 1.1 × the longest run "
                f"of the 30 days before it is {edits.size({'distance_m': cap, 'duration_s': None}, self.units)} (Garmin-RUNSAFE)."
            )
            ev = {"op": "runsafe", "date": f"{day:%Y-%m-%d}", "cap_m": cap}
            logged.append(self._logged(ev, edits.snap(out, i), edits.snap(new, i), text))
            out = new
        return out, logged

    def _logged(self, evidence: dict[str, Any], before: dict, after: dict, text: str) -> Adaptation:
        return Adaptation(self.start, RULE, evidence, {"before": before, "after": after}, text)


def _put(frame: pd.DataFrame, i: Any, values: Mapping[str, Any]) -> None:
    for k, v in values.items():
        frame.at[i, k] = v
    frame.at[i, "status"] = "changed"


def fit_to_calendar(
    frame: pd.DataFrame, days: Mapping[date, DayFree], **options: Any
) -> tuple[pd.DataFrame, list[Adaptation]]:
    """``frame`` fitted to the calendar ``days`` (options as :class:`CalendarFit`)."""
    return CalendarFit(days, **options).fit(frame)
