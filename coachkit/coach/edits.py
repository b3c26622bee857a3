"""The runner's own plan edits: move, swap, skip or replace a day's session (issue 17).

Pure functions on the current plan frame (the latest version of each date, docs/design.md §3):
each returns the new frame, the days it changed and one :class:`Adaptation` of rule
:data:`RULE` with its evidence, before/after and one sentence with the numbers, so an edit is
stored and logged exactly like an adaptation the coach made. Whether an edit keeps the coach's
rules (no hard days back to back, nothing in the past, the RUNSAFE cap) is
:mod:`coachkit.coach.edit_rules`' question; this module only writes the rows and the sentence.

A skipped day becomes rest with status ``skipped``: the ``missed`` rule passes over rest days
and only ever hosts a session on a day still ``planned`` or ``changed``, so the coach neither
marks it missed nor reschedules it, nor fills the day with another session.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach import workouts as wk
from coachkit.coach.adapt.records import Adaptation
from coachkit.core.schemas import PLAN_TARGETS
from coachkit.core.values import finite

RULE = "runner_edit"
OPS = ("move", "swap", "skip", "replace")
#: kinds a day can be replaced with (race day is the goal's, set by ``plan create``)
EDIT_KINDS = tuple(k for k in wk.KINDS if k != "race")
#: the columns that make a day's session (moved or swapped together)
SESSION = ("kind", *PLAN_TARGETS, "steps", "purpose")
NAMES = {
    "rest": "rest day",
    "recovery": "recovery run",
    "easy": "easy run",
    "long": "long run",
    "tempo": "tempo run",
    "intervals": "interval session",
    "hills": "hill session",
    "strides": "easy run with strides",
    "race": "race",
}


def day_text(day: Any) -> str:
    """A day as the coach writes it: ``"Sun 21 Mar"``.

    >>> day_text(pd.Timestamp("2021-03-21"))
    'Sun 21 Mar'
    """
    d = pd.Timestamp(day)
    return f"{d:%a} {d.day} {d:%b}"


def row_of(frame: pd.DataFrame, day: pd.Timestamp) -> Any:
    """The frame's index of ``day``, or None when the plan has no such day."""
    hit = frame.index[frame["date"] == day]
    return hit[0] if len(hit) else None


def size(rec: Any, units: str) -> str:
    """A session's size in words (``"12.0 km"``, else ``"45 min"``)."""
    return ex.format_volume(finite(rec["distance_m"]), finite(rec["duration_s"]), units)


def a_or_an(words: str) -> str:
    """``words`` with its indefinite article: ``"an interval session"``, ``"a 12.0 km run"``.

    >>> a_or_an("interval session"), a_or_an("8.0 km tempo run")
    ('an interval session', 'an 8.0 km tempo run')
    """
    eleven = words[:2] in ("11", "18") and not words[2:3].isdigit()  # "an 11.0 km", "an 18 km"
    return f"{'an' if words[:1].lower() in 'aeio8' or eleven else 'a'} {words}"


def what(rec: Any, units: str, *, article: str = "the") -> str:
    """A session in words with its size: ``"the 12.0 km long run"`` (``"a rest day"``);
    ``article="a"`` gives ``"a 12.0 km long run"``."""
    if rec["kind"] == "rest":
        return "a rest day"
    words = f"{size(rec, units)} {NAMES.get(rec['kind'], rec['kind'])}"
    return a_or_an(words) if article == "a" else f"{article} {words}"


def snap(frame: pd.DataFrame, i: Any) -> dict[str, Any]:
    """Row ``i`` as an adaptation's before/after: date, kind, targets, purpose and status."""
    out: dict[str, Any] = {"date": f"{frame.at[i, 'date']:%Y-%m-%d}"}
    for c in ("kind", *PLAN_TARGETS, "purpose", "status"):
        v = frame.at[i, c]
        out[c] = v if c in ("kind", "purpose", "status") else finite(v)
    return out


