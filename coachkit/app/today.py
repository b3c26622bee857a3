"""Today's prescription from the plan: the §9 fields, display strings, and the RUNSAFE hold.

Whatever the stored plan says, today's distance is held within 1.1 × the longest run of the 30
days before today (:func:`coachkit.coach.long_runs.runsafe_today`), with the sentence why: a
runner who ran less than planned and logged nothing is not prescribed a jump.

Nothing here loads pandas: ``coachkit today`` reads one plan day and a month of runs as plain
rows, so that it starts in a fraction of a second (issue 18).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from coachkit.core.values import plain as _plain
from coachkit.store import Store, StoreError
from coachkit.store.plans import active_plan_meta, plan_dates, workout_on


def as_date(day: Any) -> date:
    """``day`` as its calendar day: a date, a datetime or a pandas Timestamp (its wall-clock
    day) without pandas, anything else (a ``YYYY-MM-DD`` string ...) through pandas."""
    if isinstance(day, datetime):
        return day.date()
    if isinstance(day, date):
        return day
    from coachkit.core.localtime import as_day

    return as_day(day).date()


def active_plan(store: Store, athlete_id: str) -> dict[str, Any]:
    """The athlete's active plan: its id and meta (goal, units, rules, phases)."""
    meta = active_plan_meta(store, athlete_id)
    if meta is None:
        raise StoreError(
            f"{athlete_id} has no plan yet: create one with `coachkit plan create --athlete {athlete_id} "
            "--race-distance-m 21097.5 --race-date YYYY-MM-DD`"
        )
    return meta


def todays_prescription(
    store: Store, athlete_id: str, day: Any, *, units: str | None = None
) -> dict[str, Any]:
    """The prescription for ``day`` from the current plan, in the athlete's units, with the
    explanation and which layer drove the paces (the athlete's own data or population defaults)."""
    from coachkit.core.units import check_units, in_units

    meta = active_plan(store, athlete_id)
    when = as_date(day)
    row = workout_on(store, meta["plan_id"], f"{when:%Y-%m-%d}")
    if row is None:
        first, last = plan_dates(store, meta["plan_id"])
        raise StoreError(f"the plan runs from {first} to {last}; {when:%Y-%m-%d} is not in it")
    units = units or meta.get("units", "km")
    check_units(units)
    notes = " ".join(meta.get("notes", []))
    layer = "population defaults" if "default" in notes.lower() else "your own data"
    out = prescription({**row, "date": when}, units=units, layer=layer)
    hold_runsafe(out, longest_before(store, athlete_id, when), units)
    out["explanation"] = in_units(out["explanation"], units)  # the plan's text, in these units
    if out.get("pace"):
        out["explanation"] = f"{out['explanation']} (paces from {layer})"
    return out


def prescription(row: Mapping[str, Any], *, units: str = "km", layer: str = "") -> dict[str, Any]:
    """One day of the plan (a plan-frame row, or a plain mapping with a date) as today's
    prescription: §9 fields plus display strings."""
    from coachkit.coach.workouts import fmt_band
    from coachkit.core.units import format_distance

    out: dict[str, Any] = {
        "date": f"{row['date']:%Y-%m-%d}",
        "kind": row["kind"],
        "distance_m": _plain(row["distance_m"]),
        "duration_s": _plain(row["duration_s"]),
        "pace_low_s_per_km": _plain(row["pace_low_s_per_km"]),
        "pace_high_s_per_km": _plain(row["pace_high_s_per_km"]),
        "hr_low": _plain(row["hr_low"]),
        "hr_high": _plain(row["hr_high"]),
        "units": units,
        "status": row["status"],
        "version": int(row["version"]),
        "steps": json.loads(row["steps"]) if isinstance(row["steps"], str) and row["steps"] else [],
        "explanation": row["purpose"],
        "layer": layer,
    }
    if out["distance_m"]:
        out["distance"] = format_distance(out["distance_m"], units)
    if out["pace_low_s_per_km"] and out["pace_high_s_per_km"]:
        out["pace"] = fmt_band((out["pace_low_s_per_km"], out["pace_high_s_per_km"]), units)
    return out


