"""Race-time prediction with an honest 80 % interval (docs/design.md §6, §9; issue #5).

``predict_race(history, distance_m=..., as_of=...)`` answers "what would I run over this
distance now?" from an activities frame (docs/design.md §3; summary rows are enough: ``start_time``,
``distance_m``, ``elapsed_time_s`` or ``moving_time_s``). Only runs strictly before ``as_of``
are read. Three layers, each used as far as the data allow (:mod:`.race_efforts` and
:mod:`.race_population` have the numbers and their sources):

1. **Your best efforts**: the best run ≥ 3 km of the last 180 days carried to the distance by
   Riegel's T2 = T1·(D2/D1)^1.06 (Riegel 1981, Am Sci 69:285), the 3 best, your typical recent
   run, your earlier hard efforts, the VDOT-equivalent time (Daniels & Gilbert 1979) and your
   personal Riegel exponent when you have hard efforts at ≥ 2 distances.
2. **Your training**: weekly volume and longest run of the last 8 weeks. The marathon needs
   them: Riegel is at least 10 min too fast for half of recreational marathoners (Vickers &
   Vertosick 2016, BMC Sports Sci Med Rehabil 8:26).
3. **The population**: how much each of those counts, the population Riegel exponent and its
   spread, and the interval, fitted on 81 runners' logs (``coachkit/population/race.json``).
   Your own earlier hard efforts then pull the prediction by n/(n+k) of their mean residual.

What is predicted: the time of a *hard effort* over the distance as the population data define
it (a run ≥ 1.08 × faster than the runner's typical training at that distance; see
:mod:`.race_efforts`). Those logs hold whole-run summaries, not race results, so some such
efforts are tempo runs or races run below the runner's best: for a runner whose history holds
clean all-out races, the estimate leans conservative (slower than the best of them), and the
interval says how far it may be off. Measured on held-out runners in
``tests/bench/test_bench_race.py``.

How personal a prediction is: ``personal_share = 1 − (w / w₀)²``, where w is the width of the
prediction's interval (log scale) and w₀ the population's with no data, i.e. the share of the
between-runner variance that your data explains (the weight of the data in a normal–normal
model). 0 with no runs; it grows as efforts accumulate.
"""

from __future__ import annotations

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
    HARD_SPEED_RATIO,
    MIN_PRIOR_RUNS,
    PERSONAL_DAYS,
    RACE_BANDS_M,
    Runs,
    athlete_efforts,
    effort_features,
    effort_table,
    prepare_runs,
)
from coachkit.models.race_explain import RacePrediction, build_prediction

__all__ = ["RacePopulation", "RacePrediction", "fit_population", "load_population", "predict_race"]

DISTANCE_RANGE_M = (1_000.0, 100_000.0)  # what the population model was fitted around


