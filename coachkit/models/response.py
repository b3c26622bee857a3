"""HrResponseModel: the average heart rate a run should cost, for you (docs/design.md §6).

**Population layer.** A linear mixed model fitted on many runners by maximum likelihood (EM,
:func:`~coachkit.models.response_fit.em_fit`; on the Strava population its fixed effects agree
with statsmodels ``MixedLM`` REML within 0.1 % and its between-athlete SDs within 1.5 %, and it
cannot fail to converge as MixedLM's optimiser does on some data), with average HR in bpm
explained by grade-adjusted speed, log duration, climb, recent load and typical speed
(:mod:`coachkit.models.response_features`), centred on a reference run so that the intercept is
the HR of that run.
**Heat** cannot be fitted (the population data has no temperature), so it is a fixed prior:
``heat_bpm_per_c`` bpm per °C above ``heat_base_c`` where ``temperature_c`` is known — about
1 bpm/°C, the order of the HR rise between 22–25 °C and 35 °C reviewed by Wingo, Ganio &
Cureton 2012 (Exerc Sport Sci Rev 40:88). Checked on real files with HR and temperature
(:mod:`coachkit.models.response_heat`, ``docs/results/models.md``): the data's interval holds it.

**Individual layer.** The intercept and the slopes on GAP speed, log duration and climb vary by
athlete (random effects with the covariance ``G`` fitted with the fixed effects; residual variance
σ²). For one athlete, the offsets are the empirical-Bayes (BLUP) estimate from their earlier
runs with HR only: ``u = (G·S + σ²I)⁻¹ G·s`` with ``S = Σ wᵢ zᵢzᵢᵀ`` and ``s = Σ wᵢ zᵢ rᵢ``
(rᵢ the population residuals). Runs are weighted by recency, ``wᵢ = 2^(−age/half_life_days)``:
fitness changes, so last month says more than three years ago. "How personal" is the
intercept's shrinkage weight ``n/(n + k)`` with ``k = σ²/G₀₀`` (``k_``) and ``n = Σ wᵢ``.
Prediction needs no refit: only the history before each run is used, so
``predict(history=all_my_runs, runs=all_my_runs)`` is a walk-forward prediction.

**Per sample** (:meth:`HrResponseModel.predict_samples`): the same model with each sample's
GAP from the real grade (:func:`~coachkit.features.gap.with_grade_and_gap`; climb 0), and
the instantaneous drift term implied by the run average (if the mean of h over [0, T] is
``a + c·ln T``, then ``h(T) = a + c·(ln T + 1)``, from 10 min on). That steady state is
followed with a first-order lag, τ = 60 s (τ = 57.6 ± 23.6 s, gain 24 bpm per m/s, for
treadmill speed steps, BioMed Eng OnLine 2015;14:117, doi:10.1186/s12938-015-0112-7), from the
first recorded HR when there is one.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.schemas import without_strava_api
from coachkit.core.units import format_speed_as_pace
from coachkit.features.frames import column, numeric
from coachkit.features.thresholds import HR_PLAUSIBLE_BPM
from coachkit.models.params import Params
from coachkit.models.response_features import (
    CENTERS,
    FIXED,
    RANDOM,
    design_matrices,
    epoch_days,
    features_of_many,
    hr_features,
    sample_features,
    usable_runs,
)
from coachkit.models.response_fit import blup, em_fit, weighted_prefix_sums

PRIOR_RUNS_SD = 10.0  # the personal residual SD is pooled with σ as if from 10 runs
POPULATION_JSON = "hr_response.json"


def _fmt_share(share: float, n: int, span_days: float) -> str:
    if n == 0:
        return "population estimate (none of your earlier runs has HR)"
    span = f"{span_days / 7:.0f} weeks" if span_days >= 14 else f"{max(span_days, 1):.0f} days"
    return f"{share * 100:.0f} % personal, from {n} of your runs over {span}"


class HrResponseModel(Params):
    """Expected average HR of a run, from a population layer and your own earlier runs.

    Parameters
    ----------
    half_life_days : float or None
        Recency weighting of your earlier runs in the individual layer (None: all equal).
        90 days: fitness changes, so last month says more than three years ago.
    heat_bpm_per_c : float
        Fixed heat prior, bpm per °C above ``heat_base_c`` (see the module notes).
    heat_base_c : float
        Temperature below which heat adds nothing.
    kinetics_tau_s : float
        Time constant of the per-sample first-order HR lag.
    include_strava_api : bool
        Also fit the population on rows synced from Strava's API (``source_kind``
        strava_api/strava_streams). Off by default: Strava's API terms forbid training on them.

    Examples
    --------
    >>> model = HrResponseModel.from_population()
    >>> runs = pd.DataFrame({"start_time": [pd.Timestamp("2024-05-01", tz="UTC")],
    ...                      "distance_m": [10000.0], "moving_time_s": [3300.0],
    ...                      "elevation_gain_m": [50.0]})
    >>> bool(130 < model.predict(history=None, runs=runs)[0] < 175)
    True
    """

    def __init__(
        self,
        *,
        half_life_days: float | None = 90.0,
        heat_bpm_per_c: float = 1.0,
        heat_base_c: float = 20.0,
        kinetics_tau_s: float = 60.0,
        include_strava_api: bool = False,
    ) -> None:
        self.half_life_days = half_life_days
        self.heat_bpm_per_c = heat_bpm_per_c
        self.heat_base_c = heat_base_c
        self.kinetics_tau_s = kinetics_tau_s
        self.include_strava_api = include_strava_api

    # -- population layer ---------------------------------------------------------------------

    def fit(
        self, history_of_many: pd.DataFrame, y: None = None, *, scheduler: Any = None
    ) -> HrResponseModel:
        """Fit the population layer on many athletes' activities (rows with ``avg_hr``).

        Learned: ``population_`` (fixed effects, random-effects covariance, σ², mean HR),
        ``k_`` (= σ²/G₀₀, the shrinkage constant), ``n_athletes_``, ``n_runs_``,
        ``converged_``. The per-athlete covariates are computed through
        :func:`coachkit.core.engine.per_athlete`: in-process, or on a Dask cluster with
        ``scheduler`` (an address or a ``distributed.Client``), with the same result.
        """
        if not self.include_strava_api:  # Strava's API terms: no model training on its rows
            history_of_many = without_strava_api(history_of_many)
        frame = history_of_many.reset_index(drop=True)  # a copy; labels may repeat
        if "athlete_id" not in frame.columns:
            raise ValueError("fit needs an athlete_id column: the population is many athletes")
        feats = features_of_many(frame, scheduler)
        use = usable_runs(frame, feats) & column(frame, "athlete_id", pd.NA).notna().to_numpy()
        groups = frame["athlete_id"].astype("string").to_numpy(dtype=object)[use]
        if len(set(groups)) < 2:
            raise ValueError(
                "fit needs runs with a plausible avg_hr from at least 2 athletes; "
                f"found {len(set(groups))}"
            )
        x, z = design_matrices(feats[use])
        yv = numeric(frame, "avg_hr")[use] - self._heat(feats[use])
        beta, cov, s2, self.converged_ = em_fit(x, z, yv, groups)
        self.population_ = {
            "fixed": dict(zip(("intercept",) + FIXED, map(float, beta))),
            "random": ["intercept", *RANDOM],
            "cov_re": cov.tolist(),
            "sigma2": s2,
            "mean_hr": float(np.mean(yv)),
            "centers": dict(CENTERS),
        }
        self.k_ = s2 / cov[0, 0] if cov[0, 0] > 0 else float("inf")
        self.n_athletes_ = len(set(groups))
        self.n_runs_ = int(use.sum())
        return self

    def _check(self) -> None:
        if not hasattr(self, "population_"):
            from sklearn.exceptions import NotFittedError  # only now: it loads scikit-learn

            raise NotFittedError(
                "HrResponseModel is not fitted: call fit(...) or HrResponseModel.from_population()"
            )

    def _heat(self, feats: pd.DataFrame) -> np.ndarray:
        t = np.nan_to_num(feats["temperature_c"].to_numpy(dtype=float), nan=self.heat_base_c)
        return self.heat_bpm_per_c * np.clip(t - self.heat_base_c, 0.0, None)

    def _beta(self) -> np.ndarray:
        fixed = self.population_["fixed"]
        return np.array([fixed["intercept"]] + [fixed[c] for c in FIXED])

    def to_dict(self, provenance: dict[str, Any] | None = None) -> dict[str, Any]:
        """Parameters and learned state as plain JSON-able values (the shipped JSON's shape).

        ``provenance`` (data file, its sha256, counts) is stored as given, for the reader.
        """
        self._check()
        return {
            "model": "HrResponseModel",
            "params": self.get_params(),
            "population": self.population_,
            "k": self.k_,
            "n_athletes": self.n_athletes_,
            "n_runs": self.n_runs_,
            "converged": self.converged_,
            "provenance": dict(provenance or {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HrResponseModel:
        """Rebuild a fitted model from :meth:`to_dict` output (no refit)."""
        pop = data["population"]
        if pop.get("centers") != CENTERS:
            raise ValueError("these parameters were fitted with other centres: refit them")
        model = cls(**data.get("params", {}))
        model.population_ = pop
        model.k_ = float(data["k"])
        model.n_athletes_ = int(data["n_athletes"])
        model.n_runs_ = int(data["n_runs"])
        model.converged_ = bool(data.get("converged", True))
        return model

    @classmethod
    def from_population(cls) -> HrResponseModel:
        """The model with the population layer shipped in ``coachkit/population``."""
        text = resources.files("coachkit.population").joinpath(POPULATION_JSON).read_text("utf-8")
        return cls.from_dict(json.loads(text))

    def summary(self) -> pd.DataFrame:
        """The population layer: fixed effects, random-effect SDs, residual SD and ``k``."""
        self._check()
        pop = self.population_
        sd = np.sqrt(np.diag(np.asarray(pop["cov_re"])))
        rows = [(f"fixed: {k}", v) for k, v in pop["fixed"].items()]
        rows += [(f"between-athlete SD: {k}", s) for k, s in zip(pop["random"], sd)]
        rows += [("residual SD (bpm)", np.sqrt(pop["sigma2"])), ("k (runs)", self.k_)]
        return pd.DataFrame(rows, columns=["term", "value"]).set_index("term")

    # -- individual layer ---------------------------------------------------------------------

    def _offsets(
        self, history: pd.DataFrame | None, day_q: np.ndarray, as_of: Any
    ) -> dict[str, np.ndarray]:
        """Personal random effects for each query day, from the history runs before it."""
        history = pd.DataFrame() if history is None else history  # no history: V = G, u = 0
        feats = hr_features(history)
        use = usable_runs(history, feats)
        if as_of is not None:
            use &= feats["day"].to_numpy() < epoch_days([as_of])[0]
        f = feats[use]
        x, z = design_matrices(f)
        r = numeric(history, "avg_hr")[use] - self._heat(f) - x @ self._beta()
        d = f["day"].to_numpy()
        hl = self.half_life_days
        zz, _ = weighted_prefix_sums(d, z[:, :, None] * z[:, None, :], day_q, hl)
        zr, n = weighted_prefix_sums(d, z * r[:, None], day_q, hl)
        rr, _ = weighted_prefix_sums(d, r * r, day_q, hl)
        n_eff, _ = weighted_prefix_sums(d, np.ones(len(d)), day_q, hl)
        s2 = self.population_["sigma2"]
        u, v = blup(np.asarray(self.population_["cov_re"]), s2, zz, zr)
        ssr = rr - 2 * np.einsum("mp,mp->m", u, zr) + np.einsum("mp,mpq,mq->m", u, zz, u)
        sd2 = (np.maximum(ssr, 0) + PRIOR_RUNS_SD * s2) / (n_eff + PRIOR_RUNS_SD)
        last = d.max() if len(d) else np.nan  # a run of unknown date comes after them all
        span = np.where(np.isfinite(day_q), day_q, last) - (d.min() if len(d) else np.nan)
        return {"u": u, "V": v, "n": n, "n_eff": n_eff, "sd2": sd2, "span": span}

    # -- predictions --------------------------------------------------------------------------

    def _expect(self, history: pd.DataFrame | None, runs: pd.DataFrame, as_of: Any) -> pd.DataFrame:
        self._check()
        ids = pd.concat([column(f, "athlete_id", pd.NA) for f in (history, runs) if f is not None])
        if ids.dropna().nunique() > 1:
            raise ValueError(
                f"history and runs hold {ids.dropna().nunique()} athletes; pass one athlete's runs"
            )
        feats = hr_features(runs, history, as_of=as_of)
        x, z = design_matrices(feats)
        heat = self._heat(feats)
        pop = x @ self._beta() + heat
        off = self._offsets(history, feats["day"].to_numpy(), as_of)
        personal = np.einsum("mp,mp->m", z, off["u"])
        var = off["sd2"] + np.einsum("mp,mpq,mq->m", z, off["V"], z)
        return pd.DataFrame(
            {
                "expected_hr": pop + personal,
                "population_hr": pop,
                "personal_offset_bpm": personal,
                "sd_bpm": np.sqrt(var),
                "n_history": off["n"],
                "history_days": np.where(off["n"] > 0, off["span"], 0.0),
                "personal_share": off["n_eff"] / (off["n_eff"] + self.k_),
                "distance_m": numeric(runs, "distance_m"),
                "speed_m_s": feats["speed_m_s"].to_numpy(),
                "heat_bpm": heat,
                "temperature_c": feats["temperature_c"].to_numpy(dtype=float),
            },
            index=runs.index,
        )

    def predict(
        self,
        history: pd.DataFrame | None = None,
        runs: pd.DataFrame | None = None,
        *,
        as_of: Any = None,
    ) -> np.ndarray:
        """Expected average HR (bpm) for each row of ``runs``, given one athlete's ``history``.

        Each run uses only the history runs that started before it (and before ``as_of``).
        With no earlier run with HR, this is the population prediction.
        """
        if runs is None:
            raise ValueError("predict needs runs=: the runs to predict HR for")
        return self._expect(history, runs, as_of)["expected_hr"].to_numpy()

    def explain(
        self,
        history: pd.DataFrame | None = None,
        runs: pd.DataFrame | None = None,
        *,
        as_of: Any = None,
    ) -> pd.DataFrame:
        """Per run: expected HR, residual, z, how personal, and one plain sentence.

        Columns: ``expected_hr``, ``population_hr``, ``personal_offset_bpm``, ``observed_hr``,
        ``residual`` (observed − expected), ``sd_bpm`` (expected spread: the personal residual
        SD, pooled with the population's as if from 10 runs, plus the uncertainty of the
        personal offsets), ``z`` (residual / sd_bpm), ``heat_bpm`` (the heat term in
        ``expected_hr``), ``temperature_c``, ``n_history`` (earlier runs with HR),
        ``history_days`` (from the first of them to this run), ``personal_share``
        (n/(n+k)) and ``explanation``.

        Examples
        --------
        >>> runs = pd.DataFrame({
        ...     "start_time": pd.to_datetime(["2024-04-01", "2024-04-20", "2024-05-03"], utc=True),
        ...     "distance_m": [10000.0, 8000.0, 10000.0], "moving_time_s": [3300.0, 2700.0, 3200.0],
        ...     "avg_hr": [150.0, 146.0, 163.0]})
        >>> model = HrResponseModel.from_population()
        >>> print(model.explain(history=runs, runs=runs.iloc[2:])["explanation"].iloc[0])
        HR 10 bpm above expected (153 bpm, z 0.8) for 10.0 km at 5:20/km; 58 % personal, from 2 of your runs over 5 weeks.
        """
        if runs is None:
            raise ValueError("explain needs runs=: the runs to explain")
        out = self._expect(history, runs, as_of)
        hr = numeric(runs, "avg_hr")
        out["observed_hr"] = np.where(
            (hr >= HR_PLAUSIBLE_BPM[0]) & (hr <= HR_PLAUSIBLE_BPM[1]), hr, np.nan
        )
        out["residual"] = out["observed_hr"] - out["expected_hr"]
        out["z"] = out["residual"] / out["sd_bpm"]
        out["explanation"] = [self._sentence(r) for r in out.itertuples()]
        return out.drop(columns=["distance_m", "speed_m_s"])

    def _sentence(self, r: Any) -> str:
        run = f"{r.distance_m / 1000:.1f} km at {format_speed_as_pace(r.speed_m_s)}"
        how = _fmt_share(r.personal_share, int(r.n_history), r.history_days)
        if round(r.heat_bpm) > 0:  # a hot run is compared with a hot run's HR, and says so
            how += f"; expected HR includes +{r.heat_bpm:.0f} bpm for {r.temperature_c:.0f} °C"
        if not np.isfinite(r.expected_hr):
            return f"No expected HR for this run: its distance or time is missing. {how}."
        if not np.isfinite(r.residual):
            return f"Expected HR {r.expected_hr:.0f} bpm for {run}; {how}."
        if round(r.residual) == 0:
            return f"HR as expected ({r.expected_hr:.0f} bpm) for {run}; {how}."
        side = "above" if r.residual > 0 else "below"
        return (
            f"HR {abs(r.residual):.0f} bpm {side} expected ({r.expected_hr:.0f} bpm, "
            f"z {r.z:.1f}) for {run}; {how}."
        )

    def predict_samples(
        self,
        *,
        history: pd.DataFrame | None = None,
        samples: pd.DataFrame,
        start_time: Any = None,
        sport: str = "run",
        as_of: Any = None,
    ) -> np.ndarray:
        """Expected HR (bpm) for each row of one run's ``samples`` (see the module notes).

        ``start_time`` defaults to the first ``timestamp``; history runs before it give the
        load, typical speed and personal offsets. NaN where ``t_s`` is missing.
        """
        self._check()
        out = np.full(len(samples), np.nan)
        t_all = numeric(samples, "t_s")
        ok = np.flatnonzero(np.isfinite(t_all))
        if len(ok) == 0:
            return out
        order = ok[np.argsort(t_all[ok], kind="stable")]
        t = t_all[order] - t_all[order[0]]
        base = sample_features(
            samples, order, t, history, start_time=start_time, sport=sport, as_of=as_of
        )
        x, z = design_matrices(base)
        u = self._offsets(history, base["day"].to_numpy()[:1], as_of)["u"][0]
        steady = x @ self._beta() + z @ u + self._heat(base)
        hr = numeric(samples, "hr_bpm")[order]
        early = (t <= 60.0) & (hr >= HR_PLAUSIBLE_BPM[0]) & (hr <= HR_PLAUSIBLE_BPM[1])
        first = hr[early]  # the watch's HR at the start, when it had one in the first minute
        h = np.empty(len(t))
        h[0] = first[0] if len(first) else steady[0]
        gain = 1.0 - np.exp(-np.diff(t) / self.kinetics_tau_s)
        for i in range(1, len(t)):
            h[i] = h[i - 1] + gain[i - 1] * (steady[i] - h[i - 1])
        out[order] = h
        return out
