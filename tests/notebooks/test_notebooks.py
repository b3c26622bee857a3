"""Every notebook runs top to bottom with papermill, through its parameters cell."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert any(p.name.startswith("01_") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_for_the_python3_kernel(path: Path):
    """`make nbcheck` (nbstripout --verify) checks outputs; the kernel is checked here."""
    import json

    assert json.loads(path.read_text())["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_on_the_demo_athlete(path: Path, tmp_path: Path):
    papermill = pytest.importorskip("papermill")
    out = tmp_path / path.name
    papermill.execute_notebook(
        str(path),
        str(out),
        cwd=str(path.parent),
        kernel_name="python3",
        progress_bar=False,
        parameters={"athlete": "demo", "store": str(tmp_path / "store"), "source": str(SAMPLE)},
    )
    import nbformat

    nb = nbformat.read(out, as_version=4)
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert not errors


def test_roster_notebook_has_one_full_row_per_athlete(coach_store, tmp_path: Path):
    """05 over the demo + three real athletes: one row each, no empty required cell."""
    papermill = pytest.importorskip("papermill")
    import shutil

    import pandas as pd

    from coachkit.app.roster import REQUIRED
    from tests.conftest import COACH_ATHLETES

    store = tmp_path / "store"
    shutil.copytree(coach_store, store)
    csv = tmp_path / "roster.csv"
    path = REPO / "notebooks" / "05_coach_roster.ipynb"
    papermill.execute_notebook(
        str(path),
        str(tmp_path / path.name),
        cwd=str(path.parent),
        kernel_name="python3",
        progress_bar=False,
        parameters={"store": str(store), "export_csv": str(csv)},
    )
    roster = pd.read_csv(csv, keep_default_na=False)
    assert sorted(roster["athlete"]) == sorted(COACH_ATHLETES)
    empty = [
        (r["athlete"], c) for _, r in roster.iterrows() for c in REQUIRED if str(r[c]).strip() == ""
    ]
    assert not empty
    assert not roster["compliance_7d"].str.startswith("could not compute").any()
    assert (roster["prescription"] == "no plan").all()  # nobody has a plan in this store
    import nbformat

    nb = nbformat.read(tmp_path / path.name, as_version=4)
    html = "".join(
        o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])
    )
    assert all(f'data-athlete="{a}"' in html for a in COACH_ATHLETES)
