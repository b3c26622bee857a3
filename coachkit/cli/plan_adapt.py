"""``coachkit plan adapt``: re-plan the current plan around the runner's calendar and travel
from a day on, keeping the days before it (issue 19; docs/design.md, "Calendar")."""

from __future__ import annotations

from pathlib import Path

import typer

from coachkit.cli._calendar import (
    BusyOpt,
    TravelOpt,
    WindowOpt,
    apply_calendar,
    calendar_lines,
    read_busy,
)
from coachkit.cli._common import (
    AthleteOrOnlyOpt,
    StoreOpt,
    day_or_today,
    fail,
    open_store,
    pick_athlete,
)
from coachkit.cli._params import date_option, units_option
from coachkit.cli.plan import plan_app


@plan_app.command("adapt")
def plan_adapt(
    busy: Path | None = BusyOpt,
    travel: list[str] = TravelOpt,
    window: str = WindowOpt,
    start: str | None = date_option("--date", help="First day re-planned [default: today]."),
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    units: str | None = units_option(None, help="km or mi [default: the plan's]."),
    as_json: bool = typer.Option(False, "--json", help="Print the changes as JSON."),
) -> None:
    """Fit the current plan to your calendar and trips from --date on (the days before stay).

    A day busy all day, or a travel day for a hard session, loses its session: it moves to the
    nearest rest day (within 3 days) with room that keeps the rules, or is dropped. A session
    longer than a day's longest free window is shortened to fit (when 20 min or more remain)
    or moved, never crammed. Each change is logged with its sentence, like the coach's own."""
    if busy is None and not travel:
        fail("plan adapt needs your calendar (--busy FILE.ics) or a trip (--travel FROM:TO:ZONE)")
    data = read_busy(busy)
    s = open_store(store)
    who = pick_athlete(s, athlete)
    day = day_or_today(start, "--date")
    result = apply_calendar(
        s, who, day=day, busy=data, busy_path=busy, travel=travel, window=window, units=units
    )
    if as_json:
        import json

        out = {
            "athlete_id": who,
            "from": f"{day:%Y-%m-%d}",
            "zone": result.zone,
            "events": result.events,
            "own_events_left_out": result.own_events,
            "changes": [
                {
                    "rule": c.rule,
                    "op": c.evidence.get("op"),
                    "sentence": c.explanation,
                }
                for c in result.changes
            ],
        }
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    for line in calendar_lines(result):
        typer.echo(line)