def rest_values(purpose: str) -> dict[str, Any]:
    """The columns of a rest day with ``purpose``."""
    nan = math.nan
    return dict(
        kind="rest",
        distance_m=0.0,
        duration_s=0.0,
        pace_low_s_per_km=nan,
        pace_high_s_per_km=nan,
        hr_low=nan,
        hr_high=nan,
        steps="[]",
        purpose=purpose,
    )


def _put(frame: pd.DataFrame, i: Any, values: dict[str, Any], status: str) -> None:
    for k, v in values.items():
        frame.at[i, k] = v
    frame.at[i, "status"] = status


def _logged(
    today: Any, evidence: dict[str, Any], before: dict, after: dict, text: str
) -> Adaptation:
    return Adaptation(
        pd.Timestamp(today).normalize(),
        RULE,
        {"by": "runner", **evidence},
        {"before": before, "after": after},
        text,
    )


def move(
    frame: pd.DataFrame, src: pd.Timestamp, dst: pd.Timestamp, *, today: Any, units: str
) -> tuple[pd.DataFrame, Adaptation]:
    """``src``'s session on ``dst`` (a rest day), ``src`` left as rest."""
    out = frame.copy()
    i, j = row_of(out, src), row_of(out, dst)
    before = {"source": snap(out, i), "target": snap(out, j)}
    session = {c: out.at[i, c] for c in SESSION}
    told = what(session, units)
    session["purpose"] = f"Moved by you from {ex.weekday(src)}: {session['purpose']}"
    _put(out, j, session, "changed")
    _put(out, i, rest_values(f"Rest: you moved {told} to {day_text(dst)}."), "changed")
    text = f"You moved {told} from {day_text(src)} to {day_text(dst)}."
    ev = {"op": "move", "from": f"{src:%Y-%m-%d}", "to": f"{dst:%Y-%m-%d}", "kind": session["kind"]}
    after = {"source": snap(out, i), "target": snap(out, j)}
    return out, _logged(today, ev, before, after, text)


def swap(
    frame: pd.DataFrame, a: pd.Timestamp, b: pd.Timestamp, *, today: Any, units: str
) -> tuple[pd.DataFrame, Adaptation]:
    """The sessions of days ``a`` and ``b`` exchanged."""
    out = frame.copy()
    i, j = row_of(out, a), row_of(out, b)
    before = {"source": snap(out, i), "target": snap(out, j)}
    first, second = ({c: out.at[k, c] for c in SESSION} for k in (i, j))
    text = (
        f"You swapped {what(first, units)} on {day_text(a)} with "
        f"{what(second, units)} on {day_text(b)}."
    )
    for k, session, other in ((j, first, a), (i, second, b)):
        moved = dict(session)
        if moved["kind"] != "rest":
            moved["purpose"] = f"Swapped by you from {ex.weekday(other)}: {moved['purpose']}"
        _put(out, k, moved, "changed")
    ev = {"op": "swap", "from": f"{a:%Y-%m-%d}", "to": f"{b:%Y-%m-%d}"}
    ev.update(kinds=[first["kind"], second["kind"]])
    after = {"source": snap(out, i), "target": snap(out, j)}
    return out, _logged(today, ev, before, after, text)


def skip(
    frame: pd.DataFrame, day: pd.Timestamp, *, today: Any, units: str, reason: str | None = None
) -> tuple[pd.DataFrame, Adaptation]:
    """``day``'s session skipped: rest with status ``skipped``, not rescheduled."""
    out = frame.copy()
    i = row_of(out, day)
    before = snap(out, i)
    told = what(out.loc[i], units)
    why = f" ({reason})" if reason else ""
    values = rest_values(f"Rest: you skipped {told}{why}; it is not rescheduled.")
    values["steps"] = json.dumps([{"type": "rest", "skipped": {**before, "purpose": None}}])
    _put(out, i, values, "skipped")
    text = f"You skipped {told} on {day_text(day)}{why}: a rest day, not rescheduled."
    ev = {"op": "skip", "date": f"{day:%Y-%m-%d}", "kind": before["kind"], "reason": reason}
    return out, _logged(today, ev, before, snap(out, i), text)


