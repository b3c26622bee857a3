"""The ``missed`` rule: past sessions without a run are marked ``missed`` (``done`` when a run
matches).

A missed key session (tempo, intervals, long) moves to the next day of the same week that holds
only an easy run (else a usable rest day) and has no hard day before or after it (source
``moved``, host ``changed``); otherwise, or while fatigued or back from a break, it is dropped,
never crammed. A session is missed once its day is over, or at once when the runner logs it
missed today. A day the runner skipped (``coachkit plan skip``: rest, status ``skipped``) is
intentional: it is never marked missed, never rescheduled, and never hosts a moved session
(only ``planned`` and ``changed`` days do).
"""

from __future__ import annotations

import math

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.adapt.draft import SNAP, PlanDraft, Rule, retext, week_end
from coachkit.coach.adapt.fatigue import fatigue_reasons
from coachkit.coach.adapt.return_to_run import break_words, on_a_break
from coachkit.core.values import finite

NAME = "missed"
KEY_KINDS = frozenset({"tempo", "intervals", "long"})


def mark_missed(w: PlanDraft) -> bool:
    """Mark past sessions done or missed; move or drop the missed ones. Never recovering."""
    reason = f" (you logged “{w.s.missed_reason}”)" if w.s.missed_reason else ""
    # recovery first: no rescheduling while tired or before a return to run
    tired = fatigue_reasons(w)[0]
    if on_a_break(w.s):
        tired = [f"you are back after {break_words(w.s)}"]
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
            target = w.host(max(w.open_day, day + pd.Timedelta(days=1)), week_end(day))
        ev = {"missed_date": before["date"], "kind": kind, "missed_reason": w.s.missed_reason}
        if target is None:
            why = (
                "easy running is not made up"
                if kind not in KEY_KINDS
                else f"recovery comes first: {tired[0]}"
                if tired
                else "no day left this week has a free slot without a hard day before or after it"
            )
            head = f"{w.what(i)} was missed{reason} and is dropped, not crammed"
            w.add(NAME, ev, before, w.snap(i), ex.sentence(head, [why]))
            continue
        host_before = w.snap(target)
        dist = finite(w.get(i, "distance_m"))
        if kind == "long" and w.cap() is not None and dist is not None and dist > w.cap():
            dist = w.cap()
        cols = [c for c in SNAP if c not in ("status", "purpose", "distance_m")] + ["steps"]
        w.set(
            target,
            **{c: w.get(i, c) for c in cols if c in w.df.columns},
            status="changed",
            distance_m=dist if dist is not None else math.nan,
            purpose=f"Moved from {ex.weekday(day)}: {w.purpose(i)}",
        )
        w.set(target, purpose=retext(w.purpose(target), before, w.snap(target)))
        w.set(i, status="moved")
        ev.update(moved_to=w.snap(target)["date"], replaced=host_before["kind"])
        text = ex.sentence(
            f"{w.what(i)} was missed{reason}, so it moves to {ex.weekday(w.df.at[target, 'date'])} "
            f"(was {host_before['kind']})",
            ["the next day this week with no hard day before or after it"],
        )
        w.add(
            NAME,
            ev,
            {"source": before, "target": host_before},
            {"source": w.snap(i), "target": w.snap(target)},
            text,
        )
    return False


RULE = Rule(NAME, mark_missed)
