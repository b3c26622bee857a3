"""Race-prediction benchmark (`make bench`; issue 16): held-out runners, race-like targets,
four baselines side by side, written to ``docs/results/models.json``.

Data: the 81 runners of ``strava_runs_116`` (whole-activity summaries: distance and elapsed
time per run). Skipped when the benchmarks folder is absent.

**Targets** (issue 16; coded here on their own, not taken from the model): a run within 3 %
of 5 km, 10 km, half or marathon whose Daniels VDOT is at or above the 90th percentile of the
VDOTs of that runner's runs ≥ 3 km within ±180 days (the window looks ahead only to choose
targets), with ≥ 10 runs in the 180 days before it, one of them ≥ 3 km. Each is predicted at
its recorded distance from the runner's activities strictly before its start (``as_of`` = its
start time), by a population fitted on the other folds' runners only (GroupKFold by athlete,
5 folds; the population fit tunes k and its intervals by an inner GroupKFold: nested).
The runs are those :func:`~coachkit.models.race_efforts.prepare_runs` keeps (runs, no
duplicates, plausible speed), for the baselines as for the model.

**Baselines**, on the same targets, from the same runs:

- *Riegel*: the best of the last 180 days, min over runs ≥ 3 km of T·(D/d)^1.06 (Riegel 1981);
- *Riegel + bias*: that × exp(median log(actual / Riegel)) of the training folds' targets;
- *VDOT*: the time at D of the best VDOT of those runs (Daniels & Gilbert 1979);
- *pooled*: least squares of log time on log Riegel time, log distance, log(1 + km/week) and
  log(longest run / D) of the 8 weeks before, over the training folds' targets.

Asserted: issue 16's acceptance (MAPE ≤ 0.85 × Riegel and below bias-corrected Riegel,
overall and at each distance with ≥ 20 targets; |mean signed error| ≤ 1.5 %; 80 % intervals
cover 75–85 % overall and at each distance). The numbers are written to the results file
before the assertions, with which criteria hold.

Prague 2017 (87 marathoners, only 4-week km/week and mean training speed, no personal history)
is a printed sanity check of the training-only tier against a VDOT-from-training-speed baseline.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from sklearn.model_selection import GroupKFold

from coachkit.app.population import RACE_JSON, fit_race_population
from coachkit.features.daniels import daniels_paces, race_time_from_vdot, vdot
from coachkit.io.population import (
    PRAGUE_FILE,
    STRAVA_RUNS_FILE,
    read_prague17,
    read_strava_runs_116,
)
from coachkit.models.race import fit_population, load_population
from coachkit.models.race_efforts import prepare_runs
from tests import model_results
from tests.conftest import BENCHMARKS

pytestmark = pytest.mark.slow

N_SPLITS = 5
RIEGEL = 1.06  # Riegel 1981
DISTANCES_M = {"5 km": 5000.0, "10 km": 10000.0, "half marathon": 21097.5, "marathon": 42195.0}
MIN_TARGETS = 20  # a distance with fewer targets is reported, not judged (issue 16)
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
BASELINES = ("riegel", "riegel_bias", "vdot", "pooled")


def _need(relpath: str):
    path = BENCHMARKS / relpath
    if not path.is_file():
        pytest.skip(f"needs the benchmark data {path} (the steering repo's shared/data/benchmarks)")
    return path


@pytest.fixture(scope="module")
def runs_116() -> pd.DataFrame:
    return read_strava_runs_116(_need(STRAVA_RUNS_FILE))


def _targets_of(athlete: str, acts: pd.DataFrame) -> list[dict]:
    runs, _ = prepare_runs(acts)
    t, d, s = runs.day, runs.distance_m, runs.time_s
    v = np.array([vdot(a, b) for a, b in zip(d, s)])
    start = pd.to_datetime(acts["start_time"], utc=True)
    when = dict(zip(((start - _EPOCH) / pd.Timedelta(days=1)).to_numpy(float), start))
    rows = []
    for i in range(len(t)):
        name = next((k for k, D in DISTANCES_M.items() if abs(d[i] / D - 1) <= 0.03), None)
        if name is None:
            continue
        window = (t >= t[i] - 180) & (t <= t[i] + 180) & (d >= 3000)
        before = (t < t[i]) & (t >= t[i] - 180)
        frontier = before & (d >= 3000)
        if v[i] < np.percentile(v[window], 90) or before.sum() < 10 or not frontier.any():
            continue
        D = d[i]
        recent = (t < t[i]) & (t >= t[i] - 56)
        rows.append(
            {
                "athlete_id": athlete,
                "as_of": when[t[i]],
                "band": name,
                "distance_m": D,
                "time_s": s[i],
                "riegel_s": float(np.min(s[frontier] * (D / d[frontier]) ** RIEGEL)),
                "vdot_s": race_time_from_vdot(float(v[frontier].max()), D),
                "km_week": d[recent].sum() / 1000 / 8,
                "longest_m": d[recent].max() if recent.any() else 0.0,
            }
        )
    return rows


def race_targets(activities: pd.DataFrame) -> pd.DataFrame:
    """One row per target (the module docstring) with the baselines that need no fitting."""
    rows = []
    for athlete, acts in activities.groupby("athlete_id", sort=True):
        rows += _targets_of(str(athlete), acts)
    return pd.DataFrame(rows)


def _pooled_design(t: pd.DataFrame) -> np.ndarray:
    return np.column_stack(
        [
            np.ones(len(t)),
            np.log(t["riegel_s"]),
            np.log(t["distance_m"] / 10_000),
            np.log1p(t["km_week"]),
            np.log(np.maximum(t["longest_m"], 1000.0) / t["distance_m"]),
        ]
    )


def evaluate(activities: pd.DataFrame) -> pd.DataFrame:
    """Held-out predictions of ours and the baselines for every target."""
    targets = race_targets(activities)
    athletes = np.array(sorted(activities["athlete_id"].unique()))
    by_athlete = dict(tuple(activities.groupby("athlete_id", sort=True)))
    cols = ["ours_s", "low_s", "high_s", "method", "share", "n_personal", "riegel_bias_s"]
    out = pd.DataFrame(index=targets.index, columns=cols + ["pooled_s"], dtype=object)
    for train, test in GroupKFold(n_splits=N_SPLITS).split(athletes, groups=athletes):
        pop = fit_population(activities[activities["athlete_id"].isin(athletes[train])])
        fit = targets[targets["athlete_id"].isin(athletes[train])]
        bias = float(np.median(np.log(fit["time_s"] / fit["riegel_s"])))
        beta, *_ = np.linalg.lstsq(_pooled_design(fit), np.log(fit["time_s"]), rcond=None)
        held = targets[targets["athlete_id"].isin(athletes[test])]
        out.loc[held.index, "pooled_s"] = np.exp(_pooled_design(held) @ beta)
        for row in held.itertuples():
            p = pop.predict_race(
                by_athlete[row.athlete_id], distance_m=row.distance_m, as_of=row.as_of
            )
            out.loc[row.Index, cols] = [
                p.seconds,
                p.low,
                p.high,
                p.method,
                p.personal_share,
                p.inputs.get("personal_efforts", 0),
                row.riegel_s * math.exp(bias),
            ]
    res = targets.join(out.astype({c: float for c in cols + ["pooled_s"] if c != "method"}))
    for name in ("ours",) + BASELINES:
        res[f"err_{name}"] = res[f"{name}_s"] / res["time_s"] - 1
    res["covered"] = (res["time_s"] >= res["low_s"]) & (res["time_s"] <= res["high_s"])
    return res


def _summary(g: pd.DataFrame) -> dict:
    s = {"n": int(len(g)), "runners": int(g["athlete_id"].nunique())}
    s["most_from_one_runner"] = int(g["athlete_id"].value_counts().max())
    for name in ("ours",) + BASELINES:
        key = "riegel" if name == "riegel" else name
        s[f"mape_{key}"] = round(float(g[f"err_{name}"].abs().mean()), 5)
    s["ratio_riegel"] = round(s["mape_ours"] / s["mape_riegel"], 4)
    s["ratio_riegel_bias"] = round(s["mape_ours"] / s["mape_riegel_bias"], 4)
    s["bias_ours"] = round(float(g["err_ours"].mean()), 5)
    s["bias_riegel"] = round(float(g["err_riegel"].mean()), 5)
    s["coverage"] = round(float(g["covered"].mean()), 4)
    s["interval_width_median"] = round(
        float(((g["high_s"] - g["low_s"]) / g["ours_s"]).median()), 4
    )
    s["personal_share_mean"] = round(float(g["share"].mean()), 4)
    s["with_personal_layer"] = round(float((g["share"] > 0).mean()), 4)
    return s


def summarise(res: pd.DataFrame) -> dict:
    """Overall, per distance and per history bin, plus which acceptance criteria hold."""
    by_dist = {b: _summary(res[res["band"] == b]) for b in DISTANCES_M if (res["band"] == b).any()}
    hist = pd.cut(res["n_personal"], [-1, 0, 2, np.inf], labels=["0", "1-2", "3+"])
    by_hist = {str(h): _summary(g) for h, g in res.groupby(hist, observed=True)}
    overall = _summary(res)
    judged = {"overall": overall} | {b: s for b, s in by_dist.items() if s["n"] >= MIN_TARGETS}
    acceptance = {
        "mape_le_0.85_riegel": {k: s["ratio_riegel"] <= 0.85 for k, s in judged.items()},
        "mape_below_riegel_bias": {k: s["ratio_riegel_bias"] < 1.0 for k, s in judged.items()},
        "abs_bias_le_1.5pct": abs(overall["bias_ours"]) <= 0.015,
        "coverage_75_85": {
            k: 0.75 <= s["coverage"] <= 0.85 for k, s in ({"overall": overall} | by_dist).items()
        },
    }
    return {
        "overall": overall,
        "by_distance": by_dist,
        "by_history": by_hist,
        "methods": res["method"].value_counts().to_dict(),
        "acceptance": acceptance,
    }


def report(summary: dict) -> None:
    head = f"{'':<15}{'n':>5}{'ours':>8}{'Riegel':>8}{'R+bias':>8}{'VDOT':>8}{'pooled':>8}"
    print(f"\n{head}{'ratio':>7}{'bias':>8}{'R bias':>8}{'cover':>7}{'share':>7}")
    rows = summary["by_distance"] | {"overall": summary["overall"]}
    rows |= {f"history {k}": v for k, v in summary["by_history"].items()}
    for name, s in rows.items():
        mapes = "".join(f"{100 * s[f'mape_{k}']:>7.2f}%" for k in ("ours",) + BASELINES)
        print(
            f"{name:<15}{s['n']:>5}{mapes}{s['ratio_riegel']:>7.3f}{100 * s['bias_ours']:>+7.2f}%"
            f"{100 * s['bias_riegel']:>+7.2f}%{s['coverage']:>7.2f}{s['personal_share_mean']:>7.2f}"
        )
    print(f"methods: {summary['methods']}; acceptance: {json.dumps(summary['acceptance'])}")


def test_race_prediction_on_race_like_efforts_of_held_out_runners(runs_116: pd.DataFrame) -> None:
    summary = summarise(evaluate(runs_116))
    print(f"\nRace prediction, held-out runners ({N_SPLITS}-fold by athlete), race-like targets")
    report(summary)
    model_results.write_section(
        "race",
        summary,
        {STRAVA_RUNS_FILE: BENCHMARKS / STRAVA_RUNS_FILE},
        "make bench (tests/bench/test_bench_race.py)",
    )
    acc = summary["acceptance"]
    failed = [
        f"{crit}: {k}"
        for crit, v in acc.items()
        if isinstance(v, dict)
        for k, ok in v.items()
        if not ok
    ] + [crit for crit, v in acc.items() if v is False]
    assert not failed, f"issue 16 acceptance not met: {failed}"


def test_shipped_race_population_is_a_refit_of_the_same_data() -> None:
    _need(STRAVA_RUNS_FILE)
    shipped = json.loads(RACE_JSON.read_text("utf-8"))
    refit = json.loads(json.dumps(fit_race_population(BENCHMARKS)))  # the same rounding
    assert shipped == refit


def _vdot_from_training_speed(speed_m_s: float) -> float:
    """VDOT whose Daniels E band (59–74 % of VDOT) has its middle pace at ``speed_m_s``."""
    pace = 1000.0 / speed_m_s

    def gap(v: float) -> float:
        fast, slow = daniels_paces(v)["E"]
        return (fast + slow) / 2 - pace

    return float(brentq(gap, 10.0, 90.0))


def test_prague17_training_only_sanity() -> None:
    prague = read_prague17(_need(PRAGUE_FILE)).dropna(subset=["km4week", "sp4week_km_h"])
    pop = load_population()  # the shipped fit on all 81 Strava runners
    rows = []
    for r in prague.itertuples():
        speed = r.sp4week_km_h / 3.6
        p = pop.predict_from_training(distance_m=42_195.0, km_per_week=r.km4week, speed_m_s=speed)
        base = race_time_from_vdot(_vdot_from_training_speed(speed), 42_195.0)
        rows.append((r.marathon_time_s, p.seconds, p.low, p.high, base))
    t, ours, low, high, base = (np.array(c, dtype=float) for c in zip(*rows))
    no_data = pop.predict_race(pd.DataFrame(), distance_m=42_195.0).seconds  # the prior alone
    mape_ours = float(np.mean(np.abs(ours / t - 1)))
    mape_base = float(np.mean(np.abs(base / t - 1)))
    cover = float(np.mean((t >= low) & (t <= high)))
    print(
        f"\nPrague 2017 sanity check (n={len(t)} marathoners; 4-week km/week and mean training "
        f"speed only): MAPE ours (training tier of the shipped population) "
        f"{mape_ours:.3f} vs VDOT-from-training-speed {mape_base:.3f} (ratio "
        f"{mape_ours / mape_base:.2f}); 80 % interval coverage {cover:.2f}; median bias ours "
        f"{np.median(ours / t - 1):+.1%}, VDOT {np.median(base / t - 1):+.1%}; the population "
        f"prior alone (one time for all, {no_data / 3600:.2f} h) has MAPE "
        f"{np.mean(np.abs(no_data / t - 1)):.3f}"
    )
    assert math.isfinite(mape_ours)
