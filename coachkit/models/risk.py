"""Injury and overtraining risk: evidence layer, individual layer and a learned layer (DESIGN §6).

* **Evidence layer** (:mod:`coachkit.models.risk_evidence`, re-exported here):
  :func:`assess_risk` and :func:`risk_timeline` turn the daily table of
  :func:`coachkit.features.risk.risk_features` into scores from published effect sizes, each
  with its factors in plain words, and overtraining reported apart from overuse injury.
* **Individual layer**: :func:`personal_risk` reads the runner's own niggles and injuries and
  finds the training patterns that preceded them more often than usual ("your last two calf
  niggles followed weeks with > 2 hard sessions"). Those become extra factors, shrunk towards
  "no effect" by n / (n + 3) with n the runner's niggle episodes.
* **Learned layer**: :class:`InjuryRiskModel`, a scikit-learn classifier with calibrated
  probabilities, for labelled data where it exists (the runner's own history, or a dataset in
  the Lövdal et al. 2021 format, :mod:`coachkit.io.lovdal`). :func:`grouped_cv_report`
  validates it by athlete only (GroupKFold): rows of one runner are never on both sides.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass
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

from coachkit.features.localtime import as_day
from coachkit.features.risk import RISK_FEATURE_COLUMNS, risk_features
from coachkit.features.thresholds import column
from coachkit.models.risk_evidence import (
    RiskAssessment,
    RiskFactor,
    RiskScore,
    assess_risk,
    risk_contributions,
    risk_timeline,
    spike_band,
)

__all__ = [
    "InjuryRiskModel", "PersonalRisk", "PersonalTrigger", "RiskAssessment", "RiskFactor",
    "RiskScore", "assess_history", "assess_risk", "grouped_cv_report", "injury_labels",
    "personal_risk", "risk_contributions", "risk_timeline", "spike_band",
]  # fmt: skip

NIGGLE_EPISODE_MIN = 3.0  # a niggle of 3/10 or more is worth a look (Thomeé 1997 pain model)
INJURY_SEVERITY = 5.0  # above the "acceptable" pain while loading: treated as an injury
EPISODE_GAP_DAYS = 14  # the same site again within 14 days is the same episode
MIN_HITS = 2  # one niggle after a pattern is an anecdote; two make a personal trigger
MAX_PERSONAL_RR = 5.0
#: (code, feature column, threshold (">"), how the pattern reads in a sentence)
PERSONAL_CANDIDATES = (
    ("hard_sessions", "hard_sessions_7d", 2.0, "weeks with > 2 hard sessions"),
    ("long_run_spike", "spike_max_7d", 1.10, "a run > 10 % longer than your 30-day longest"),
    ("weekly_increase", "weekly_change_pct", 30.0, "weeks > 30 % bigger than the week before"),
    ("monotony", "monotony", 2.0, "monotonous weeks (monotony > 2)"),
    ("long_run_share", "long_run_share", 0.40, "weeks where one run was > 40 % of the volume"),
    ("no_rest", "days_since_rest", 6.0, "7 or more days in a row without rest"),
)

#: shrinkage of the individual layer, n / (n + K) with n the runner's niggle episodes
PERSONAL_K = 3.0


@dataclass(frozen=True)
class PersonalTrigger:
    """A condition that preceded the runner's own niggles more often than usual."""

    code: str
    column: str
    threshold: float
    description: str
    hits: int
    episodes: int
    sites: tuple[str, ...]
    relative_risk: float

    def active(self, row: Mapping[str, Any]) -> bool:
        value = row.get(self.column)
        return value is not None and pd.notna(value) and float(value) > self.threshold

    def source(self) -> str:
        return (f"your own history: {self.hits} of {self.episodes} niggle episodes, shrunk "
                f"by n/(n+{PERSONAL_K:g})")  # fmt: skip

    def text(self) -> str:
        site = f"{self.sites[0]} " if len(set(self.sites)) == 1 else ""
        if self.hits == self.episodes:
            return f"your last {self.hits} {site}niggles followed {self.description}"
        return f"{self.hits} of your {self.episodes} {site}niggles followed {self.description}"


