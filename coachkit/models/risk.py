"""Injury and overtraining risk: evidence layer, individual layer and a learned layer (docs/design.md §6).

* **Evidence layer** (:mod:`coachkit.models.risk_evidence`, its factors in
  :mod:`coachkit.models.risk_factors`): ``assess_risk`` and ``risk_timeline`` turn the daily
  table of :func:`coachkit.features.risk.risk_features` into scores from published effect
  sizes, each with its factors in plain words, and overtraining reported apart from overuse
  injury.
* **Individual layer** (:mod:`coachkit.models.risk_personal`):
  ``personal_risk`` reads the runner's own niggles and injuries and finds the training
  patterns that preceded them more often than usual ("your last two calf niggles followed
  weeks with > 2 hard sessions"). Those become extra factors, shrunk towards "no effect" by
  n / (n + 3) with n the runner's niggle episodes.
* **Learned layer**: :class:`InjuryRiskModel`, a scikit-learn classifier with calibrated
  probabilities, for labelled data where it exists (the runner's own history, or a dataset in
  the Lövdal et al. 2021 format, :mod:`coachkit.app.lovdal`). :func:`grouped_cv_report`
  validates it by athlete only (GroupKFold): rows of one runner are never on both sides.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from coachkit.features.risk import RISK_FEATURE_COLUMNS

__all__ = ["MODEL_COLUMNS", "InjuryRiskModel", "grouped_cv_report"]


#: numeric columns of the risk-feature table, the inputs of :class:`InjuryRiskModel`
MODEL_COLUMNS = tuple(
    c for c in RISK_FEATURE_COLUMNS if c not in ("niggle_sites", "session_planned")
)


class InjuryRiskModel(ClassifierMixin, BaseEstimator):
    """Calibrated injury-risk classifier on numeric features (NaN allowed).

    Parameters
    ----------
    method : {"logistic", "boosting"}
        ``"logistic"``: median imputation with missing-value indicators, standardisation and
        an L2 logistic regression (readable coefficients). ``"boosting"``: histogram gradient
        boosting (shallow trees, native NaN handling).
    C : float
        Inverse L2 strength of the logistic regression.
    calibration : {"sigmoid", "isotonic", None}
        Platt or isotonic calibration of the binary probability on out-of-fold predictions.
        With ``groups`` passed to :meth:`fit` the calibration folds are grouped too
        (GroupKFold), so no athlete is on both sides.
    cv : int
        Folds of the calibration.
    max_iter : int
        Iterations of the solver (logistic) or boosting rounds.
    random_state : int, optional
        Seed of the stratified calibration folds and of the boosting.

    Attributes
    ----------
    classes_ : ndarray
    estimator_ : the fitted base pipeline
    calibrator_ : fitted calibration map, or None (multiclass, or too few cases per class)
    n_features_in_ : int
    n_iter_ : int
        Iterations of the base model's final fit.
    """

    def __init__(
        self,
        method: str = "logistic",
        C: float = 1.0,
        calibration: str | None = "sigmoid",
        cv: int = 3,
        max_iter: int = 1000,
        random_state: int | None = None,
    ) -> None:
        self.method = method
        self.C = C
        self.calibration = calibration
        self.cv = cv
        self.max_iter = max_iter
        self.random_state = random_state

    def __sklearn_tags__(self):  # noqa: ANN204 (sklearn's Tags)
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _base(self) -> Any:
        if self.method == "logistic":
            return make_pipeline(
                SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                StandardScaler(),
                LogisticRegression(C=self.C, max_iter=self.max_iter),
            )
        if self.method == "boosting":
            return HistGradientBoostingClassifier(
                max_depth=3,
                learning_rate=0.05,
                max_iter=min(self.max_iter, 200),
                l2_regularization=1.0,
                random_state=self.random_state,
            )
        raise ValueError(f"unknown method {self.method!r}: use 'logistic' or 'boosting'")

    def _splits(
        self, X: np.ndarray, y: np.ndarray, groups: Any
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        if groups is not None:
            g = np.asarray(groups)
            k = min(self.cv, len(np.unique(g)))
            return list(GroupKFold(n_splits=k).split(X, y, g)) if k >= 2 else []
        k = min(self.cv, int(np.bincount(np.searchsorted(self.classes_, y)).min()))
        if k < 2:
            return []
        return list(StratifiedKFold(k, shuffle=True, random_state=self.random_state).split(X, y))

    def fit(self, X: Any, y: Any, groups: Any = None) -> InjuryRiskModel:
        """Fit the classifier; ``groups`` (athlete ids) make the calibration folds grouped."""
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan")
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("InjuryRiskModel needs samples of at least 2 classes; got 1 class")
        if self.calibration not in ("sigmoid", "isotonic", None):
            raise ValueError(f"unknown calibration {self.calibration!r}")
        base = self._base()
        self.estimator_ = clone(base).fit(X, y)
        last = self.estimator_[-1] if self.method == "logistic" else self.estimator_
        self.n_iter_ = int(np.max(last.n_iter_))
        self.calibrator_ = None
        if self.calibration is None or len(self.classes_) != 2:
            return self
        positive = (y == self.classes_[1]).astype(int)
        oof = np.full(len(y), np.nan)
        for train, test in self._splits(X, y, groups):
            if len(np.unique(y[train])) < 2:
                continue
            oof[test] = clone(base).fit(X[train], y[train]).predict_proba(X[test])[:, 1]
        seen = ~np.isnan(oof)
        if seen.sum() < 2 or len(np.unique(positive[seen])) < 2:
            return self
        if self.calibration == "sigmoid":
            self.calibrator_ = LogisticRegression(C=1e6).fit(
                _logit(oof[seen])[:, None], positive[seen]
            )
        else:
            self.calibrator_ = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(
                oof[seen], positive[seen]
            )
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (calibrated for a binary target when a calibrator was fitted)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan")
        proba = self.estimator_.predict_proba(X)
        if self.calibrator_ is None:
            return proba
        if isinstance(self.calibrator_, LogisticRegression):
            p1 = self.calibrator_.predict_proba(_logit(proba[:, 1])[:, None])[:, 1]
        else:
            p1 = self.calibrator_.predict(proba[:, 1])
        return np.column_stack([1.0 - p1, p1])

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _reliability(y: np.ndarray, p: np.ndarray, bins: int = 5) -> list[dict[str, float]]:
    """Mean predicted vs observed rate in quantile bins of the prediction."""
    order = np.argsort(p, kind="stable")
    out = []
    for chunk in np.array_split(order, min(bins, len(order))):
        if len(chunk):
            out.append(
                {
                    "n": int(len(chunk)),
                    "mean_predicted": float(p[chunk].mean()),
                    "observed_rate": float(y[chunk].mean()),
                }
            )
    return out


def _mean_sd(values: list[float]) -> tuple[float | None, float | None]:
    v = [x for x in values if np.isfinite(x)]
    if not v:
        return None, None
    return float(np.mean(v)), float(np.std(v, ddof=1)) if len(v) > 1 else 0.0


def grouped_cv_report(
    model: Any, X: Any, y: Any, groups: Any, *, n_splits: int = 5
) -> dict[str, Any]:
    """Validate a classifier by athlete: GroupKFold, never a row-level split.

    Each fold's model is a fresh clone fitted on the other athletes (``groups`` of the
    training rows are passed to ``fit`` when it accepts them). Reports ROC AUC and PR AUC as
    mean ± SD over the folds (a fold whose test athletes have one class only has no AUC), the
    chance level of PR AUC (the prevalence), the pooled out-of-fold Brier score next to that
    of predicting the training prevalence, and a reliability table.

    Returns
    -------
    dict
        JSON-ready: ``split``, ``n_rows``, ``n_athletes``, ``n_positive``, ``roc_auc_mean``,
        ``roc_auc_sd``, ``pr_auc_mean``, ``pr_auc_sd``, ``pr_auc_chance``, ``brier``,
        ``brier_prevalence``, ``reliability``, ``folds``.
    """
    if groups is None:
        raise ValueError("groups (athlete ids) are required: validation is never row-level")
    Xa = X.to_numpy(dtype=float) if isinstance(X, pd.DataFrame) else np.asarray(X, dtype=float)
    ya, ga = np.asarray(y).astype(int), np.asarray(groups)
    n_groups = len(np.unique(ga))
    if n_groups < 2:
        raise ValueError("grouped validation needs at least 2 athletes")
    k = min(n_splits, n_groups)
    takes_groups = "groups" in inspect.signature(model.fit).parameters
    oof, prevalence, folds = np.full(len(ya), np.nan), np.full(len(ya), np.nan), []
    for i, (train, test) in enumerate(GroupKFold(n_splits=k).split(Xa, ya, ga)):
        assert not set(ga[train]) & set(ga[test]), "an athlete on both sides of a fold"
        fitted = clone(model)
        fitted.fit(Xa[train], ya[train], **({"groups": ga[train]} if takes_groups else {}))
        p = fitted.predict_proba(Xa[test])[:, 1]
        oof[test], prevalence[test] = p, ya[train].mean()
        both = len(np.unique(ya[test])) == 2
        folds.append(
            {
                "fold": i,
                "n_athletes": int(len(np.unique(ga[test]))),
                "n_rows": int(len(test)),
                "n_positive": int(ya[test].sum()),
                "roc_auc": float(roc_auc_score(ya[test], p)) if both else None,
                "pr_auc": float(average_precision_score(ya[test], p)) if both else None,
                "brier": float(brier_score_loss(ya[test], p, labels=[0, 1])),
                "train_prevalence": float(ya[train].mean()),
            }
        )
    roc = _mean_sd([f["roc_auc"] if f["roc_auc"] is not None else math.nan for f in folds])
    pr = _mean_sd([f["pr_auc"] if f["pr_auc"] is not None else math.nan for f in folds])
    return {
        "split": f"GroupKFold by athlete ({k} folds)",
        "n_rows": int(len(ya)),
        "n_athletes": int(n_groups),
        "n_positive": int(ya.sum()),
        "roc_auc_mean": roc[0],
        "roc_auc_sd": roc[1],
        "pr_auc_mean": pr[0],
        "pr_auc_sd": pr[1],
        "pr_auc_chance": float(ya.mean()),
        "brier": float(brier_score_loss(ya, oof)),
        "brier_prevalence": float(brier_score_loss(ya, prevalence)),
        "reliability": _reliability(ya, oof),
        "folds": folds,
    }
