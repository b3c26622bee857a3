"""`coachkit report`: one report per athlete from the ordered notebooks, and one broken athlete
never stops the others (docs/design.md §8, §9; issue 10)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from coachkit.app.report import find_notebooks, notebook_parameters
from coachkit.store import Store
from tests.conftest import COACH_ATHLETES, REPO
from tests.dashboard_support import CHROMIUM, chromium

NOTEBOOKS = REPO / "notebooks"
COACHKIT = [sys.executable, "-m", "coachkit.cli"]


def _coachkit(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([*COACHKIT, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=1800)  # fmt: skip


def _catalog(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    s = Store(root, create=False)
    try:
        return s.activities(), s.sources()
    finally:
        s.close()


@pytest.fixture(scope="module")
def full_run(coach_store, tmp_path_factory):
    """`coachkit report --all` over a copy of the coach store, with every ordered notebook."""
    root = tmp_path_factory.mktemp("report")
    store = root / "store"
    shutil.copytree(coach_store, store)
    before = _catalog(store)
    t0 = time.perf_counter()
    proc = _coachkit("report", "--all", "--store", str(store), "--out", str(root / "reports"),
                     "--jobs", "2")  # fmt: skip
    seconds = time.perf_counter() - t0
    print(f"\n[report] --all, {len(COACH_ATHLETES)} athletes, "
          f"{len(find_notebooks(NOTEBOOKS))} notebooks: {seconds:.0f} s")  # fmt: skip
    return proc, root / "reports", store, before


@pytest.mark.real_data
@pytest.mark.slow
def test_report_all_writes_one_complete_report_per_athlete(full_run):
    proc, reports, _, _ = full_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    expected = [p.name for p in find_notebooks(NOTEBOOKS)]
    assert sorted(p.name for p in reports.iterdir() if p.is_dir()) == sorted(COACH_ATHLETES)
    import nbformat

    for athlete in COACH_ATHLETES:
        folder = reports / athlete
        meta = json.loads((folder / "report.json").read_text())
        assert meta["ok"] and meta["notebooks"] == expected, meta
        for name in expected:
            nb = nbformat.read(folder / name, as_version=4)
            errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
            assert not errors, (athlete, name)
            injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
            assert f'athlete = "{athlete}"' in injected[0].source
        page = (folder / "report.html").read_text()
        assert f"Report for {athlete}" in page and '<script src="http' not in page
    index = (reports / "index.html").read_text()
    assert all(f'href="{a}/report.html"' in index for a in COACH_ATHLETES)


@pytest.mark.real_data
@pytest.mark.slow
def test_a_report_run_never_ingests_or_changes_the_store(full_run):
    _, _, store, (acts_before, sources_before) = full_run
    acts_after, sources_after = _catalog(store)
    pd.testing.assert_frame_equal(acts_before, acts_after)
    assert len(sources_after) == len(sources_before)
    assert (
        acts_after.groupby("athlete_id").size().to_dict()
        == acts_before.groupby("athlete_id").size().to_dict()
    )


@pytest.mark.real_data
@pytest.mark.e2e
def test_report_html_draws_its_figures_offline_in_chromium(full_run):
    """Every request but file:// is refused: the figures must come from the page itself."""
    proc, reports, _, _ = full_run
    assert proc.returncode == 0
    pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"needs {CHROMIUM}")
    with chromium() as browser:
        page = browser.new_page()
        remote: list[str] = []

        def route(r):  # noqa: ANN001
            if r.request.url.startswith("file:"):
                return r.continue_()
            remote.append(r.request.url)
            return r.abort()

        page.route("**/*", route)
        page_errors: list[str] = []
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.goto((reports / "demo" / "report.html").as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        drawn = page.locator(".js-plotly-plot .main-svg").count()
    assert drawn >= 3 and not remote and not page_errors, (drawn, remote, page_errors)


def _break_samples(store: Path, athlete: str) -> int:
    """Overwrite every samples file of one athlete with bytes that are not parquet."""
    files = sorted((store / "samples" / f"athlete_id={athlete}").glob("*.parquet"))
    for f in files:
        f.write_bytes(b"not a parquet file")
    return len(files)


@pytest.mark.real_data
def test_one_broken_athlete_is_reported_and_the_others_complete(coach_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(coach_store, store)
    assert _break_samples(store, "demo") > 0
    out = tmp_path / "reports"
    t0 = time.perf_counter()
    proc = _coachkit("report", "--all", "--store", str(store), "--out", str(out), "--only", "01",
                     "--jobs", "2")  # fmt: skip
    print(f"\n[report] --all --only 01 with one broken athlete: {time.perf_counter() - t0:.0f} s")
    assert proc.returncode == 1
    assert "demo: FAILED" in proc.stderr and "1 of 4 report(s) failed" in proc.stderr
    broken = json.loads((out / "demo" / "report.json").read_text())
    assert not broken["ok"] and broken["failed_notebook"] == "01_ingest.ipynb"
    assert broken["error"] and "\n" not in broken["error"]
    assert "This report is incomplete" in (out / "demo" / "report.html").read_text()
    for athlete in set(COACH_ATHLETES) - {"demo"}:
        meta = json.loads((out / athlete / "report.json").read_text())
        assert meta["ok"] and meta["notebooks"] == ["01_ingest.ipynb"], meta
        assert (out / athlete / "report.html").stat().st_size > 0


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", ".hidden"])
def test_athlete_ids_are_validated_before_anything_runs(bad, tmp_path):
    Store(tmp_path / "store").close()
    proc = _coachkit("report", "--athlete", bad, "--store", str(tmp_path / "store"),
                     "--out", str(tmp_path / "reports"))  # fmt: skip
    assert proc.returncode == 2 and "invalid athlete id" in proc.stderr
    assert not (tmp_path / "reports").exists()


def test_an_unknown_athlete_or_no_choice_is_a_plain_error(tmp_path):
    Store(tmp_path / "store").close()
    unknown = _coachkit("report", "--athlete", "nobody", "--store", str(tmp_path / "store"))
    assert unknown.returncode == 2 and "nobody" in unknown.stderr
    neither = _coachkit("report", "--store", str(tmp_path / "store"))
    assert neither.returncode == 2 and "--all" in neither.stderr


def test_notebooks_are_found_in_order_and_given_only_what_they_declare(tmp_path):
    found = find_notebooks(NOTEBOOKS)
    assert [p.name[:2] for p in found] == sorted(p.name[:2] for p in found)
    assert found[0].name.startswith("01_") and not any(p.name.startswith("05") for p in found)
    assert [p.name for p in find_notebooks(NOTEBOOKS, ["03"])] == ["03_injury_risk.ipynb"]
    params = notebook_parameters(found[0], "demo", tmp_path, as_of="2021-01-31")
    # a report is one offline file: notebook 01 draws its route without map tiles
    assert params == {
        "athlete": "demo",
        "store": str(tmp_path),
        "source": None,
        "map_tiles": False,
    }
    risk = notebook_parameters(NOTEBOOKS / "03_injury_risk.ipynb", "x", tmp_path, "2021-01-31")
    assert risk["as_of"] == "2021-01-31" and risk["source"] is None
    with pytest.raises(FileNotFoundError, match="no notebooks"):
        find_notebooks(tmp_path)


@pytest.mark.real_data
def test_a_notebook_that_writes_to_the_store_writes_only_to_a_snapshot(coach_store, tmp_path):
    """A notebook that logs feedback (as 04 saves a plan) leaves the real store untouched."""
    import nbformat

    store = tmp_path / "store"
    shutil.copytree(coach_store, store)
    folder = tmp_path / "nbs"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell('athlete = "demo"\nstore = "x"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "from coachkit.store import Store\n"
        "s = Store(store, create=False)\n"
        "s.add_feedback(athlete, '2021-03-14', rpe=9.0, note='from a report')\n"
        "assert len(s.feedback(athlete)) >= 1"
    )]  # fmt: skip
    nbformat.write(nb, folder / "01_writes.ipynb")
    before = len(Store(store, create=False).feedback("demo"))
    proc = _coachkit("report", "--athlete", "demo", "--store", str(store), "--out",
                     str(tmp_path / "reports"), "--notebooks", str(folder))  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(Store(store, create=False).feedback("demo")) == before
