"""The ``checkin`` rule: the coach's reaction to the runner's answer to a check-in (issue 19).

After three planned sessions without a run or a log, ``coachkit today`` and the dashboard ask
what happened (:mod:`coachkit.coach.checkin`). On the day the answer is logged, the silent
sessions still open are marked ``missed``: missing data is named as missing, never read as rest,
and the sessions are not crammed into the days ahead. Then, by answer:

- ``ill``: the illness rule. The silent days count as days ill (:func:`coachkit.coach.signals.signals_from`),
  so ``return_to_run`` rebuilds over two weeks and ``niggle`` holds hard sessions back.
- ``injured``: the return-to-run path (:func:`coachkit.coach.adapt.return_to_run.ramp`): two
  weeks at 50 % then 75 % of the planned volume, no quality session in them.
- ``busy``, ``travelling``: the next 7 days are rebuilt from what was run, at most 1.3 × the
  mean weekly volume of the last 4 weeks (acute:chronic, Gabbett 2016; as ``week_review``).
- ``motivation``: a lighter, shorter week: its tempo, interval and hill sessions become easy runs
  of the same duration, and it holds 80 % of its planned volume (our convention).
- ``other``: the plan ahead stays as it is; the answer and its note are logged.

Each answer is reacted to once (its key ``checkin:DAY`` in the adaptation log). Every change
only lowers load or turns a hard session easy, so the invariants hold: no new hard days back to
back, no long run above the cap, no week above the ramp limits.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.adapt.draft import EASABLE_KINDS, PlanDraft, Rule, day_of, to_easy
from coachkit.coach.adapt.next_week import describe_volume, metric_of, set_week_volume, week_volume
from coachkit.coach.adapt.return_to_run import RETURN_RAMP, break_words, on_a_break, ramp
from coachkit.coach.checkin import ANSWER_WORDS
from coachkit.coach.progression import (
    ACWR_MAX,
    CHRONIC_WEEKS,
    WeekContext,
    acwr_cap,
    chronic_weekly,
)

NAME = "checkin"
LIGHTER_SHARE = 0.80  # a low-motivation week holds 80 % of its planned volume (convention)
RECOVERING = frozenset({"ill", "injured", "motivation"})  # the rules that add load stand down


def answered_key(day: Any) -> str:
    """The key of a check-in answered on ``day`` (kept in the adaptation's evidence)."""
    return f"checkin:{day_of(day).date().isoformat()}"


def react(w: PlanDraft) -> bool:
    """Mark the silent sessions missed and apply the answer's reaction (once per answer);
    True (recovering) after ``ill``, ``injured`` or ``motivation``."""
    s, stretch = w.s, w.s.checkin_stretch
    if s.checkin is None or stretch is None:
        return False
    if answered_key(w.today) in s.answered:
        return s.checkin in RECOVERING
    before, after = {}, {}
    for p in stretch.sessions:
        i = w.by_day.get(day_of(p.day))
        if i is not None and w.open(i) and day_of(p.day) < w.today:
            before[p.day.isoformat()] = w.snap(i)
            w.set(i, status="missed")
            after[p.day.isoformat()] = w.snap(i)
    head = (
        f"You were {ANSWER_WORDS[s.checkin]} for your last {len(stretch.sessions)} planned "
        f"sessions ({stretch.gap(w.units)}): they count as missed, not as rest, and are not "
        "crammed into the days ahead"
    )
    ev: dict[str, Any] = {
        "answer": s.checkin,
        "note": s.checkin_note,
        "sessions": [p.day.isoformat() for p in stretch.sessions],
        "no_data_days": stretch.no_data_days,
        "keys": [answered_key(w.today)],
    }
    first = len(w.log)
    reasons = REACTIONS[s.checkin](w, ev)
    w.add(NAME, ev, before, after, f"{head}; {ex.join_reasons(reasons)}.")
    w.log.insert(first, w.log.pop())  # the answer's sentence before the changes it explains
    return s.checkin in RECOVERING


def _ill(w: PlanDraft, ev: dict) -> list[str]:
    """The illness rule takes over: the silent days count as days ill."""
    n = w.s.checkin_stretch.no_data_days
    ev["illness_days"] = w.s.illness_days
    return [
        f"the {n} days without data count as days ill, so the illness rule applies: "
        f"{len(RETURN_RAMP)} weeks of return to run (3+ days ill) and no hard session until "
        "2 days after"
    ]


def _injured(w: PlanDraft, ev: dict) -> list[str]:
    """The return-to-run path: two weeks at 50 % then 75 %, no quality session in them."""
    n = w.s.checkin_stretch.no_data_days
    ramp(
        w,
        NAME,
        {**ev, "path": "return_to_run"},
        f"you reported an injury, and no data for {n} days",
    )
    back = w.open_day + pd.Timedelta(days=7 * len(RETURN_RAMP))
    return [
        f"after an injury the next {7 * len(RETURN_RAMP)} days rebuild at "
        f"{RETURN_RAMP[0]:.0%} then {RETURN_RAMP[1]:.0%} of the planned volume, with no "
        f"quality session before {ex.weekday(back)} {back.date().isoformat()}"
    ]


def _after_break(w: PlanDraft) -> str | None:
    """Why the volume is left to ``return_to_run`` (back from a break), else ``None``."""
    if not on_a_break(w.s):
        return None
    return (
        f"after {break_words(w.s)} the return-to-run rule rebuilds the next "
        f"{7 * len(RETURN_RAMP)} days at {RETURN_RAMP[0]:.0%} then {RETURN_RAMP[1]:.0%} of the "
        "planned volume"
    )


def _rebuild(w: PlanDraft, ev: dict) -> list[str]:
    """Busy or travelling: the next 7 days at most 1.3 × the 4-week mean of what was run."""
    if (why := _after_break(w)) is not None:
        return [why]
    rows = _week_ahead(w)
    if not rows:
        return ["the plan has no run in the next 7 days"]
    metric = metric_of(w, rows)
    planned = week_volume(w, rows, metric)
    chronic = chronic_weekly(w.s.done, w.today, metric)
    cap = acwr_cap(chronic, metric)
    ev.update(planned=round(planned, 1), chronic_weekly=round(chronic, 1), cap=round(cap, 1))
    u = w.units
    mean = (
        f"{ACWR_MAX:g} × your {CHRONIC_WEEKS}-week mean of {describe_volume(chronic, metric, u)}"
        if chronic > 0
        else f"the start floor after {CHRONIC_WEEKS} weeks with no run"
    )
    if planned <= cap:
        return [
            f"the next 7 days keep their {describe_volume(planned, metric, u)}: within {mean} "
            "(Gabbett 2016)"
        ]
    ctx = WeekContext(
        planned=planned, this_week=0.0, largest=planned, chronic=chronic, metric=metric
    )
    set_week_volume(w, rows, ctx, cap, "Rebuilt from what you ran after the check-in")
    now = week_volume(w, [i for i in rows if w.get(i, "kind") != "rest"], metric)
    ev["rebuilt"] = round(now, 1)
    return [
        f"the next 7 days are rebuilt from what you ran: {describe_volume(now, metric, u)} "
        f"instead of {describe_volume(planned, metric, u)} ({mean}, Gabbett 2016)"
    ]


def _lighter(w: PlanDraft, ev: dict) -> list[str]:
    """Low motivation: hard sessions become easy, the week holds 80 % of its volume."""
    if (why := _after_break(w)) is not None:
        return [why + ", with easy running only in the first week"]
    rows = _week_ahead(w)
    if not rows:
        return ["the plan has no run in the next 7 days"]
    metric = metric_of(w, rows)
    planned = week_volume(w, rows, metric)
    hard = [i for i in rows if w.get(i, "kind") in EASABLE_KINDS]
    for i in hard:
        to_easy(w, i, "a lighter week after the check-in", keep_original=True)
        w.set(i, status="changed")
    eased = week_volume(w, rows, metric)
    ctx = WeekContext(planned=eased, this_week=0.0, largest=eased, chronic=0.0, metric=metric)
    set_week_volume(w, rows, ctx, LIGHTER_SHARE * planned, "A lighter week after the check-in")
    now = week_volume(w, [i for i in rows if w.get(i, "kind") != "rest"], metric)
    ev.update(planned=round(planned, 1), lighter=round(now, 1), eased_sessions=len(hard))
    u = w.units
    eased_words = (
        f"{len(hard)} hard session{'s' if len(hard) > 1 else ''} "
        f"become{'' if len(hard) > 1 else 's'} easy runs of the same duration and "
        if hard
        else ""
    )
    return [
        f"the next 7 days are lighter and shorter: {eased_words}they hold "
        f"{describe_volume(now, metric, u)} instead of {describe_volume(planned, metric, u)} "
        f"({LIGHTER_SHARE:.0%}), a week to enjoy running rather than chase numbers"
    ]


def _keep(w: PlanDraft, ev: dict) -> list[str]:
    """Other: the plan ahead stays; the note is quoted."""
    note = f" (your note: “{w.s.checkin_note}”)" if w.s.checkin_note else ""
    return [f"the plan ahead stays as it is{note}"]


def _week_ahead(w: PlanDraft) -> list:
    """The open runs of the 7 days from the next day not yet run (rest and race days left out)."""
    rows = w.rows(w.open_day, w.open_day + pd.Timedelta(days=6))
    return [i for i in rows if w.open(i) and w.get(i, "kind") not in ("rest", "race")]


REACTIONS = {
    "ill": _ill,
    "injured": _injured,
    "busy": _rebuild,
    "travelling": _rebuild,
    "motivation": _lighter,
    "other": _keep,
}

RULE = Rule(NAME, react)
