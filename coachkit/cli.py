"""The ``coachkit`` command (typer + rich). DESIGN §8 and §9 name its commands and options.

Heavy libraries (pandas, pyarrow, readers) are imported inside the commands, never at module
level, so that ``coachkit --help`` starts in a fraction of a second.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import pandas as pd

    from coachkit.manifest import IngestReport
    from coachkit.store import Store

app = typer.Typer(
    name="coachkit",
    help="An open, explainable running coach. Ingest your runs, see your training, get a plan.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

StoreOpt = typer.Option(
    None, "--store", help="Store directory [default: $COACHKIT_STORE or ./data/store]."
)
AthleteOpt = typer.Option(
    ..., "--athlete", "-a", help="Athlete id (letters, digits, '.', '_', '-')."
)
FormatOpt = typer.Option("table", "--format", "-f", help="Output format: table, csv or json.")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _open_store(path: Path | None, *, create: bool = False) -> Store:
    import sqlite3

    from coachkit.store import Store, StoreError

    try:
        return Store(path, create=create)
    except StoreError as exc:
        _fail(str(exc))
    except sqlite3.DatabaseError as exc:
        _fail(f"the store's catalog cannot be opened ({exc}): run `coachkit doctor`")
    raise AssertionError("unreachable")


def _iso_utc(series: pd.Series) -> pd.Series:
    return series.dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _console() -> Any:
    """A rich console; piped or redirected, tables keep one row per line instead of wrapping
    every cell to 80 columns."""
    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=100_000)


def emit_frame(df: pd.DataFrame, fmt: str, *, title: str = "") -> None:
    """Print a frame as csv, json (records) or a rich table; datetimes as ISO-8601 UTC."""
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = _iso_utc(out[col].dt.tz_convert("UTC"))
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    fmt = fmt.lower()
    if fmt == "csv":
        out.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif fmt == "json":
        typer.echo(out.to_json(orient="records", indent=1, force_ascii=False))
    elif fmt == "table":
        from rich.table import Table

        table = Table(title=title or None, show_lines=False)
        for col in out.columns:
            table.add_column(str(col), overflow="fold")
        for row in out.itertuples(index=False):
            table.add_row(
                *[
                    "" if pd.isna(v) else (f"{v:.1f}" if isinstance(v, float) else str(v))
                    for v in row
                ]
            )
        _console().print(table)
    else:
        _fail(f"unknown format {fmt!r}: use table, csv or json")


@app.command()
def init(store: Path | None = StoreOpt) -> None:
    """Create an empty store (ingest creates one too)."""
    s = _open_store(store, create=True)
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
    from coachkit.manifest import unchanged_report
    from coachkit.store import StoreError, check_athlete_id

    try:
        check_athlete_id(athlete)
        files = list(iter_paths(paths))
    except (StoreError, FileNotFoundError) as exc:
        _fail(str(exc))
    s = _open_store(store, create=True)
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
    from coachkit.ingest import ingest as run_ingest

    if not bar:
        return run_ingest(s, paths, athlete)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("Ingesting", total=n_files)
        return run_ingest(s, paths, athlete, progress=lambda _name: progress.advance(task))


def _print_report(report: IngestReport, root: Path, athlete: str) -> None:
    from rich.table import Table

    console = _console()
    t = report.totals()
    table = Table(title=f"Ingest for {athlete} into {root}")
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
    console.print(table)
    problems = [o for o in report.outcomes if o.status in ("quarantined", "skipped", "error")]
    if problems:
        q = Table(title="Not imported, and why")
        q.add_column("file", overflow="fold")
        q.add_column("status")
        q.add_column("reason", overflow="fold")
        for o in problems:
            q.add_row(o.name, o.status, o.reason)
        console.print(q)
    console.print(
        f"{t['new_activities']} new activities, {t['merged_activities']} merged into existing ones, "
        f"{t['wellness_days']} wellness days, {t['quarantined']} quarantined."
    )


@app.command()
def athletes(store: Path | None = StoreOpt, fmt: str = FormatOpt) -> None:
    """List the athletes in the store."""
    import pandas as pd

    s = _open_store(store)
    emit_frame(pd.DataFrame(s.athletes()), fmt, title="Athletes")


@app.command()
def activities(
    athlete: str | None = typer.Option(None, "--athlete", "-a", help="Only this athlete."),
    store: Path | None = StoreOpt,
    fmt: str = FormatOpt,
) -> None:
    """List activities with the DESIGN §3 columns (start_time in ISO-8601 UTC).

    ``load`` and ``load_method`` are computed with the athlete's current thresholds; a flagged
    activity gets no load, and ``excluded_reason`` (csv/json) says why.
    """
    import pandas as pd

    from coachkit.analysis import activity_table, load_athlete
    from coachkit.schemas import ACTIVITY_COLUMNS

    s = _open_store_for(store, athlete)
    who = [athlete] if athlete else [a["athlete_id"] for a in s.athletes()]
    tables = [activity_table(load_athlete(s, a)) for a in who]
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
    emit_frame(_open_store_for(store, athlete).wellness(athlete), fmt, title="Wellness")


def _open_store_for(path: Path | None, athlete: str | None) -> Store:
    """Open an existing store; when an athlete is named, fail plainly if it is not in there."""
    from coachkit.store import StoreError

    s = _open_store(path)
    if athlete:
        try:
            s.require_athlete(athlete)
        except StoreError as exc:
            _fail(str(exc))
    return s


def _pick_athlete(s: Store, athlete: str | None) -> str:
    """The athlete named, or the only one in the store."""
    from coachkit.store import StoreError

    if athlete is None:
        known = [a["athlete_id"] for a in s.athletes()]
        if len(known) != 1:
            _fail(
                f"say which athlete with --athlete (the store holds: {', '.join(known) or 'none'})"
            )
        return known[0]
    try:
        return s.require_athlete(athlete)
    except StoreError as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


def _day(value: str | None, option: str) -> Any:
    import pandas as pd

    if value is None:
        return None
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError):
        _fail(f"{option} {value!r} is not a date: use YYYY-MM-DD")


# what the metrics table shows on a terminal, with short headers (csv/json have every column)
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
    athlete: str | None = typer.Option(
        None, "--athlete", "-a", help="Athlete id (optional when the store holds one)."
    ),
    store: Path | None = StoreOpt,
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    date_from: str | None = typer.Option(None, "--from", help="First day to show (YYYY-MM-DD)."),
    date_to: str | None = typer.Option(None, "--to", help="Last day to show (YYYY-MM-DD)."),
    as_of: str | None = typer.Option(
        None, "--date", help="Use only what was known on this day [default: all]."
    ),
    convention: str = typer.Option(
        "exp", "--convention", help="PMC smoothing: exp (1-e^-1/N), 1/N or 2/(N+1)."
    ),
) -> None:
    """Daily training metrics: load, fitness/fatigue/form (CTL/ATL/TSB), ACWR, monotony, HRV."""
    from coachkit.analysis import daily_metrics, load_athlete, thresholds

    s = _open_store(store)
    who = _pick_athlete(s, athlete)
    if convention not in ("exp", "1/N", "2/(N+1)"):
        _fail(f"unknown convention {convention!r}: use exp, 1/N or 2/(N+1)")
    data = load_athlete(s, who, as_of=_day(as_of, "--date"))
    daily = daily_metrics(
        data, start=_day(date_from, "--from"), end=_day(date_to, "--to"), convention=convention
    )
    if fmt == "table":
        view = (
            daily[[c for c in _METRICS_TABLE if c in daily]].tail(28).rename(columns=_METRICS_TABLE)
        )
        if "run km" in view:
            view["run km"] = view["run km"] / 1000
        emit_frame(view, fmt, title=f"Daily metrics, {who} (last 28 days; --format csv for all)")
        typer.echo(thresholds(data).describe())
    else:
        emit_frame(daily, fmt)


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
    """Refit the race and HR-response population parameters from the benchmark runners."""
    from coachkit.population.fit import main as fit_main

    extra = ["--scheduler", scheduler] if scheduler else []
    raise typer.Exit(fit_main(["--benchmarks", str(benchmarks), *extra]))


risk_app = typer.Typer(
    help="Injury and overtraining risk, with its factors and what the coach changes."
)
app.add_typer(risk_app, name="risk")


@risk_app.callback(invoke_without_command=True)
def risk(
    ctx: typer.Context,
    athlete: str | None = typer.Option(
        None, "--athlete", "-a", help="Athlete id (optional when the store holds one)."
    ),
    store: Path | None = StoreOpt,
    as_of: str | None = typer.Option(
        None, "--date", help="Assess this day [default: the last day with data]."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the assessment as JSON."),
) -> None:
    """Today's overuse-injury and overtraining risk: score, factors, and what changes."""
    if ctx.invoked_subcommand is not None:
        return
    from coachkit.plans import current_risk

    s = _open_store(store)
    who = _pick_athlete(s, athlete)
    assessment = current_risk(s, who, _day(as_of, "--date"))
    if as_json:
        typer.echo(json.dumps(assessment.to_dict(), indent=1, default=str))
        return
    typer.echo(f"{who}, {assessment.date:%Y-%m-%d}: {assessment.explanation}")
    groups = (
        ("overuse injury", assessment.factors),
        ("overtraining", assessment.overtraining.factors),
    )
    for title, factors in groups:
        for factor in factors:
            typer.echo(f"  {title}: {factor.text} (x{factor.relative_risk:.2f}; {factor.source})")
    for change in assessment.changes:
        typer.echo(f"The coach will {change}.")