class RacePopulation:
    """The population layer of race prediction: ``fit`` on many runners, then ``predict_race``.

    Parameters
    ----------
    level : float
        Coverage of the interval (0.8: the 10 % and 90 % residual quantiles).
    n_splits : int
        Folds (grouped by athlete) for the out-of-fold residuals that set the interval and
        the personal weight k.
    hard_speed_ratio : float
        A run in a race band is a hard effort when its speed is at least this multiple of the
        median speed of the runner's runs of 0.5–1.5 × that distance in the year before it.
    include_strava_api : bool
        Also fit on rows synced from Strava's API (``source_kind`` strava_api/strava_streams).
        Off by default: Strava's API terms forbid training models on them.

    Attributes
    ----------
    params_ : dict
        Everything learned (regression weights, exponent prior, k, interval quantiles), the
        content of ``coachkit/population/race.json``.
    """

    def __init__(
        self,
        *,
        level: float = 0.8,
        n_splits: int = 5,
        hard_speed_ratio: float = 1.08,
        include_strava_api: bool = False,
    ) -> None:
        self.level = level
        self.n_splits = n_splits
        self.hard_speed_ratio = hard_speed_ratio
        self.include_strava_api = include_strava_api

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments (scikit-learn convention)."""
        return {
            "level": self.level,
            "n_splits": self.n_splits,
            "hard_speed_ratio": self.hard_speed_ratio,
            "include_strava_api": self.include_strava_api,
        }

    def fit(
        self, history_of_many_athletes: pd.DataFrame, *, scheduler: Any = None
    ) -> RacePopulation:
        """Fit on an activities frame of many runners (``athlete_id`` tells them apart).

        Rows synced from Strava's API are left out unless ``include_strava_api``. Each runner's
        hard-effort table is built by :func:`athlete_efforts` through
        :func:`coachkit.core.engine.per_athlete`: in this process by default, on a Dask cluster with
        ``scheduler`` (an address or a ``distributed.Client``), with the same result.
        """
        from functools import partial

        from coachkit.core.engine import per_athlete

        if not self.include_strava_api:
            history_of_many_athletes = without_strava_api(history_of_many_athletes)
        kernel = partial(athlete_efforts, hard_speed_ratio=self.hard_speed_ratio)
        table = per_athlete(history_of_many_athletes, kernel, meta=EFFORT_META, scheduler=scheduler)
        if table.empty:
            raise ValueError("fit_population found no hard efforts: it needs many runners' logs")
        self.params_ = rp.fit_params(
            table, n_splits=self.n_splits, level=self.level, hard_speed_ratio=self.hard_speed_ratio
        )
        self.params_["data"] = {
            "n_athletes": int(history_of_many_athletes["athlete_id"].nunique()),
            "n_rows": len(history_of_many_athletes),
            "n_hard_efforts": len(table),
            "hard_efforts_by_distance": {
                name: int((table["band"] == i).sum()) for i, name in enumerate(RACE_BANDS_M)
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
        ratio = params.get("hard_effort", {}).get("speed_ratio", HARD_SPEED_RATIO)
        obj = cls(level=params.get("level", 0.8), hard_speed_ratio=ratio)
        obj.params_ = params
        return obj

    def predict_race(
        self, history: pd.DataFrame, *, distance_m: float, as_of: Any = None
    ) -> RacePrediction:
        """Predict the time over ``distance_m`` from the runs of ``history`` before ``as_of``."""
        lo_d, hi_d = DISTANCE_RANGE_M
        if not (np.isfinite(distance_m) and lo_d <= distance_m <= hi_d):
            raise ValueError(f"distance_m must be between {lo_d:,.0f} and {hi_d:,.0f} m")
        runs, now = prepare_runs(history, as_of, hard_speed_ratio=self.hard_speed_ratio)
        feats = effort_features(runs, len(runs), float(distance_m), now)
        p = self.params_
        prior = p["prior"]
        prior_mu = prior["intercept"] + prior["slope"] * math.log(distance_m / 10_000.0)
        prior_width = prior["q_hi"] - prior["q_lo"]
        if feats["tier"] == "efforts":
            return self._from_efforts(runs, feats, now, prior_width)
        if feats["tier"] == "training":
            return self._from_training(feats, prior_width)
        return build_prediction(
            feats, prior_mu, prior["q_lo"], prior["q_hi"], "population", prior_width, {}, self.level
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
        prior = self.params_["prior"]
        return self._from_training(feats, prior["q_hi"] - prior["q_lo"])

    def _from_training(self, feats: dict[str, float], prior_width: float) -> RacePrediction:
        tr = self.params_["training"]
        f = pd.DataFrame([feats])
        mu = float(rp.linear(rp.training_design(f), tr["coef"], tr["intercept"])[0])
        return build_prediction(
            feats, mu, tr["q_lo"], tr["q_hi"], "training", prior_width, {}, self.level
        )

    def _from_efforts(
        self, runs: Runs, feats: dict[str, float], now: float, prior_width: float
    ) -> RacePrediction:
        p, e = self.params_, self.params_["efforts"]
        f = pd.DataFrame([feats])
        mu_pop = feats["anchor"] + float(rp.linear(rp.design(f, p), e["coef"], e["intercept"])[0])
        table = effort_table(runs, since_day=now - PERSONAL_DAYS)
        n, resid = 0, 0.0
        if len(table):
            table = table[table["tier"] == "efforts"]
        if len(table):
            pred = table["anchor"] + rp.linear(rp.design(table, p), e["coef"], e["intercept"])
            n, resid = len(table), float((table["y"] - pred).mean())
        k = p.get("personal_k")
        w = n / (n + k) if (k is not None and n) else 0.0
        mu = mu_pop + w * resid
        sigma = math.exp(
            float(rp.linear(rp.scale_design(f.assign(n_personal=n)), e["scale"]["coef"], 0.0)[0])
        )
        extra = {
            "personal_efforts": n,
            "personal_residual": resid,
            "personal_weight": w,
            "population_seconds": math.exp(mu_pop),
            "interval_scale": sigma,
        }
        method = "efforts+personal" if w > 0 else "efforts"
        q_lo, q_hi = sigma * e["scale"]["q_lo"], sigma * e["scale"]["q_hi"]
        # The interval was calibrated on efforts with >= MIN_PRIOR_RUNS runs before them. With
        # thinner histories there is nothing to calibrate on: blend towards the wider
        # training-only interval, all the way at a single run.
        thin = min(feats["n_runs_365"] / MIN_PRIOR_RUNS, 1.0)
        tr = p["training"]
        q_lo = thin * q_lo + (1 - thin) * min(q_lo, tr["q_lo"])
        q_hi = thin * q_hi + (1 - thin) * max(q_hi, tr["q_hi"])
        extra["exponent_used"] = float(rp.shrunk_exponent(f, p).iloc[0])
        cs = _critical_speed(runs, now)
        extra["critical_speed_m_s"] = None if math.isnan(cs.cs_m_s) else round(cs.cs_m_s, 3)
        extra["critical_speed_note"] = cs.note
        return build_prediction(feats, mu, q_lo, q_hi, method, prior_width, extra, self.level)


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
