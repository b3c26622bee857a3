"""Fitness–fatigue model benchmark (`make bench`, issue #5): numbers printed, asserted where robust.

**Real histories** (../shared/data/real/athlete_history, and data/sample for the Recife runner):
the intervals.icu runner (740 runs with average HR, summaries only), the Recife runner (GPX/TCX
with samples, 52 runs) and the Elevate multisport athlete (377 rides, 4 runs: too few for a
running index, so the index is the ride's speed at a reference HR; the model is sport-agnostic).

Walk-forward by calendar week (Monday–Sunday). From the first week with >= 10 performance days
and >= 8 weeks of history, each Sunday the models are fitted on every performance day up to it
and predict each performance day of the next 1–4 weeks, given that period's actual daily load
(the load "plan" that was then done). The speed–HR slope and the reference HR of the index are
learnt from the burn-in weeks only, so nothing is read from the future.

- ``banister``: :class:`FitnessModel` with the shipped population prior (tau free per runner).
- ``pmc``: the fixed PMC, ``p = a + b CTL - c ATL`` with tau = 42/7 and a, b, c by least
  squares on the same training days (the baseline named in the issue).
- for information: ``pinned``, the same Bayesian model with tau pinned at 42/7 (is it the free
  tau or the robust, prior-regularised fit that helps?), and ``mean28``, the mean of the last
  28 days' performance (does load explain anything at all?).

Printed per athlete: MAE next week and over weeks 1–4, the ratio banister / pmc, and a 90 %
bootstrap interval of that ratio (forecast weeks resampled).

**Population** (strava_runs_116, 81 runners' summaries; loads from hrTSS/rTSS with thresholds
estimated per runner): one empirical-Bayes step of :func:`population_prior` from the shipped
prior, printed next to the shipped values, and the spread of fitted tau under the shipped prior
and under a weak tau prior (log-SD 1).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coachkit.app.athlete import activity_table, load_athlete
from coachkit.app.ingest import ingest
from coachkit.features.daily import daily_load
from coachkit.features.pmc import pmc
from coachkit.models.fitness import FitnessModel
from coachkit.models.fitness_population import population_fits, population_prior
from coachkit.models.fitness_prior import load_fitness_prior
from coachkit.models.performance import performance_index
from coachkit.store import Store
from tests import model_results
from tests.conftest import BENCHMARKS, REPO, SAMPLE, SHARED, real_file

HISTORIES = {
    "intervals_icu_runner": ("athlete_history/intervals_icu_runner", {}),
    "recife_runner": (None, {}),  # data/sample, the same runner as runpandas_recife_runner
    "elevate_multisport": (
        "athlete_history/elevate_multisport_athlete",
        {"sports": ("ride",), "speed_range_m_s": (2.0, 20.0)},
    ),
}
HORIZON_WEEKS = 4
BURN_IN_DAYS, BURN_IN_OBS = 56, 10
STRAVA = BENCHMARKS / "strava_runs_116" / "raw-data-kaggle.train.csv"


def _display(path: Path) -> str:
    """A data path as the results file names it: in the repo, or under the shared folder."""
    for root, prefix in ((REPO, ""), (SHARED, "shared/")):
        if path.is_relative_to(root):
            return prefix + path.relative_to(root).as_posix()
    return path.as_posix()


def _history(tmp: Path, name: str, rel: str | None) -> pd.DataFrame:
    store = Store(tmp / name)
    ingest(store, [real_file(rel) if rel else SAMPLE], name)
    return activity_table(load_athlete(store, name))


def _pmc_predict(load: pd.Series, train: pd.Series, test: pd.Series) -> np.ndarray:
    x0 = float(load.iloc[:28].mean())  # the same starting state as FitnessModel(init_days=28)
    chart = pmc(load, ctl0=x0, atl0=x0)  # the PMC's own CTL and ATL (42 / 7 days, "exp")
    ctl = chart["ctl"].shift(1, fill_value=x0).to_numpy()  # at the end of the day before
    atl = chart["atl"].shift(1, fill_value=x0).to_numpy()

    def design(s: pd.Series) -> np.ndarray:
        at = load.index.get_indexer(s.index.normalize())
        return np.column_stack([np.ones(len(s)), ctl[at], atl[at]])

    beta, *_ = np.linalg.lstsq(design(train), train.to_numpy(), rcond=None)
    return design(test) @ beta


def walk_forward(table: pd.DataFrame, index_kw: dict) -> tuple[pd.DataFrame, dict]:
    """Errors of every model on every held-out performance day, with origin and horizon."""
    load = daily_load(table, table[["activity_id", "load"]])
    raw = performance_index(table, **index_kw)
    weeks = raw.index.to_period("W-SUN")
    origins = weeks.unique().sort_values()
    first = next(
        i for i, wk in enumerate(origins)
        if (weeks <= wk).sum() >= BURN_IN_OBS and (wk.end_time - raw.index[0]).days >= BURN_IN_DAYS
    )  # fmt: skip
    cut = origins[first].end_time.normalize() + pd.Timedelta(days=1)
    burn = performance_index(table[table["date"] < cut], **index_kw)
    perf = performance_index(
        table,
        hr_slope=burn.attrs["hr_slope_m_s_per_bpm"],
        reference_hr=burn.attrs["reference_hr_bpm"],
        **index_kw,
    )
    prior = load_fitness_prior()
    pinned = replace(prior, tau1_log_sd=0.01, tau2_log_sd=0.01)
    rows, fits, converged = [], 0, 0
    for wk in origins[first:]:
        end = wk.end_time.normalize()
        train = perf[perf.index <= end]
        test = perf[(perf.index > end) & (perf.index <= end + pd.Timedelta(weeks=HORIZON_WEEKS))]
        if test.empty:
            continue
        future = load[(load.index > end) & (load.index <= test.index.max())]
        hist = load[load.index <= end]
        preds = {}
        for name, pr in (("banister", prior), ("pinned", pinned)):
            res = FitnessModel(hist, train, prior=pr).fit()
            fits, converged = fits + 1, converged + res.converged
            preds[name] = res.predict(future).reindex(test.index.normalize()).to_numpy()
        preds["pmc"] = _pmc_predict(load, train, test)
        recent = train[train.index > end - pd.Timedelta(days=28)]
        preds["mean28"] = np.full(len(test), (recent if len(recent) else train).mean())
        horizon = ((test.index - end).days - 1) // 7 + 1
        for name, p in preds.items():
            rows.append(pd.DataFrame({"origin": end, "h": horizon, "model": name,
                                      "err": test.to_numpy() - p}))  # fmt: skip
    info = {"fits": fits, "converged": converged, "burn_in_end": cut, "n_obs": len(perf),
            "slope": burn.attrs["hr_slope_m_s_per_bpm"], "slope_source": burn.attrs["slope_source"]}  # fmt: skip
    return pd.concat(rows, ignore_index=True), info


def _mae(errors: pd.DataFrame, model: str, max_h: int) -> float:
    e = errors[(errors["model"] == model) & (errors["h"] <= max_h)]["err"]
    return float(e.abs().mean())


def _ratio_ci(errors: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> tuple[float, float]:
    """90 % bootstrap interval of MAE(banister) / MAE(pmc) next week, resampling origin weeks."""
    e = errors[errors["h"] == 1].pivot_table(
        index="origin", columns="model", values="err", aggfunc=lambda x: np.abs(x).sum()
    )
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(e), size=(n_boot, len(e)))
    ours, base = e["banister"].to_numpy()[pick].sum(1), e["pmc"].to_numpy()[pick].sum(1)
    # the same days on both sides: the ratio of sums is the ratio of MAEs
    return tuple(np.quantile(ours / base, [0.05, 0.95]))  # type: ignore[return-value]


def test_bench_fitness_real_histories_walk_forward(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fitness")
    ratios, measured, data = {}, {}, {}
    print()
    for athlete, (rel, index_kw) in HISTORIES.items():
        t0 = time.perf_counter()
        table = _history(tmp, athlete, rel)
        load = daily_load(table, table[["activity_id", "load"]])
        perf = performance_index(table, **index_kw)
        full = FitnessModel(load, perf).fit()
        assert full.converged, athlete
        assert np.isfinite(full.bse).all() and (full.bse > 0).all(), athlete
        errors, info = walk_forward(table, index_kw)
        assert info["converged"] >= 0.9 * info["fits"], athlete
        mae1 = {m: _mae(errors, m, 1) for m in ("banister", "pmc", "pinned", "mean28")}
        mae4 = {m: _mae(errors, m, HORIZON_WEEKS) for m in mae1}
        ratios[athlete] = mae1["banister"] / mae1["pmc"]
        low, high = _ratio_ci(errors)
        n1 = int(((errors["h"] == 1) & (errors["model"] == "pmc")).sum())
        data[athlete] = real_file(rel) if rel else SAMPLE
        measured[athlete] = {
            "ratio": round(ratios[athlete], 4),
            "ratio_ci90": [round(float(low), 4), round(float(high), 4)],
            "mae_next_week": {m: round(v, 5) for m, v in mae1.items()},
            "days_next_week": n1,
            "fits": info["fits"],
            "converged": info["converged"],
        }
        p = full.params
        print(
            f"[bench] {athlete}: {info['n_obs']} performance days ({perf.attrs['note']}); "
            f"full fit converged, tau1 {p['tau1']:.0f} ± {full.bse['tau1']:.0f} d, "
            f"tau2 {p['tau2']:.1f} ± {full.bse['tau2']:.1f} d, {100 * full.personal:.0f} % "
            f"personal; walk-forward {info['fits']} fits ({info['converged']} converged), "
            f"{time.perf_counter() - t0:.1f} s"
        )
        print(
            f"[bench]   next week ({n1} days): MAE banister {mae1['banister']:.4f}, "
            f"pmc {mae1['pmc']:.4f}, ratio {ratios[athlete]:.3f} (90 % CI {low:.3f}–{high:.3f}); "
            f"pinned tau {mae1['pinned']:.4f}, mean28 {mae1['mean28']:.4f}"
        )
        print(
            f"[bench]   weeks 1–{HORIZON_WEEKS}: MAE banister {mae4['banister']:.4f}, "
            f"pmc {mae4['pmc']:.4f}, ratio {mae4['banister'] / mae4['pmc']:.3f}; "
            f"pinned {mae4['pinned']:.4f}, mean28 {mae4['mean28']:.4f}"
        )
    mean_ratio = float(np.mean(list(ratios.values())))
    print(f"[bench] MAE ratio banister / fixed 42/7 PMC, mean over the three: {mean_ratio:.3f}")
    model_results.write_section(
        "banister",
        {"runners": measured, "mean_ratio": round(mean_ratio, 4)},
        {_display(path): path for path in data.values()},
        "make bench (tests/bench/test_bench_fitness.py)",
    )
    # robust claims only: better on average over the three, and never clearly worse on one (the
    # per-athlete 90 % intervals of two of them include 1: printed, not asserted)
    assert mean_ratio < 1.0
    assert max(ratios.values()) < 1.05


def test_bench_fitness_population_prior():
    if not STRAVA.exists():
        pytest.skip(f"needs the population data {STRAVA} (set COACHKIT_SHARED)")
    from coachkit.io.population import read_strava_runs_116

    activities = read_strava_runs_116(STRAVA)
    shipped = load_fitness_prior()
    t0 = time.perf_counter()
    step, fits = population_prior(activities, start=shipped, iterations=1)
    t_step = time.perf_counter() - t0
    weak = replace(shipped, tau1_log_sd=1.0, tau2_log_sd=1.0)
    loose = population_fits(activities, prior=weak)
    ok = loose[loose["converged"]]
    ridge = float((ok["tau2"] / ok["tau1"] > 0.5).mean())
    print(
        f"\n[bench] population: {activities['athlete_id'].nunique()} runners, "
        f"{len(fits)} with >= 30 performance days, {int(fits['converged'].sum())} converged "
        f"({t_step:.1f} s per empirical-Bayes step)"
    )
    for name, pr in (("shipped", shipped), ("one more EM step", step)):
        print(
            f"[bench]   {name}: k1 {pr.k1:.5f} (log-SD {pr.k1_log_sd:.2f}), k2 {pr.k2:.5f} "
            f"(log-SD {pr.k2_log_sd:.2f}) per unit load; noise t-scale {pr.noise_sd:.3f}; "
            f"HR slope {pr.hr_slope_m_s_per_bpm:.4f} m/s/bpm"
        )
    for label, frame in (("shipped tau prior", fits[fits["converged"]]), ("weak tau prior", ok)):
        q = frame[["tau1", "tau2"]].quantile([0.1, 0.5, 0.9])
        print(
            f"[bench]   fitted tau ({label}, {len(frame)} runners): tau1 10/50/90 % "
            f"{q['tau1'].iloc[0]:.0f}/{q['tau1'].iloc[1]:.0f}/{q['tau1'].iloc[2]:.0f} d, "
            f"tau2 {q['tau2'].iloc[0]:.1f}/{q['tau2'].iloc[1]:.1f}/{q['tau2'].iloc[2]:.1f} d; "
            f"median Laplace SD of log tau1 {frame['se_log_tau1'].median():.2f}"
        )
    print(
        f"[bench]   with the weak prior {100 * ridge:.0f} % of runners have tau2 > tau1 / 2 "
        f"(the ill-conditioned ridge of Hellard et al. 2006): tau priors stay from the literature"
    )
    assert len(fits) >= 60 and fits["converged"].mean() >= 0.9
    # the shipped numbers are a fixed point of the EM step (within its slow drift)
    assert abs(math.log(step.k1 / shipped.k1)) < 0.1 and abs(math.log(step.k2 / shipped.k2)) < 0.1


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-s"]))
