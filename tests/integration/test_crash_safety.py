"""Kill -9 in the middle of an ingest: the catalog is exactly as before the interrupted file,
and the next run completes it. Real subprocesses, real SIGKILL."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coachkit.app.ingest import ingest
from coachkit.store import Store
from tests.conftest import REPO, SAMPLE
from tests.integration.test_ingest_store import snapshot

DRIVER = r"""
import os, signal, sys
from coachkit import store as st
from coachkit.app.ingest import ingest
mode, root, src, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
calls = [0]
if mode == "in_transaction":      # die after staging samples, before the catalog commit
    orig = st.Store.stage_samples
    def patched(self, *a, **k):
        out = orig(self, *a, **k)
        calls[0] += 1
        if calls[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return out
    st.Store.stage_samples = patched
else:                             # die after the commit, before the samples rename
    orig = st.Store.publish_samples
    def patched(pending):
        calls[0] += 1
        if calls[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return orig(pending)
    st.Store.publish_samples = staticmethod(patched)
ingest(st.Store(root), [src], "demo")
"""


@pytest.fixture()
def six_runs(tmp_path) -> Path:
    folder = tmp_path / "runs"
    folder.mkdir()
    for f in sorted((SAMPLE / "activities" / "nrc_gpx").iterdir())[:6]:
        shutil.copy(f, folder / f.name)
    return folder


def _run_driver(mode: str, root: Path, src: Path, n: int) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, mode, str(root), str(src), str(n)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc.returncode


def _clean(tmp_path: Path, files: list[Path], name: str) -> Store:
    store = Store(tmp_path / f"store-{name}")
    for f in files:
        ingest(store, [f], "demo")
    return store


def _comparable(store: Store) -> dict:
    snap = snapshot(store)
    snap["samples"] = sorted(p.name for p in store.samples_dir.rglob("*.parquet*"))
    return snap


@pytest.mark.parametrize("mode", ["in_transaction", "after_commit"])
def test_kill_mid_ingest_leaves_catalog_as_before_the_file_and_rerun_completes(
    tmp_path, six_runs, mode
):
    files = sorted(six_runs.iterdir())
    root = tmp_path / "killed"
    assert _run_driver(mode, root, six_runs, 4) == -signal.SIGKILL
    killed = Store(root)
    assert killed.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    committed = 3 if mode == "in_transaction" else 4
    reference = _clean(tmp_path, files[:committed], "before")
    assert snapshot(killed) == snapshot(reference)

    ingest(killed, [six_runs], "demo")  # the next run recovers and completes the batch
    full = _clean(tmp_path, files, "full")
    assert _comparable(killed) == _comparable(full)
    assert not list(killed.samples_dir.rglob("*.pending-*"))


def test_cli_killed_at_a_random_moment_recovers(tmp_path):
    root = tmp_path / "store"
    cli = [
        sys.executable,
        "-m",
        "coachkit.cli",
        "ingest",
        str(SAMPLE),
        "--athlete",
        "demo",
        "--store",
        str(root),
        "--json",
    ]
    rng = random.Random(os.environ.get("PYTEST_SEED", "7"))
    proc = subprocess.Popen(cli, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(1.0, 3.0))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert subprocess.run(cli, cwd=REPO, capture_output=True, timeout=600).returncode == 0
    clean = Store(tmp_path / "clean")
    ingest(clean, [SAMPLE], "demo")
    assert _comparable(Store(root)) == _comparable(clean)
