"""Getting data in and looking at it: ``init``, ``ingest``, ``athletes``, ``activities``, ``wellness``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from coachkit.cli._params import units_option

if TYPE_CHECKING:
    import pandas as pd

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
    units: str = units_option("km", help="km or mi for the table (csv/json keep SI units)."),
) -> None:
    """List activities: canonical columns in SI units, start_time in ISO-8601 UTC and
    start_time_local with the runner's offset (tz_name and tz_source say whose zone it is).
    The table shows distance in km or miles, time as h:mm:ss and pace as m:ss.

    ``load`` and ``load_method`` are computed with the athlete's current thresholds; a flagged
    activity gets no load, and ``excluded_reason`` (csv/json) says why ("excluded by you" for
    one excluded with ``coachkit activity ID --exclude``).
    """
    import pandas as pd

    from coachkit.app.athlete import listed_activities, load_athlete
    from coachkit.core.localtime import local_start_text
    from coachkit.core.schemas import ACTIVITY_COLUMNS

    s = open_store_for(store, athlete)
    who = [athlete] if athlete else [a["athlete_id"] for a in s.athletes()]
    tables = [listed_activities(load_athlete(s, a)) for a in who]
    columns = [*ACTIVITY_COLUMNS, "start_time_local", "date", "load_note", "excluded_reason"]
    df = pd.concat(tables, ignore_index=True) if tables else s.activities()
    df = df.reindex(columns=columns)  # the same columns for an empty store
    df["start_time_local"] = local_start_text(df) if len(df) else df["start_time_local"]
    if fmt == "table":
        notes = zone_changes(df)
        df = activities_table(df, units)
    emit_frame(df, fmt, title="Activities")
    if fmt == "table":
        for line in notes:
            typer.echo(line)


def activities_table(df: pd.DataFrame, units: str) -> pd.DataFrame:
    """The activities for reading: local start and zone, distance in ``units``, moving time
    ``h:mm:ss``, pace ``m:ss`` per km or mile, HR, load and where each came from."""
    import pandas as pd

    from coachkit.core.units import format_distance, format_hms, format_pace

    def moving(r: Any) -> float:
        return r.moving_time_s if pd.notna(r.moving_time_s) else r.elapsed_time_s

    rows = list(df.itertuples())
    return pd.DataFrame(
        {
            "athlete_id": df["athlete_id"],
            "activity_id": df["activity_id"],
            "sport": df["sport"],
            "start_time_local": df["start_time_local"],
            "tz_name": df["tz_name"],
            "distance": [
                format_distance(r.distance_m, units) if r.distance_m else "" for r in rows
            ],
            "time": [format_hms(moving(r)) if pd.notna(moving(r)) else "" for r in rows],
            "pace": [
                format_pace(moving(r) / r.distance_m * 1000.0, units)
                if r.distance_m and pd.notna(moving(r))
                else ""
                for r in rows
            ],
            "avg_hr": df["avg_hr"],
            "load": df["load"],
            "load_method": df["load_method"],
            "source_kind": df["source_kind"],
            "quality_flags": df["quality_flags"],
        },
        index=df.index,
    )


def zone_changes(acts: pd.DataFrame) -> list[str]:
    """One line per change of time zone between an athlete's consecutive activities (travel):
    "a1: zone changed from Europe/Berlin to America/Recife on 2021-03-18".

    Only zones the data gave count (tz_source file or gps), not filled ones. Two named zones
    differ by name; without names, offsets differ by more than the hour of a DST switch.
    """
    from coachkit.core.timezones import format_offset

    lines = []
    seen = acts[acts["tz_source"].isin(["file", "gps"])].sort_values("start_time", kind="stable")
    for athlete_id, rows in seen.groupby("athlete_id", sort=False):
        names = [n if isinstance(n, str) and n else None for n in rows["tz_name"].astype(object)]
        offsets = [int(o) for o in rows["utc_offset_s"]]
        days = rows["date"].dt.strftime("%Y-%m-%d").tolist()
        for i in range(1, len(rows)):
            (n0, n1), (o0, o1) = names[i - 1 : i + 1], offsets[i - 1 : i + 1]
            moved = n0 != n1 if n0 and n1 else abs(o1 - o0) > 3600
            if moved:
                was, now = n0 or "UTC" + format_offset(o0), n1 or "UTC" + format_offset(o1)
                lines.append(f"{athlete_id}: zone changed from {was} to {now} on {days[i]}")
    return lines


@app.command()
def wellness(
    athlete: str | None = typer.Option(None, "--athlete", "-a", help="Only this athlete."),
    store: Path | None = StoreOpt,
    fmt: str = FormatOpt,
) -> None:
    """List wellness days: HRV (rMSSD), resting HR, sleep, stress, readiness."""
    emit_frame(open_store_for(store, athlete).wellness(athlete), fmt, title="Wellness")
