"""``coachkit zones``: the athlete's HR, pace and power zones with their sources, weekly time in
each zone, critical power and W′, and the mean-max power and pace curves (last 6 weeks
against all runs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from coachkit.cli._common import AthleteOrOnlyOpt, StoreOpt, app, open_store, pick_athlete
from coachkit.cli._params import Choice, choice_option, date_option, units_option

ZONE_FORMATS = ("table", "json")


def _duration(seconds: float) -> str:
    s = int(seconds)
    return f"{s} s" if s < 60 else f"{s // 60} min" if s % 60 == 0 else f"{s / 60:g} min"


def _bound(zone: dict[str, Any], units: str) -> str:
    from coachkit.core.units import format_pace_number

    lo, hi, unit = zone["low"], zone["high"], zone["unit"]
    if unit == "s/km":  # slower first: from the larger number of seconds to the smaller
        fast = f"{format_pace_number(lo, units)}" if lo else ""
        slow = f"{format_pace_number(hi, units)}" if hi is not None else ""
        text = (
            f"slower than {fast}"
            if not slow
            else f"faster than {slow}"
            if not fast
            else (f"{slow}-{fast}")
        )
        return f"{text} /{units}"
    if hi is None:
        return f">= {lo:.0f} {unit}"
    return f"< {hi:.0f} {unit}" if not lo else f"{lo:.0f}-{hi:.0f} {unit}"


def _print(rep: dict[str, Any], units: str) -> None:
    from coachkit.core.units import format_hms, format_pace, in_units

    typer.echo(f"Zones of {rep['athlete_id']}:")
    for kind, zones in rep["zones"].items():
        typer.echo(f"  {in_units(rep['sources'][kind], units)}")
        for z in zones:
            typer.echo(f"    {z['name']:<22} {_bound(z, units)}")
    cp = rep["critical_power"]
    typer.echo(f"Critical power ({cp['window']}): {cp['note']}")
    for kind, weeks in rep["weekly_seconds"].items():
        if not weeks:
            continue
        typer.echo(f"Weekly time in {kind} zones (h:mm:ss, runs with samples):")
        names = [k for k in weeks[0] if k != "week"]
        typer.echo("  " + "week".ljust(12) + "".join(n.split()[0].rjust(10) for n in names))
        for w in weeks:
            cells = "".join(format_hms(w[n]).rjust(10) if w[n] else "-".rjust(10) for n in names)
            typer.echo(f"  {w['week']:<12}{cells}")
    recent = f"last {rep['recent_weeks']} weeks"
    for value, title in (("power_w", "power"), ("speed_m_s", "pace")):
        rows = rep["mean_max"][value]
        if not rows:
            typer.echo(f"Mean-max {title}: no runs with {title} samples.")
            continue
        typer.echo(f"Mean-max {title} ({recent} vs all runs; runs that reached each duration):")

        def show(v: float | None, power: bool = value == "power_w") -> str:
            if v is None:
                return "-"
            return f"{v:.0f} W" if power else format_pace(1000.0 / v, units)

        for r in rows:
            typer.echo(
                f"  {_duration(r['duration_s']):>7}  {show(r['recent']):>10} "
                f"({r['recent_runs']})  {show(r['all']):>10} ({r['all_runs']})"
            )


@app.command()
def zones(
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    as_of: str | None = date_option(
        "--date", help="Zones and curves as of this day [default: everything]."
    ),
    fmt: str = choice_option(
        "table", "--format", "-f", choice=Choice(ZONE_FORMATS), help="table or json."
    ),
    units: str = units_option("km", help="km or mi (pace)."),
    weeks: int = typer.Option(12, "--weeks", min=1, max=104, help="Weeks of time in zone."),
) -> None:
    """Your HR, pace and power zones (with their source), weekly time in zone, critical power
    and W', and mean-max power and pace curves (last 6 weeks vs all runs)."""
    from coachkit.app.athlete import load_athlete
    from coachkit.app.zones import zones_report
    from coachkit.cli._common import parse_day

    s = open_store(store)
    who = pick_athlete(s, athlete)
    data = load_athlete(s, who, as_of=parse_day(as_of, "--date"))
    rep = zones_report(data, weeks=weeks)
    if fmt == "json":
        typer.echo(json.dumps(rep, indent=1, ensure_ascii=False, default=str))
        return
    _print(rep, units)
