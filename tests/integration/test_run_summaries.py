"""Run summaries (issue 18): what each run's samples come down to is computed once per samples
file and kept in the catalog, and the numbers built from it are the numbers built from the
samples themselves.

The demo athlete's files: FIT, TCX and GPX runs with and without HR (NRC GPX interleaves HR and
GPS rows, which is where the two hold rules of hrTSS and the zone split differ).
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest

from coachkit.app.athlete import AthleteData, activity_table, efforts, load_athlete
from coachkit.app.ingest import ingest
from coachkit.app.run_summaries import SUMMARY_VERSION, run_summaries
from coachkit.store import Store
from tests.conftest import SAMPLE

COMPARED = ["load", "load_method", "mean_gap_speed_m_s", "ef", "decoupling_pct", "easy", "hard"]


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("summaries") / "store"
    with Store(root) as store:
        ingest(store, [SAMPLE], "demo")
    return root


@pytest.fixture()
def store(demo_root, tmp_path):
    root = tmp_path / "store"
    shutil.copytree(demo_root, root)
    with Store(root) as s:
        yield s


def _from_samples(data: AthleteData) -> AthleteData:
    """The same athlete with every samples frame in memory: no store, so no summary is kept and
    every number is computed from the samples themselves."""
    frames = {aid: data.samples[aid] for aid in data.samples}
    return AthleteData(
        data.athlete_id, data.activities, data.wellness, data.feedback, data.settings, frames
    )


def test_the_table_from_stored_summaries_is_the_table_from_samples(store):
    first = activity_table(load_athlete(store, "demo"))
    assert store.run_summaries("demo"), "the first read stores the summaries"
    again = load_athlete(store, "demo")
    stored = activity_table(again)
    direct = activity_table(_from_samples(load_athlete(store, "demo")))
    for table in (first, stored):
        pd.testing.assert_frame_equal(
            table[["activity_id", *COMPARED]].reset_index(drop=True),
            direct[["activity_id", *COMPARED]].reset_index(drop=True),
            rtol=1e-9,
        )
    pd.testing.assert_frame_equal(efforts(again), efforts(_from_samples(again)), rtol=1e-12)
    assert len(efforts(again)) > 10


def test_a_second_read_reads_no_samples_file(store, monkeypatch):
    activity_table(load_athlete(store, "demo"))
    reads = []
    original = Store.read_samples
    monkeypatch.setattr(
        Store, "read_samples", lambda self, *a: reads.append(a) or original(self, *a)
    )
    table = activity_table(load_athlete(store, "demo"))
    assert table["load"].notna().sum() > 40
    assert reads == [], f"{len(reads)} samples files read although their summaries are stored"


def test_a_rewritten_samples_file_or_a_corrected_sport_is_summarised_again(store):
    data = load_athlete(store, "demo")
    run_summaries(data)
    aid = next(iter(data.samples))
    key_before = store.run_summaries("demo")[aid][0]
    assert key_before.startswith(f"{SUMMARY_VERSION}|")
    path = store.samples_path("demo", aid)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a rewrite
    run_summaries(load_athlete(store, "demo"))
    key_after = store.run_summaries("demo")[aid][0]
    assert key_after != key_before
    store.set_activity_edit(aid, sport_override="walk")  # `coachkit activity ID --sport walk`
    summaries = run_summaries(load_athlete(store, "demo"))
    assert store.run_summaries("demo")[aid][0].split("|")[1] == "walk"
    assert summaries[aid]["features"] is None  # a walk has no run features
    values = summaries[aid]["hr_load"][0]
    assert values.size == np.unique(values).size  # one pair per distinct bpm


def test_a_read_only_catalog_still_gives_the_numbers(store, monkeypatch):
    monkeypatch.setattr(Store, "save_run_summaries", lambda self, *a: False)
    table = activity_table(load_athlete(store, "demo"))
    assert table["load"].notna().sum() > 40
    assert store.run_summaries("demo") == {}
