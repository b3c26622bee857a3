"""Notebook 03 (injury and overtraining risk) on each real athlete history, with papermill.

Issue 6 asks the notebook to show the real histories of ``shared/data/real/athlete_history``:
an intervals.icu CSV of 740 runs, an Elevate JSON of 410 activities (mostly rides), and the
Recife runner's GPX/TCX folder. Each runs top to bottom through the parameters cell, and its
"every elevated day" cell reports a timeline with no gaps and no elevated day without factors.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import REPO, real_file

NOTEBOOK = REPO / "notebooks" / "03_injury_risk.ipynb"
HISTORIES = {
    "intervals-icu": "athlete_history/intervals_icu_runner",
    "elevate": "athlete_history/elevate_multisport_athlete",
    "recife": "athlete_history/runpandas_recife_runner",
}
SUMMARY = re.compile(
    r"(?P<athlete>\S+): (?P<days>\d+) days from (?P<first>[\d-]+) to (?P<last>[\d-]+), "
    r"(?P<elevated>\d+) elevated \((?P<injury>\d+) injury, (?P<tired>\d+) overtraining\), "
    r"(?P<unexplained>\d+) without factors"
)


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")


@pytest.mark.parametrize("name", list(HISTORIES))
def test_risk_notebook_runs_on_a_real_history(name: str, tmp_path: Path):
    papermill = pytest.importorskip("papermill")
    import nbformat

    source = real_file(HISTORIES[name])
    out = tmp_path / NOTEBOOK.name
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), cwd=str(NOTEBOOK.parent), kernel_name="python3",
        progress_bar=False,
        parameters={"athlete": name, "store": str(tmp_path / "store"), "source": str(source)},
    )  # fmt: skip
    nb = nbformat.read(out, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors[0]
    # the assessment of the last day opens with its date and numbers
    first = next(c for c in code if "print(assessment.explanation)" in c.source)
    assert _stdout(first).startswith("On ")

    cell = next(c for c in code if "elevated-days" in c.metadata.get("tags", []))
    found = SUMMARY.search(_stdout(cell))
    assert found, _stdout(cell)
    days = int(found["days"])
    span = (pd.Timestamp(found["last"]) - pd.Timestamp(found["first"])).days + 1
    assert found["athlete"] == name and days == span > 100  # one row a day, no gaps
    assert int(found["unexplained"]) == 0  # every elevated day lists its factors
    assert int(found["elevated"]) >= max(int(found["injury"]), int(found["tired"]))
    if name != "elevate":  # runners: some days are elevated, and the table shows them
        assert int(found["elevated"]) > 0
        table = next(o for o in cell.outputs if o.output_type == "execute_result")
        assert "top_factor_text" in table["data"]["text/plain"]
    figure = next(c for c in code if "risk_timeline_figure(timeline)" in c.source)
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in figure.outputs)
