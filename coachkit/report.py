"""Per-athlete reports: the ordered notebooks executed with papermill, one folder per athlete.

``coachkit report --athlete ID | --all`` runs every ``notebooks/0[1-4]_*.ipynb`` that exists, in
order, through its ``parameters`` cell, for each athlete, and writes::

    reports/<athlete>/01_ingest.ipynb ...   the executed notebooks (outputs kept)
    reports/<athlete>/report.html            all of them in one self-contained HTML page
    reports/<athlete>/report.json            status, timings, the failure reason if any
    reports/index.html                       one line per athlete, linking its report

A report run never changes what the store holds: it passes ``source=None`` (the notebooks then
use the store as it is instead of ingesting) and only the parameters a notebook declares.
Athletes run in parallel in a process pool; one athlete's failure is recorded with a short
reason and never stops the others. Each athlete's folder is written beside the old one and
swapped in at the end, so a reader never sees half a report.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from coachkit.store import check_athlete_id, utc_now_iso

#: the per-athlete notebooks, in the order they run (05 is the roster, not per athlete)
NOTEBOOK_GLOB = "0[1-4]_*.ipynb"
REPORT_HTML, REPORT_JSON, INDEX_HTML = "report.html", "report.json", "index.html"
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
    return Path(__file__).resolve().parents[1] / "notebooks"


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
    ``as_of``/``today`` are the report day when one is given.
    """
    declared = declared_parameters(path)
    wanted: dict[str, Any] = {
        "athlete": athlete_id,
        "store": str(store),
        "source": None,
        "benchmarks": None,
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
                targets = node.targets if isinstance(node, ast.Assign) else (
                    [node.target] if isinstance(node, ast.AnnAssign) else [])  # fmt: skip
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
    try:
        for nb in map(Path, notebooks):
            target = work / nb.name
            try:
                papermill.execute_notebook(
                    str(nb),
                    str(target),
                    parameters=notebook_parameters(nb, athlete_id, store, as_of),
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
    return report


def _write_json(path: Path, document: dict) -> None:
    from coachkit.store import atomic_write_bytes

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


# --------------------------------------------------------------------------- HTML
_REMOTE_SCRIPT = re.compile(r"<script[^>]*\ssrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I)
_PLOTLY = "application/vnd.plotly.v1+json"


def _offline_figures(nb: Any, state: dict[str, bool]) -> None:
    """Turn each plotly figure output into HTML that draws it offline; the first one carries
    plotly.js inline (``state["plotlyjs"]`` remembers that it was written)."""
    import plotly.io as pio

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if _PLOTLY not in data:
                continue
            fig = pio.from_json(json.dumps(data[_PLOTLY]), skip_invalid=True)
            first = not state.get("plotlyjs")
            data["text/html"] = pio.to_html(
                fig, include_plotlyjs=first, full_html=False, config={"responsive": True}
            )
            state["plotlyjs"] = True
            del data[_PLOTLY]
            data.pop("text/plain", None)


def write_html(
    executed: Iterable[Path], dest: Path, athlete_id: str, report: AthleteReport | None = None
) -> None:
    """One self-contained HTML page of the executed notebooks, in order, without code cells.

    Figures are drawn by plotly.js embedded once in the page; scripts the notebook template
    would load from a CDN (require.js, MathJax) are left out, so the page renders offline.
    """
    import nbformat
    from nbconvert import HTMLExporter

    merged = nbformat.v4.new_notebook()
    merged.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    banner = f"# Report for {athlete_id}"
    if report is not None:
        banner += f"\n\nGenerated {report.generated_at} by `coachkit report`"
        banner += f" (as of {report.as_of})." if report.as_of else "."
        if not report.ok:
            banner += (
                f"\n\n**This report is incomplete**: {report.failed_notebook} failed with "
                f"`{report.error}`. The executed notebook beside this page has the traceback."
            )
    merged.cells.append(nbformat.v4.new_markdown_cell(banner))
    state: dict[str, bool] = {}
    for path in executed:
        nb = nbformat.read(path, as_version=4)
        _offline_figures(nb, state)
        merged.cells.extend(
            c for c in nb.cells if "injected-parameters" not in c.metadata.get("tags", [])
        )
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)  # fmt: skip
    body, _ = exporter.from_notebook_node(merged, resources={"metadata": {"name": athlete_id}})
    body = _REMOTE_SCRIPT.sub("", body)
    from coachkit.store import atomic_write_bytes

    atomic_write_bytes(dest, body.encode("utf-8"))


def write_index(out: str | Path, reports: Sequence[AthleteReport]) -> Path:
    """``out/index.html``: every athlete folder under ``out`` with its status and a link."""
    out = Path(out)
    known = {r.athlete_id: asdict(r) for r in reports}
    for meta in sorted(out.glob(f"*/{REPORT_JSON}")):
        with contextlib.suppress(OSError, ValueError):
            known.setdefault(meta.parent.name, json.loads(meta.read_text("utf-8")))
    rows = []
    for athlete, r in sorted(known.items()):
        status = "ok" if r.get("ok") else f"failed: {r.get('error', '')}"
        rows.append(
            f'<tr><td><a href="{html.escape(athlete)}/{REPORT_HTML}">{html.escape(athlete)}</a>'
            f"</td><td>{html.escape(status)}</td><td>{html.escape(str(r.get('generated_at')))}"
            "</td></tr>"
        )
    page = (
        "<!doctype html><meta charset='utf-8'><title>coachkit reports</title>"
        "<h1>coachkit reports</h1><table><tr><th>athlete</th><th>status</th><th>generated</th>"
        f"</tr>{''.join(rows)}</table>\n"
    )
    from coachkit.store import atomic_write_bytes

    atomic_write_bytes(out / INDEX_HTML, page.encode("utf-8"))
    return out / INDEX_HTML


def _worker(args: tuple, queue: Any) -> AthleteReport:
    athlete_id, store, out, notebooks, as_of, timeout_s = args

    def tell(athlete: str, notebook: str) -> None:
        queue.put((athlete, notebook))

    try:
        return run_athlete_report(athlete_id, store, out, notebooks, as_of=as_of,
                                  timeout_s=timeout_s, on_notebook=tell)  # fmt: skip
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