def longest_before(store: Store, athlete_id: str, day: Any) -> float | None:
    """The longest counted run of the 30 days before ``day`` (the athlete's local days; the
    runner's exclusions and sport corrections applied, as :func:`coachkit.app.athlete.load_athlete`
    applies them)."""
    from coachkit.features.runsafe import LOOKBACK_DAYS

    today = as_date(day)
    runs = counted_runs(store, athlete_id, today - timedelta(days=LOOKBACK_DAYS), today)
    distances = [d for _, d in runs if d is not None]
    return max(distances) if distances else None


def counted_runs(
    store: Store, athlete_id: str, first: date, until: date
) -> list[tuple[date, float | None]]:
    """The counted runs of the local days ``first <= day < until`` as ``(day, distance_m)``,
    from plain store rows (no pandas); the runner's exclusions and sport corrections applied."""
    from coachkit.core.quality import is_counted
    from coachkit.core.sports import RUN_SPORTS
    from coachkit.core.timezones import resolve_rows

    # the window in UTC, a day wider each side for the athletes' UTC offsets (at most 14 h)
    since = datetime(first.year, first.month, first.day) - timedelta(days=1)
    end = datetime(until.year, until.month, until.day) + timedelta(days=1)
    since_text = f"{since:%Y-%m-%dT%H:%M:%SZ}"
    rows = store.activity_rows(
        athlete_id,
        since_text,
        f"{end:%Y-%m-%dT%H:%M:%SZ}",
        (
            "activity_id",
            "sport",
            "start_time",
            "utc_offset_s",
            "tz_name",
            "tz_source",
            "distance_m",
            "quality_flags",
        ),
    )
    # offsets the files lack, filled as the activities frame fills them (core.timezones)
    resolved = resolve_rows(
        rows, store.athlete_zone(athlete_id), store.zone_near(athlete_id, since_text)
    )
    edits = store.activity_edits(athlete_id)  # the runner's exclusions and sport corrections
    out = []
    for row, (offset, _, _) in zip(rows, resolved):
        edit = edits.get(row["activity_id"], {})
        sport = edit.get("sport") or row["sport"]
        if sport not in RUN_SPORTS or edit.get("excluded") or not is_counted(row["quality_flags"]):
            continue
        local = _local_day(row["start_time"], offset)
        if local is not None and first <= local < until:
            out.append((local, _number(row["distance_m"])))
    return out


def _local_day(start_time: str, utc_offset_s: Any) -> date | None:
    """The local calendar day of a stored UTC start time (UTC when the offset is unknown);
    ``utc_offset_s`` is the resolved one (:func:`coachkit.core.timezones.resolve_rows`)."""
    try:
        start = datetime.fromisoformat(start_time).astimezone(timezone.utc)
    except (TypeError, ValueError):
        return None
    offset = _number(utc_offset_s) or 0.0
    return (start.replace(tzinfo=None) + timedelta(seconds=offset)).date()


def _number(value: Any) -> float | None:
    """A stored number as a float; None when missing or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN


def hold_runsafe(out: dict[str, Any], longest: float | None, units: str) -> None:
    """Today's prescription cut to the RUNSAFE cap of what was run, and the sentence why."""
    from coachkit.coach.long_runs import runsafe_today
    from coachkit.core.units import format_distance

    cap = runsafe_today(out["kind"], out.get("distance_m"), longest)
    if cap is None:
        return
    was = out["distance_m"]
    out["distance_m"], out["distance"] = cap, format_distance(cap, units)
    if out.get("duration_s"):
        out["duration_s"] = out["duration_s"] * cap / was
    out["explanation"] = (
        f"Cut to {format_distance(cap, units)} today (the plan says {format_distance(was, units)}): "
        f"1.1 × your longest run of the last 30 days, {format_distance(longest, units)} "
        f"(Garmin-RUNSAFE). {out['explanation']}"
    )
