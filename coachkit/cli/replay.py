"""``coachkit replay``: the coach back-tested day by day on the athlete's real history."""

from __future__ import annotations

from pathlib import Path

import typer

from coachkit.cli._common import (
    AthleteOrOnlyOpt,
    FormatShortOpt,
    StoreOpt,
    app,
    emit_frame,
    fail,
    open_store,
    parse_day,
    pick_athlete,
)
from coachkit.cli._params import date_option, units_option, weekday_option

TABLE_COLUMNS = ("date", "kind", "planned", "done", "followed", "adaptations", "notes")


@app.command()
def replay(
    start: str = date_option("--from", help="First day replayed.", required=True),
    end: str = date_option("--to", help="Last day replayed.", required=True),
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    fmt: str = FormatShortOpt,
    race_distance_m: float | None = typer.Option(
        None,
        "--race-distance-m",
        min=800,
        max=500_000,
        help="A goal race during the replay (metres) ...",
    ),
    race_date: str | None = date_option("--race-date", help="... on this day."),
    days_per_week: int | None = typer.Option(
        None, "--days-per-week", min=1, max=7, help="[default: your own habit, 3-6]"
    ),
    long_run_day: str = weekday_option(
        "sun", "--long-run-day", help="mon..sun (or the full name, any case)."
    ),
    units: str = units_option("km", help="km or mi."),
    out: Path | None = typer.Option(
        None, "--adaptations-out", help="Also write every adaptation (with evidence) as CSV."
    ),
) -> None:
    """Walk the history day by day with only what was known each day: what the coach prescribed,
    what it changed and why, and how closely the training followed it. Writes nothing."""
    from rich.progress import Progress

    from coachkit.app.replay import replay as run_replay
    from coachkit.coach.plan import Goal
    from coachkit.core.units import MILE_M, format_distance

    s = open_store(store)
    who = pick_athlete(s, athlete)
    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    race = None
    if (race_distance_m is None) != (race_date is None):
        fail("give --race-distance-m and --race-date together")
    if race_distance_m is not None:
        race = Goal(
            race_distance_m=race_distance_m, race_date=parse_day(race_date, "--race-date").date()
        )
    quiet = fmt.lower() != "table"
    try:
        with Progress(transient=True, disable=quiet) as bar:
            task = bar.add_task(f"replaying {who}", total=(last - first).days + 1)
            result = run_replay(
                s,
                who,
                first,
                last,
                race=race,
                days_per_week=days_per_week,
                long_run_day=long_run_day,
                units=units,
                progress=lambda done, _: bar.update(task, completed=done),
            )
    except ValueError as exc:
        fail(str(exc))
    if out is not None:
        result.adaptations.to_csv(out, index=False)
    days = result.days
    if quiet:
        emit_frame(days, fmt)
    else:
        show = days.assign(
            planned=[format_distance(m, units) if m else "" for m in days["distance_m"].fillna(0)],
            done=[format_distance(m, units) if m else "" for m in days["actual_distance_m"]],
            followed=days["followed"].map({True: "yes", False: "no"}),
        )
        emit_frame(show[list(TABLE_COLUMNS)], "table", title=f"Replay of {who}")
    summary = result.summary()
    per = MILE_M / 1000.0 if units == "mi" else 1.0  # the summary counts km
    comp = summary["run_day_compliance"]
    line = (
        f"{who}: {summary['days']} days, {summary['run_days_followed']} of "
        f"{summary['planned_run_days']} planned run days run"
        + (f" ({comp:.0%})" if comp is not None else "")
        + f", {summary['actual_km'] / per:.0f} of {summary['planned_km'] / per:.0f} planned "
        f"{units}; "
        f"{summary['adaptations']} adaptations "
        + ", ".join(f"{k} {v}" for k, v in summary["by_rule"].items())
    )
    typer.echo(line, err=quiet)
    runs = int(days["actual_runs"].sum())
    if runs < len(days) / 14:
        typer.echo(
            f"note: only {runs} runs in {len(days)} days: the coach plans running, so a replay "
            "of this window mostly shows missed sessions.",
            err=quiet,
        )
