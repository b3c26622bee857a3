"""The runner's own plan edits in the store: ``coachkit plan move|swap|skip|replace`` and the
dashboard's edit buttons (issue 17; docs/design.md, "Runner edits").

One entry point, :func:`edit_plan`: it reads the current plan, asks the pure coach whether the
edit keeps the rules (:mod:`coachkit.coach.edit_rules`), and when it does, stores the changed
days as new versions and logs the edit as an adaptation of rule ``runner_edit``, both inside
one write transaction (as :func:`coachkit.app.coach.readapt` does, so an edit and the coach
never both turn version N of a day into their own N + 1). A refusal changes nothing and says
why, with the nearest day that keeps the rules when there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.app.coach import plan_frame, write_adaptations
from coachkit.app.today import active_plan, longest_before
from coachkit.coach import edit_rules as rules
from coachkit.coach import edits

if TYPE_CHECKING:
    from coachkit.store import Store

Attempt = tuple[pd.DataFrame | None, Any, str | None]


@dataclass(frozen=True)
class EditResult:
    """What became of an edit: ``ok``, the sentence (the edit, or the refusal and why) and,
    for a refusal another day would avoid, the nearest day that keeps the rules."""

    ok: bool
    sentence: str
    suggestion: date | None = None
    changed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON values (``--json``)."""
        return {
            "ok": self.ok,
            "sentence": self.sentence,
            "suggestion": None if self.suggestion is None else self.suggestion.isoformat(),
            "changed": list(self.changed),
        }


@dataclass(frozen=True)
class Ask:
    """One edit as asked, with what the rules need to judge it."""

    op: str
    day: pd.Timestamp
    other: pd.Timestamp | None
    today: pd.Timestamp
    units: str
    kind: str | None = None
    minutes: float | None = None
    km: float | None = None
    reason: str | None = None
    vdot: float | None = None
    longest: float | None = None


def edit_plan(
    store: Store,
    athlete_id: str,
    op: str,
    *,
    day: Any,
    other_day: Any = None,
    kind: str | None = None,
    minutes: float | None = None,
    km: float | None = None,
    reason: str | None = None,
    today: Any = None,
) -> EditResult:
    """Move, swap, skip or replace a day of the athlete's active plan, on ``today`` (default:
    the local date).

    ``op`` is ``move`` (``day``'s session to ``other_day``, a rest day), ``swap`` (``day`` and
    ``other_day``), ``skip`` (``day`` becomes rest, with an optional ``reason``) or ``replace``
    (``day`` becomes ``kind``, ``minutes`` or ``km`` long; default the day's own distance).

    Raises ``ValueError`` for an unknown op or kind or a missing day, and
    :class:`~coachkit.store.StoreError` when the athlete has no plan; an edit that would break
    a rule is refused in the result, never raised.
    """
    _check(op, other_day, kind, minutes, km)
    meta = active_plan(store, athlete_id)
    first = pd.Timestamp(day).normalize()
    ask = Ask(
        op,
        first,
        pd.Timestamp(other_day).normalize() if other_day is not None else None,
        pd.Timestamp(today if today is not None else date.today()).normalize(),
        meta.get("units", "km"),
        kind,
        minutes,
        km,
        reason.strip() if reason and reason.strip() else None,
        meta.get("rules", {}).get("vdot"),
        longest_before(store, athlete_id, first) if op == "replace" else None,
    )
    with store.transaction():
        before = plan_frame(store, athlete_id)
        attempt = _attempt(ask, before)
        movable = ask.other if ask.other is not None else ask.day
        after, logged, problem = attempt(movable)
        if problem is not None:
            return _refused(ask, before, attempt, problem)
        write_adaptations(store, athlete_id, before, after, [logged], in_transaction=True)
    days = sorted(d for d in (ask.day, ask.other) if d is not None)
    return EditResult(True, logged.explanation, None, tuple(f"{d:%Y-%m-%d}" for d in days))


def _check(op: str, other: Any, kind: str | None, minutes: Any, km: Any) -> None:
    if op not in edits.OPS:
        raise ValueError(f"unknown plan edit {op!r}: use one of {', '.join(edits.OPS)}")
    if op in ("move", "swap") and other is None:
        raise ValueError(f"plan {op} needs the other day")
    if op == "replace" and kind not in edits.EDIT_KINDS:
        raise ValueError(f"replace with one of {', '.join(edits.EDIT_KINDS)}, not {kind!r}")
    if minutes is not None and km is not None:
        raise ValueError("give the new session's size once: --minutes or --km")


