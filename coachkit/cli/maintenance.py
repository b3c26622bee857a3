"""Looking after the store: ``rebuild`` (re-parse every original) and ``doctor``."""

from __future__ import annotations

from pathlib import Path

import typer

from coachkit.cli._common import (
    StoreOpt,
    app,
    open_store,
)


@app.command()
def rebuild(store: Path | None = StoreOpt) -> None:
    """Re-parse every raw original into a fresh catalog (keeps feedback and plans)."""
    from coachkit.app.rebuild import rebuild as run_rebuild

    s = open_store(store)
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
    from coachkit.app.doctor import run_checks

    ok = True
    for status, label, detail in run_checks(store):
        mark = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}[status]
        typer.echo(f"[{mark}] {label}: {detail}")
        ok &= status != "fail"
    raise typer.Exit(0 if ok else 1)
