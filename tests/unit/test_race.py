"""Race prediction (issue #5): worked examples, personal share, as_of, honest intervals.

All tests use small hand-made histories and the shipped population (``race.json``); none needs
the benchmark data except the provenance check, which reads only the shipped JSON.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import coachkit
from coachkit.core.units import format_hms
from coachkit.io.population import STRAVA_RUNS_SHA256
from coachkit.models.race import (
    RacePopulation,
    RacePrediction,
    fit_population,
    load_population,
    predict_race,
)
from coachkit.models.race_efforts import make_runs

DAY = pd.Timedelta(days=1)
START = pd.Timestamp("2024-01-01", tz="UTC")
NOON = START + pd.Timedelta(hours=12)  # races start at noon, training runs at midnight


def _runs(rows: list[tuple[pd.Timestamp, float, float]]) -> pd.DataFrame:
    """A summary-only activities frame: start, distance (m), elapsed time (s)."""
    t, d, s = zip(*rows) if rows else ((), (), ())
    return pd.DataFrame(
        {
            "start_time": pd.to_datetime(list(t), utc=True),
            "distance_m": np.array(d, dtype=float),
            "elapsed_time_s": np.array(s, dtype=float),
        }
    )


def training_log(weeks: int = 16, easy_s_per_km: float = 330.0, seed: int = 0) -> list[tuple]:
    """Four easy runs a week (6–16 km) at about ``easy_s_per_km``."""
    rng = np.random.default_rng(seed)
    rows = []
    for w in range(weeks):
        for k, km in enumerate((8.0, 10.0, 6.0, 16.0)):
            pace = easy_s_per_km * rng.uniform(0.97, 1.03)
            rows.append((START + (7 * w + 2 * k) * DAY, km * 1000, km * pace))
    return rows


def test_riegel_worked_example_20_min_5k_gives_41_42_10k() -> None:
    # Riegel (1981, Am Sci 69:285): T2 = T1 * (D2/D1)^1.06.
    # 20:00 over 5 km -> 10 km: 1200 s * 2^1.06 = 1200 * e^(1.06 * 0.693147)
    #   = 1200 * e^0.734736 = 1200 * 2.084932 = 2501.92 s = 41:42.
    assert math.isclose(1200 * 2**1.06, 2501.92, abs_tol=0.01)
    h = _runs([(START, 5000.0, 1200.0)])
    p = predict_race(h, distance_m=10_000, as_of=START + 10 * DAY)
    assert p.inputs["riegel_seconds"] == pytest.approx(2501.92, abs=0.01)
    assert format_hms(p.inputs["riegel_seconds"]) == "41:42"
    assert "Riegel says 41:42" in p.explanation


def test_personal_exponent_from_two_hard_efforts_by_hand() -> None:
    # A 5 km in 20:00 and a 10 km in 42:00, both far faster than the 5:30/km training:
    # b = ln(2520/1200) / ln(10000/5000) = ln 2.1 / ln 2 = 0.741937 / 0.693147 = 1.07039
    rows = training_log(weeks=12)
    rows += [(NOON + 80 * DAY, 5000.0, 1200.0), (NOON + 86 * DAY, 10_000.0, 2520.0)]
    p = predict_race(_runs(rows), distance_m=21_097.5, as_of=START + 90 * DAY)
    assert p.inputs["personal_exponent"] == pytest.approx(math.log(2.1) / math.log(2), abs=1e-9)
    assert p.inputs["personal_exponent"] == pytest.approx(1.07039, abs=1e-5)


def test_hard_efforts_are_flagged_only_from_earlier_runs() -> None:
    # the same fast 10 km is hard after 3 slower 10 km runs, and not hard before any
    day = np.array([0.0, 1.0, 2.0, 3.0])
    d = np.full(4, 10_000.0)
    s = np.array([3300.0, 3300.0, 3300.0, 2900.0])  # 2900 s: 3300/2900 = 1.138x the median
    assert make_runs(day, d, s).band.tolist() == [-1, -1, -1, 1]
    assert make_runs(day, d, s[::-1]).band.tolist() == [-1] * 4


def test_no_data_gives_the_population_prior_with_no_personal_share() -> None:
    p = predict_race(_runs([]), distance_m=10_000, as_of=START)
    assert isinstance(p, RacePrediction)
    assert p.method == "population"
    assert p.personal_share == 0.0
    assert p.low < p.seconds < p.high
    assert "population" in p.explanation and format_hms(p.seconds) in p.explanation
    assert "0% personal" in p.explanation


def test_rich_history_is_more_personal_and_narrower_than_a_single_run() -> None:
    rows = training_log(weeks=20)
    rows += [(NOON + k * 20 * DAY, 10_000.0, 2640.0 + 10 * k) for k in range(1, 7)]
    as_of = START + 140 * DAY
    rich = predict_race(_runs(rows), distance_m=10_000, as_of=as_of)
    sparse = predict_race(_runs([(NOON + 120 * DAY, 10_000.0, 2700.0)]), distance_m=10_000,
                          as_of=as_of)  # fmt: skip
    assert rich.method == "efforts+personal" and rich.inputs["personal_efforts"] >= 3
    assert sparse.method == "efforts"
    assert rich.personal_share > sparse.personal_share
    assert rich.personal_share > 0.3
    width = {k: math.log(p.high / p.low) for k, p in {"rich": rich, "sparse": sparse}.items()}
    assert width["sparse"] > width["rich"]
    assert f"{rich.personal_share:.0%} personal" in rich.explanation


@pytest.mark.parametrize("distance_m", [5000.0, 10_000.0, 21_097.5, 42_195.0, 15_000.0])
def test_interval_holds_the_estimate_at_every_distance(distance_m: float) -> None:
    h = _runs(training_log() + [(NOON + 100 * DAY, 10_000.0, 2700.0)])
    p = predict_race(h, distance_m=distance_m, as_of=START + 115 * DAY)
    assert p.low < p.seconds < p.high
    assert p.distance_m == distance_m
    assert 0.0 <= p.personal_share <= 1.0


def test_a_future_effort_never_changes_the_prediction() -> None:
    rows = training_log() + [(NOON + 100 * DAY, 10_000.0, 2700.0)]
    as_of = START + 115 * DAY
    before = predict_race(_runs(rows), distance_m=21_097.5, as_of=as_of)
    future = rows + [(as_of, 21_097.5, 5400.0), (as_of + 3 * DAY, 10_000.0, 2300.0)]
    after = predict_race(_runs(future), distance_m=21_097.5, as_of=as_of)
    assert after == before


def test_distances_are_ordered_and_the_marathon_is_slower_than_riegel() -> None:
    h = _runs(training_log() + [(NOON + 100 * DAY, 10_000.0, 2700.0)])
    as_of = START + 115 * DAY
    times = [predict_race(h, distance_m=d, as_of=as_of).seconds for d in (5e3, 1e4, 21_097.5)]
    assert times == sorted(times)
    mar = predict_race(h, distance_m=42_195, as_of=as_of)
    assert mar.seconds > mar.inputs["riegel_seconds"]  # Vickers & Vertosick 2016


def test_other_sports_and_flagged_duplicates_are_ignored_and_input_untouched() -> None:
    h = _runs(training_log() + [(NOON + 100 * DAY, 10_000.0, 2700.0)])
    h["sport"] = "run"
    base = predict_race(h, distance_m=10_000, as_of=START + 115 * DAY)
    noisy = pd.concat(
        [h, _runs([(NOON + 101 * DAY, 40_000.0, 3600.0)]).assign(sport="ride"),
         _runs([(NOON + 102 * DAY, 10_000.0, 1900.0)]).assign(
             sport="run", quality_flags="duplicate_of:abc")],
        ignore_index=True,
    )  # fmt: skip
    copy = noisy.copy()
    assert predict_race(noisy, distance_m=10_000, as_of=START + 115 * DAY) == base
    pd.testing.assert_frame_equal(noisy, copy)


def test_training_tier_from_volume_and_speed() -> None:
    pop = load_population()
    p = pop.predict_from_training(distance_m=42_195, km_per_week=60, speed_m_s=3.4)
    assert p.method == "training" and p.low < p.seconds < p.high
    assert "60 km/week" in p.explanation
    assert 0 < p.personal_share < 1


def test_json_round_trip_predicts_the_same() -> None:
    pop = load_population()
    again = RacePopulation.from_json(pop.to_json())
    h = _runs(training_log() + [(NOON + 100 * DAY, 10_000.0, 2700.0)])
    kw = {"distance_m": 21_097.5, "as_of": START + 115 * DAY}
    assert again.predict_race(h, **kw) == pop.predict_race(h, **kw)


def test_shipped_population_records_its_provenance() -> None:
    params = load_population().params_
    prov = params["provenance"]
    assert prov["data_sha256"] == STRAVA_RUNS_SHA256
    assert prov["n_athletes"] == 81 and prov["n_rows"] > 20_000
    assert prov["coachkit_version"]
    assert 0.9 < params["exponent"]["mean"] < 1.2 and params["exponent"]["sd"] > 0
    assert params["efforts"]["scale"]["q_lo"] < 0 < params["efforts"]["scale"]["q_hi"]


def test_top_level_name_is_the_module_function() -> None:
    assert coachkit.predict_race is predict_race
    assert coachkit.fit_population is fit_population


def test_distance_outside_the_model_range_is_refused() -> None:
    with pytest.raises(ValueError, match="between 1,000 and 100,000 m"):
        predict_race(_runs([]), distance_m=200.0, as_of=START)


def _synthetic_population(n: int = 8) -> pd.DataFrame:
    frames = []
    for a in range(n):
        easy = 300.0 + 10 * a
        rows = training_log(weeks=30, easy_s_per_km=easy, seed=a)
        races = [(NOON + (40 + 30 * k) * DAY, dist, dist / 1000 * easy * 0.82 * f)
                 for k, (dist, f) in enumerate([(5000.0, 1.0), (10_000.0, 1.05),
                                                (21_097.5, 1.1), (10_000.0, 1.04),
                                                (5000.0, 0.99), (42_195.0, 1.2)])]  # fmt: skip
        frames.append(_runs(rows + races).assign(athlete_id=f"a{a}"))
    return pd.concat(frames, ignore_index=True)


def test_fit_population_on_many_runners_then_predicts() -> None:
    pop = fit_population(_synthetic_population(), n_splits=4)
    assert set(pop.params_) >= {"efforts", "exponent", "prior", "training", "hard_effort"}
    assert pop.params_["data"]["n_athletes"] == 8
    h = _runs(training_log() + [(NOON + 100 * DAY, 10_000.0, 2700.0)])
    p = pop.predict_race(h, distance_m=10_000, as_of=START + 115 * DAY)
    assert p.low < p.seconds < p.high and p.method.startswith("efforts")
    assert RacePopulation.from_json(pop.to_json()).params_ == pop.params_


def test_population_fit_command_says_what_to_pass_when_data_is_missing(tmp_path, capsys) -> None:
    from coachkit.app.population import main

    assert main(["--benchmarks", str(tmp_path), "--out", str(tmp_path / "race.json")]) == 2
    assert "strava_runs_116" in capsys.readouterr().err
    assert not (tmp_path / "race.json").exists()


def test_fit_population_leaves_out_strava_api_rows_by_default() -> None:
    frame = _synthetic_population()
    marked = frame.assign(
        source_kind=np.where(frame["athlete_id"].isin(["a0", "a1", "a2"]), "strava_streams", "fit")
    )
    pop = fit_population(marked, n_splits=4)
    assert pop.params_["data"]["n_athletes"] == 5  # the three Strava-synced runners left out
    assert pop.params_["data"]["n_rows"] == (marked["source_kind"] == "fit").sum()
    everyone = fit_population(marked, n_splits=4, include_strava_api=True)
    assert everyone.params_["data"]["n_athletes"] == 8
    only_strava = marked.assign(source_kind="strava_api")
    with pytest.raises(ValueError, match="no hard efforts"):
        fit_population(only_strava, n_splits=4)
