"""The thin environment.yml must not drift from pyproject.toml, the single source of dependencies."""

from __future__ import annotations

import subprocess
import sys

import tomllib
import yaml

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
