"""The daily commands load only what they need (issue 18): `coachkit today`, `plan show`, `risk`
and `log` import neither scikit-learn nor SciPy, statsmodels or Plotly, and `today`, `plan show`
and `--help` not even pandas or NumPy. Each command runs in a fresh interpreter on a small store, then
``sys.modules`` is read.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import watch_plan_store

HEAVY = ("sklearn", "scipy", "statsmodels", "plotly")
FRAMES = ("pandas", "numpy", "pyarrow")
DAY = "2020-12-16"  # the plan's first days: the sample's watch runs end on 2020-12-13


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """Two weeks of the sample's watch runs and a 10 km plan from the Monday after."""
    return watch_plan_store(tmp_path_factory, "light")


def _modules_after(args: list[str]) -> set[str]:
    """Top-level packages imported by ``coachkit ARGS`` in a fresh interpreter."""
    code = (
        "import json, sys; from typer.testing import CliRunner; from coachkit.cli import app; "
        f"r = CliRunner().invoke(app, {args!r}); "
        "assert r.exit_code == 0, (r.output, r.exception); "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_help_imports_nothing_heavy():
    loaded = _modules_after(["--help"])
    assert not loaded & {*HEAVY, *FRAMES}, loaded & {*HEAVY, *FRAMES}


@pytest.mark.parametrize(
    "command",
    [
        ["today", "--date", DAY],
        ["today", "--date", DAY, "--json"],
        ["today", "--date", "2020-12-28", "--json"],  # silent since the plan began: a check-in
        ["plan", "show", "--format", "csv"],
        ["plan", "show"],
        ["plan", "show", "--format", "json", "--units", "mi"],
        ["risk"],
        ["log", "--date", DAY, "--rpe", "7", "--feel", "2"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_daily_commands_import_no_model_library(store, tmp_path, command):
    root = store
    if command[0] == "log":  # log writes: on a copy
        root = tmp_path / "store"
        shutil.copytree(store, root)
    loaded = _modules_after([*command, "--store", str(root)])
    light = command[0] == "today" or command[:2] == ["plan", "show"]
    banned = {*HEAVY, *FRAMES} if light else set(HEAVY)
    assert not loaded & banned, f"coachkit {' '.join(command)} imported {loaded & banned}"
