"""``coachkit metrics``: one row per day of load, fitness, fatigue, form, HRV and more."""

from __future__ import annotations

from pathlib import Path

import typer

from coachkit.cli._common import (
    AthleteOrOnlyOpt,
    FormatShortOpt,
    StoreOpt,
    app,
    emit_frame,
    open_store,
    parse_day,
    pick_athlete,
)
from coachkit.cli._params import Choice, choice_option, date_option, units_option

CONVENTIONS = ("exp", "1/N", "2/(N+1)")

_METRICS_TABLE = {
    "date": "date",
    "load": "load",
    "ctl": "CTL",
    "atl": "ATL",
    "tsb": "TSB",
    "acwr": "ACWR",
    "run_distance_m": "run km",
    "ln_rmssd_7d": "lnRMSSD 7d",
    "hrv_status": "HRV",
    "rhr_7d": "RHR 7d",
    "vdot_90d": "VDOT",
}


@app.command()
def metrics(
    athlete: str | None = AthleteOrOnlyOpt,
    store: Path | None = StoreOpt,
    fmt: str = FormatShortOpt,
    date_from: str | None = date_option("--from", help="First day to show."),
    date_to: str | None = date_option("--to", help="Last day to show."),
    as_of: str | None = date_option(
        "--date", help="Use only what was known on this day [default: all]."
    ),
    convention: str = choice_option(
        "exp",
        "--convention",
        choice=Choice(CONVENTIONS),
        help="PMC smoothing: exp (1-e^-1/N), 1/N or 2/(N+1).",
    ),
    units: str | None = units_option(None, help="km or mi [default: your setting]."),
) -> None:
    """Daily training metrics: load, fitness/fatigue/form (CTL/ATL/TSB), ACWR, monotony, HRV."""
    from coachkit.app.athlete import load_athlete, thresholds
    from coachkit.app.metrics import daily_metrics

    s = open_store(store)
    who = pick_athlete(s, athlete)
    data = load_athlete(s, who, as_of=parse_day(as_of, "--date"))
    daily = daily_metrics(
        data,
        start=parse_day(date_from, "--from"),
        end=parse_day(date_to, "--to"),
        convention=convention,
    )
    if fmt == "table":
        from coachkit.core.units import MILE_M, in_units

        units = units or data.settings.get("units") or "km"
        view = (
            daily[[c for c in _METRICS_TABLE if c in daily]].tail(28).rename(columns=_METRICS_TABLE)
        )
        if "run km" in view:
            per = MILE_M if units == "mi" else 1000.0
            view = view.rename(columns={"run km": f"run {units}"})
            view[f"run {units}"] = view[f"run {units}"] / per
        emit_frame(view, fmt, title=f"Daily metrics, {who} (last 28 days; --format csv for all)")
        typer.echo(in_units(thresholds(data).describe(), units))
    else:
        emit_frame(daily, fmt)
