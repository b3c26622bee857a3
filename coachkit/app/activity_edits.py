"""The runner's corrections to one activity: ``coachkit activity ID --exclude/--include
--sport S --race/--not-race`` (issue 17; docs/design.md, "Runner edits").

The store keeps them in ``activity_settings`` beside the activity's load method, so they
survive ``coachkit rebuild`` (which re-points them at the rebuilt ids); they are applied once,
where every analysis reads an athlete (:func:`coachkit.app.athlete.apply_activity_edits`):

* excluded: the activity counts nowhere (load, PMC, trends, thresholds, best efforts, risk,
  the race model) and is still listed by ``coachkit activities``, its ``excluded_reason``
  "excluded by you";
* sport: a ride recorded as a run stops counting as a run, and the other way round;
* race: the race model counts the run among your race-like efforts (its personal layer); "not
  a race" overrides a source's race flag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from coachkit.core.schemas import SPORTS
from coachkit.core.sports import RUN_SPORTS
from coachkit.core.units import format_distance, format_hms
from coachkit.store import StoreError

if TYPE_CHECKING:
    from coachkit.store import Store


def edit_activity(
    store: Store,
    activity_id: str,
    *,
    exclude: bool | None = None,
    sport: str | None = None,
    race: bool | None = None,
    reason: str | None = None,
) -> list[str]:
    """Apply the runner's corrections to one activity; one sentence per correction.

    ``exclude`` True leaves it out of everything (``reason`` kept with it), False brings it
    back; ``sport`` corrects the sport (any name a source uses: ``cycling`` is ``ride``; the
    recorded sport clears the correction); ``race`` True marks it a race, False says it is
    not one. None leaves that correction as it is.

    Raises :class:`~coachkit.store.StoreError` for an unknown id and ``ValueError`` for an
    unknown sport.
    """
    athlete = store.athlete_of(activity_id)
    if athlete is None:
        raise StoreError(
            f"no activity {activity_id!r} in the store: `coachkit activities` lists the ids"
        )
    row = _recorded(store, athlete, activity_id)
    now = store.activity_edits(athlete).get(activity_id, {})
    out = []
    if sport is not None:
        out.append(_sport(store, activity_id, row, now, sport))
        row = {**row, "shown": _canonical(sport)}
    if exclude is not None:
        out.append(_exclude(store, activity_id, row, now, exclude, reason))
    if race is not None:
        out.append(_race(store, activity_id, row, now, race))
    return out


def _recorded(store: Store, athlete: str, activity_id: str) -> dict[str, Any]:
    """The activity as recorded, with ``shown``: its sport after any correction."""
    from coachkit.core.localtime import local_day

    acts = store.activities(athlete)
    one = acts[acts["activity_id"] == activity_id]
    rec = one.iloc[0].to_dict()
    rec["day"] = f"{local_day(one).iloc[0]:%Y-%m-%d}"
    rec["shown"] = store.activity_edits(athlete).get(activity_id, {}).get("sport") or rec["sport"]
    return rec


def _canonical(sport: str) -> str:
    from coachkit.io.sports import normalize_sport

    name = normalize_sport(sport)
    if name not in SPORTS or (name == "other" and sport.strip().lower() != "other"):
        raise ValueError(f"unknown sport {sport!r}: use one of {', '.join(SPORTS)}")
    return name


def _label(row: dict[str, Any]) -> str:
    """``"2021-03-14 run (8.5 km)"``: the activity as the sentences name it."""
    dist = row.get("distance_m")
    size = f" ({format_distance(dist, 'km')})" if dist == dist and dist else ""
    return f"{row['day']} {str(row['shown']).replace('_', ' ')}{size}"


def _sport(
    store: Store, activity_id: str, row: dict[str, Any], now: dict[str, Any], sport: str
) -> str:
    new = _canonical(sport)
    if new == row["shown"]:
        return f"{_label(row)} is already a {new.replace('_', ' ')}: nothing to change."
    store.set_activity_edit(activity_id, sport_override=None if new == row["sport"] else new)
    was_run, is_run = row["shown"] in RUN_SPORTS, new in RUN_SPORTS
    effect = (
        "it no longer counts as a run"
        if was_run and not is_run
        else "it now counts as a run"
        if is_run and not was_run
        else "it still counts as a run"
        if is_run
        else "it still does not count as a run"
    )
    return f"{_label(row)} is now a {new.replace('_', ' ')} (was {row['shown']}): {effect}."


def _exclude(
    store: Store,
    activity_id: str,
    row: dict[str, Any],
    now: dict[str, Any],
    exclude: bool,
    reason: str | None,
) -> str:
    if not exclude:
        if not now.get("excluded"):
            return f"{_label(row)} was not excluded: nothing to change."
        store.set_activity_edit(activity_id, excluded=False, excluded_reason=None)
        return f"Included {_label(row)} again: it counts in load, trends and models."
    store.set_activity_edit(activity_id, excluded=True, excluded_reason=reason or None)
    return f"Excluded {_label(row)} from load, trends and models; `--include` brings it back."


def _race(
    store: Store, activity_id: str, row: dict[str, Any], now: dict[str, Any], race: bool
) -> str:
    store.set_activity_edit(activity_id, race=race)
    if not race:
        return (
            f"{_label(row)} is not a race: the race model no longer counts it as one "
            "(it still may, if it is among your best runs)."
        )
    time_s = row.get("elapsed_time_s")
    clock = f" in {format_hms(time_s)}" if time_s == time_s and time_s else ""
    note = "" if row["shown"] in RUN_SPORTS else " (the race model reads runs only)"
    return (
        f"Marked {_label(row)}{clock} as a race: the race model counts it among your "
        f"race efforts{note}."
    )
