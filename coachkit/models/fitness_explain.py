"""A fitted fitness–fatigue model, told: the form on a day in one sentence, and the summary table.

:class:`~coachkit.models.fitness.FitnessResults` computes the numbers (predictions, intervals,
components); this module lays them out for a reader: :class:`FormPrediction` with its plain
sentence (``FitnessResults.form_on``) and the statsmodels-like text table
(``FitnessResults.summary``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from coachkit.models.fitness_prior import load_fitness_prior

if TYPE_CHECKING:
    from coachkit.models.fitness import FitnessResults


@dataclass(frozen=True)
class FormPrediction:
    """Predicted performance on one day, with an 80 % interval and one plain sentence."""

    date: pd.Timestamp
    performance: float
    low: float
    high: float
    fitness: float
    fatigue: float
    personal: float
    explanation: str


def form_prediction(
    res: FitnessResults, day: pd.Timestamp, band: pd.DataFrame, comp: pd.DataFrame
) -> FormPrediction:
    """The prediction on ``day``, told against the last day of history.

    ``band`` and ``comp`` are ``res.predict_interval(plan)`` and ``res.components(plan)`` over
    the history and the planned days up to ``day``.
    """
    last = res.model.load.index[-1]
    row, now = comp.loc[day], float(comp.loc[last, "performance"])
    perf, lo, hi = float(band.loc[day, "mean"]), band.loc[day, "low"], band.loc[day, "high"]
    p, unit = res.params, res.model.unit
    text = (
        f"Predicted {res.model.label} on {day:%Y-%m-%d}: {perf:.2f}{unit} (80 % range "
        f"{lo:.2f}–{hi:.2f}), {100 * (perf / now - 1):+.1f} % on {last:%Y-%m-%d}, with "
        f"fitness +{row['fitness']:.2f} and fatigue −{row['fatigue']:.2f} after "
        f"{(day - last).days} planned days (time constants {p['tau1']:.0f} and "
        f"{p['tau2']:.0f} days); based on {res.weeks} weeks of your data; "
        f"{100 * res.personal:.0f} % personal."
    )
    fitness, fatigue = float(row["fitness"]), float(row["fatigue"])
    return FormPrediction(day, perf, float(lo), float(hi), fitness, fatigue, res.personal, text)


def summary_table(res: FitnessResults) -> str:
    """A statsmodels-like text table of a fit: header facts, then one row per parameter."""
    m, ci, prior = res.model, res.conf_int(), res.prior_mean()
    bar, rule = "=" * 78, "-" * 78
    left = [
        ("Performance:", m.label),
        ("Method:", "MAP + Laplace"),
        ("Converged:", str(res.converged)),
        ("Residual SD:", f"{res.resid_sd:.4g}"),
        ("t4 scale:", f"{res.sigma:.4g}"),
    ]
    right = [
        ("No. observations:", str(res.nobs)),
        ("Weeks of data:", str(res.weeks)),
        ("Load days:", str(len(m.load))),
        ("Personal:", f"{100 * res.personal:.0f} %"),
        ("Prior:", "shipped" if m.prior == load_fitness_prior() else "custom"),
    ]
    lines = ["Fitness–fatigue (Banister) model results".center(78), bar]
    for (a, b), (c, d) in zip(left, right):
        lines.append(f"{a:<14}{b:>22}    {c:<20}{d:>18}")
    lines += [
        bar,
        f"{'':8}{'coef':>12}{'std err':>12}{'[0.025':>12}{'0.975]':>12}{'prior mean':>14}",
        rule,
    ]
    for n in res.params.index:
        lines.append(
            f"{n:<8}{res.params[n]:>12.4g}{res.bse[n]:>12.4g}{ci.loc[n, 'lower']:>12.4g}"
            f"{ci.loc[n, 'upper']:>12.4g}{prior[n]:>14.4g}"
        )
    lines += [
        bar,
        "k1, k2: performance per unit of daily load (CTL/ATL-like states); tau: days.",
        "Intervals for k and tau on the log scale. " + res.message,
    ]
    return "\n".join(lines)
