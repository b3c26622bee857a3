"""Per-athlete reports: the ordered notebooks executed with papermill, one folder per athlete.

``coachkit report --athlete ID | --all`` runs every ``notebooks/0[1-4]_*.ipynb`` that exists, in
order, through its ``parameters`` cell, for each athlete, and writes::

    reports/<athlete>/01_ingest.ipynb ...   the executed notebooks (outputs kept)
    reports/<athlete>/report.html            all of them in one self-contained HTML page
    reports/<athlete>/report.json            status, timings, the failure reason if any
    reports/index.html                       one line per athlete, linking its report

A report run never changes what the store holds: each athlete's notebooks run on a snapshot of
the store (the catalog copied with SQLite's backup API, consistent even while others write;
that athlete's samples hard-linked), so a notebook that saves a plan or logs feedback writes
into the snapshot, which is deleted afterwards. It passes ``source=None`` (the notebooks then
use the store as it is instead of ingesting) and only the parameters a notebook declares.
Athletes run in parallel in a process pool; one athlete's failure is recorded with a short
reason and never stops the others. Each athlete's folder is written beside the old one and
swapped in at the end, so a reader never sees half a report.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from coachkit.app.report_html import REPORT_HTML, REPORT_JSON, write_html, write_index
from coachkit.store import check_athlete_id, utc_now_iso

#: the per-athlete notebooks, in the order they run (05 is the roster, not per athlete)
NOTEBOOK_GLOB = "0[1-4]_*.ipynb"

DEFAULT_TIMEOUT_S = 900


@dataclass
class AthleteReport:
    """What one athlete's report run produced.

    ``error`` is a one-line reason (the exception and the notebook it happened in) when
    ``ok`` is false; the executed notebook beside it holds the full traceback.
    """

    athlete_id: str
    ok: bool
    folder: str
    notebooks: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""
    failed_notebook: str = ""
    generated_at: str = ""
    as_of: str | None = None


def default_notebook_dir() -> Path:
    """``./notebooks`` when it holds ``01_*.ipynb``, else the checkout's ``notebooks/`` beside the
    package (an editable install)."""
    here = Path("notebooks")
    if any(here.glob("01_*.ipynb")):
        return here
    return Path(__file__).resolve().parents[2] / "notebooks"


def find_notebooks(folder: str | Path | None = None, only: Sequence[str] = ()) -> list[Path]:
    """The per-athlete notebooks of ``folder`` in order; ``only`` keeps those whose file name
    starts with one of its prefixes (``"01"``, ``"03_injury"``).

    Raises ``FileNotFoundError`` with a plain message when nothing matches.
    """
    root = Path(folder) if folder is not None else default_notebook_dir()
    found = sorted(root.glob(NOTEBOOK_GLOB))
    if only:
        found = [p for p in found if any(p.name.startswith(prefix) for prefix in only)]
    if not found:
        which = f" starting with {', '.join(only)}" if only else ""
        raise FileNotFoundError(
            f"no notebooks {NOTEBOOK_GLOB}{which} in {root.resolve()}: "
            "pass --notebooks DIR (the repository's notebooks/ folder)"
        )
    return found


def notebook_parameters(
    path: Path, athlete_id: str, store: Path, as_of: str | None = None
) -> dict[str, Any]:
    """The parameters to inject into one notebook: only those its parameters cell declares.

    ``source`` is always ``None`` (use the store as it is, never ingest), ``benchmarks`` is
    ``None`` (the population learning curve is the same for everyone and not part of a report),
    ``as_of``/``today`` are the report day when one is given, and ``map_tiles`` is ``False``:
    a report is one self-contained file that asks no server for anything (map tiles would tell
    openstreetmap.org where the runner runs, every time the report is opened).
    """
    declared = declared_parameters(path)
    wanted: dict[str, Any] = {
        "athlete": athlete_id,
        "store": str(store),
        "source": None,
        "benchmarks": None,
        "map_tiles": False,
    }
    if as_of is not None:
        wanted.update(as_of=as_of, today=as_of)
    return {k: v for k, v in wanted.items() if k in declared}


def declared_parameters(path: str | Path) -> set[str]:
    """Names assigned at the top level of a notebook's ``parameters`` cell (read with ``ast``:
    papermill's own line parser gives up on some comments)."""
    import ast

    import nbformat

    nb = nbformat.read(path, as_version=4)
    names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            for node in ast.parse(cell.source).body:
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else ([node.target] if isinstance(node, ast.AnnAssign) else [])
                )
                names.update(t.id for t in targets if isinstance(t, ast.Name))
            break
    return names


