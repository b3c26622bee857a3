"""`--units mi` on every listing: no km in what is printed (issue 17: one unit system per
sentence), on the demo athlete with a plan, through the real CLI. The runner's own activity
names are theirs and are left out of the check ("12km livre" is a name, not a unit)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from coachkit.cli import app
from coachkit.store import Store
from tests.dashboard_support import DEMO_DAY, demo_plan_store

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return demo_plan_store(tmp_path_factory, "units")


def _newest(store) -> str:
    acts = Store(store).activities("demo")
    return str(acts.sort_values("start_time")["activity_id"].iloc[-1])


LISTINGS = [
    ["activities"],
    ["activity", "NEWEST"],
    ["plan", "show"],
    ["today", "--date", DEMO_DAY],
    ["metrics"],
    ["risk", "--date", DEMO_DAY],
    ["zones"],
    ["roster", "--date", DEMO_DAY],
    ["replay", "--from", "2021-03-01", "--to", "2021-03-14"],
    ["log", "--date", DEMO_DAY, "--rpe", "9", "--feel", "1"],
]


@pytest.mark.parametrize("args", LISTINGS, ids=lambda a: " ".join(a[:2]))
def test_miles_leave_no_km(store, args):
    args = [_newest(store) if a == "NEWEST" else a for a in args]
    result = runner.invoke(app, [*args, "--units", "mi", "--store", str(store)])
    assert result.exit_code == 0, result.output
    out = result.output
    for name in Store(store).activities("demo")["name"].dropna().unique():
        out = out.replace(str(name), "")
    assert "km" not in out, out
