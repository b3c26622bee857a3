"""``coachkit plan create|show|export``: the training plan."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    FormatOpt,
    StoreOpt,
    app,
    day_or_today,
    emit_rows,
    fail,
    need_packages,
    open_store,
    or_fail,
    parse_day,
    pick_athlete,
)
from coachkit.cli._params import (
    TIME_FORMAT,
    Choice,
    choice_option,
    date_option,
    hms,
    units_option,
    weekday_option,
)

if TYPE_CHECKING:
    from coachkit.coach.plan import Plan


plan_app = typer.Typer(
    help="Training plans: create, show, export; move, swap, skip or replace a day.",
    no_args_is_help=True,
)
app.add_typer(plan_app, name="plan")
UnitsOpt = units_option("km", help="km or mi (paces per km or per mile).")
#: plan export --format -> the optional packages its writer needs (the dashboard extra)
EXPORT_NEEDS = {"ics": ("icalendar",), "csv": (), "json": (), "fit": ("fit_tool",)}


@plan_app.command("create")
def plan_create(
    race_distance_m: float | None = typer.Option(
        None, "--race-distance-m", min=800, max=500_000, help="Goal race distance in metres."
    ),
    race_date: str | None = date_option("--race-date", help="Goal race date."),
    weekly_km: float | None = typer.Option(
        None, "--weekly-km", min=1, max=500, help="Or a volume goal: km per week ..."
    ),
    end_date: str | None = date_option("--end-date", help="... reached by this date."),
    target_time: str | None = typer.Option(
        None, "--target-time", parser=hms, metavar=TIME_FORMAT, help="Optional goal time."
    ),
    days_per_week: int = typer.Option(
        5, "--days-per-week", min=1, max=7, help="Running days per week."
    ),
    long_run_day: str = weekday_option(
        "sun", "--long-run-day", help="mon..sun (or the full name, any case)."
    ),
    unavailable: list[str] = weekday_option(
        [], "--unavailable", help="A weekday you cannot run, as --long-run-day (repeatable)."
    ),
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    start: str | None = date_option("--date", help="First day of the plan [default: today]."),
    units: str = UnitsOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the plan summary as JSON."),
    busy: Path | None = BusyOpt,
    travel: list[str] = TravelOpt,
    window: str = WindowOpt,
) -> None:
    """Build a periodised plan from your current fitness and save it as your active plan.

    Prints the plan, its notes (why it looks the way it does) and the goal's feasibility:
    the predicted race-day time with its 80 % interval, the longest run the plan reaches
    against what the distance needs, and what would make the goal realistic. With --busy or
    --travel the plan is then fitted to your calendar (see `coachkit plan adapt`)."""

    from coachkit.app.coach import create_plan
    from coachkit.coach.plan import Goal

    busy_ics = read_busy(busy)  # checked before a plan is made
    s = open_store(store)
    who = pick_athlete(s, athlete)
    target_s = None
    if target_time:  # H:MM:SS, checked by the option's parser
        h, m, sec = (int(x) for x in target_time.split(":"))
        target_s = float(h * 3600 + m * 60 + sec)
    try:
        race_day, end_day = parse_day(race_date, "--race-date"), parse_day(end_date, "--end-date")
        goal = Goal(
            race_distance_m=race_distance_m,
            race_date=race_day.date() if race_day is not None else None,
            target_time_s=target_s,
            weekly_km_target=weekly_km,
            end_date=end_day.date() if end_day is not None else None,
        )
        day = day_or_today(start, "--date")
        plan = create_plan(
            s,
            who,
            goal,
            start=day,
            days_per_week=days_per_week,
            long_run_day=long_run_day,
            unavailable_days=tuple(unavailable),
            units=units,
        )
    except ValueError as exc:
        fail(str(exc))
    cal = None
    if busy_ics is not None or travel:
        cal = apply_calendar(
            s, who, day=day, busy=busy_ics, busy_path=busy, travel=travel, window=window
        )
    weeks = plan.weeks
    if as_json:
        import json

        summary = {
            "plan_id": plan.plan_id,
            "athlete_id": who,
            "weeks": len(weeks),
            "start": f"{weeks['start'].min():%Y-%m-%d}",
            "phases": [p.name for p in plan.phases],
            "weekly_km": [round(float(v), 1) for v in weeks["volume_km"]],
            "runs_per_week": [int(n) for n in runs_per_week(plan)],
            "days_per_week_asked": days_per_week,
            "notes": list(plan.notes),
            "feasibility": plan.feasibility,
        }
        if cal is not None:
            summary["calendar"] = cal.sentences()
        typer.echo(json.dumps(summary, indent=1, default=str, ensure_ascii=False))
        return
    typer.echo(
        f"Plan {plan.plan_id} for {who}: {len(weeks)} weeks from {weeks['start'].min():%Y-%m-%d}, "
        f"{', '.join(p.name for p in plan.phases)}; weekly volume "
        f"{weeks['volume_km'].min():.0f}-{weeks['volume_km'].max():.0f} km."
    )
    for note in plan.notes:
        typer.echo(f"  note: {note}")
    if plan.feasibility.get("sentence"):
        typer.echo(f"  goal: {plan.feasibility['sentence']}")
    for line in calendar_lines(cal) if cal is not None else []:
        typer.echo(line)


def runs_per_week(plan: Plan) -> list[int]:
    """Runs in each week of ``plan`` (race day included)."""
    import pandas as pd

    w = plan.workouts
    days = pd.to_datetime(w["date"])
    monday = (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.normalize()
    return list(
        w.assign(monday=monday).groupby("monday")["kind"].apply(lambda k: (k != "rest").sum())
    )


@plan_app.command("show")
def plan_show(
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    fmt: str = FormatOpt,
    units: str | None = units_option(None, help="km or mi [default: the plan's]."),
) -> None:
    """The current plan, one row per day (the latest version of each day).

    The table shows distances in km or miles, paces as m:ss and durations as h:mm:ss; csv and
    json keep the SI columns. The purpose sentences are in the units asked for."""
    from coachkit.app.today import active_plan
    from coachkit.core.schemas import PLAN_COLUMNS
    from coachkit.core.units import check_units, in_units
    from coachkit.store.plans import latest_workout_rows

    s = open_store(store)
    who = pick_athlete(s, athlete)
    meta = or_fail(lambda: active_plan(s, who))
    rows = latest_workout_rows(s, meta["plan_id"])
    units = units or meta.get("units", "km")
    check_units(units)
    for row in rows:
        row["purpose"] = in_units(str(row["purpose"]), units)
    if fmt == "table":
        emit_rows(plan_table(rows, units), list(PLAN_TABLE_COLUMNS), fmt, title=f"Plan ({units})")
    else:
        emit_rows(rows, list(rows[0]) if rows else list(PLAN_COLUMNS), fmt)  # the stored order


#: the columns of ``plan show``'s table
PLAN_TABLE_COLUMNS = ("date", "kind", "distance", "pace", "duration", "HR", "status", "purpose")


def plan_table(rows: list[dict[str, Any]], units: str) -> list[dict[str, str]]:
    """The plan for reading: date, kind, distance, pace band, duration, HR, status, purpose."""
    from coachkit.coach.workouts import fmt_band
    from coachkit.core.units import format_distance, format_hms

    def pair(low: Any, high: Any) -> bool:
        return low is not None and high is not None

    return [
        {
            "date": r["date"],
            "kind": r["kind"],
            "distance": format_distance(r["distance_m"], units) if r["distance_m"] else "",
            "pace": (
                fmt_band((r["pace_low_s_per_km"], r["pace_high_s_per_km"]), units)
                if pair(r["pace_low_s_per_km"], r["pace_high_s_per_km"])
                else ""
            ),
            "duration": format_hms(r["duration_s"]) if r["duration_s"] else "",
            "HR": f"{r['hr_low']:.0f}-{r['hr_high']:.0f}"
            if pair(r["hr_low"], r["hr_high"])
            else "",
            "status": r["status"],
            "purpose": r["purpose"],
        }
        for r in rows
    ]


@plan_app.command("export")
def plan_export(
    out: Path = typer.Option(..., "--out", "-o", help="File (ics, csv, json) or folder (fit)."),
    fmt: str = choice_option(
        "ics",
        "--format",
        "-f",
        choice=Choice(tuple(EXPORT_NEEDS)),
        help="ics, csv, json or fit (one workout file per day).",
    ),
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
) -> None:
    """Export the current plan: calendar (.ics), CSV, JSON, or FIT workouts for a watch."""
    from coachkit.app.coach import stored_plan
    from coachkit.coach import export
    from coachkit.core.files import atomic_write_bytes

    need_packages(EXPORT_NEEDS[fmt], f"plan export --format {fmt}")
    s = open_store(store)
    plan = or_fail(lambda: stored_plan(s, pick_athlete(s, athlete)))
    if fmt == "fit":
        out.mkdir(parents=True, exist_ok=True)
        files = export.to_fit_workouts(plan)
        for day, data in files.items():
            atomic_write_bytes(out / f"{day:%Y-%m-%d}.fit", data)
        typer.echo(f"Wrote {len(files)} FIT workout files to {out}.")
        return
    writers = {"ics": export.to_ics, "csv": export.to_csv, "json": export.to_json}
    data = writers[fmt](plan)
    atomic_write_bytes(out, data if isinstance(data, bytes) else data.encode("utf-8"))
    typer.echo(f"Wrote {out}.")


#: kinds a day can be replaced with: coachkit.coach.edits.EDIT_KINDS (not imported: pandas)
EDIT_KINDS = ("rest", "recovery", "easy", "long", "tempo", "intervals", "hills", "strides")
TodayOpt = date_option("--today", help="The day the edit is made [default: today].")
EditJsonOpt = typer.Option(False, "--json", help="Print the result as JSON.")


def run_edit(
    op: str, athlete: str | None, store: Path | None, as_json: bool, **ask: object
) -> None:
    """Make one plan edit and print its sentence; a refusal exits 2 with the reason and the
    nearest day that keeps the rules."""
    import json

    from coachkit.app.plan_edits import edit_plan
    from coachkit.store import StoreError

    s = open_store(store)
    who = pick_athlete(s, athlete)
    try:  # the days are YYYY-MM-DD already (their options' parser)
        result = edit_plan(s, who, op, **ask)  # type: ignore[arg-type]
    except (StoreError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        if not result.ok:
            raise typer.Exit(2)
        return
    if not result.ok:
        fail(result.sentence)
    typer.echo(result.sentence)


@plan_app.command("move")
def plan_move(
    day: str = date_option("--from", help="The day whose session moves.", required=True),
    to: str = date_option("--to", help="The rest day it moves to.", required=True),
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    today: str | None = TodayOpt,
    as_json: bool = EditJsonOpt,
) -> None:
    """Move a day's session to a rest day (kept only if no two hard days end up back to back;
    otherwise refused with the nearest day that works). Logged like any adaptation."""
    run_edit("move", athlete, store, as_json, day=day, other_day=to, today=today)


@plan_app.command("swap")
def plan_swap(
    day: str = date_option("--date", help="One day.", required=True),
    other: str = date_option("--with", help="The day to swap it with.", required=True),
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    today: str | None = TodayOpt,
    as_json: bool = EditJsonOpt,
) -> None:
    """Swap the sessions of two days (refused when it puts two hard days back to back)."""
    run_edit("swap", athlete, store, as_json, day=day, other_day=other, today=today)


@plan_app.command("skip")
def plan_skip(
    day: str = date_option("--date", help="The day to skip.", required=True),
    reason: str | None = typer.Option(None, "--reason", help="Why (kept in the log)."),
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    today: str | None = TodayOpt,
    as_json: bool = EditJsonOpt,
) -> None:
    """Skip a day's session: it becomes rest and is not rescheduled (the coach does not treat
    it as missed)."""
    run_edit("skip", athlete, store, as_json, day=day, today=today, reason=reason)


@plan_app.command("replace")
def plan_replace(
    day: str = date_option("--date", help="The day to change.", required=True),
    kind: str = choice_option(
        ..., "--kind", choice=Choice(EDIT_KINDS), help="The new session: " + ", ".join(EDIT_KINDS)
    ),
    minutes: float | None = typer.Option(
        None, "--minutes", min=5, max=600, help="Its length in minutes ..."
    ),
    km: float | None = typer.Option(None, "--km", min=0.5, max=100, help="... or in km."),
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    today: str | None = TodayOpt,
    as_json: bool = EditJsonOpt,
) -> None:
    """Replace a day's session with another kind (default length: the day's own), at the
    plan's paces; refused when it breaks a rule (hard days back to back, the RUNSAFE cap)."""
    run_edit(
        "replace", athlete, store, as_json, day=day, today=today, kind=kind, minutes=minutes, km=km
    )
