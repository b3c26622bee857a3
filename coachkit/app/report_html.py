"""The HTML side of ``coachkit report``: one self-contained page per athlete, and an index."""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coachkit.app.report import AthleteReport

REPORT_HTML, REPORT_JSON, INDEX_HTML = "report.html", "report.json", "index.html"


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
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(merged, resources={"metadata": {"name": athlete_id}})
    body = _REMOTE_SCRIPT.sub("", body)
    from coachkit.core.files import atomic_write_bytes

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
    from coachkit.core.files import atomic_write_bytes

    atomic_write_bytes(out / INDEX_HTML, page.encode("utf-8"))
    return out / INDEX_HTML
