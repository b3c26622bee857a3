"""Getting data in and looking at it: ``init``, ``ingest``, ``athletes``, ``activities``, ``wellness``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from coachkit.cli._common import (
    AthleteOpt,
    FormatOpt,
    StoreOpt,
    app,
    console,
    emit_frame,
    fail,
    open_store,
    open_store_for,
)

if TYPE_CHECKING:
    from coachkit.store import Store
    from coachkit.store.manifest import IngestReport


@app.command()
def init(store: Path | None = StoreOpt) -> None:
    """Create an empty store (ingest creates one too)."""
    s = open_store(store, create=True)
    typer.echo(f"Store ready at {s.root} (schema version {s.schema_version}).")


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(
        ..., help="Files or folders: FIT, GPX, TCX, zip/gz exports, JSON, CSV."
    ),
    athlete: str = AthleteOpt,
    store: Path | None = StoreOpt,
    strict: bool = typer.Option(
        False, "--strict", help="Exit non-zero if any file was quarantined."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the per-file report as JSON."),
) -> None:
    """Import files into the store: new, merged, unchanged or quarantined with a reason."""
    from coachkit.io.containers import iter_paths
    from coachkit.store import StoreError, check_athlete_id
    from coachkit.store.manifest import unchanged_report

    try:
        check_athlete_id(athlete)
        files = list(iter_paths(paths))
    except (StoreError, FileNotFoundError) as exc:
        fail(str(exc))
    s = open_store(store, create=True)
    # an unchanged folder is answered from the manifest, before pandas and the readers load
    report = unchanged_report(s, files, athlete)
    if report is None:
        report = _full_ingest(
            s, paths, athlete, len(files), bar=not as_json and sys.stderr.isatty()
        )
    if as_json:
        typer.echo(
            json.dumps(
                {"totals": report.totals(), "files": [o.__dict__ for o in report.outcomes]},
                indent=1,
            )
        )
    else:
        _print_report(report, s.root, athlete)
    if report.count("error"):
        typer.echo(
            f"{report.count('error')} file(s) could not be imported this time (see above): "
            "fix the cause (disk space? another process?) and run the same command again.",
            err=True,
        )
        raise typer.Exit(1)
    if strict and report.quarantined:
        raise typer.Exit(1)


def _full_ingest(
    s: Store, paths: list[Path], athlete: str, n_files: int, *, bar: bool
) -> IngestReport:
    from coachkit.app.ingest import ingest as run_ingest

    if not bar:
        return run_ingest(s, paths, athlete)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("Ingesting", total=n_files)
        return run_ingest(s, paths, athlete, progress=lambda _name: progress.advance(task))


def _print_report(report: IngestReport, root: Path, athlete: str) -> None:
    from rich.table import Table

    from coachkit.core.files import fs_text

    out = console()
    t = report.totals()
    table = Table(title=f"Ingest for {athlete} into {fs_text(root)}")
    for col in ("status", "files", "activities", "wellness days"):
        table.add_column(col)
    for status in ("new", "merged", "unchanged", "skipped", "quarantined", "error"):
        rows = [o for o in report.outcomes if o.status == status]
        table.add_row(
            status,
            str(len(rows)),
            str(sum(o.n_new + o.n_merged for o in rows)),
            str(sum(o.n_wellness for o in rows)),
        )
    out.print(table)
    problems = [o for o in report.outcomes if o.status in ("quarantined", "skipped", "error")]
    if problems:
        q = Table(title="Not imported, and why")
        q.add_column("file", overflow="fold")
        q.add_column("status")
        q.add_column("reason", overflow="fold")
        for o in problems:
            q.add_row(o.name, o.status, o.reason)
        out.print(q)
    out.print(
        f"{t['new_activities']} new activities, {t['merged_activities']} merged into existing ones, "
        f"{t['wellness_days']} wellness days, {t['quarantined']} quarantined."
    )


@app.command()
def athletes(store: Path | None = StoreOpt, fmt: str = FormatOpt) -> None:
    """List the athletes in the store."""
    import pandas as pd

    s = open_store(store)
    emit_frame(pd.DataFrame(s.athletes()), fmt, title="Athletes")


@app.command()
def activities(
    athlete: str | None = typer.Option(None, "--athlete", "-a", help="Only this athlete."),
    store: Path | None = StoreOpt,
    fmt: str = FormatOpt,
) -> None:
    """List activities: canonical columns in SI units, start_time in ISO-8601 UTC.

    ``load`` and ``load_method`` are computed with the athlete's current thresholds; a flagged
    activity gets no load, and ``excluded_reason`` (csv/json) says why ("excluded by you" for
    one excluded with ``coachkit activity ID --exclude``).
    """
    import pandas as pd

    from coachkit.app.athlete import listed_activities, load_athlete
    from coachkit.core.schemas import ACTIVITY_COLUMNS

    s = open_store_for(store, athlete)
    who = [athlete] if athlete else [a["athlete_id"] for a in s.athletes()]
    tables = [listed_activities(load_athlete(s, a)) for a in who]
    columns = [*ACTIVITY_COLUMNS, "load_note", "excluded_reason"]
    df = pd.concat(tables, ignore_index=True)[columns] if tables else s.activities()
    df = df.reindex(columns=columns)  # the same columns for an empty store
    if fmt == "table":
        df = df[
            [
                "athlete_id",
                "activity_id",
                "sport",
                "start_time",
                "distance_m",
                "moving_time_s",
                "avg_hr",
                "load",
                "load_method",
                "source_kind",
                "quality_flags",
            ]
        ]
    emit_frame(df, fmt, title="Activities")


@app.command()
def wellness(
    athlete: str | None = typer.Option(None, "--athlete", "-a", help="Only this athlete."),
    store: Path | None = StoreOpt,
    fmt: str = FormatOpt,
) -> None:
    """List wellness days: HRV (rMSSD), resting HR, sleep, stress, readiness."""
    emit_frame(open_store_for(store, athlete).wellness(athlete), fmt, title="Wellness")
