"""HR-response benchmark (`make bench`): two-layer vs population-only vs individual-only.

Acceptance (issue #5): walking forward through each held-out runner's runs (GroupKFold by
athlete over the Strava population file, 81 runners, 76 of them with HR), the two-layer model's
MAE is lower than both population-only (the named baseline) and individual-only in every bin
of personal history (0, 1–10, 11–30, 31–100, > 100 earlier runs with HR).

Bin 0 by construction: with no earlier run with HR the two-layer prediction *is* the
population prediction, so there the two MAEs are equal, and individual-only, which has no data
of its own, predicts the population's mean HR. The acceptance is therefore asserted as
"two-layer < population-only in bins ≥ 1, = in bin 0; two-layer < individual-only in all bins".
An athlete-level bootstrap (95 % interval of the MAE difference, resampling runners) is printed
beside each bin to show how robust each margin is.

Also checks that the shipped ``coachkit/population/hr_response.json`` is what a refit on the
same bytes gives. To rewrite it: ``.venv/bin/python -m tests.bench.test_bench_hr_response --write``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coachkit.app.population import hr_response_document
from coachkit.core.files import sha256_file
from coachkit.io.population import STRAVA_RUNS_FILE, STRAVA_RUNS_SHA256, read_strava_runs_116
from coachkit.models.response import POPULATION_JSON, HrResponseModel
from coachkit.models.response_eval import learning_curve, walk_forward_errors
from coachkit.models.response_features import design_matrices, hr_features, usable_runs
from coachkit.viz.models import hr_learning_curve_figure
from tests import model_results
from tests.conftest import BENCHMARKS, REPO

DATA = BENCHMARKS / STRAVA_RUNS_FILE
SHIPPED = REPO / "coachkit" / "population" / POPULATION_JSON
N_BOOT, SEED = 1000, 5


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    if not DATA.exists():
        pytest.skip(f"needs the benchmark file {DATA} (the steering repo's shared/data/benchmarks)")
    return read_strava_runs_116(DATA)


def shipped_document(frame: pd.DataFrame, path: Path = DATA) -> dict:
    """The population layer fitted on every runner of the file, with its provenance."""
    digest = sha256_file(path)
    if digest != STRAVA_RUNS_SHA256:
        raise ValueError(f"{path} is not the expected file (sha256 {digest})")
    return hr_response_document(frame)


def _bootstrap(err: pd.DataFrame, lo: float, hi: float, other: str) -> tuple[float, float]:
    """95 % interval of MAE(other) − MAE(two_layer) in a bin, resampling athletes."""
    sel = err[(err["n_history"] >= lo) & (err["n_history"] <= hi)]
    per = sel.groupby("athlete_id")[["two_layer", other]].agg(["sum", "count"])
    n = per[("two_layer", "count")].to_numpy(float)
    d = (per[(other, "sum")] - per[("two_layer", "sum")]).to_numpy(float)
    rng = np.random.default_rng(SEED)
    w = rng.multinomial(len(n), np.full(len(n), 1 / len(n)), size=N_BOOT).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        diffs = (w @ d) / (w @ n)
    return tuple(np.nanpercentile(diffs, [2.5, 97.5]))  # type: ignore[return-value]


def test_learning_curve_two_layer_beats_both_baselines(population: pd.DataFrame) -> None:
    errors = walk_forward_errors(HrResponseModel(), population, n_splits=5)
    curve = learning_curve(HrResponseModel(), population, errors=errors)
    edges = [(0, 0), (1, 10), (11, 30), (31, 100), (101, np.inf)]
    ci_pop = [_bootstrap(errors, lo, hi, "population") for lo, hi in edges]
    ci_ind = [_bootstrap(errors, lo, hi, "individual") for lo, hi in edges]
    table = curve.assign(
        ratio_vs_individual=curve["mae_two_layer"] / curve["mae_individual"],
        gain_vs_pop_ci=[f"{a:+.2f}..{b:+.2f}" for a, b in ci_pop],
        gain_vs_ind_ci=[f"{a:+.2f}..{b:+.2f}" for a, b in ci_ind],
    )
    overall = errors[["two_layer", "population", "individual"]].mean()
    print(
        f"\nHR response, walk-forward, GroupKFold(5) by athlete: {errors['athlete_id'].nunique()} "
        f"held-out runners, {len(errors)} runs with HR. MAE in bpm; baseline = population-only."
        "\nIndividual-only: population mean HR with no run of its own (bin 0), then your "
        "recency-weighted mean HR (< 5 runs), a line in GAP speed (< 30), then least squares "
        "on all covariates. gain_*_ci: 95 % athlete-bootstrap interval of MAE(baseline) − "
        "MAE(two-layer), bpm."
    )
    print(table.round(3).to_string(index=False))
    print(
        f"all runs: two-layer {overall['two_layer']:.3f}, population-only "
        f"{overall['population']:.3f}, individual-only {overall['individual']:.3f}; "
        f"ratio two-layer / population-only {overall['two_layer'] / overall['population']:.3f}"
    )
    model_results.write_section(
        "hr_response",
        {
            "bins": [
                {
                    "bin": str(r["bin"]),
                    "n": int(r["n"]),
                    **{c: round(float(r[c]), 4) for c in curve if c.startswith("mae_")},
                    "gain_vs_population_ci95": [round(float(v), 3) for v in ci_pop[i]],
                    "gain_vs_individual_ci95": [round(float(v), 3) for v in ci_ind[i]],
                }
                for i, (_, r) in enumerate(curve.iterrows())
            ],
            "overall": {
                **{k: round(float(v), 4) for k, v in overall.items()},
                "runs": int(len(errors)),
                "runners": int(errors["athlete_id"].nunique()),
            },
        },
        {STRAVA_RUNS_FILE: DATA},
        "make bench (tests/bench/test_bench_hr_response.py)",
    )
    fig = hr_learning_curve_figure(curve)
    assert len(fig.data) == 3

    first = curve.iloc[0]
    assert first["mae_two_layer"] == pytest.approx(first["mae_population"])  # same prediction
    rest = curve.iloc[1:]
    assert (rest["mae_two_layer"] < rest["mae_population"]).all(), curve
    assert (curve["mae_two_layer"] < curve["mae_individual"]).all(), curve


def test_shipped_population_is_a_refit_of_the_same_data(population: pd.DataFrame) -> None:
    shipped = json.loads(SHIPPED.read_text("utf-8"))
    refit = shipped_document(population)
    assert shipped["provenance"]["data_sha256"] == STRAVA_RUNS_SHA256
    assert shipped["provenance"] == refit["provenance"]
    for name, value in refit["population"]["fixed"].items():
        assert shipped["population"]["fixed"][name] == pytest.approx(value, rel=1e-3, abs=1e-4)
    np.testing.assert_allclose(
        shipped["population"]["cov_re"], refit["population"]["cov_re"], rtol=1e-3, atol=1e-4
    )
    assert shipped["k"] == pytest.approx(refit["k"], rel=1e-3)
    print(f"\nshipped HR population layer:\n{HrResponseModel.from_population().summary()}")


def test_em_fit_agrees_with_statsmodels_mixedlm(population: pd.DataFrame) -> None:
    """Cross-check of the EM (ML) fit against statsmodels MixedLM (REML) on the same design."""
    import statsmodels.api as sm

    model = HrResponseModel().fit(population)
    feats = pd.concat(
        [hr_features(g) for _, g in population.groupby("athlete_id", sort=False)]
    ).reindex(population.index)
    use = usable_runs(population, feats)
    x, z = design_matrices(feats[use])
    sx, sz = np.r_[1.0, x[:, 1:].std(0)], np.r_[1.0, z[:, 1:].std(0)]  # lbfgs needs unit scale
    res = sm.MixedLM(
        population["avg_hr"].to_numpy()[use], x / sx,
        groups=population["athlete_id"].to_numpy(dtype=object)[use], exog_re=z / sz,
    ).fit(reml=True, method=["lbfgs"])  # fmt: skip
    fixed = np.asarray(res.fe_params) / sx
    sd_ml = np.sqrt(np.diag(model.population_["cov_re"]))
    sd_reml = np.sqrt(np.diag(res.cov_re)) / sz
    table = pd.DataFrame(
        {"EM (ML)": list(model.population_["fixed"].values()) + list(sd_ml),
         "MixedLM (REML)": list(fixed) + list(sd_reml)},
        index=[f"fixed {k}" for k in model.population_["fixed"]]
        + [f"SD {k}" for k in model.population_["random"]],
    )  # fmt: skip
    print(f"\nEM vs statsmodels MixedLM (converged: {res.converged}):\n{table.round(4)}")
    assert res.converged and model.converged_
    np.testing.assert_allclose(list(model.population_["fixed"].values()), fixed, rtol=0.01)
    np.testing.assert_allclose(sd_ml, sd_reml, rtol=0.03)


if __name__ == "__main__" and "--write" in sys.argv:
    doc = shipped_document(read_strava_runs_116(DATA))
    SHIPPED.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {SHIPPED}: {doc['n_runs']} runs of {doc['n_athletes']} athletes")