@risk_app.command("train-lovdal")
def risk_train_lovdal(
    path: Path = typer.Argument(
        ..., help="day_approach_maskedID_timeseries.csv (Lövdal et al. 2021)."
    ),
    folds: int = typer.Option(5, "--folds", help="Grouped (by athlete) cross-validation folds."),
) -> None:
    """Train the learned injury layer on the Lövdal 2021 day-approach data; print grouped-CV AUCs."""
    from coachkit.io.lovdal import train_lovdal

    if not path.is_file():
        _fail(f"no such file: {path} (get it from DataverseNL doi:10.34894/UWU9PV)")
    typer.echo(json.dumps(train_lovdal(path, n_splits=folds), indent=1, default=str))


plan_app = typer.Typer(help="Training plans: create, show, export.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
UnitsOpt = typer.Option("km", "--units", help="km or mi (paces per km or per mile).")


@plan_app.command("create")
def plan_create(
    race_distance_m: float | None = typer.Option(
        None, "--race-distance-m", help="Goal race distance in metres."
    ),
    race_date: str | None = typer.Option(None, "--race-date", help="Goal race date (YYYY-MM-DD)."),
    weekly_km: float | None = typer.Option(
        None, "--weekly-km", help="Or a volume goal: km per week ..."
    ),
    end_date: str | None = typer.Option(
        None, "--end-date", help="... reached by this date (YYYY-MM-DD)."
    ),
    target_time: str | None = typer.Option(
        None, "--target-time", help="Optional goal time, H:MM:SS."
    ),
    days_per_week: int = typer.Option(
        5, "--days-per-week", min=1, max=7, help="Running days per week."
    ),
    long_run_day: str = typer.Option("sun", "--long-run-day", help="mon..sun"),
    unavailable: list[str] = typer.Option(
        [], "--unavailable", help="A weekday you cannot run (repeatable)."
    ),
    athlete: str | None = typer.Option(
        None, "--athlete", "-a", help="Athlete id (optional when the store holds one)."
    ),
    store: Path | None = StoreOpt,
    start: str | None = typer.Option(
        None, "--date", help="First day of the plan [default: today]."
    ),
    units: str = UnitsOpt,
) -> None:
    """Build a periodised plan from your current fitness and save it as your active plan."""
    import pandas as pd

    from coachkit.coach.plan import Goal
    from coachkit.plans import create_plan

    s = _open_store(store)
    who = _pick_athlete(s, athlete)
    target_s = None
    if target_time:
        try:
            h, m, sec = (int(x) for x in target_time.split(":"))
            target_s = float(h * 3600 + m * 60 + sec)
        except ValueError:
            _fail(f"--target-time {target_time!r}: use H:MM:SS")
    try:
        race_day, end_day = _day(race_date, "--race-date"), _day(end_date, "--end-date")
        goal = Goal(
            race_distance_m=race_distance_m,
            race_date=race_day.date() if race_day is not None else None,
            target_time_s=target_s,
            weekly_km_target=weekly_km,
            end_date=end_day.date() if end_day is not None else None,
        )
        day = _day(start, "--date") or pd.Timestamp.now().normalize()
        plan = create_plan(
            s,
            who,
            goal,
            start=day,
            days_per_week=days_per_week,
            long_run_day=long_run_day,
            unavailable_days=tuple(unavailable),
            units=units,
        )
    except ValueError as exc:
        _fail(str(exc))
    weeks = plan.weeks
    typer.echo(
        f"Plan {plan.plan_id} for {who}: {len(weeks)} weeks from {weeks['start'].min():%Y-%m-%d}, "
        f"{', '.join(p.name for p in plan.phases)}; weekly volume "
        f"{weeks['volume_km'].min():.0f}-{weeks['volume_km'].max():.0f} km."
    )
    for note in plan.notes:
        typer.echo(f"  note: {note}")


@plan_app.command("show")
def plan_show(
    athlete: str | None = typer.Option(
        None, "--athlete", "-a", help="Athlete id (optional when the store holds one)."
    ),
    store: Path | None = StoreOpt,
    fmt: str = FormatOpt,
) -> None:
    """The current plan, one row per day (the latest version of each day)."""
    from coachkit.plans import plan_frame

    s = _open_store(store)
    frame = _plan_or_fail(lambda: plan_frame(s, _pick_athlete(s, athlete)))
    if fmt == "table":
        frame = frame[
            [
                "date",
                "kind",
                "distance_m",
                "pace_low_s_per_km",
                "pace_high_s_per_km",
                "status",
                "purpose",
            ]
        ]
    emit_frame(frame, fmt, title="Plan")


@plan_app.command("export")
def plan_export(
    out: Path = typer.Option(..., "--out", "-o", help="File (ics, csv, json) or folder (fit)."),
    fmt: str = typer.Option(
        "ics", "--format", "-f", help="ics, csv, json or fit (one workout file per day)."
    ),
    athlete: str | None = typer.Option(
        None, "--athlete", "-a", help="Athlete id (optional when the store holds one)."
    ),
    store: Path | None = StoreOpt,
) -> None:
    """Export the current plan: calendar (.ics), CSV, JSON, or FIT workouts for a watch."""
    from coachkit.coach import export
    from coachkit.plans import stored_plan
    from coachkit.store import atomic_write_bytes

    s = _open_store(store)
    plan = _plan_or_fail(lambda: stored_plan(s, _pick_athlete(s, athlete)))
    if fmt == "fit":
        out.mkdir(parents=True, exist_ok=True)
        files = export.to_fit_workouts(plan)
        for day, data in files.items():
            atomic_write_bytes(out / f"{day:%Y-%m-%d}.fit", data)
        typer.echo(f"Wrote {len(files)} FIT workout files to {out}.")
        return
    writers = {"ics": export.to_ics, "csv": export.to_csv, "json": export.to_json}
    if fmt not in writers:
        _fail(f"unknown format {fmt!r}: use ics, csv, json or fit")
    data = writers[fmt](plan)
    atomic_write_bytes(out, data if isinstance(data, bytes) else data.encode("utf-8"))
    typer.echo(f"Wrote {out}.")


def _plan_or_fail(read: Any) -> Any:
    from coachkit.store import StoreError

    try:
        return read()
    except StoreError as exc:
        _fail(str(exc))


@app.command()
def today(
    athlete: str | None = typer.Option(
        None, "--athlete", "-a", help="Athlete id (optional when the store holds one)."
    ),
    store: Path | None = StoreOpt,
    day: str | None = typer.Option(None, "--date", help="The day [default: today]."),
    units: str | None = typer.Option(None, "--units", help="km or mi [default: the plan's]."),
    as_json: bool = typer.Option(False, "--json", help="Print the prescription as JSON."),
) -> None:
    """What to run today: distance or duration, pace and HR targets, and why."""
    import pandas as pd

    from coachkit.plans import todays_prescription

    s = _open_store(store)
    who = _pick_athlete(s, athlete)
    when = _day(day, "--date") or pd.Timestamp.now().normalize()
    p = _plan_or_fail(lambda: todays_prescription(s, who, when, units=units))
    if as_json:
        typer.echo(json.dumps(p, indent=1, default=str))
        return
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
    niggle: str | None = typer.Option(
        None, "--niggle", help="Where and how bad, e.g. calf:3 (0-10)."
    ),
    illness: bool = typer.Option(False, "--ill", help="You are ill today."),
    missed: str | None = typer.Option(
        None, "--missed", help="You missed today's session, and why."
    ),
    note: str | None = typer.Option(None, "--note", help="Anything else."),
    athlete: str | None = typer.Option(
        None, "--athlete", "-a", help="Athlete id (optional when the store holds one)."
    ),
    store: Path | None = StoreOpt,
    day: str | None = typer.Option(None, "--date", help="The day this is about [default: today]."),
    as_json: bool = typer.Option(
        False, "--json", help="Print what was logged and changed as JSON."
    ),
) -> None:
    """Log how a day went (RPE, feel, niggles, illness, a missed session); the plan re-adapts."""
    import pandas as pd

    from coachkit.feedback import log_feedback

    s = _open_store(store)
    who = _pick_athlete(s, athlete)
    when = _day(day, "--date") or pd.Timestamp.now().normalize()
    site, severity = None, None
    if niggle:
        site, _, sev = niggle.partition(":")
        try:
            severity = float(sev) if sev else 3.0
        except ValueError:
            _fail(f"--niggle {niggle!r}: use SITE:SEVERITY, e.g. calf:3")
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
        )
    except ValueError as exc:
        _fail(str(exc))
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
    typer.echo(f"Logged for {who} on {when:%Y-%m-%d}.")
    for a in changes:
        typer.echo(f"  {a.explanation}")
    if not changes:
        typer.echo("  The plan stays as it is.")


