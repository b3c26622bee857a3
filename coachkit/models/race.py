"""Race-time prediction with an honest 80 % interval (docs/design.md §6, §9; issues 5 and 16).

``predict_race(history, distance_m=..., as_of=...)`` answers "what could I race over this
distance now?" from an activities frame (docs/design.md §3; summary rows are enough:
``start_time``, ``distance_m``, ``elapsed_time_s`` or ``moving_time_s``). Only runs strictly
before ``as_of`` are read. Two layers (:mod:`.race_efforts` and :mod:`.race_population` have
the numbers and their sources):

1. **Population layer**: your best-effort frontier (the best run ≥ 3 km of the last 180 days
   carried to the distance by Riegel's T2 = T1·(D2/D1)^1.06, Riegel 1981, Am Sci 69:285; the
   2nd and 3rd best; your 90th-percentile effort by VDOT, Daniels & Gilbert 1979), how recent
   it is, your training (km/week and longest run over 8 weeks: the marathon needs them,
   Vickers & Vertosick 2016, BMC Sports Sci Med Rehabil 8:26) and your race-like efforts of
   the last year, weighted as fitted on 81 runners' logs (``coachkit/population/race.json``).
2. **Personal layer**: your own race-like efforts of the last 2 years, each predicted by the
   population layer from the runs before it; their mean residual is added with weight
   ``n/(n+k)`` (k fitted out of fold per race distance, none where your own efforts did not
   help held-out runners there), which is the prediction's ``personal_share``: 0 with no
   race-like effort of your own, towards 1 as they accumulate.

What is predicted: the time of a *race-like effort* over the distance, i.e. one of your best
runs there (VDOT in the top 10 % of your runs ≥ 3 km within ±180 days; a race you mark counts
too), at its elapsed time. The 80 % interval is split-conformal, calibrated per race distance
and per number of your own race-like efforts, and scaled by how consistent your own efforts at
that distance were (:mod:`.race_intervals`). Measured on held-out runners, against Riegel,
bias-corrected Riegel, VDOT and a pooled regression, in ``tests/bench/test_bench_race.py``
(results in ``docs/results/models.json``).
"""

from __future__ import annotations

import hashlib
import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.schemas import without_strava_api
from coachkit.features.critical_speed import CriticalSpeed, critical_speed
from coachkit.models import race_population as rp
from coachkit.models.race_efforts import (
    EFFORT_META,
    MIN_PRIOR_RUNS,
    PERSONAL_DAYS,
    RACE_DISTANCES_M,
    Runs,
    athlete_efforts,
    effort_features,
    nearest_race,
    prepare_runs,
    race_like,
)
from coachkit.models.race_explain import RacePrediction, build_prediction
from coachkit.models.race_intervals import interval_quantiles, personal_scale

__all__ = ["RacePopulation", "RacePrediction", "fit_population", "load_population", "predict_race"]

RACE_NAMES = tuple(RACE_DISTANCES_M)
DISTANCE_RANGE_M = (1_000.0, 100_000.0)  # what the population model was fitted around
EVIDENCE_CACHE_SIZE = 8  # histories whose personal evidence is kept (see personal_evidence)


