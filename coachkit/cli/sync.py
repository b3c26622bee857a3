"""``coachkit strava auth`` and ``coachkit sync strava|garmin|all|status`` (docs/design.md §8).

Registers itself on :mod:`coachkit.cli`'s app when imported (cli.py imports it). Like the rest of the CLI, nothing heavy is imported at
module level, so ``coachkit --help`` loads neither pandas nor requests.

Exit codes of ``sync``: 0 when every source synced completely; 3 when a source paused (rate
limit) or was interrupted (network): run the same command later and it resumes; 1 when a
source failed (credentials, a refused login).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from coachkit.cli._common import app, fail, need_packages, open_store

strava_app = typer.Typer(help="Connect an athlete's Strava account.", no_args_is_help=True)
sync_app = typer.Typer(
    help="Fetch new activities and wellness from Strava and Garmin Connect (incremental).",
    no_args_is_help=True,
)
app.add_typer(sync_app, name="sync")
app.add_typer(strava_app, name="strava")

_STORE = typer.Option(
    None, "--store", help="Store directory [default: $COACHKIT_STORE or ./data/store]."
)
_ATHLETE = typer.Option(..., "--athlete", "-a", help="Athlete id (letters, digits, '.', '_', '-').")
STRAVA_PACKAGES = ("requests", "stravalib")
_JSON = typer.Option(False, "--json", help="Print the sync report as JSON.")
_MAX_WAIT = typer.Option(
    900.0,
    "--max-wait",
    min=0,
    help="Longest wait (s) for a Strava rate-limit reset; beyond it the sync stops and resumes "
    "next time.",
)


def _check(athlete: str) -> None:
    from coachkit.store import StoreError, check_athlete_id

    try:
        check_athlete_id(athlete)
    except StoreError as exc:
        fail(str(exc))


def _finish(reports: list[Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in reports], indent=1))
    else:
        for r in reports:
            typer.echo(r.summary())
    if not reports:
        typer.echo(
            "No source is connected: run `coachkit strava auth --athlete ID` or "
            "`coachkit sync garmin --athlete ID`.",
            err=True,
        )
        raise typer.Exit(1)
    if any(r.status == "failed" for r in reports):
        raise typer.Exit(1)
    if any(r.status != "ok" for r in reports):
        raise typer.Exit(3)


@strava_app.command("auth")
def strava_auth(
    athlete: str = _ATHLETE,
    port: int = typer.Option(
        0, "--port", min=0, max=65535, help="Local port for Strava's redirect (0: any)."
    ),
    no_browser: bool = typer.Option(
        False, "--no-browser", help="Only print the address; do not open a browser."
    ),
    timeout: float = typer.Option(
        300.0, "--timeout", min=1, help="Seconds to wait for the browser."
    ),
) -> None:
    """Connect Strava for an athlete (OAuth on 127.0.0.1); tokens are saved 0600 in your config dir."""
    from coachkit.app.sync.strava import authorize
    from coachkit.app.sync.strava_api import StravaError
    from coachkit.app.sync.tokens import CredentialsError, TokenStore

    _check(athlete)
    need_packages(STRAVA_PACKAGES, "Strava")
    try:
        token = authorize(
            athlete,
            port=port,
            timeout_s=timeout,
            open_browser=(lambda url: None) if no_browser else None,
            show=lambda text: typer.echo(text, err=True),
        )
    except (CredentialsError, StravaError) as exc:
        fail(str(exc), 1)
    typer.echo(
        f"Strava connected for {athlete} (scope {token.scope or 'read,activity:read_all'}); "
        f"tokens saved in {TokenStore().path(athlete)}. Next: coachkit sync strava --athlete {athlete}"
    )


@sync_app.command("strava")
def sync_strava_cmd(
    athlete: str = _ATHLETE,
    store: Path | None = _STORE,
    max_wait: float = _MAX_WAIT,
    as_json: bool = _JSON,
) -> None:
    """Fetch new Strava activities (summaries, then streams for runs) into the store."""
    from coachkit.app.sync.strava import sync_strava

    _check(athlete)
    need_packages(STRAVA_PACKAGES, "Strava sync")
    s = open_store(store, create=True)
    _finish([sync_strava(s, athlete, max_wait_s=max_wait)], as_json)


@sync_app.command("garmin")
def sync_garmin_cmd(
    athlete: str = _ATHLETE,
    store: Path | None = _STORE,
    days: int = typer.Option(
        30, "--days", min=1, help="How far back the first sync reaches (days)."
    ),
    as_json: bool = _JSON,
) -> None:
    """Fetch new Garmin Connect activities (original FIT) and wellness days into the store.

    Credentials: GARMIN_EMAIL / GARMIN_PASSWORD, else a prompt; only the session is kept (0600).
    """
    from coachkit.app.sync.garmin import GarminLoginError, GarminSession, sync_garmin

    _check(athlete)
    need_packages(("garminconnect",), "Garmin sync")
    s = open_store(store, create=True)
    try:
        client = GarminSession().login(athlete)
    except GarminLoginError as exc:
        fail(str(exc), 1)
    _finish([sync_garmin(s, athlete, client=client, days=days)], as_json)


@sync_app.command("all")
def sync_all_cmd(
    athlete: str = _ATHLETE,
    store: Path | None = _STORE,
    max_wait: float = _MAX_WAIT,
    as_json: bool = _JSON,
) -> None:
    """Run every source this athlete has connected (Garmin, then Strava)."""
    from coachkit.app.sync.all_sources import sync_all

    _check(athlete)
    s = open_store(store, create=True)
    _finish(sync_all(s, athlete, max_wait_s=max_wait), as_json)


@sync_app.command("status")
def sync_status_cmd(athlete: str = _ATHLETE, store: Path | None = _STORE) -> None:
    """When each source last synced completely, and how the last attempt went (JSON)."""
    from coachkit.app.sync.state import last_synced

    _check(athlete)
    typer.echo(json.dumps(last_synced(open_store(store), athlete), indent=1))