def _reason(exc: BaseException) -> str:
    """A one-line reason for a failed notebook run: the exception's name and first line."""
    name = getattr(exc, "ename", None) or type(exc).__name__
    value = str(getattr(exc, "evalue", None) or exc).strip()
    # papermill's message starts with a banner; keep the first line that says something
    lines = [ln for ln in value.splitlines() if ln.strip() and not set(ln.strip()) <= {"-"}]
    first = lines[0].strip() if lines else ""
    return f"{name}: {first}"[:300] if first else name


def snapshot_store(store: Path, athlete_id: str, dest: Path) -> Path:
    """A throw-away store at ``dest`` holding ``store``'s catalog and ``athlete_id``'s samples.

    The catalog is copied with :meth:`sqlite3.Connection.backup` (a consistent copy even while
    other processes write); sample files are hard-linked (copied across file systems).
    """
    import sqlite3

    dest.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{store / 'catalog.sqlite'}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(dest / "catalog.sqlite")
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    part = f"athlete_id={check_athlete_id(athlete_id)}"
    target = dest / "samples" / part
    target.mkdir(parents=True, exist_ok=True)
    for f in (store / "samples" / part).glob("*.parquet"):
        try:
            os.link(f, target / f.name)
        except OSError:
            shutil.copy2(f, target / f.name)
    return dest


def _athlete_folder(out: Path, athlete_id: str) -> Path:
    folder = (out / check_athlete_id(athlete_id)).resolve()
    if folder.parent != out.resolve():  # an id can never climb out of reports/
        raise ValueError(f"athlete id {athlete_id!r} does not name a folder inside {out}")
    return folder


