"""``coachkit population fit``: refit the shipped population parameters."""

from __future__ import annotations

from pathlib import Path

import typer

from coachkit.cli._common import app, need_packages

population_app = typer.Typer(
    help="The population layer shipped with coachkit: refit it.", no_args_is_help=True
)
app.add_typer(population_app, name="population")


@population_app.command("fit")
def population_fit(
    benchmarks: Path = typer.Option(
        ...,
        "--benchmarks",
        help="Folder holding strava_runs_116/ (the steering repo's shared/data/benchmarks).",
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address (tcp://host:8786) [default: in-process]."
    ),
) -> None:
    """Refit the race, HR-response and runners-like-you population layers from the benchmark
    runners."""
    from coachkit.app.population import main as fit_main

    if scheduler:
        need_packages(("dask", "distributed"), "--scheduler")
    extra = ["--scheduler", scheduler] if scheduler else []
    raise typer.Exit(fit_main(["--benchmarks", str(benchmarks), *extra]))
