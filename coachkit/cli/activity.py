"""``coachkit activity ID``: one run in full (summary, laps, splits, zones, local start), and
the runner's own corrections to it (exclude, include, sport, race)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from coachkit.cli._common import FormatOpt, StoreOpt, app, fail, open_store
from coachkit.cli._params import Choice, choice_option, units_option
from coachkit.core.schemas import SPORTS


@app.command()
def activity(
    activity_id: str = typer.Argument(..., help="The activity's id (`coachkit activities`)."),
    store: Path | None = StoreOpt,
    fmt: str = FormatOpt,
    units: str | None = units_option(None, help="km or mi [default: the athlete's setting]."),
    exclude: bool = typer.Option(
        False, "--exclude", help="Leave this activity out of load, trends and models."
    ),
    include: bool = typer.Option(False, "--include", help="Undo --exclude."),
    sport: str | None = choice_option(
        None, "--sport", choice=Choice(SPORTS), help="Correct the sport the file gave."
    ),
    race: bool | None = typer.Option(
        None, "--race/--not-race", help="Mark (or unmark) the activity as a race."
    ),
) -> None:
    """Show one activity in full; with an edit flag, change it first (kept across rebuild)."""
    from coachkit.store import StoreError

    s = open_store(store)
    athlete = s.athlete_of(activity_id)
    if athlete is None:
        fail(f"no activity {activity_id!r} in the store: `coachkit activities` lists the ids")
    if exclude and include:
        fail("--exclude and --include contradict each other: give one")
    if exclude or include or sport is not None or race is not None:
        from coachkit.app.activity_edits import edit_activity

        try:
            for sentence in edit_activity(
                s,
                activity_id,
                exclude=True if exclude else False if include else None,
                sport=sport,
                race=race,
            ):
                typer.echo(sentence, err=fmt == "json")
        except (StoreError, ValueError) as exc:
            fail(str(exc))
    from coachkit.app.activity_view import activity_view, view_text

    view = activity_view(s, activity_id, units=units)
    if fmt == "json":
        typer.echo(json.dumps(view, indent=1, ensure_ascii=False, default=str))
    elif fmt == "csv":
        fail("--format csv does not fit one activity: use table or json")
    else:
        typer.echo(view_text(view))
