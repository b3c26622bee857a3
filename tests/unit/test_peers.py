"""Runners like you (issue 19): the features, the nearest peers on a hand-made population, the
band's percentiles, the sentence, and that no runner is ever their own peer."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from coachkit.app.peers import PEERS_JSON, load_peer_population
from coachkit.core.units import MILE_M
from coachkit.features.daniels import vdot
from coachkit.models.peer_features import best_race, peer_record, runner_features, weekly_series
from coachkit.models.peers import (
    MIN_PEERS,
    feature_scales,
    improvement,
    nearest_peers,
    week_band,
)
from coachkit.models.race_efforts import make_runs


def _record(pid: str, vdot_: float, km: float, sex: str | None, **extra) -> dict:
    return {
        "id": pid,
        "sex": sex,
        "features": {"vdot": vdot_, "weekly_km": km},
        "volume_km": [km] * 12,
        "long_run_km": [km / 2] * 12,
        "race_distance_m": 10_000.0,
        "improvement_vdot": 1.0,
        **extra,
    }


#: VDOT 38, 38, 40, 42, 42 and km 10, 30, 20, 10, 30: deviations ±2 and ±10 from the means 40
#: and 20, four of each and one 0, so the n−1 standard deviations are √(4·4/4) = 2 VDOT and
#: √(4·100/4) = 10 km.
POPULATION = [
    _record("p1", 38, 10, "male"),
    _record("p2", 38, 30, "female"),
    _record("p3", 40, 20, None),
    _record("p4", 42, 10, "male"),
    _record("p5", 42, 30, "male"),
]
ME = {"features": {"vdot": 41.0, "weekly_km": 12.0, "history_years": 3.0}, "sex": "male"}


def test_scales_are_the_population_standard_deviations_worked_by_hand():
    assert feature_scales(POPULATION) == pytest.approx({"vdot": 2.0, "weekly_km": 10.0})


def test_nearest_peers_on_a_hand_made_population():
    # By hand, root mean square of (VDOT diff / 2, km diff / 10, sex mismatch 0|1):
    #   p4: (0.5² + 0.2² + 0) / 3 = 0.0967 -> 0.311      p3: (0.5² + 0.8²) / 2 (sex unknown) -> 0.667
    #   p1: (1.5² + 0.2² + 0) / 3 = 0.763  -> 0.874      p5: (0.5² + 1.8² + 0) / 3 -> 1.079
    #   p2: (1.5² + 1.8² + 1) / 3 = 2.163  -> 1.471
    # history_years is known for me only, so it is skipped.
    peers = nearest_peers(ME, POPULATION, k=3, min_peers=2)
    assert [p[0] for p in peers.peers] == ["p4", "p3", "p1"]
    assert [p[1] for p in peers.peers] == pytest.approx([0.3109, 0.6671, 0.8737], abs=1e-4)
    assert peers.peers[1][2] == ("vdot", "weekly_km")  # p3's sex is unknown: not used
    assert peers.used == ("vdot", "weekly_km", "sex")
    assert peers.n == 3 and peers.n_population == 5


def test_without_sex_for_me_sex_is_never_used():
    me = {**ME, "sex": None}
    peers = nearest_peers(me, POPULATION, k=5, min_peers=2)
    assert "sex" not in peers.used
    assert "sex" not in peers.explain()


def test_band_is_the_quartiles_of_each_week():
    # numpy's linear percentiles of 10, 20, 30, 40: position (n−1)·q = 0.75, 1.5, 2.25
    # -> 17.5, 25, 32.5
    peers = [_record(f"p{i}", 40, km, "male") for i, km in enumerate((40.0, 10.0, 30.0, 20.0))]
    band = week_band(peers)
    assert band["week"] == [float(w) for w in range(-12, 0)]
    assert band["volume_km_p25"] == [17.5] * 12
    assert band["volume_km_p50"] == [25.0] * 12
    assert band["volume_km_p75"] == [32.5] * 12
    assert band["long_run_km_p50"] == [12.5] * 12


def test_improvement_summary_of_the_peers():
    peers = [_record(f"p{i}", 40, 20, None, improvement_vdot=v) for i, v in enumerate((8, 1, 4, 2))]
    # sorted 1, 2, 4, 8: median (2 + 4) / 2 = 3; p25 at 0.75 -> 1.75; p75 at 2.25 -> 5
    assert improvement(peers) == {
        "n": 4,
        "median": 3.0,
        "p25": 1.75,
        "p75": 5.0,
        "min": 1.0,
        "max": 8.0,
    }


def test_too_few_population_runners_gives_no_band_and_says_so():
    peers = nearest_peers(ME, POPULATION[:4], min_peers=MIN_PEERS)
    assert peers.band is None and peers.n == 0
    assert peers.explain() == (
        f"Runners like you: only 4 of 4 population runners can be compared with you (at least "
        f"{MIN_PEERS} are needed), so no band is shown."
    )


def test_sentence_states_n_what_similar_used_and_no_prescription_in_both_units():
    peers = nearest_peers(ME, POPULATION, k=5, min_peers=2)
    km, mi = peers.explain("km"), peers.explain("mi")
    assert "the 5 of 5 population runners" in km and "n = 5" in km
    assert "by VDOT, weekly distance and sex" in km
    assert km.endswith("This describes those runners, not a prescription for you.")
    # the peers' mean weekly km are 10, 30, 20, 10, 30: median 20 km = 12.4 mi
    assert "a median 20.0 km a week" in km
    assert f"a median {20 / (MILE_M / 1000):.1f} mi a week" in mi
    assert " km" not in mi


# -- features from runs --------------------------------------------------------------------------
def _training_runner() -> tuple:
    """300 days of a daily 5 km in 30 min, and 10 km races on days 40.5 (40:00), 150.5 (45:00)
    and 250.5 (44:00)."""
    days = [float(d) for d in range(300)] + [40.5, 150.5, 250.5]
    dist = [5000.0] * 300 + [10_000.0] * 3
    time = [1800.0] * 300 + [2400.0, 2700.0, 2640.0]
    return make_runs(np.array(days), np.array(dist), np.array(time)), days


def test_best_race_needs_twelve_weeks_of_history_before_it():
    runs, _ = _training_runner()
    j = best_race(runs)
    # day 40.5 is the fastest but has only 40 days of history before it: day 250.5 wins
    assert runs.day[j] == 250.5


def test_peer_record_features_weeks_and_improvement():
    runs, _ = _training_runner()
    rec = peer_record(runs, "female")
    # 12 weeks before day 250.5 starts at 166.5; the 12 weeks before that, [82.5, 166.5), hold
    # the 45:00 10 km of day 150.5: the best VDOT there
    assert rec["features"]["vdot"] == pytest.approx(round(vdot(10_000, 2700), 2))
    # [82.5, 166.5) holds days 83..166 (84 runs of 5 km) and the 10 km race: 430 km / 12
    assert rec["features"]["weekly_km"] == pytest.approx(round(430 / 12, 2))
    assert rec["features"]["history_years"] == pytest.approx(round(166.5 / 365.25, 2))
    assert rec["volume_km"] == [35.0] * 12 and rec["long_run_km"] == [5.0] * 12
    assert rec["improvement_vdot"] == pytest.approx(
        round(vdot(10_000, 2640), 2) - round(vdot(10_000, 2700), 2), abs=0.011
    )
    assert rec["sex"] == "female"


def test_weekly_series_counts_each_week_before_the_day():
    runs = make_runs(
        np.array([0.0, 1.0, 80.0, 83.0]),
        np.array([3e3, 8e3, 12e3, 6e3]),
        np.array([9e2, 2.6e3, 4e3, 2e3]),
    )
    volume, longest = weekly_series(runs, 84.0)
    # week −12 is [0, 7): 3 + 8 km; week −1 is [77, 84): 12 + 6 km
    assert volume[0] == 11.0 and longest[0] == 8.0
    assert volume[-1] == 18.0 and longest[-1] == 12.0
    assert sum(volume[1:-1]) == 0.0


def test_no_runs_means_no_features():
    runs = make_runs(np.array([10.0]), np.array([5e3]), np.array([1500.0]))
    assert runner_features(runs, 5.0) == {"vdot": None, "weekly_km": None, "history_years": None}


# -- the shipped population --------------------------------------------------------------------
def test_no_population_runner_is_ever_their_own_peer():
    population = load_peer_population()
    for record in population:
        alone = nearest_peers(record, population)
        assert alone.peers[0][0] == record["id"] and alone.peers[0][1] == 0.0  # what we guard
        honest = nearest_peers(record, population, exclude=record["id"])
        assert record["id"] not in [p[0] for p in honest.peers]
        assert honest.n_population == len(population) - 1


def test_shipped_file_holds_no_raw_ids_or_dates():
    document = json.loads(PEERS_JSON.read_text(encoding="utf-8"))
    for record in document["records"]:
        assert set(record) == {
            "id",
            "sex",
            "features",
            "volume_km",
            "long_run_km",
            "race_distance_m",
            "race_vdot",
            "improvement_vdot",
        }
        assert len(record["volume_km"]) == len(record["long_run_km"]) == 12
        assert all(math.isfinite(v) for v in record["features"].values())


def test_a_runner_without_runs_is_compared_with_no_one_even_with_sex_set():
    me = {"features": {"vdot": None, "weekly_km": None, "history_years": None}, "sex": "male"}
    peers = nearest_peers(me, POPULATION, min_peers=2)
    assert peers.n == 0 and peers.n_comparable == 0 and peers.band is None
    assert "no runs of yours up to this day" in peers.explain()
