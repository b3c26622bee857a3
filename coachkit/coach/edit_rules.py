"""Which runner edits the coach accepts (issue 17): the rules an adaptation keeps hold for the
runner's own edits too (docs/design.md, "Runner edits").

* nothing in the past changes, and nothing already run (a day ``done``);
* race day is the goal's: it is changed by a new plan, not an edit;
* a session never moves onto a rest day the runner marked unavailable;
* no two hard days back to back (:data:`~coachkit.coach.workouts.HARD_KINDS`);
* no run longer than 1.1 × the longest run of the 30 days before it, planned or run
  (Garmin-RUNSAFE, as the plan builder and today's prescription hold it).

Each check returns the reason in words (``None`` when the edit keeps the rule); a refusal that
a different day would avoid comes with the nearest day that keeps every rule
(:func:`nearest_day`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from coachkit.coach import explain as ex
from coachkit.coach.edits import NAMES, a_or_an, day_text, row_of
from coachkit.coach.workouts import HARD_KINDS
from coachkit.core.values import finite
from coachkit.features.runsafe import LONG_RUN_CAP, LOOKBACK_DAYS

INACTIVE = ("missed", "moved", "skipped")  # the session does not happen on the row's day
SEARCH_DAYS = 14  # how far from the asked day the nearest valid day is looked for


def day_problem(frame: pd.DataFrame, day: pd.Timestamp, today: pd.Timestamp) -> str | None:
    """Why ``day`` cannot be edited (not in the plan, past, already run, race day), or None."""
    i = row_of(frame, day)
    if i is None:
        first, last = frame["date"].min(), frame["date"].max()
        return (
            f"{day_text(day)} is not in your plan (it runs from {first:%Y-%m-%d} to {last:%Y-%m-%d})"
            if len(frame)
            else "your plan has no days"
        )
    if day < today:
        return f"{day_text(day)} is in the past (today is {day_text(today)}): the plan keeps what was planned then"
    if frame.at[i, "status"] == "done":
        return f"{day_text(day)} was already run"
    if frame.at[i, "kind"] == "race":
        return f"{day_text(day)} is race day: change the goal with `coachkit plan create`"
    return None


def unavailable(frame: pd.DataFrame, day: pd.Timestamp) -> bool:
    """``day`` is a rest day the runner marked unavailable (nothing moves onto it)."""
    i = row_of(frame, day)
    purpose = frame.at[i, "purpose"] if i is not None else ""
    return (
        i is not None
        and frame.at[i, "kind"] == "rest"
        and isinstance(purpose, str)
        and "unavailable" in purpose.lower()
    )


def _hard(frame: pd.DataFrame, day: pd.Timestamp) -> Any:
    """The row index of a hard session that happens on ``day``, else None."""
    i = row_of(frame, day)
    if i is None or frame.at[i, "kind"] not in HARD_KINDS or frame.at[i, "status"] in INACTIVE:
        return None
    return i


def _name(kind: str) -> str:
    return NAMES.get(kind, kind)


def back_to_back(frame: pd.DataFrame, days: Iterable[pd.Timestamp]) -> str | None:
    """Why the edited ``days`` would put two hard days back to back in ``frame``, or None."""
    for day in sorted(days):
        i = _hard(frame, day)
        if i is None:
            continue
        kind = frame.at[i, "kind"]
        before = _hard(frame, day - pd.Timedelta(days=1))
        if before is not None:
            prev = frame.at[before, "date"]
            return (
                f"{day_text(day)} would follow {ex.weekday(prev)}'s {_name(frame.at[before, 'kind'])} "
                f"with {a_or_an(_name(kind))} (two hard days back to back)"
            )
        after = _hard(frame, day + pd.Timedelta(days=1))
        if after is not None:
            nxt = frame.at[after, "date"]
            return (
                f"{a_or_an(_name(kind))} on {day_text(day)} would come right before "
                f"{ex.weekday(nxt)}'s {_name(frame.at[after, 'kind'])} (two hard days back to back)"
            )
    return None


def runsafe_cap(
    frame: pd.DataFrame, day: pd.Timestamp, longest_run_m: float | None = None
) -> float | None:
    """1.1 × the longest run of the 30 days before ``day``: the plan's own (race day aside)
    or ``longest_run_m``, the longest actually run; None when neither knows one."""
    window = frame[
        (frame["date"] < day)
        & (frame["date"] >= day - pd.Timedelta(days=LOOKBACK_DAYS))
        & ~frame["kind"].isin(("rest", "race"))
        & ~frame["status"].isin(INACTIVE)
    ]
    planned = finite(window["distance_m"].max()) if len(window) else None
    known = [m for m in (planned, finite(longest_run_m)) if m]
    return LONG_RUN_CAP * max(known) if known else None


def too_long(
    frame: pd.DataFrame, day: pd.Timestamp, units: str, longest_run_m: float | None = None
) -> str | None:
    """Why ``day``'s run in ``frame`` is over the RUNSAFE cap, or None."""
    i = row_of(frame, day)
    dist = finite(frame.at[i, "distance_m"])
    cap = runsafe_cap(frame, day, longest_run_m)
    if dist is None or cap is None or frame.at[i, "kind"] in ("rest", "race") or dist <= cap + 1:
        return None
    return (
        f"{a_or_an(ex.format_volume(dist, None, units) + ' ' + _name(frame.at[i, 'kind']))} on {day_text(day)} is "
        f"more than 1.1 × the longest run of the 30 days before it "
        f"(Garmin-RUNSAFE): at most {ex.format_volume(cap, None, units)}"
    )


def nearest_day(
    frame: pd.DataFrame,
    around: pd.Timestamp,
    today: pd.Timestamp,
    works: Callable[[pd.Timestamp], bool],
    *,
    exclude: Iterable[pd.Timestamp] = (),
) -> pd.Timestamp | None:
    """The plan day nearest ``around`` (the earlier one first on a tie), from ``today`` on and
    within :data:`SEARCH_DAYS`, for which ``works(day)``; None when there is none."""
    skip = set(exclude)
    days = [
        d
        for d in frame["date"]
        if d >= today and d not in skip and abs((d - around).days) <= SEARCH_DAYS
    ]
    for d in sorted(days, key=lambda d: (abs((d - around).days), d)):
        if works(d):
            return d
    return None
