"""The thin environment.yml must not drift from pyproject.toml, the single source of dependencies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10, the declared floor: the dev extra installs tomli
    import tomli as tomllib

from tests.conftest import REPO


def test_environment_yml_only_installs_the_project_with_all_extras():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = [d for d in deps if isinstance(d, dict)]
    assert sorted(c.split(">")[0].split("=")[0] for c in conda) == ["pip", "python"], conda
    assert pip == [{"pip": ["-e .[all]"]}]


def test_python_floor_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.removeprefix("python") == project["requires-python"]


def test_all_extra_covers_every_other_extra():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    listed = extras["all"][0].split("[", 1)[1].rstrip("]").split(",")
    assert sorted(listed) == sorted(k for k in extras if k != "all")


def test_design_card_dependencies_are_declared():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = " ".join(
        project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    )
    for name in (
        "jupyterlab",
        "pandas",
        "polars",
        "plotly",
        "statsmodels",
        "scikit-learn",
        "ipywidgets",
        "voila",
        "stravalib",
    ):
        assert name in declared, name


def test_help_does_not_import_pandas():
    code = (
        "import sys; from typer.testing import CliRunner; from coachkit.cli import app; "
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
        "assert 'pandas' not in sys.modules, 'coachkit --help imported pandas'; "
        "assert 'numpy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _make_unit(folder) -> subprocess.CompletedProcess:
    # -o: never (re)install the venv from here; PY: the interpreter running these tests.
    # Only pytest-timeout is loaded (the recipe passes --timeout): a second instead of five.
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    args = f"PYTEST_ARGS=-p pytest_timeout {folder}"
    return subprocess.run(
        ["make", "-s", "-o", ".venv/.installed", "unit", f"PY={sys.executable}", args],
        cwd=REPO, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_make_unit_fails_plainly_when_pytest_collects_nothing(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = _make_unit(empty)
    assert proc.returncode != 0
    assert "pytest collected no tests" in proc.stderr
    one = tmp_path / "one"
    one.mkdir()
    (one / "test_one.py").write_text("def test_ok():\n    pass\n")
    proc = _make_unit(one)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    (one / "test_one.py").write_text("def test_bad():\n    assert False\n")
    proc = _make_unit(one)
    assert proc.returncode != 0 and "pytest collected no tests" not in proc.stderr


def test_ci_script_runs_make_test_and_leaves_exit_codes_to_it():
    script = (REPO / ".ci" / "run").read_text()
    assert "exec make test" in script
    assert '"$status" -eq 5' not in script  # make never returns pytest's 5: that branch was dead
