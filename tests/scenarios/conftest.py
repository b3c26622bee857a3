"""The scenario suite's store: the demo athlete ingested once through the CLI, copied per runner."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from coachkit.cli import app
from coachkit.core.sports import RUN_SPORTS
from tests.conftest import SAMPLE
from tests.scenarios.harness import Runner


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> tuple[Path, pd.Series]:
    """A store with data/sample ingested as ``demo`` and the athlete's runs (date -> metres)."""
    store = tmp_path_factory.mktemp("scenario-template") / "store"
    cli = CliRunner()
    res = cli.invoke(app, ["ingest", str(SAMPLE), "--athlete", "demo", "--store", str(store)])
    assert res.exit_code == 0, res.output
    res = cli.invoke(app, ["activities", "--format", "csv", "--store", str(store)])
    acts = pd.read_csv(io.StringIO(res.stdout))
    runs = acts[acts["sport"].isin(RUN_SPORTS)]
    when = pd.to_datetime(runs["start_time"]).dt.tz_convert(None).dt.normalize()
    return store, pd.Series(runs["distance_m"].to_numpy(float), index=pd.DatetimeIndex(when))


@pytest.fixture()
def runner(request, tmp_path, demo_template) -> Runner:
    store, history = demo_template
    return Runner(tmp_path, store, request.node.name.removeprefix("test_"), history)
