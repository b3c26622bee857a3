"""``coachkit report``: per-athlete reports from the ordered notebooks (see coachkit.app.report)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from coachkit.cli._common import FormatShortOpt, StoreOpt, app, console, fail, need_packages
from coachkit.cli._params import date_option, units_option


@app.command("report")
def report(
    athlete: list[str] = typer.Option([], "--athlete", "-a", help="Athlete id (repeatable)."),
    all_athletes: bool = typer.Option(False, "--all", help="Every athlete in the store."),
    store: Path | None = StoreOpt,
    out: Path = typer.Option(Path("reports"), "--out", "-o", help="Reports folder."),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", min=1, help="Athletes run at once [default: one per core]."
    ),
    notebooks: Path | None = typer.Option(
        None, "--notebooks", help="Folder of the ordered notebooks [default: ./notebooks]."
    ),
    only: list[str] = typer.Option(
        [], "--only", help="Run only the notebooks whose name starts with this (repeatable)."
    ),
    as_of: str | None = date_option(
        "--date", help="Report as of this day where a notebook takes one."
    ),
    timeout: int = typer.Option(900, "--timeout", min=10, help="Seconds allowed per cell."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Run the ordered notebooks for each athlete: reports/<athlete>/*.ipynb + report.html."""
    from coachkit.app.report import find_notebooks
    from coachkit.cli._common import open_store
    from coachkit.store import StoreError, check_athlete_id

    if bool(athlete) == all_athletes:
        fail("say --athlete ID (one or more) or --all")
    need_packages(("papermill", "nbformat", "nbconvert"), "coachkit report")
    s = open_store(store)
    try:
        ids = [a["athlete_id"] for a in s.athletes()] if all_athletes else athlete
        for a in ids:
            check_athlete_id(a)
            s.require_athlete(a)
        paths = find_notebooks(notebooks, only)
    except (StoreError, FileNotFoundError) as exc:
        fail(str(exc))
    if not ids:
        fail(f"the store {s.root} holds no athletes: ingest some first")
    if as_of is not None:
        from coachkit.cli._common import parse_day

        as_of = f"{parse_day(as_of, '--date'):%Y-%m-%d}"
    names = ", ".join(p.stem for p in paths)
    if not as_json:
        typer.echo(f"Reports for {len(ids)} athlete(s) from {names} into {out}/", err=True)
    results = _run(ids, s.root, out, paths, jobs, as_of, timeout, quiet=as_json)
    failed = [r for r in results if not r.ok]
    if as_json:
        from dataclasses import asdict

        typer.echo(json.dumps([asdict(r) for r in results], indent=1))
    else:
        _summary(results, out)
    if failed:
        typer.echo(
            f"{len(failed)} of {len(results)} report(s) failed (see the reason above and the "
            "executed notebook in its folder); the others are complete.",
            err=True,
        )
        raise typer.Exit(1)


def _run(ids, root, out, paths, jobs, as_of, timeout, *, quiet):  # noqa: ANN001, ANN202
    from coachkit.app.report import run_reports

    kw = dict(jobs=jobs, as_of=as_of, timeout_s=timeout)
    if quiet or not sys.stderr.isatty():

        def line(r):  # noqa: ANN001, ANN202
            if not quiet:
                status = "ok" if r.ok else f"FAILED ({r.error})"
                typer.echo(f"  {r.athlete_id}: {status} in {r.seconds:.0f} s", err=True)

        return run_reports(ids, root, out, paths, on_athlete=line, **kw)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("Notebooks", total=len(ids) * len(paths))
        left = {a: len(paths) for a in ids}

        def step(athlete: str, _notebook: str) -> None:
            left[athlete] -= 1
            bar.advance(task)

        def finished(r) -> None:  # noqa: ANN001
            bar.advance(task, max(left.get(r.athlete_id, 0), 0))  # skipped after a failure
            left[r.athlete_id] = 0
            status = "[green]ok[/]" if r.ok else f"[red]FAILED[/] ({r.error})"
            bar.console.print(f"  {r.athlete_id}: {status} in {r.seconds:.0f} s")

        return run_reports(ids, root, out, paths, on_notebook=step, on_athlete=finished, **kw)


def _summary(results, out: Path) -> None:  # noqa: ANN001
    from rich.table import Table

    table = Table(title=f"Reports in {out}/")
    for col in ("athlete", "status", "notebooks", "seconds", "report"):
        table.add_column(col, overflow="fold")
    for r in results:
        table.add_row(
            r.athlete_id,
            "ok" if r.ok else f"failed in {r.failed_notebook or '?'}: {r.error}",
            str(len(r.notebooks)),
            f"{r.seconds:.0f}",
            str(Path(r.folder) / "report.html"),
        )
    console().print(table)


@app.command("roster")
def roster(
    store: Path | None = StoreOpt,
    tables: Path | None = typer.Option(
        None,
        "--tables",
        help="Hive-partitioned activity tables (athlete_id=<id>/*.parquet) instead of a store.",
    ),
    export: Path | None = typer.Option(
        None, "--export", help="Write the store's activity tables here first (for a cluster)."
    ),
    as_of: str | None = date_option("--date", help="The day [default: today]."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address (tcp://host:8786) [default: in-process]."
    ),
    fmt: str = FormatShortOpt,
    units: str = units_option("km", help="km or mi for the table's volumes (csv/json keep km)."),
) -> None:
    """Roster-wide metrics, one row per athlete: freshness, volume, load, CTL/ATL/TSB, flags.

    Runs in-process with polars, or on a Dask cluster with --scheduler (same numbers).
    """
    import tempfile

    import pandas as pd

    if scheduler:
        need_packages(("dask", "distributed"), "--scheduler")
    from coachkit.app.scale import export_activity_tables, roster_metrics
    from coachkit.cli._common import emit_frame, open_store, parse_day

    day = parse_day(as_of, "--date") if as_of else pd.Timestamp.now().normalize()
    with tempfile.TemporaryDirectory(prefix="coachkit-tables-") as tmp:
        if tables is None:
            folder = export or Path(tmp) / "activities"
            export_activity_tables(open_store(store), folder)
        elif not tables.is_dir():
            fail(f"--tables {tables} is not a folder of athlete_id=<id>/ parquet files")
        else:
            folder = tables
        try:
            frame = roster_metrics(folder, day, scheduler=scheduler)
        except OSError as exc:
            fail(f"cannot reach the Dask scheduler {scheduler}: {exc}")
    if fmt == "table":
        frame = frame[
            [
                "athlete_id",
                "last_day",
                "days_since_data",
                "runs_7d",
                "run_km_7d",
                "run_km_28d",
                "ctl",
                "tsb",
                "acwr",
                "long_run_spike",
                "share_flagged",
            ]
        ]
        if units == "mi":
            from coachkit.core.units import MILE_M

            km = ["run_km_7d", "run_km_28d"]
            frame[km] = frame[km] * 1000.0 / MILE_M
            frame = frame.rename(columns={c: c.replace("_km_", "_mi_") for c in km})
    emit_frame(frame, fmt, title=f"Roster metrics on {day:%Y-%m-%d}")
