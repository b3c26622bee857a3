"""Learning curve of the HR response model: two-layer vs population-only vs individual-only.

Athlete-disjoint (GroupKFold by ``athlete_id``) and walking forward: each run is predicted from
the runs before it only. See :class:`~coachkit.models.response.HrResponseModel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import GroupKFold

from coachkit.features.frames import numeric
from coachkit.models.response_features import design_matrices, hr_features, usable_runs
from coachkit.models.response_fit import weighted_prefix_sums

if TYPE_CHECKING:
    from coachkit.models.response import HrResponseModel

DEFAULT_BINS: tuple[tuple[int, int | None], ...] = (
    (0, 0),
    (1, 10),
    (11, 30),
    (31, 100),
    (101, None),
)
IND_MEAN_BELOW, IND_SPEED_BELOW = 5, 30


def individual_only(model: HrResponseModel, athlete: pd.DataFrame) -> pd.DataFrame:
    """Walk-forward predictions of a model fitted only on each run's earlier runs (one athlete).

    The baseline of :func:`learning_curve`, recency-weighted like ``model``'s individual layer.
    With n earlier runs with HR: n = 0, the population mean HR (``model.population_["mean_hr"]``:
    without data of its own it has nothing else); n < 5, the (weighted) mean of your HR;
    n < 30, a line in GAP speed; else a least-squares fit on all :data:`FIXED` covariates.
    Returns ``expected_hr`` and ``n_history`` for the usable HR runs of ``athlete``.
    """
    feats = hr_features(athlete)
    use = usable_runs(athlete, feats)
    f = feats[use]
    x, _ = design_matrices(f)
    y = numeric(athlete, "avg_hr")[use]
    d = f["day"].to_numpy()
    hl = model.half_life_days
    xx, n = weighted_prefix_sums(d, x[:, :, None] * x[:, None, :], d, hl)
    xy, _ = weighted_prefix_sums(d, x * y[:, None], d, hl)
    full = np.einsum("mpq,mq->mp", np.linalg.pinv(xx), xy)
    line = np.einsum("mpq,mq->mp", np.linalg.pinv(xx[:, :2, :2]), xy[:, :2])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = xy[:, 0] / xx[:, 0, 0]
    pred = np.select(
        [n == 0, n < IND_MEAN_BELOW, n < IND_SPEED_BELOW],
        [
            np.full(len(n), model.population_["mean_hr"]),
            mean,
            np.einsum("mp,mp->m", x[:, :2], line),
        ],
        np.einsum("mp,mp->m", x, full),
    )
    return pd.DataFrame({"expected_hr": pred, "n_history": n}, index=f.index)


def _bin_label(lo: int, hi: int | None) -> str:
    if hi is None:
        return f">{lo - 1}"
    return str(lo) if lo == hi else f"{lo}–{hi}"


def walk_forward_errors(
    model: HrResponseModel, history_of_many: pd.DataFrame, *, n_splits: int = 5
) -> pd.DataFrame:
    """Absolute errors of the three models for every run with HR, athlete-disjoint.

    For each GroupKFold fold (by ``athlete_id``), a clone of ``model`` is fitted on the other
    athletes; each held-out athlete's runs with HR are then predicted walking forward (each run
    from the runs before it only) by the two-layer model, its population layer alone, and
    :func:`individual_only`. Returns ``athlete_id``, ``n_history``, ``observed_hr`` and the
    absolute errors ``two_layer``, ``population``, ``individual`` (bpm).
    """
    frame = history_of_many[history_of_many["athlete_id"].notna()].reset_index(drop=True)
    athletes = frame["athlete_id"].astype("string").to_numpy(dtype=object)
    parts = []
    for train, test in GroupKFold(n_splits=n_splits).split(frame, groups=athletes):
        fitted = clone(model).fit(frame.iloc[train])
        for aid, one in frame.iloc[test].groupby("athlete_id", sort=False):
            ind = individual_only(fitted, one)
            ex = fitted.explain(history=one, runs=one.loc[ind.index])
            y = ex["observed_hr"]
            parts.append(
                pd.DataFrame(
                    {
                        "athlete_id": aid,
                        "n_history": ex["n_history"],
                        "observed_hr": y,
                        "two_layer": (ex["expected_hr"] - y).abs(),
                        "population": (ex["population_hr"] - y).abs(),
                        "individual": (ind["expected_hr"] - y).abs(),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def learning_curve(
    model: HrResponseModel,
    history_of_many: pd.DataFrame,
    *,
    bins: Sequence[tuple[int, int | None]] = DEFAULT_BINS,
    n_splits: int = 5,
    errors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """MAE by amount of personal history: two-layer vs population-only vs individual-only.

    Parameters
    ----------
    model : HrResponseModel
        Unfitted (a clone is fitted per fold).
    history_of_many : DataFrame
        Activities of many athletes (``athlete_id``).
    bins : sequence of (lo, hi)
        Inclusive ranges of earlier runs with HR; ``hi`` None for open-ended.
    n_splits : int
        GroupKFold folds (by athlete).
    errors : DataFrame, optional
        Output of :func:`walk_forward_errors`, to bin again without refitting.

    Returns
    -------
    DataFrame
        ``bin``, ``n``, ``mae_two_layer``, ``mae_population``, ``mae_individual`` and
        ``ratio_vs_population`` (two-layer / population-only), one row per bin.
    """
    err = (
        walk_forward_errors(model, history_of_many, n_splits=n_splits) if errors is None else errors
    )
    rows = []
    for lo, hi in bins:
        nh = err["n_history"]
        sel = err[(nh >= lo) & (nh <= (np.inf if hi is None else hi))]
        rows.append(
            {
                "bin": _bin_label(lo, hi),
                "n": len(sel),
                "mae_two_layer": sel["two_layer"].mean(),
                "mae_population": sel["population"].mean(),
                "mae_individual": sel["individual"].mean(),
            }
        )
    out = pd.DataFrame(rows)
    out["ratio_vs_population"] = out["mae_two_layer"] / out["mae_population"]
    return out