def _refused(
    ask: Ask, frame: pd.DataFrame, attempt: Callable[[pd.Timestamp], Attempt], problem: str
) -> EditResult:
    """The refusal: why, and the nearest day that keeps the rules when the source day itself
    is fine (an edit of a past day, or of race day, has no nearest day)."""
    suggestion = None
    if ask.op != "skip" and rules.day_problem(frame, ask.day, ask.today) is None:
        around = ask.other if ask.other is not None else ask.day
        exclude = [ask.day] if ask.other is not None else []
        found = rules.nearest_day(
            frame, around, ask.today, lambda d: attempt(d)[2] is None, exclude=exclude
        )
        suggestion = found.date() if found is not None else None
    text = f"Refused: {problem[0].upper()}{problem[1:]}."
    if suggestion is not None:
        text += f" Nearest day that keeps the rules: {edits.day_text(suggestion)}."
    return EditResult(False, text, suggestion)


def _attempt(ask: Ask, frame: pd.DataFrame) -> Callable[[pd.Timestamp], Attempt]:
    """The edit as a function of its movable day (the target of a move or swap, the day of a
    skip or replace): the new frame, the logged adaptation, and the problem (None when the
    edit keeps every rule)."""
    if ask.op in ("move", "swap"):
        return lambda target: _pair(ask, frame, target)
    if ask.op == "skip":
        return lambda target: _skip(ask, frame, target)
    new = _new_session(ask, frame)
    return lambda target: _replace(ask, frame, target, new)


def _pair(ask: Ask, frame: pd.DataFrame, target: pd.Timestamp) -> Attempt:
    """A move of ``ask.day``'s session to ``target``, or a swap of the two days."""
    problem = rules.day_problem(frame, ask.day, ask.today) or rules.day_problem(
        frame, target, ask.today
    )
    if problem is None:
        problem = _pair_problem(ask, frame, target)
    if problem is not None:
        return None, None, problem
    do = edits.move if ask.op == "move" else edits.swap
    after, logged = do(frame, ask.day, target, today=ask.today, units=ask.units)
    return after, logged, rules.back_to_back(after, [ask.day, target])


def _pair_problem(ask: Ask, frame: pd.DataFrame, target: pd.Timestamp) -> str | None:
    """Why ``ask.day`` and ``target`` cannot trade places (before the hard-day rule)."""
    src, dst = (frame.loc[edits.row_of(frame, d)] for d in (ask.day, target))
    if target == ask.day:
        return "a day cannot move onto itself"
    if ask.op == "move" and src["kind"] == "rest":
        return f"{edits.day_text(ask.day)} is a rest day: there is no session to move"
    if ask.op == "move" and dst["kind"] != "rest":
        return (
            f"{edits.day_text(target)} holds {edits.what(dst, ask.units)}: move onto a rest day, "
            "or swap the two with `coachkit plan swap`"
        )
    if ask.op == "swap" and src["kind"] == dst["kind"] == "rest":
        return f"{edits.day_text(ask.day)} and {edits.day_text(target)} are both rest days"
    for day, run in ((target, src), (ask.day, dst)):
        if run["kind"] != "rest" and rules.unavailable(frame, day):
            return f"you marked {edits.day_text(day)} unavailable"
    return None


def _skip(ask: Ask, frame: pd.DataFrame, target: pd.Timestamp) -> Attempt:
    problem = rules.day_problem(frame, target, ask.today)
    if problem is None and frame.loc[edits.row_of(frame, target), "kind"] == "rest":
        problem = f"{edits.day_text(target)} is already a rest day"
    if problem is not None:
        return None, None, problem
    after, logged = edits.skip(frame, target, today=ask.today, units=ask.units, reason=ask.reason)
    return after, logged, None


def _new_session(ask: Ask, frame: pd.DataFrame) -> dict[str, Any] | None:
    """The row replacing ``ask.day`` (None when that day is not in the plan)."""
    from coachkit.coach.workouts import Targets

    if edits.row_of(frame, ask.day) is None or ask.kind == "rest":
        return edits.session_row("rest", None, distance_m=None, minutes=None, units=ask.units)
    t = Targets.for_fitness(float(ask.vdot), edits.lthr_of(frame)) if ask.vdot else None
    dist = ask.km * 1000.0 if ask.km is not None else None
    if dist is None and ask.minutes is None:
        dist = edits.default_distance(frame, ask.day, str(ask.kind))
    return edits.session_row(
        str(ask.kind), t, distance_m=dist, minutes=ask.minutes, units=ask.units
    )


def _replace(ask: Ask, frame: pd.DataFrame, target: pd.Timestamp, new: dict) -> Attempt:
    problem = rules.day_problem(frame, target, ask.today)
    was = frame.loc[edits.row_of(frame, target), "kind"] if problem is None else None
    if problem is None and new["kind"] == was == "rest":
        problem = f"{edits.day_text(target)} is already a rest day"
    if problem is None and new["kind"] != "rest" and rules.unavailable(frame, target):
        problem = f"you marked {edits.day_text(target)} unavailable"
    if problem is not None:
        return None, None, problem
    after, logged = edits.replace(frame, target, new, today=ask.today, units=ask.units)
    problem = rules.back_to_back(after, [target]) or rules.too_long(
        after, target, ask.units, ask.longest
    )
    return after, logged, problem
