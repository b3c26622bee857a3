"""``coachkit dashboard``: serve ``notebooks/dashboard.ipynb`` with Voila (docs/design.md §8, §10).

It binds to 127.0.0.1 unless told otherwise; on any other address it requires a Jupyter
token (given with ``--token``/``$COACHKIT_DASHBOARD_TOKEN``, or generated) and passes it to
Voila through a 0600 token file, so it never shows up in the process list. Kernels are
pre-heated (``--preheat_kernel --pool_size``, :data:`POOL_SIZE`): each has run the notebook
before its viewer comes; ``make bench`` writes the times to docs/results/speed.md.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import typer

from coachkit.cli._common import app, need_packages, parse_day
from coachkit.cli._params import date_option

LOOPBACK = ("127.0.0.1", "localhost", "::1")
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "dashboard.ipynb"
#: holds voila/templates/coachkit (the lab template minus its CDN links), put on JUPYTER_PATH
TEMPLATES = Path(__file__).resolve().parents[1] / "viz" / "voila"
# the same cells as notebooks/dashboard.ipynb, for installs without the repository's notebooks
_CELLS = [
    ("markdown", "# coachkit dashboard"),
    ("code", "athlete = None\nstore = None\nday = None"),
    (
        "code",
        "from coachkit.viz.dashboard import app\n\napp(athlete=athlete, store=store, day=day);",
    ),
]


def notebook_path(workdir: Path) -> Path:
    """The dashboard notebook: the repository's, else a copy written into ``workdir``."""
    if NOTEBOOK.is_file():
        return NOTEBOOK
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src)
        for kind, src in _CELLS
    ]
    out = workdir / "dashboard.ipynb"
    nbformat.write(nb, out)
    return out


#: pre-heated kernels kept ready by default: three viewers opening the page at once each find
#: one (each kernel holds its own copy of the athlete's analysis)
POOL_SIZE = 3
#: seconds between a viewer taking a pre-heated kernel and Voila starting its replacement
REFILL_DELAY_S = 15


def voila_command(
    notebook: Path, *, host: str, port: int, pool_size: int, token: bool
) -> list[str]:
    """The Voila command line (tracebacks hidden: the page shows friendly messages), run
    through ``coachkit.viz.voila_server``: its logs never hold the token, and a malformed
    static path answers 404."""
    cmd = [
        sys.executable,
        "-m",
        "coachkit.viz.voila_server",
        str(notebook),
        f"--port={port}",
        f"--Voila.ip={host}",
        "--no-browser",
        "--show_tracebacks=False",
        "--theme=light",
        "--template=coachkit",
        # a viewer who closes the tab without the page saying goodbye: free the kernel
        "--MappingKernelManager.cull_idle_timeout=1800",
        "--MappingKernelManager.cull_interval=120",
    ]
    if pool_size > 0:
        cmd += [
            "--preheat_kernel=True",
            f"--pool_size={pool_size}",
            # a pre-heated kernel that replaces one a viewer took runs the whole notebook: on a
            # small machine it would compete with drawing that viewer's page (issue 18)
            f"--VoilaKernelManager.fill_delay={REFILL_DELAY_S}",
        ]
    if token:
        cmd.append("--token")  # the token itself comes from JUPYTER_TOKEN_FILE
    return cmd


def token_for(
    host: str, token: str | None, *, make: Callable[[], str] = lambda: secrets.token_urlsafe(24)
) -> tuple[str | None, bool]:
    """The token viewers must give, and whether it was generated here.

    Off loopback a token is required: the one given, else a new one. On loopback only a
    token the user asked for is used.

    >>> token_for("127.0.0.1", None)
    (None, False)
    >>> token_for("0.0.0.0", None, make=lambda: "t0k")
    ('t0k', True)
    """
    if token:
        return token, False
    if host not in LOOPBACK:
        return make(), True
    return None, False


def dashboard(
    port: int = typer.Option(8866, "--port", min=1, max=65535, help="Port to serve on."),
    athlete: str | None = typer.Option(
        None, "--athlete", "-a", help="Show only this athlete [default: a picker]."
    ),
    store: Path | None = typer.Option(
        None, "--store", help="Store directory [default: $COACHKIT_STORE or ./data/store]."
    ),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind; anything but loopback requires a token."
    ),
    day: str | None = date_option(
        "--date", help="The day the page treats as today [default: today]."
    ),
    token: str | None = typer.Option(
        None,
        "--token",
        envvar="COACHKIT_DASHBOARD_TOKEN",
        help="Jupyter token viewers must give (required off loopback; generated when missing).",
    ),
    pool_size: int = typer.Option(
        POOL_SIZE,
        "--pool-size",
        min=0,
        help="Pre-heated kernels kept ready (0: start one per visit).",
    ),
) -> None:
    """Serve the dashboard with Voila: today's workout, the week, trends, risk, feedback."""
    from coachkit.store import Store, StoreError, resolve_store_path

    need_packages(("voila", "ipywidgets", "nbformat"), "coachkit dashboard")
    root = resolve_store_path(store).resolve()
    try:
        s = Store(root, create=False)
        if athlete:
            s.require_athlete(athlete)
        if day:
            parse_day(day, "--date")  # only checked here: the page reads it again
    except StoreError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from None
    env = {**os.environ, "COACHKIT_STORE": str(root)}
    # Voila runs as `python -m coachkit.viz.voila_server`: the same coachkit as this command
    package_parent = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATES), env.get("JUPYTER_PATH")) if p)
    for key, value in (("COACHKIT_DASHBOARD_ATHLETE", athlete), ("COACHKIT_DASHBOARD_DATE", day)):
        env.pop(key, None)
        if value:
            env[key] = value
    exposed = host not in LOOPBACK
    with tempfile.TemporaryDirectory(prefix="coachkit-dashboard-") as tmp:
        work = Path(tmp)
        query = shown_query = ""
        token, generated = token_for(host, token)
        if token:
            token_file = work / "token"
            token_file.touch(mode=0o600)
            token_file.write_text(token)
            env["JUPYTER_TOKEN_FILE"] = str(token_file)
            env.pop("JUPYTER_TOKEN", None)
            query = f"?token={token}"
            # a token the user chose is not echoed (it would end up in logs); a new one must be
            shown_query = query if generated else "?token=<your token>"
        cmd = voila_command(
            notebook_path(work), host=host, port=port, pool_size=pool_size, token=bool(query)
        )
        shown = f"[{host}]" if ":" in host else host
        typer.echo(f"coachkit dashboard for {athlete or 'every athlete'} in {root}")
        typer.echo(f"Open http://{shown}:{port}/{shown_query}")
        if exposed:
            typer.echo("Serving beyond this machine: only people with the token above get in.")
        typer.echo("Stop with Ctrl-C.")
        proc = subprocess.Popen(cmd, env=env, cwd=str(work))
        # stopping this command stops Voila, which shuts its kernels down
        signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            code = proc.wait(timeout=30)
    raise typer.Exit(code)


# registered here rather than by decorator: the function is also called directly by tests
app.command("dashboard")(dashboard)
