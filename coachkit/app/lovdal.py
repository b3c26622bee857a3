"""Reader for the Lövdal et al. 2021 injury dataset, day approach, and its training command.

Lövdal SS, den Hartigh RJR, Azzopardi G. Injury prediction in competitive runners with machine
learning. Int J Sports Physiol Perform 2021;16(10):1522-1531 (data: DataverseNL
doi:10.34894/UWU9PV, ``day_approach_maskedID_timeseries.csv``). The data is **not** shipped
with coachkit: bring your own copy (see ``shared/data/benchmarks/SOURCES.md`` §1).

The format: one row per athlete-day ("event"), columns ``Athlete ID``, ``Date`` (integer days),
``injury`` (0/1) and 10 daily features × 7 days, each feature name with the suffixes none,
``.1`` … ``.6``. Two caveats, both handled here:

* **Window order.** The depositors' README calls the unsuffixed block "the day before the
  event", but in the file block ``.k`` of day *d* equals block ``.k+1`` of day *d − 1*: ``.6``
  is the **most recent** day and the unsuffixed block the oldest (SOURCES.md §1; two third-party
  projects report the same). Columns are renamed ``<feature>_lag<L>`` with L = 7 − k days
  before the event (``.6`` → ``lag1``, none → ``lag7``).
* **Rest days.** The perceived-* features are -0.01 on a rest day; they become NaN.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

#: the 10 daily features of the day approach, in the file's order
DAY_FEATURES = (
    "nr. sessions",
    "total km",
    "km Z3-4",
    "km Z5-T1-T2",
    "km sprinting",
    "strength training",
    "hours alternative",
    "perceived exertion",
    "perceived trainingSuccess",
    "perceived recovery",
)
PERCEIVED = ("perceived exertion", "perceived trainingSuccess", "perceived recovery")
DAYS = 7
REST_DAY_VALUE = -0.01  # the depositors' marker for "no session, no rating"
ID_COLUMNS = ("Athlete ID", "Date", "injury")


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def _column(feature: str, k: int) -> str:
    return feature if k == 0 else f"{feature}.{k}"


def read_lovdal_day(
    path_or_bytes: str | Path | bytes | IO[Any],
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Read a day-approach file into features, labels and athlete groups.

    Parameters
    ----------
    path_or_bytes : path, bytes or file object
        The CSV (comma-separated, CRLF or LF, optional BOM).

    Returns
    -------
    X : pandas.DataFrame
        70 columns ``<feature>_lag<L>`` (snake_case feature, L = days before the event, 1 = the
        most recent); perceived-* ratings are NaN on rest days. ``X.attrs["date"]`` holds the
        ``Date`` column.
    y : pandas.Series
        ``injury`` (int 0/1).
    groups : pandas.Series
        ``athlete_id``: validate by these, never by rows.
    """
    source: Any = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    raw = pd.read_csv(source, encoding="utf-8-sig")
    raw.columns = [str(c).strip() for c in raw.columns]
    needed = [*ID_COLUMNS] + [_column(f, k) for k in range(DAYS) for f in DAY_FEATURES]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise ValueError(
            f"not a Lövdal day-approach file: {len(missing)} expected columns are missing "
            f"(first: {missing[:3]}); expected 'Athlete ID', 'Date', 'injury' and 10 daily "
            "features x 7 days"
        )
    X = pd.DataFrame(index=raw.index)
    for k in range(DAYS):
        for feature in DAY_FEATURES:
            values = pd.to_numeric(raw[_column(feature, k)], errors="coerce").astype(float)
            if feature in PERCEIVED:
                values = values.mask(np.isclose(values, REST_DAY_VALUE))
            X[f"{_snake(feature)}_lag{DAYS - k}"] = values
    y = pd.to_numeric(raw["injury"], errors="coerce")
    if y.isna().any() or not y.isin([0, 1]).all():
        raise ValueError("the 'injury' column must be 0 or 1 on every row")
    X = X[sorted(X.columns, key=lambda c: (int(c.rsplit("_lag", 1)[1]), c))]
    X.attrs["date"] = pd.to_numeric(raw["Date"], errors="coerce").to_numpy()
    groups = raw["Athlete ID"].astype("string").rename("athlete_id")
    return X, y.astype(int).rename("injury"), groups


def _lags(X: pd.DataFrame, feature: str) -> pd.DataFrame:
    name = _snake(feature)
    return X[[f"{name}_lag{lag}" for lag in range(1, DAYS + 1)]]


def lovdal_features(X: pd.DataFrame, groups: pd.Series | None = None) -> pd.DataFrame:
    """Week summaries of a day-approach window, for :class:`~coachkit.models.risk.InjuryRiskModel`.

    Per row: 7-day sums of every load feature, rest days, the most recent day's values, the
    mean perceived ratings over training days, and ``km_spike_ratio`` (the last day's km over
    the longest day of the 6 before it: the RUNSAFE idea on the 7-day window the format has).
    With ``groups``, each column is also z-scored within its athlete (``*_z``), because
    Lövdal et al. standardised per athlete; here the athlete's own mean and SD over all rows,
    which uses no labels.
    """
    out = pd.DataFrame(index=X.index)
    for feature in DAY_FEATURES:
        days = _lags(X, feature)
        name = _snake(feature)
        out[f"{name}_last"] = days.iloc[:, 0]
        if feature in PERCEIVED:
            out[f"{name}_mean7"] = days.mean(axis=1)
        else:
            out[f"{name}_sum7"] = days.sum(axis=1, min_count=1)
    km = _lags(X, "total km")
    before = km.iloc[:, 1:].max(axis=1)
    out["km_spike_ratio"] = (km.iloc[:, 0] / before).where(before > 0)
    out["rest_days7"] = (_lags(X, "nr. sessions") == 0).sum(axis=1).astype(float)
    out["km_max_day7"] = km.max(axis=1)
    if groups is not None:
        g = pd.Series(np.asarray(groups), index=out.index)
        stats = out.groupby(g)
        z = (out - stats.transform("mean")) / stats.transform("std").replace(0.0, np.nan)
        out = out.join(z.add_suffix("_z"))
    return out


def train_lovdal(
    path: str | Path | bytes, *, n_splits: int = 5, model: Any = None
) -> dict[str, Any]:
    """Read → features → grouped cross-validation (by athlete) → calibrated probabilities.

    Runs :func:`coachkit.models.risk.grouped_cv_report` with a calibrated
    :class:`~coachkit.models.risk.InjuryRiskModel` (or ``model``) and returns its report plus
    what was read. The published reference: ROC AUC 0.724 for bagged XGBoost on the paper's
    own split (Lövdal et al. 2021); an athlete-grouped, non-bagged replication got 0.588
    (SOURCES.md §1). Nothing here claims a number on data the repo does not have.
    """
    from coachkit.models.risk import InjuryRiskModel, grouped_cv_report  # io → models, lazily

    X, y, groups = read_lovdal_day(path)
    features = lovdal_features(X, groups)
    model = model if model is not None else InjuryRiskModel(calibration="sigmoid")
    report = grouped_cv_report(model, features, y, groups, n_splits=n_splits)
    report.update(
        source="Lövdal et al. 2021 day approach",
        n_features=int(features.shape[1]),
        model=repr(model),
    )
    return report
