"""Five processes log feedback at once through the dashboard's submit path (no browser):
every row lands exactly once and the plan's versions stay contiguous (docs/design.md §4, §10)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from coachkit.app.feedback import log_feedback
from coachkit.store import Store
from tests.conftest import REPO
from tests.dashboard_support import DEMO_DAY, assert_plan_consistent, demo_plan_store

WRITER = """
import sys
from coachkit.store import Store
from coachkit.app.feedback import log_feedback
fid, changes = log_feedback(Store(sys.argv[1]), "demo", sys.argv[2], rpe=8.0, feel=2.0,
                            note=f"writer {sys.argv[3]}")
print(fid)
"""


def test_five_writers_at_once_lose_nothing_and_keep_the_plan_consistent(tmp_path_factory):
    path = demo_plan_store(tmp_path_factory, "concurrent-writers")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), DEMO_DAY, str(i)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(5)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e[-800:] for _, e in outs]
    ids = sorted(int(o.strip().splitlines()[-1]) for o, _ in outs)
    store = Store(path)
    fb = store.feedback("demo")
    assert len(fb) == 5 and len(set(ids)) == 5
    assert sorted(fb["note"]) == [f"writer {i}" for i in range(5)]
    assert_plan_consistent(store)


def test_feedback_out_of_range_is_refused_and_nothing_is_written(tmp_path_factory):
    path = demo_plan_store(tmp_path_factory, "bad-feedback")
    store = Store(path)
    for bad in ({"rpe": 11}, {"feel": 0}, {"niggle_severity": -1}):
        with pytest.raises(ValueError, match="must be between"):
            log_feedback(store, "demo", DEMO_DAY, **bad)
    assert store.feedback("demo").empty