class RacePopulation:
    """The population layer of race prediction: ``fit`` on many runners, then ``predict_race``.

    Parameters
    ----------
    level : float
        Coverage of the interval (0.8: the 10 % and 90 % residual quantiles).
    n_splits : int
        Folds (grouped by athlete) for the out-of-fold residuals that set the interval and
        the personal weight's k of each race distance.
    include_strava_api : bool
        Also fit on rows synced from Strava's API (``source_kind`` strava_api/strava_streams).
        Off by default: Strava's API terms forbid training models on them.

    Attributes
    ----------
    params_ : dict
        Everything learned (regression weights, k, interval cells), the content of
        ``coachkit/population/race.json``.
    """

    def __init__(
        self, *, level: float = 0.8, n_splits: int = 5, include_strava_api: bool = False
    ) -> None:
        self.level = level
        self.n_splits = n_splits
        self.include_strava_api = include_strava_api

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments (scikit-learn convention)."""
        return {
            "level": self.level,
            "n_splits": self.n_splits,
            "include_strava_api": self.include_strava_api,
        }

    def fit(
        self, history_of_many_athletes: pd.DataFrame, *, scheduler: Any = None
    ) -> RacePopulation:
        """Fit on an activities frame of many runners (``athlete_id`` tells them apart).

        Rows synced from Strava's API are left out unless ``include_strava_api``. Each runner's
        effort table is built by :func:`athlete_efforts` through
        :func:`coachkit.core.engine.per_athlete`: in this process by default, on a Dask cluster with
        ``scheduler`` (an address or a ``distributed.Client``), with the same result.
        """
        from coachkit.core.engine import per_athlete

        if not self.include_strava_api:
            history_of_many_athletes = without_strava_api(history_of_many_athletes)
        table = per_athlete(
            history_of_many_athletes, athlete_efforts, meta=EFFORT_META, scheduler=scheduler
        )
        if table.empty or not table["target"].astype(bool).any():
            raise ValueError(
                "fit_population found no race-like efforts: it needs many runners' logs"
            )
        self.params_ = rp.fit_params(table, n_splits=self.n_splits, level=self.level)
        targets = table[table["target"].astype(bool)]
        self.params_["data"] = {
            "n_athletes": int(history_of_many_athletes["athlete_id"].nunique()),
            "n_rows": len(history_of_many_athletes),
            "n_race_like_efforts": len(targets),
            "n_athletes_with_efforts": int(targets["athlete_id"].nunique()),
            "race_like_by_distance": {
                name: int((targets["band"] == i).sum()) for i, name in enumerate(RACE_DISTANCES_M)
            },
        }
        return self

    def to_json(self) -> str:
        """The fitted parameters as JSON text."""
        return json.dumps(self.params_, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RacePopulation:
        """A fitted population from :meth:`to_json` text."""
        params = json.loads(text)
        obj = cls(level=params.get("level", 0.8))
        obj.params_ = params
        return obj

    def predict_race(
        self, history: pd.DataFrame, *, distance_m: float, as_of: Any = None
    ) -> RacePrediction:
        """Predict the time over ``distance_m`` from the runs of ``history`` before ``as_of``."""
        lo_d, hi_d = DISTANCE_RANGE_M
        if not (np.isfinite(distance_m) and lo_d <= distance_m <= hi_d):
            raise ValueError(f"distance_m must be between {lo_d:,.0f} and {hi_d:,.0f} m")
        runs, now = prepare_runs(history, as_of)
        races = race_like(runs, now)
        feats = effort_features(runs, len(runs), float(distance_m), now, races)
        prior = self.params_["prior"]
        prior_mu = prior["intercept"] + prior["slope"] * math.log(distance_m / 10_000.0)
        if feats["tier"] == "efforts":
            return self._from_efforts(runs, races, feats, now)
        if feats["tier"] == "training":
            return self._from_training(feats)
        return build_prediction(
            feats, prior_mu, prior["q_lo"], prior["q_hi"], "population", 0.0, {}, self.level
        )

    def predict_from_training(
        self, *, distance_m: float, km_per_week: float, speed_m_s: float
    ) -> RacePrediction:
        """Predict from 4 weeks of training only: mean weekly km and mean training speed.

        The "training" tier of :meth:`predict_race`, for data that has no individual runs
        (e.g. a survey's km/week and average pace).
        """
        feats = {
            "D": float(distance_m),
            "tier": "training",
            "n_runs_365": 0.0,
            "km_week_28": float(km_per_week),
            "speed_28": float(speed_m_s),
            "km_week": float(km_per_week),
            "longest_m": 0.0,
        }
        return self._from_training(feats)

    def _from_training(self, feats: dict[str, float]) -> RacePrediction:
        tr = self.params_["training"]
        f = pd.DataFrame([feats])
        mu = float(rp.linear(rp.training_design(f), tr["coef"], tr["intercept"])[0])
        return build_prediction(feats, mu, tr["q_lo"], tr["q_hi"], "training", 0.0, {}, self.level)

    def _population_mu(self, feats: pd.DataFrame) -> np.ndarray:
        e = self.params_["efforts"]
        x = rp.design(feats, self.params_)
        return feats["anchor"].to_numpy(float) + rp.linear(x, e["coef"], e["intercept"])

    def personal_evidence(self, runs: Runs, races: np.ndarray, now: float) -> pd.DataFrame:
        """Your race-like efforts of the last 2 years, each with the population layer's
        prediction from the runs before it and the residual log(actual / predicted).

        The same for every distance: kept for the last few histories, so that predicting
        5 km to marathon from one history computes it once.
        """
        key = hashlib.blake2b(
            b"".join(a.tobytes() for a in (runs.day, runs.distance_m, runs.time_s, races))
            + np.float64(now).tobytes(),
            digest_size=16,
        ).digest()
        cache = self.__dict__.setdefault("_evidence_cache", {})
        if key not in cache:
            if len(cache) >= EVIDENCE_CACHE_SIZE:
                cache.pop(next(iter(cache)))
            cache[key] = self._evidence(runs, races, now)
        return cache[key]

    def _evidence(self, runs: Runs, races: np.ndarray, now: float) -> pd.DataFrame:
        rows = []
        for j in np.flatnonzero(races & (runs.day >= now - PERSONAL_DAYS)):
            upto = int(np.searchsorted(runs.day, runs.day[j], "left"))
            then = race_like(runs, float(runs.day[j]), races)
            f = effort_features(runs, upto, float(runs.distance_m[j]), float(runs.day[j]), then)
            if f["tier"] == "efforts":
                rows.append({**f, "time_s": float(runs.time_s[j])})
        table = pd.DataFrame(rows)
        if len(table):
            table["predicted_s"] = np.exp(self._population_mu(table))
            table["residual"] = np.log(table["time_s"] / table["predicted_s"])
        return table

    def _from_efforts(
        self, runs: Runs, races: np.ndarray, feats: dict[str, float], now: float
    ) -> RacePrediction:
        mu_pop = float(self._population_mu(pd.DataFrame([feats]))[0])
        evidence = self.personal_evidence(runs, races, now)
        n = len(evidence)
        resid = float(evidence["residual"].mean()) if n else 0.0
        w = float(rp.personal_weight(self.params_, feats["D"], n)[0]) if n else 0.0
        mu = mu_pop + w * resid
        iv = self.params_["efforts"]["interval"]
        # the interval's scale: the spread of your efforts at the race distance nearest D
        same = (
            evidence["residual"][nearest_race(evidence["D"]) == nearest_race(feats["D"])[0]]
            if n
            else pd.Series(dtype=float)
        )
        ssd = float(((same - same.mean()) ** 2).sum()) if len(same) else 0.0
        scale = float(
            personal_scale(
                np.array([ssd]), np.array([len(same)]), iv.get("k0") or math.inf, iv["var_within"]
            )[0]
        )
        q_lo, q_hi = (scale * q for q in interval_quantiles(self.params_, feats["D"], n))
        # The interval was calibrated on efforts with >= MIN_PRIOR_RUNS runs in the 180 days
        # before them. With thinner histories there is nothing to calibrate on: blend towards
        # the wider training-only interval, all the way at a single run.
        thin = min(feats["n_runs_180"] / MIN_PRIOR_RUNS, 1.0)
        tr = self.params_["training"]
        q_lo = thin * q_lo + (1 - thin) * min(q_lo, tr["q_lo"])
        q_hi = thin * q_hi + (1 - thin) * max(q_hi, tr["q_hi"])
        cs = _critical_speed(runs, now)
        extra = {
            "personal_efforts": n,
            "personal_residual": resid,
            "personal_weight": w,
            "personal_k": self.params_["personal_k"][RACE_NAMES[nearest_race(feats["D"])[0]]],
            "interval_scale": scale,
            "population_seconds": math.exp(mu_pop),
            "critical_speed_m_s": None if math.isnan(cs.cs_m_s) else round(cs.cs_m_s, 3),
            "critical_speed_note": cs.note,
        }
        method = "efforts+personal" if w > 0 else "efforts"
        return build_prediction(feats, mu, q_lo, q_hi, method, w, extra, self.level)


def _critical_speed(runs: Runs, now: float) -> CriticalSpeed:
    """Critical speed from the fastest whole runs of 2–30 min in the last year (per 100 m).

    Reported in ``inputs`` only: whole training runs are rarely all-out, and on the population
    data it added nothing to the prediction beyond the Riegel and VDOT anchors.
    """
    sel = (now - runs.day <= 365.0) & (runs.time_s >= 120.0) & (runs.time_s <= 1800.0)
    efforts = pd.DataFrame(
        {"distance_m": np.round(runs.distance_m[sel], -2), "time_s": runs.time_s[sel]}
    )
    return critical_speed(efforts)


def fit_population(history_of_many_athletes: pd.DataFrame, **kwargs: Any) -> RacePopulation:
    """Fit the race model's population layer on many runners' activities.

    >>> # pop = fit_population(frame_of_81_runners); pop.predict_race(h, distance_m=10_000)
    """
    return RacePopulation(**kwargs).fit(history_of_many_athletes)


@lru_cache(maxsize=1)
def load_population() -> RacePopulation:
    """The population shipped in ``coachkit/population/race.json`` (read once, cached)."""
    text = resources.files("coachkit.population").joinpath("race.json").read_text("utf-8")
    return RacePopulation.from_json(text)


def predict_race(
    history: pd.DataFrame,
    *,
    distance_m: float,
    as_of: Any = None,
    population: RacePopulation | None = None,
) -> RacePrediction:
    """Predict a race time over ``distance_m`` from the runs in ``history`` before ``as_of``.

    Parameters
    ----------
    history : DataFrame
        One athlete's activities (docs/design.md §3 columns; summary rows are enough).
    distance_m : float
        Race distance, 1–100 km.
    as_of : timestamp-like, optional
        Only activities that started strictly before it are used (naive: the athlete's local
        time; tz-aware: that instant). Default: all of ``history``.
    population : RacePopulation, optional
        A fitted population; default the shipped one (:func:`load_population`).

    Examples
    --------
    >>> h = pd.DataFrame({"start_time": pd.to_datetime(["2024-03-02"], utc=True),
    ...                   "distance_m": [10_000.0], "elapsed_time_s": [2700.0]})
    >>> p = predict_race(h, distance_m=21_097.5, as_of="2024-04-01")
    >>> p.low <= p.seconds <= p.high, p.method
    (True, 'efforts')
    """
    pop = population if population is not None else load_population()
    return pop.predict_race(history, distance_m=distance_m, as_of=as_of)
