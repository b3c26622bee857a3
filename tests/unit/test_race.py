"""Race prediction (issues 5 and 16): worked examples, race-like efforts, personal share, as_of,
intervals per distance and history.

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
from coachkit.models.race_efforts import percentile, prepare_runs, race_like
from coachkit.models.race_intervals import interval_quantiles

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


def test_race_like_is_the_top_decile_by_vdot_within_180_days_by_hand() -> None:
    # 12 easy 8 km runs at 5:30/km (one every 3 days; VDOT, Daniels & Gilbert 1979: 35.2),
    # then a 10 km at 4:00/km (VDOT 51.9): it is >= the 90th percentile of the window's VDOTs;
    # a 10 km at 5:50/km (VDOT 33.4) is not; and nothing counts without >= 10 runs before.
    rows = [(START + 3 * k * DAY, 8000.0, 8 * 330.0) for k in range(12)]
    fast, easy = (NOON + 40 * DAY, 10_000.0, 2400.0), (NOON + 41 * DAY, 10_000.0, 3500.0)
    runs, _ = prepare_runs(_runs(rows + [fast, easy]))
    final = race_like(runs)
    assert final.tolist() == [False] * 12 + [True, False]
    assert runs.vdot[[0, 12, 13]] == pytest.approx([35.2, 51.9, 33.4], abs=0.05)
    early, _ = prepare_runs(_runs(rows[:5] + [(NOON + 16 * DAY, 10_000.0, 2400.0)]))
    assert not race_like(early).any()  # 5 runs before it: not eligible


def test_race_like_as_of_a_day_reads_nothing_after_it() -> None:
    rows = [(START + 3 * k * DAY, 8000.0, 8 * 330.0) for k in range(12)]
    rows.append((NOON + 40 * DAY, 10_000.0, 2600.0))
    runs, _ = prepare_runs(_runs(rows))
    now = float(runs.day[-1]) + 1.0
    before = race_like(runs, now)
    later = rows + [(NOON + 45 * DAY + k * DAY, 10_000.0, 2300.0) for k in range(3)]
    runs_later, _ = prepare_runs(_runs(later))
    # with faster runs after it, the effort is no longer top-decile over its whole window...
    assert before[12] and not race_like(runs_later)[12]
    # ...but as of the same day it is judged on the same runs as before
    assert race_like(runs_later, now)[: len(runs)].tolist() == before.tolist()


def test_percentile_equals_numpy() -> None:
    rng = np.random.default_rng(1)
    for n in (1, 2, 7, 60):
        x = rng.normal(45, 6, n)
        assert percentile(x, 90) == np.percentile(x, 90)


def test_no_data_gives_the_population_prior_with_no_personal_share() -> None:
    p = predict_race(_runs([]), distance_m=10_000, as_of=START)
    assert isinstance(p, RacePrediction)
    assert p.method == "population"
    assert p.personal_share == 0.0
    assert p.low < p.seconds < p.high
    assert "population" in p.explanation and format_hms(p.seconds) in p.explanation
    assert "0% personal" in p.explanation


def _racer(n_races: int) -> list[tuple]:
    """Twenty weeks of easy running with ``n_races`` 10 km races (at ~4:25/km) in them."""
    rows = training_log(weeks=20)
    return rows + [(NOON + k * 20 * DAY, 10_000.0, 2640.0 + 10 * k) for k in range(1, n_races + 1)]


def test_rich_history_is_more_personal_and_narrower_than_a_single_run() -> None:
    as_of = START + 140 * DAY
    rich = predict_race(_runs(_racer(6)), distance_m=10_000, as_of=as_of)
    single = _runs([(NOON + 120 * DAY, 10_000.0, 2700.0)])
    sparse = predict_race(single, distance_m=10_000, as_of=as_of)
    assert rich.method == "efforts+personal" and rich.inputs["personal_efforts"] >= 3
    assert sparse.method == "efforts" and sparse.personal_share == 0.0
    assert rich.personal_share > 0.3
    width = {k: math.log(p.high / p.low) for k, p in {"rich": rich, "sparse": sparse}.items()}
    assert width["sparse"] > width["rich"]
    assert f"{rich.personal_share:.0%} personal" in rich.explanation


def test_personal_share_is_n_over_n_plus_k_and_grows_with_own_races() -> None:
    k = load_population().params_["personal_k"]["10 km"]  # one k per race distance
    as_of = START + 140 * DAY
    shares = []
    for n_races in (1, 3, 6):
        p = predict_race(_runs(_racer(n_races)), distance_m=10_000, as_of=as_of)
        n = p.inputs["personal_efforts"]
        assert p.personal_share == pytest.approx(n / (n + k))
        shares.append(p.personal_share)
    assert shares == sorted(shares) and shares[0] < shares[-1]


def test_explanation_states_the_numbers_behind_the_prediction() -> None:
    p = predict_race(_runs(_racer(3)), distance_m=21_097.5, as_of=START + 140 * DAY)
    i, text = p.inputs, p.explanation
    best = f"{i['best_effort_distance_m'] / 1000:.1f} km in {format_hms(i['best_effort_time_s'])}"
    assert best in text
    assert f"Riegel says {format_hms(i['riegel_seconds'])}" in text
    assert f"{i['km_per_week_8w']:.0f} km/week" in text
    assert f"{i['personal_efforts']} race-like efforts" in text
    assert f"counted at {p.personal_share:.0%}" in text
    assert f"population alone: {format_hms(i['population_seconds'])}" in text
    assert text.endswith(f"{p.personal_share:.0%} personal.")


def test_a_marked_race_counts_as_personal_evidence_at_any_distance() -> None:
    plain = _runs(training_log(weeks=20))
    race = _runs([(NOON + 100 * DAY, 15_000.0, 15 * 330.0)])  # 15 km at the easy pace
    as_of = START + 140 * DAY

    def evidence(extra: pd.DataFrame) -> int:
        history = pd.concat([plain, extra], ignore_index=True)
        return predict_race(history, distance_m=10_000, as_of=as_of).inputs["personal_efforts"]

    assert evidence(race.assign(is_race=False)) == 0
    assert evidence(race.assign(is_race=True)) == 1
    assert evidence(race.assign(workout_type=1)) == 1  # Strava's "race" workout type


def test_interval_is_calibrated_per_distance_and_history_not_one_width() -> None:
    params = load_population().params_
    widths = {
        (d, n): np.subtract(*interval_quantiles(params, d, n)[::-1])
        for d in (5000.0, 10_000.0, 21_097.5, 42_195.0)
        for n in (0, 1, 5)
    }
    assert len({round(w, 6) for w in widths.values()}) > 4
    # between two race distances the bounds interpolate
    lo_10, hi_10 = interval_quantiles(params, 10_000.0, 5)
    lo_21, hi_21 = interval_quantiles(params, 21_097.5, 5)
    lo_15, hi_15 = interval_quantiles(params, 15_000.0, 5)
    assert min(lo_10, lo_21) <= lo_15 <= max(lo_10, lo_21)
    assert min(hi_10, hi_21) <= hi_15 <= max(hi_10, hi_21)


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
        [
            h,
            _runs([(NOON + 101 * DAY, 40_000.0, 3600.0)]).assign(sport="ride"),
            _runs([(NOON + 102 * DAY, 10_000.0, 1900.0)]).assign(
                sport="run", quality_flags="duplicate_of:abc"
            ),
        ],
        ignore_index=True,
    )
    copy = noisy.copy()
    assert predict_race(noisy, distance_m=10_000, as_of=START + 115 * DAY) == base
    pd.testing.assert_frame_equal(noisy, copy)


def test_training_tier_from_volume_and_speed() -> None:
    pop = load_population()
    p = pop.predict_from_training(distance_m=42_195, km_per_week=60, speed_m_s=3.4)
    assert p.method == "training" and p.low < p.seconds < p.high
    assert "60 km/week" in p.explanation
    assert p.personal_share == 0.0  # population weights on your training: no personal layer


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
    assert params["data"]["n_race_like_efforts"] > 500
    assert params["targets"]["vdot_percentile"] == 90 and params["targets"]["window_days"] == 180
    cells = params["efforts"]["interval"]["cells"]
    assert all(lo < 0 < hi for rows in cells.values() for lo, hi in rows)


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
        races = [
            (NOON + (40 + 30 * k) * DAY, dist, dist / 1000 * easy * 0.82 * f)
            for k, (dist, f) in enumerate(
                [
                    (5000.0, 1.0),
                    (10_000.0, 1.05),
                    (21_097.5, 1.1),
                    (10_000.0, 1.04),
                    (5000.0, 0.99),
                    (42_195.0, 1.2),
                ]
            )
        ]
        frames.append(_runs(rows + races).assign(athlete_id=f"a{a}"))
    return pd.concat(frames, ignore_index=True)


def test_fit_population_on_many_runners_then_predicts() -> None:
    pop = fit_population(_synthetic_population(), n_splits=4)
    assert set(pop.params_) >= {"efforts", "personal_k", "prior", "training", "targets"}
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
    with pytest.raises(ValueError, match="no race-like efforts"):
        fit_population(only_strava, n_splits=4)