@app.command()
def rebuild(store: Path | None = StoreOpt) -> None:
    """Re-parse every raw original into a fresh catalog (keeps feedback and plans)."""
    from coachkit.rebuild import rebuild as run_rebuild

    s = _open_store(store)
    report = run_rebuild(s)
    t = report.totals()
    typer.echo(
        f"Rebuilt {t['files']} sources: {t['new_activities']} activities, "
        f"{t['merged_activities']} merged, {t['wellness_days']} wellness days, "
        f"{t['quarantined']} quarantined."
    )


@app.command()
def doctor(store: Path | None = StoreOpt) -> None:
    """Check the environment and the store, and say what to fix."""
    from coachkit.doctor import run_checks

    ok = True
    for status, label, detail in run_checks(store):
        mark = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}[status]
        typer.echo(f"[{mark}] {label}: {detail}")
        ok &= status != "fail"
    raise typer.Exit(0 if ok else 1)


# commands that live in their own modules register themselves on `app` when imported
from coachkit import cli_replay, cli_report, cli_settings, cli_sync  # noqa: E402, F401
from coachkit.cli_dashboard import dashboard as _dashboard  # noqa: E402 (stdlib + typer only)

app.command("dashboard")(_dashboard)


def main() -> None:
    """Entry point of the ``coachkit`` console script."""
    app()


if __name__ == "__main__":
    # `python -m coachkit.cli`: run the app of the imported module, on which the commands of
    # the other cli_* modules registered themselves
    from coachkit.cli import main as _main

    _main()
