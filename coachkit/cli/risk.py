"""``coachkit risk``: injury and overtraining risk, and training the learned layer."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import typer

from coachkit.cli._common import (
    AthleteOrOnlyOpt,
    StoreOpt,
    app,
    fail,
    open_store,
    parse_day,
    pick_athlete,
)
from coachkit.cli._params import date_option, units_option

risk_app = typer.Typer(
    help="Injury and overtraining risk, with its factors and what the coach changes."
)
app.add_typer(risk_app, name="risk")


@risk_app.callback(invoke_without_command=True)
def risk(
    ctx: typer.Context,
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    as_of: str | None = date_option(
        "--date", help="Assess this day [default: the last day with data]."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the assessment as JSON."),
    units: str | None = units_option(None, help="km or mi [default: your setting]."),
) -> None:
    """Today's overuse-injury and overtraining risk: score, factors, and what changes."""
    if ctx.invoked_subcommand is not None:
        return
    from coachkit.app.risk import athlete_risk

    s = open_store(store)
    who = pick_athlete(s, athlete)
    assessment = athlete_risk(s, who, as_of=parse_day(as_of, "--date"))
    if as_json:
        typer.echo(json.dumps(assessment.to_dict(), indent=1, default=str))
        return
    from coachkit.core.units import in_units

    say = partial(in_units, units=units or s.athlete_settings(who).get("units") or "km")
    typer.echo(f"{who}, {assessment.date:%Y-%m-%d}: {say(assessment.explanation)}")
    groups = (
        ("overuse injury", assessment.factors),
        ("overtraining", assessment.overtraining.factors),
    )
    for title, factors in groups:
        for factor in factors:
            typer.echo(
                f"  {title}: {say(factor.text)} (x{factor.relative_risk:.2f}; {factor.source})"
            )
    for change in assessment.changes:
        typer.echo(f"The coach will {say(change)}.")


@risk_app.command("train-lovdal")
def risk_train_lovdal(
    path: Path = typer.Argument(
        ..., help="day_approach_maskedID_timeseries.csv (Lövdal et al. 2021)."
    ),
    folds: int = typer.Option(
        5, "--folds", min=2, help="Grouped (by athlete) cross-validation folds."
    ),
) -> None:
    """Train the learned injury layer on the Lövdal 2021 day-approach data; print grouped-CV AUCs."""
    from coachkit.app.lovdal import train_lovdal

    if not path.is_file():
        fail(f"no such file: {path} (get it from DataverseNL doi:10.34894/UWU9PV)")
    typer.echo(json.dumps(train_lovdal(path, n_splits=folds), indent=1, default=str))
