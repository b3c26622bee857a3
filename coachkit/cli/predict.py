"""``coachkit predict``: a race on a course (a GPX file) or on a flat distance, with its finish
time, 80 % interval and an even-effort pacing plan per km or mile (see coachkit.app.course)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from coachkit.cli._common import (
    AltitudeOpt,
    AthleteOrOnlyOpt,
    DewPointOpt,
    StoreOpt,
    TempOpt,
    app,
    fail,
    need_packages,
    open_store,
    pick_athlete,
    plain_day,
)
from coachkit.cli._params import Choice, choice_option, date_option, units_option

PREDICT_FORMATS = ("table", "json")
MAX_COURSE_BYTES = 200 * 1024 * 1024  # a GPX of a 100 km race at 1 point/s is ~10 MB


@app.command()
def predict(
    course: Path | None = typer.Option(
        None, "--course", metavar="FILE.gpx", help="The race course (a GPX track or route)."
    ),
    distance_m: float | None = typer.Option(
        None, "--distance-m", min=1000, max=100_000, help="A flat course of this many metres."
    ),
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    day: str | None = date_option(
        "--date", help="Predict from the runs up to this day [default: today]."
    ),
    units: str = units_option("km", help="km or mi: splits per km or per mile."),
    fmt: str = choice_option(
        "table", "--format", "-f", choice=Choice(PREDICT_FORMATS), help="table or json."
    ),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
    export_fit: Path | None = typer.Option(
        None, "--export-fit", metavar="FILE.fit", help="Write the pacing plan as a FIT workout."
    ),
    temp_c: float | None = TempOpt,
    dew_point_c: float | None = DewPointOpt,
    altitude_m: float | None = AltitudeOpt,
) -> None:
    """Predict a race on a course: finish time, 80 % interval, and pacing per km or mile
    for even effort (slower uphill, faster downhill); with --temp-c, --dew-point-c or
    --altitude-m, slower for the race day's heat and altitude."""
    from coachkit.app.course import predict_course
    from coachkit.coach.conditions import adjust_for_conditions, check_conditions
    from coachkit.io.errors import UnreadableFile

    if (course is None) == (distance_m is None):
        fail("give either --course FILE.gpx or --distance-m METRES (one of the two)")
    try:
        check_conditions(temp_c, dew_point_c)
    except ValueError as exc:
        fail(f"{exc}: give --temp-c with --dew-point-c, the dew point at most the temperature")
    conditions = adjust_for_conditions(temp_c, dew_point_c, altitude_m)
    gpx = _read_course(course) if course is not None else None
    if export_fit is not None:
        need_packages(("fit_tool",), "coachkit predict --export-fit")
    when = plain_day(day, "--date")
    s = open_store(store)
    who = pick_athlete(s, athlete)
    try:
        result = predict_course(
            s,
            who,
            day=when,
            gpx=gpx,
            gpx_name=course.name if course is not None else "",
            distance_m=distance_m,
            units=units,
            conditions=conditions if conditions.given else None,
        )
    except ValueError as exc:  # UnreadableFile is one: a bad GPX, or a course out of range
        prefix = f"--course {course.name}: " if isinstance(exc, UnreadableFile) and course else ""
        fail(f"{prefix}{exc}")
    if export_fit is not None:
        _write_fit(export_fit, result, when)
    if as_json or fmt == "json":
        typer.echo(json.dumps(result.to_dict(), indent=1, ensure_ascii=False))
    else:
        _print(result.to_dict())


def _read_course(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_COURSE_BYTES:
            fail(f"--course {path}: larger than {MAX_COURSE_BYTES >> 20} MB, not a course file")
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        fail(f"--course {path}: no such file")
    except OSError as exc:
        fail(f"--course {path}: cannot be read ({exc.strerror or exc})")


def _write_fit(path: Path, result: Any, day: Any) -> None:
    from coachkit.coach.course_pacing import course_fit_workout
    from coachkit.core.files import atomic_write_bytes

    name = f"Pacing {result.course_name or 'race'}"[:40]
    try:
        atomic_write_bytes(path, course_fit_workout(result.plan, day, name))
    except OSError as exc:
        fail(f"--export-fit {path}: cannot be written ({exc.strerror or exc})")
    typer.echo(f"Pacing plan written to {path} ({len(result.plan.splits)} steps).", err=True)


def _print(doc: dict[str, Any]) -> None:
    from rich.table import Table

    from coachkit.cli._common import console
    from coachkit.core.units import MILE_M, format_hms

    unit = doc["units"]
    split_m = MILE_M if unit == "mi" else 1000.0
    table = Table(title=doc.get("course") or None)
    for col in (unit, "gain m", "loss m", "grade", "pace", "split", "total"):
        table.add_column(col, justify="right")
    for s in doc["splits"]:
        at = f"{s['index'] - 1 + s['distance_m'] / split_m:.2f}".rstrip("0").rstrip(".")
        table.add_row(
            at,
            f"{s['elevation_gain_m']:.0f}",
            f"{s['elevation_loss_m']:.0f}",
            f"{s['grade']:+.1%}",
            s["pace"],
            format_hms(s["seconds"]),
            format_hms(s["cumulative_seconds"]),
        )
    out = console()
    out.print(table)
    for line in (doc["sentence"], f"From: {doc['race_explanation']}", *doc["warnings"]):
        out.print(line, highlight=False, markup=False)
