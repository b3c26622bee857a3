"""``coachkit peers``: runners like you in the population data, and their 12 weeks before
their best race (:mod:`coachkit.app.peers`)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from coachkit.cli._common import (
    AthleteOrOnlyOpt,
    FormatOpt,
    StoreOpt,
    app,
    emit_frame,
    open_store,
    or_fail,
    parse_day,
    pick_athlete,
)
from coachkit.cli._params import date_option, units_option


@app.command()
def peers(
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    as_of: str | None = date_option(
        "--date", help="Compare with what was known on this day [default: your last run]."
    ),
    fmt: str = FormatOpt,
    units: str | None = units_option(None, help="km or mi [default: your setting]."),
) -> None:
    """Runners like you: the nearest population runners by VDOT, weekly distance, history and
    sex, with the band of their weekly distance and longest run in the 12 weeks before their
    best race. It describes them; it is not a prescription."""
    from coachkit.app.peers import runners_like_you_in_store

    s = open_store(store)
    who = pick_athlete(s, athlete)
    day = parse_day(as_of, "--date")
    result = or_fail(lambda: runners_like_you_in_store(s, who, day))
    units = units or s.athlete_settings(who).get("units") or "km"
    if fmt == "json":
        typer.echo(json.dumps(result.to_dict(units), indent=1, ensure_ascii=False))
        return
    emit_frame(
        result.table(units),
        fmt,
        title=f"Runners like you, {who}: weeks before the race ({result.alignment()})",
    )
    if fmt == "table":
        typer.echo(result.peers.explain(units))
