"""The daily coach: ``today`` (what to run) and ``log`` (how it went; the plan re-adapts)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from coachkit.cli._common import (
    AltitudeOpt,
    AthleteOrOnlyOpt,
    DewPointOpt,
    StoreOpt,
    TempOpt,
    app,
    day_or_today,
    fail,
    open_store,
    or_fail,
    pick_athlete,
    plain_day,
)
from coachkit.cli._params import (
    NIGGLE_FORMAT,
    Choice,
    choice_option,
    date_option,
    niggle,
    units_option,
)
from coachkit.coach.checkin import ANSWERS


def location(value: str) -> str:
    """``--forecast LAT,LON``: a place on Earth in decimal degrees, as ``"lat,lon"``."""
    from coachkit.app.weather import parse_location

    try:
        lat, lon = parse_location(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return f"{lat},{lon}"


@app.command()
def today(
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    day: str | None = date_option("--date", help="The day [default: today]."),
    units: str | None = units_option(None, help="km or mi [default: the plan's]."),
    as_json: bool = typer.Option(False, "--json", help="Print the prescription as JSON."),
    temp_c: float | None = TempOpt,
    dew_point_c: float | None = DewPointOpt,
    altitude_m: float | None = AltitudeOpt,
    forecast: str | None = typer.Option(
        None,
        "--forecast",
        parser=location,
        metavar="LAT,LON",
        help="Fetch the hour's temperature and dew point for this place (off by default; only "
        "then is the place, rounded to ~1 km, sent to $COACHKIT_WEATHER_URL, Open-Meteo).",
    ),
    hour: int | None = typer.Option(
        None, "--hour", min=0, max=23, help="The forecast's local hour [default: 7]."
    ),
) -> None:
    """What to run today: distance or duration, pace and HR targets, and why; with --temp-c,
    --dew-point-c, --altitude-m or --forecast, paces adjusted for the conditions; after three
    planned sessions without a run or a log, the coach asks what happened."""
    from coachkit.app.checkin import checkin_for
    from coachkit.app.conditions import DEFAULT_HOUR, prescription_in_conditions
    from coachkit.coach.conditions import check_conditions

    if hour is not None and forecast is None:
        fail("--hour is the forecast's hour: add --forecast LAT,LON")
    try:
        check_conditions(temp_c, dew_point_c)
    except ValueError as exc:
        fail(f"{exc}: give --temp-c with --dew-point-c, the dew point at most the temperature")
    s = open_store(store)
    who = pick_athlete(s, athlete)
    when = plain_day(day, "--date")
    at = tuple(float(x) for x in forecast.split(",")) if forecast else None
    p = or_fail(
        lambda: prescription_in_conditions(
            s,
            who,
            when,
            units=units,
            temp_c=temp_c,
            dew_point_c=dew_point_c,
            altitude_m=altitude_m,
            forecast_at=at,
            hour=DEFAULT_HOUR if hour is None else hour,
        )
    )
    if p.get("forecast_error"):
        typer.echo(p["forecast_error"], err=True)
    silent = or_fail(lambda: checkin_for(s, who, when))
    ask = silent if silent is not None and silent.due else None
    if as_json:
        p["checkin"] = ask.to_dict(p["units"]) if ask else None
        typer.echo(json.dumps(p, indent=1, default=str))
        return
    if ask:
        typer.echo(ask.question(p["units"]))
    what = " ".join(
        x
        for x in (p["kind"], p.get("distance", ""), ("at " + p["pace"]) if p.get("pace") else "")
        if x
    )
    hr = (
        f", HR {p['hr_low']:.0f}-{p['hr_high']:.0f} bpm"
        if p.get("hr_low") and p.get("hr_high")
        else ""
    )
    typer.echo(f"{p['date']}: {what}{hr}.")
    typer.echo(p["explanation"])
    if p.get("conditions"):
        typer.echo(
            " ".join(x for x in (p["conditions"].get("forecast"), p["conditions"]["sentence"]) if x)
        )


@app.command()
def log(
    rpe: float | None = typer.Option(
        None, "--rpe", min=0, max=10, help="How hard it was, CR-10 (0-10)."
    ),
    feel: float | None = typer.Option(
        None, "--feel", min=1, max=5, help="How you felt, 1 (awful) to 5 (great)."
    ),
    soreness: float | None = typer.Option(
        None, "--soreness", min=0, max=10, help="Muscle soreness 0-10."
    ),
    niggle_at: str | None = typer.Option(
        None,
        "--niggle",
        parser=niggle,
        metavar=NIGGLE_FORMAT,
        help="Where and how bad, e.g. calf:3 (0-10, default 3).",
    ),
    illness: bool = typer.Option(False, "--ill", help="You are ill today."),
    missed: str | None = typer.Option(
        None, "--missed", help="You missed today's session, and why."
    ),
    note: str | None = typer.Option(None, "--note", help="Anything else."),
    checkin: str | None = choice_option(
        None,
        "--checkin",
        choice=Choice(ANSWERS),
        help="Your answer to the coach's check-in: what kept you from your planned sessions.",
    ),
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    day: str | None = date_option("--date", help="The day this is about [default: today]."),
    as_json: bool = typer.Option(
        False, "--json", help="Print what was logged and changed as JSON."
    ),
    units: str | None = units_option(None, help="km or mi [default: the plan's]."),
) -> None:
    """Log how a day went (RPE, feel, niggles, illness, a missed session, a check-in answer);
    the plan re-adapts."""
    from coachkit.app.feedback import log_feedback

    s = open_store(store)
    who = pick_athlete(s, athlete)
    when = day_or_today(day, "--date")
    site, severity = None, None
    if niggle_at:  # SITE:SEVERITY, checked by the option's parser
        site, _, sev = niggle_at.rpartition(":")
        severity = float(sev)
    try:
        feedback_id, changes = log_feedback(
            s,
            who,
            when,
            rpe=rpe,
            feel=feel,
            soreness=soreness,
            niggle_site=site or None,
            niggle_severity=severity,
            illness=True if illness else None,
            missed_reason=missed,
            note=note,
            checkin=checkin,
        )
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "feedback_id": feedback_id,
                    "date": f"{when:%Y-%m-%d}",
                    "adaptations": [
                        {"rule": a.rule, "explanation": a.explanation} for a in changes
                    ],
                },
                indent=1,
                default=str,
            )
        )
        return
    from coachkit.core.units import in_units

    typer.echo(f"Logged for {who} on {when:%Y-%m-%d}.")
    for a in changes:  # in the plan's units unless others are asked for
        typer.echo(f"  {in_units(a.explanation, units) if units else a.explanation}")
    if not changes:
        typer.echo("  The plan stays as it is.")