@dataclass(frozen=True)
class PersonalRisk:
    """The individual layer: the runner's own niggles and injuries (:func:`personal_risk`)."""

    n_episodes: int = 0
    injury_dates: tuple[pd.Timestamp, ...] = ()
    triggers: tuple[PersonalTrigger, ...] = ()
    explanation: str = "no niggles or injuries logged: the evidence layer alone"

    @property
    def personal_share(self) -> float:
        return self.n_episodes / (self.n_episodes + PERSONAL_K)


def _episodes(feedback: pd.DataFrame) -> pd.DataFrame:
    """Niggle episodes: the first report of a site with severity >= 3 after 14 quiet days."""
    if feedback is None or feedback.empty:
        return pd.DataFrame(columns=["date", "site", "injury"])
    sev = pd.to_numeric(column(feedback, "niggle_severity"), errors="coerce").astype(float)
    missed = column(feedback, "missed_reason", "").astype("string").fillna("").str.lower()
    injured = (sev >= INJURY_SEVERITY) | missed.str.contains("injur", regex=False)
    keep = (sev >= NIGGLE_EPISODE_MIN) | injured
    site = column(feedback, "niggle_site", "").astype("string").fillna("").str.strip().str.lower()
    rows = pd.DataFrame({
        "date": pd.to_datetime(feedback["date"]).map(as_day), "site": site.replace("", "unspecified"),
        "injury": injured.fillna(False).astype(bool),
    })[keep.fillna(False).to_numpy(dtype=bool)].sort_values("date")  # fmt: skip
    out, last_seen = [], {}
    for r in rows.itertuples(index=False):
        prev = last_seen.get(r.site)
        if prev is None or (r.date - prev).days > EPISODE_GAP_DAYS:
            out.append({"date": r.date, "site": r.site, "injury": r.injury})
        elif r.injury and out:  # an episode that worsens into an injury counts as one
            for e in reversed(out):
                if e["site"] == r.site:
                    e["injury"] = True
                    break
        last_seen[r.site] = r.date
    return pd.DataFrame(out, columns=["date", "site", "injury"])


def personal_risk(feedback: pd.DataFrame, features: pd.DataFrame) -> PersonalRisk:
    """The individual layer: which of the runner's training patterns preceded their niggles.

    For each pattern of :data:`PERSONAL_CANDIDATES`, the share of niggle episodes whose onset
    day (its 7-day window) showed the pattern is compared with the share of all days that show
    it. A pattern seen before at least two episodes and more often than usual becomes a
    trigger with relative risk ``exp(n/(n+3) · ln(hit share / day share))`` (capped at 5):
    partial pooling towards "no personal effect" that grows with the runner's n episodes.
    Injuries (severity > 5/10 or a missed day for injury) also give the evidence factor
    ``previous_injury`` for a year.

    Parameters
    ----------
    feedback : pandas.DataFrame
        Feedback frame (DESIGN §3): ``date``, ``niggle_site``, ``niggle_severity``, ...
    features : pandas.DataFrame
        The runner's :func:`coachkit.features.risk.risk_features` table.
    """
    episodes = _episodes(feedback)
    episodes = episodes[episodes["date"].isin(features.index)] if len(features) else episodes[:0]
    n = len(episodes)
    injuries = tuple(sorted(episodes.loc[episodes["injury"], "date"]))
    if n == 0:
        return PersonalRisk(0, injuries)
    shrink = n / (n + PERSONAL_K)
    triggers = []
    for code, col, threshold, text in PERSONAL_CANDIDATES:
        values = pd.to_numeric(features[col], errors="coerce").astype(float)
        on = (values > threshold) & values.notna()
        base = float(on.mean())
        hit = on.reindex(episodes["date"]).fillna(False).to_numpy(dtype=bool)
        hits = int(hit.sum())
        if hits < MIN_HITS or base <= 0 or hits / n <= base:
            continue
        raw = min(hits / n / base, MAX_PERSONAL_RR)
        sites = tuple(episodes.loc[hit, "site"])
        triggers.append(PersonalTrigger(code, col, threshold, text, hits, n, sites,
                                        math.exp(shrink * math.log(raw))))  # fmt: skip
    triggers.sort(key=lambda t: -t.relative_risk)
    expl = (f"{n} niggle episode{'s' if n != 1 else ''} logged ({len(injuries)} injur"
            f"{'y' if len(injuries) == 1 else 'ies'}); {len(triggers)} personal trigger"
            f"{'' if len(triggers) == 1 else 's'}; {100 * shrink:.0f} % personal")  # fmt: skip
    return PersonalRisk(n, injuries, tuple(triggers), expl)


