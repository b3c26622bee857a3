"""Every notebook runs top to bottom with papermill, through its parameters cell."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert any(p.name.startswith("01_") for p in NOTEBOOKS)


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
