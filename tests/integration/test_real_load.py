"""Loads and thresholds on real histories: the committed demo athlete (NRC GPX with HR samples +
HRV4Training), the intervals.icu runner (740 summary rows with intervals.icu's own load) and the
Elevate multisport athlete (Strava rides, walks and runs, half of them without HR).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coachkit.app.ingest import ingest
from coachkit.features.load import LOAD_METHODS, activity_loads
from coachkit.features.thresholds import estimate_thresholds
from coachkit.store import Store
from tests.conftest import SAMPLE, real_file

INTERVALS = "athlete_history/intervals_icu_runner"
ELEVATE = "athlete_history/elevate_multisport_athlete"


class _LazySamples(Mapping[str, pd.DataFrame]):
    """activity_id -> samples read from the store on first use; remembers what was asked."""

    def __init__(self, store: Store, athlete: str, ids: list[str]) -> None:
        self.store, self.athlete, self.ids, self.asked = store, athlete, set(ids), []

    def __getitem__(self, key: str) -> pd.DataFrame:
        if key not in self.ids:
            raise KeyError(key)
        self.asked.append(key)
        return self.store.read_samples(self.athlete, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    s = Store(tmp_path_factory.mktemp("load") / "store")
    ingest(s, [SAMPLE], "demo")
    return s


def _ingested(store: Store, athlete: str, rel: str) -> pd.DataFrame:
    if not store.activities(athlete).shape[0]:
        ingest(store, [Path(real_file(rel))], athlete)
    return store.activities(athlete, include_extra=True)


def _check_every_row(acts: pd.DataFrame, out: pd.DataFrame) -> None:
    assert out["activity_id"].tolist() == acts["activity_id"].tolist()
    has_load = out["load"].notna()
    assert (has_load ^ out["excluded_reason"].notna()).all(), "a load or a reason, never both"
    assert np.isfinite(out.loc[has_load, "load"]).all() and (out.loc[has_load, "load"] >= 0).all()
    assert out.loc[has_load, "load_method"].isin(LOAD_METHODS).all()
    assert out["load_note"].notna().all()
    flags = acts["quality_flags"].fillna("")
    flagged_hr = flags.str.contains("no_hr|hr_implausible|duplicate_of:", regex=True).to_numpy()
    assert not (out["load_method"].to_numpy(dtype=object)[flagged_hr] == "hrtss").any()


def test_demo_athlete_every_activity_has_a_load_or_a_reason(store: Store):
    acts = store.activities("demo")
    th = estimate_thresholds(acts, wellness=store.wellness("demo"))
    print("\n" + th.describe())
    assert 180 <= th.hr_max.value <= 205 and th.hr_max.estimated
    assert "wellness" in th.hr_rest.source and 35 <= th.hr_rest.value <= 55
    assert th.hr_rest.value < th.lthr.value < th.hr_max.value
    samples = _LazySamples(store, "demo", acts.loc[acts["has_samples"], "activity_id"].tolist())
    out = activity_loads(acts, th, samples=samples)
    _check_every_row(acts, out)
    print(out["load_method"].value_counts().to_dict())
    # samples were read only for activities whose HR is not flagged
    no_hr = set(acts.loc[acts["quality_flags"].str.contains("no_hr"), "activity_id"])
    assert samples.asked and not (set(samples.asked) & no_hr)
    # HR samples and the average HR tell the same story (TRIMP is convex, so samples ≥ average)
    by_avg = activity_loads(acts, th)
    both = (out["load_method"] == "hrtss") & (by_avg["load_method"] == "hrtss")
    ratio = float((out.loc[both, "load"] / by_avg.loc[both, "load"]).median())
    print(f"median hrTSS samples / average-HR: {ratio:.3f} over {int(both.sum())} runs")
    assert 0.9 <= ratio <= 1.3


def test_intervals_runner_hrtss_tracks_intervals_icu_own_load(store: Store):
    acts = _ingested(store, "icu", INTERVALS)
    th = estimate_thresholds(acts)
    print("\n" + th.describe())
    out = activity_loads(acts, th)
    _check_every_row(acts, out)
    external = acts["extra"].map(lambda e: (e or {}).get("external_load")).astype(float)
    both = (out["load_method"] == "hrtss").to_numpy() & external.notna().to_numpy()
    r = float(np.corrcoef(out["load"][both], external[both])[0, 1])
    print(f"hrTSS vs intervals.icu load: r = {r:.3f} over {int(both.sum())} runs")
    assert both.sum() > 700
    assert r > 0.9


def test_intervals_runner_thresholds_use_only_runs_before_as_of(store: Store):
    acts = _ingested(store, "icu", INTERVALS)
    early = estimate_thresholds(acts, as_of=pd.Timestamp("2022-06-01"))
    late = estimate_thresholds(acts)
    n_early = int(early.lthr.source.split(" of ")[2].split()[0])
    n_late = int(late.lthr.source.split(" of ")[2].split()[0])
    assert 5 <= n_early < n_late
    assert early.hr_rest.source.startswith("population default")  # no wellness at all


def test_multisport_athlete_rides_never_get_rtss_and_hr_less_ones_are_flagged(store: Store):
    acts = _ingested(store, "elevate", ELEVATE)
    out = activity_loads(acts, estimate_thresholds(acts))
    _check_every_row(acts, out)
    sport = acts["sport"].to_numpy(dtype=object)
    method = out["load_method"].to_numpy(dtype=object)
    assert not (method[sport == "ride"] == "rtss").any()
    fallback = out[method == "duration"]
    assert len(fallback) and fallback["load_note"].str.startswith("duration fallback").all()
    with_hr = (sport == "ride") & acts["avg_hr"].notna().to_numpy()
    with_hr &= ~acts["quality_flags"].str.contains("hr_implausible").to_numpy(dtype=bool)
    assert (method[with_hr] == "hrtss").all()