def run_athlete_report(
    athlete_id: str,
    store: str | Path,
    out: str | Path,
    notebooks: Sequence[str | Path],
    *,
    as_of: str | None = None,
    timeout_s: int = DEFAULT_TIMEOUT_S,
    on_notebook: Callable[[str, str], None] | None = None,
) -> AthleteReport:
    """Execute ``notebooks`` for one athlete into ``out/<athlete>/`` (see the module docstring).

    Never raises for a notebook failure: the returned report says what went wrong.
    ``on_notebook(athlete_id, notebook_name)`` is called after each notebook, failed or not.
    """
    import papermill

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    folder = _athlete_folder(out, athlete_id)
    store = Path(store).resolve()
    work = Path(tempfile.mkdtemp(prefix=f".{athlete_id}.", suffix=".tmp", dir=out))
    report = AthleteReport(athlete_id, True, str(folder), generated_at=utc_now_iso(), as_of=as_of)
    t0 = time.perf_counter()
    executed: list[Path] = []
    scratch = Path(tempfile.mkdtemp(prefix=f"coachkit-report-{athlete_id}-"))
    try:
        snapshot = snapshot_store(store, athlete_id, scratch / "store")
        for nb in map(Path, notebooks):
            target = work / nb.name
            try:
                papermill.execute_notebook(
                    str(nb),
                    str(target),
                    parameters=notebook_parameters(nb, athlete_id, snapshot, as_of),
                    cwd=str(nb.parent),
                    kernel_name="python3",
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=timeout_s,
                )
            except Exception as exc:  # noqa: BLE001 - any failure is this athlete's, reported
                report.ok, report.error, report.failed_notebook = False, _reason(exc), nb.name
            if target.exists():
                executed.append(target)
                report.notebooks.append(nb.name)
            if on_notebook is not None:
                on_notebook(athlete_id, nb.name)
            if not report.ok:
                break
        report.seconds = round(time.perf_counter() - t0, 1)
        try:
            write_html(executed, work / REPORT_HTML, athlete_id, report)
        except Exception as exc:  # noqa: BLE001
            if report.ok:
                report.ok, report.error = False, f"HTML: {_reason(exc)}"
        _write_json(work / REPORT_JSON, asdict(report))
        _swap_in(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def _write_json(path: Path, document: dict) -> None:
    from coachkit.core.files import atomic_write_bytes

    atomic_write_bytes(path, (json.dumps(document, indent=1) + "\n").encode("utf-8"))


def _swap_in(work: Path, folder: Path) -> None:
    """Replace ``folder`` by ``work`` with two renames (the old one is removed afterwards)."""
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.replace(folder, old)
    os.replace(work, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _worker(args: tuple, queue: Any) -> AthleteReport:
    athlete_id, store, out, notebooks, as_of, timeout_s = args

    def tell(athlete: str, notebook: str) -> None:
        queue.put((athlete, notebook))

    try:
        return run_athlete_report(
            athlete_id, store, out, notebooks, as_of=as_of, timeout_s=timeout_s, on_notebook=tell
        )
    except Exception as exc:  # noqa: BLE001 - e.g. a full disk: still this athlete's failure
        return AthleteReport(athlete_id, False, str(Path(out) / athlete_id), error=_reason(exc))


def run_reports(
    athletes: Sequence[str],
    store: str | Path,
    out: str | Path,
    notebooks: Sequence[str | Path],
    *,
    jobs: int | None = None,
    as_of: str | None = None,
    timeout_s: int = DEFAULT_TIMEOUT_S,
    on_notebook: Callable[[str, str], None] | None = None,
    on_athlete: Callable[[AthleteReport], None] | None = None,
) -> list[AthleteReport]:
    """Run :func:`run_athlete_report` for every athlete, ``jobs`` at a time in a process pool
    (default: one per core), then write ``out/index.html``. Returns the reports in the order
    of ``athletes``; a failure of one never stops the others.

    ``on_notebook(athlete, notebook)`` and ``on_athlete(report)`` are called in this process
    as work completes (for a progress bar).
    """
    import multiprocessing as mp
    import queue as queue_mod
    from concurrent.futures import ProcessPoolExecutor, wait

    ids = [check_athlete_id(a) for a in athletes]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    nbs = [str(Path(p).resolve()) for p in notebooks]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(ids) or 1))
    args = [(a, str(Path(store).resolve()), str(out.resolve()), nbs, as_of, timeout_s) for a in ids]
    done: dict[str, AthleteReport] = {}
    # spawn: the workers start clean (no inherited threads or open SQLite handles)
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager, ProcessPoolExecutor(jobs, mp_context=ctx) as pool:
        events = manager.Queue()
        futures = {pool.submit(_worker, a, events): a[0] for a in args}
        pending = set(futures)

        def drain() -> None:
            while True:
                try:
                    athlete, notebook = events.get_nowait()
                except queue_mod.Empty:
                    return
                if on_notebook is not None:
                    on_notebook(athlete, notebook)

        while pending:
            finished, pending = wait(pending, timeout=0.2)
            drain()
            for fut in finished:
                athlete = futures[fut]
                try:
                    rep = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died (out of memory)
                    rep = AthleteReport(athlete, False, str(out / athlete), error=_reason(exc))
                done[athlete] = rep
                if on_athlete is not None:
                    on_athlete(rep)
        drain()
    reports = [done[a] for a in ids]
    write_index(out, reports)
    return reports
