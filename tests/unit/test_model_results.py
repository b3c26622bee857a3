"""The README's model numbers are the results file's (issue 16): ``make bench`` writes
``docs/results/models.json``; the README's model table and ``docs/results/models.md`` are
generated from it (:mod:`tests.model_results`), and this test fails when they disagree. It
needs no benchmark run."""

from __future__ import annotations

import re

import pytest

from coachkit.io.population import STRAVA_RUNS_FILE, STRAVA_RUNS_SHA256
from tests import model_results as mr


@pytest.fixture(scope="module")
def results() -> dict:
    assert mr.RESULTS_JSON.is_file(), "run `make bench` to write docs/results/models.json"
    return mr.load()


def test_readme_model_table_is_generated_from_the_results_file(results: dict) -> None:
    readme = mr.README.read_text("utf-8")
    assert readme.count(mr.START) == 1 and readme.count(mr.END) == 1
    assert mr.readme_block(readme) == mr.render_table(results), (
        "README's model table differs from docs/results/models.json: "
        "run `python -m tests.model_results` after `make bench`"
    )


def test_generated_markdown_matches_the_results_file(results: dict) -> None:
    assert mr.RESULTS_MD.read_text("utf-8") == mr.render_markdown(results)


def test_every_model_section_says_when_on_what_data_and_at_which_commit(results: dict) -> None:
    assert set(results) >= {"race", "hr_response", "banister"}
    for name, section in results.items():
        p = section["provenance"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", p["date"]), name
        assert re.fullmatch(r"[0-9a-f]{40}", p["commit"]), name
        assert p["data"] and all(re.fullmatch(r"[0-9a-f]{64}", d["sha256"]) for d in p["data"])
    for name in ("race", "hr_response"):
        data = results[name]["provenance"]["data"]
        assert data == [{"path": STRAVA_RUNS_FILE, "sha256": STRAVA_RUNS_SHA256}], name


def test_a_ratio_whose_interval_includes_one_is_called_no_better(results: dict) -> None:
    block = mr.readme_block(mr.README.read_text("utf-8"))
    for name, r in results["banister"]["measured"]["runners"].items():
        lo, hi = r["ratio_ci90"]
        said = re.search(rf"{name} [^;]*\(90 % CI [^)]*\)", block)
        assert said, name
        assert (mr.NO_BETTER in said.group(0)) == (lo <= 1.0 <= hi), said.group(0)


def test_the_race_acceptance_record_matches_its_numbers(results: dict) -> None:
    m = results["race"]["measured"]
    acc = m["acceptance"]
    groups = {"overall": m["overall"], **m["by_distance"]}
    for key, ok in acc["mape_le_0.85_riegel"].items():
        assert ok == (groups[key]["ratio_riegel"] <= 0.85), key
    for key, ok in acc["coverage_75_85"].items():
        assert ok == (0.75 <= groups[key]["coverage"] <= 0.85), key
    assert acc["abs_bias_le_1.5pct"] == (abs(m["overall"]["bias_ours"]) <= 0.015)