def replace(
    frame: pd.DataFrame,
    day: pd.Timestamp,
    new: dict[str, Any],
    *,
    today: Any,
    units: str,
) -> tuple[pd.DataFrame, Adaptation]:
    """``day``'s session replaced by the row ``new`` (:func:`session_row`)."""
    out = frame.copy()
    i = row_of(out, day)
    before = snap(out, i)
    old = what(out.loc[i], units)
    _put(out, i, new, "changed")
    text = f"You replaced {old} on {day_text(day)} with {what(new, units, article='a')}"
    if new["kind"] != "rest" and finite(new["duration_s"]) and finite(new["distance_m"]):
        text += f" (about {ex.format_duration(new['duration_s'])})"
    ev = {"op": "replace", "date": f"{day:%Y-%m-%d}", "was": before["kind"], "kind": new["kind"]}
    return out, _logged(today, ev, before, snap(out, i), text + ".")


def lthr_of(frame: pd.DataFrame) -> float | None:
    """The LTHR the plan's HR bands came from (an easy day's top is 0.89 LTHR), if any."""
    easy = frame[frame["kind"].isin(("easy", "long")) & frame["hr_high"].notna()]
    return float(easy["hr_high"].median()) / wk.HR_BANDS_LTHR["E"][1] if len(easy) else None


def default_distance(frame: pd.DataFrame, day: pd.Timestamp, kind: str) -> float:
    """A replaced day's distance when none is given: the day's own, else the plan's median of
    that kind, else its median easy run (6 km in a plan without one)."""
    rec = frame.loc[row_of(frame, day)]
    own = finite(rec["distance_m"])
    if rec["kind"] != "rest" and own:
        return own
    for k in (kind, "easy"):
        same = frame.loc[frame["kind"] == k, "distance_m"].dropna()
        if len(same):
            return float(same.median())
    return 6000.0


def build(kind: str, distance_m: float, t: wk.Targets) -> wk.Workout:
    """A workout of ``kind`` about ``distance_m`` long, from the plan builder's pieces."""
    frame_m = wk.WARMUP_M + wk.COOLDOWN_M
    if kind in ("easy", "long", "recovery"):
        return wk.easy(distance_m, t, kind)
    if kind == "strides":
        return wk.strides(distance_m, t)
    if kind == "tempo":
        return wk.tempo(max(distance_m - frame_m, 1000.0), t)
    one = wk.intervals(1, 1000.0, t) if kind == "intervals" else wk.hills(1, t)
    n = int(min(12, max(2, round((distance_m - frame_m) / (one.distance_m - frame_m)))))
    return wk.intervals(n, 1000.0, t) if kind == "intervals" else wk.hills(n, t)


def session_row(
    kind: str,
    t: wk.Targets | None,
    *,
    distance_m: float | None,
    minutes: float | None,
    units: str,
) -> dict[str, Any]:
    """The columns of a day replaced by ``kind``: ``distance_m`` long, or ``minutes`` long (the
    distance scaled once to the built workout's duration)."""
    from coachkit.coach.plan import workout_row

    if kind == "rest":
        return rest_values("Rest: your choice.")
    if t is None:
        raise ValueError("the plan has no VDOT to set the paces of a new session")
    dist = distance_m or 6000.0
    if minutes is not None:
        guess = build(kind, dist, t)
        dist = guess.distance_m * minutes * 60.0 / guess.duration_s
    w = build(kind, dist, t)
    row = workout_row(date.today(), w, units=units)
    row.pop("date")
    row["purpose"] = f"{row['purpose'][:-1]}: your choice."
    return row