def assess_history(
    activities: pd.DataFrame,
    wellness: pd.DataFrame | None = None,
    feedback: pd.DataFrame | None = None,
    as_of: Any = None,
    **feature_kw: Any,
) -> tuple[RiskAssessment, pd.DataFrame, PersonalRisk]:
    """Features, the individual layer and the assessment of ``as_of`` in one call (CLI, notebooks).

    ``feature_kw`` goes to :func:`coachkit.features.risk.risk_features` (``planned``,
    ``hr_residuals``, ``plan_rpe``). Returns the assessment, the feature table (for
    :func:`risk_timeline`) and the :class:`PersonalRisk` used.
    """
    features = risk_features(activities, wellness, feedback, as_of, **feature_kw)
    fb = feedback if feedback is not None else pd.DataFrame(columns=["date"])
    personal = personal_risk(fb, features)
    return assess_risk(features, as_of, personal=personal), features, personal


#: numeric columns of the risk-feature table, the inputs of :class:`InjuryRiskModel`
MODEL_COLUMNS = tuple(
    c for c in RISK_FEATURE_COLUMNS if c not in ("niggle_sites", "session_planned")
)


def injury_labels(
    feedback: pd.DataFrame, features: pd.DataFrame, *, horizon_days: int = 7
) -> pd.Series:
    """1 on the ``horizon_days`` days up to and including a niggle episode's onset (>= 3/10),
    else 0: the labels for training :class:`InjuryRiskModel` on a runner's own history (group the
    rows by athlete when several runners are pooled)."""
    onsets = (
        _episodes(feedback)["date"] if feedback is not None else pd.Series(dtype="datetime64[ns]")
    )
    hit = pd.Series(0, index=features.index, name="injury")
    for day in onsets:
        hit[(hit.index > day - pd.Timedelta(days=horizon_days)) & (hit.index <= day)] = 1
    return hit


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
                max_depth=3, learning_rate=0.05, max_iter=min(self.max_iter, 200),
                l2_regularization=1.0, random_state=self.random_state,
            )  # fmt: skip
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
            out.append({"n": int(len(chunk)), "mean_predicted": float(p[chunk].mean()),
                        "observed_rate": float(y[chunk].mean())})  # fmt: skip
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
        folds.append({
            "fold": i, "n_athletes": int(len(np.unique(ga[test]))), "n_rows": int(len(test)),
            "n_positive": int(ya[test].sum()),
            "roc_auc": float(roc_auc_score(ya[test], p)) if both else None,
            "pr_auc": float(average_precision_score(ya[test], p)) if both else None,
            "brier": float(brier_score_loss(ya[test], p, labels=[0, 1])),
            "train_prevalence": float(ya[train].mean()),
        })  # fmt: skip
    roc = _mean_sd([f["roc_auc"] if f["roc_auc"] is not None else math.nan for f in folds])
    pr = _mean_sd([f["pr_auc"] if f["pr_auc"] is not None else math.nan for f in folds])
    return {
        "split": f"GroupKFold by athlete ({k} folds)", "n_rows": int(len(ya)),
        "n_athletes": int(n_groups), "n_positive": int(ya.sum()),
        "roc_auc_mean": roc[0], "roc_auc_sd": roc[1], "pr_auc_mean": pr[0], "pr_auc_sd": pr[1],
        "pr_auc_chance": float(ya.mean()), "brier": float(brier_score_loss(ya, oof)),
        "brier_prevalence": float(brier_score_loss(ya, prevalence)),
        "reliability": _reliability(ya, oof), "folds": folds,
    }  # fmt: skip
