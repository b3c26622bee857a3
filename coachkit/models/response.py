"""HrResponseModel: the average heart rate a run should cost, for you (DESIGN §6).

**Population layer.** A linear mixed model fitted on many runners by maximum likelihood (EM,
:func:`_em_fit`; on the Strava population its fixed effects agree with statsmodels ``MixedLM``
REML within 0.1 % and its between-athlete SDs within 1.5 %, and it cannot fail to converge as
MixedLM's optimiser does on some data), with average HR in bpm explained by

- ``gap_speed``: grade-adjusted speed (m/s). A summary has only ``elevation_gain_m``, so the
  route is taken as out-and-back: half the distance climbing and half descending at the grade
  ``g = 2 · gain / distance``, costing ``(C(g) + C(−g)) / 2`` with Minetti's cost curve
  :func:`~coachkit.features.running.minetti_cost` (Minetti et al. 2002, J Appl Physiol 93:1039);
- ``log_duration``: ln(moving hours); the HR drift of long runs and the rise of short ones;
- ``climb``: elevation gain per km, what that crude GAP misses on hilly routes;
- ``km_7d`` and ``km_42d``: running km in the 7 days before, and km per week over the 42 days
  before (recent load and fitness);
- ``typical_gap_speed``: the median GAP speed of the runs of the 90 days before (else of all
  earlier runs): a fitter runner's HR is lower at the same speed.

Covariates are centred on a reference run (:data:`CENTERS`: 1 h at 3.0 m/s, 10 m/km of climb,
25 km in the last week and per week), so the intercept is the HR of that run. Load and typical
speed are unknown without any earlier run: they are then set to the reference (no effect).
**Heat** cannot be fitted (the population data has no temperature), so it is a fixed prior:
``heat_bpm_per_c`` bpm per °C above ``heat_base_c`` where ``temperature_c`` is known — about
1 bpm/°C, the order of the HR rise between 22–25 °C and 35 °C reviewed by Wingo, Ganio &
Cureton 2012 (Exerc Sport Sci Rev 40:88).

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
GAP from the real grade (:func:`~coachkit.features.running.with_grade_and_gap`; climb 0), and
the instantaneous drift term implied by the run average (if the mean of h over [0, T] is
``a + c·ln T``, then ``h(T) = a + c·(ln T + 1)``, from 10 min on). That steady state is
followed with a first-order lag, τ = 60 s (τ = 57.6 ± 23.6 s, gain 24 bpm per m/s, for
treadmill speed steps, BioMed Eng OnLine 2015;14:117, doi:10.1186/s12938-015-0112-7), from the
first recorded HR when there is one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GroupKFold

from coachkit.features.running import minetti_cost, with_grade_and_gap
from coachkit.features.thresholds import (
    HR_PLAUSIBLE_BPM,
    RUN_SPEED_PLAUSIBLE_M_S,
    column,
    flag_mask,
    fmt_pace,
    numeric,
)

FOOT_RUNS = ("run", "trail_run", "treadmill")
FIXED = ("gap_speed", "log_duration", "climb", "km_7d", "km_42d", "typical_gap_speed")
RANDOM = ("gap_speed", "log_duration", "climb")  # plus the intercept
# the reference run (near the medians of the 17k population runs with HR)
CENTERS = {
    "gap_speed": 3.0,  # m/s (5:33/km)
    "log_duration": 0.0,  # ln(1 h)
    "climb": 10.0,  # m/km
    "km_7d": 25.0,  # km
    "km_42d": 25.0,  # km per week
    "typical_gap_speed": 3.0,  # m/s
}
LOAD_DAYS, FITNESS_DAYS, TYPICAL_DAYS = 7.0, 42.0, 90.0
MIN_DURATION_S = 300.0  # shorter: the average HR is mostly the rise from rest
SAMPLE_MIN_S = 600.0  # the drift term is not extrapolated back to the first minutes
SAMPLE_SPEED_MAX_M_S = 7.0
PRIOR_RUNS_SD = 10.0  # the personal residual SD is pooled with σ as if from 10 runs
POPULATION_JSON = "hr_response.json"
DEFAULT_BINS: tuple[tuple[int, int | None], ...] = ((0, 0), (1, 10), (11, 30), (31, 100), (101, None))  # fmt: skip
_DAY = pd.Timedelta(days=1)
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def _days(values: Any) -> np.ndarray:
    """Times as float days since 1970 (UTC); NaN where missing."""
    ts = pd.to_datetime(pd.Series(values), utc=True, errors="coerce")
    return ((ts - _EPOCH) / _DAY).to_numpy(dtype=float, na_value=np.nan)


def _foot(frame: pd.DataFrame) -> np.ndarray:
    sport = column(frame, "sport", "run").astype("string").fillna("run")
    return sport.isin(FOOT_RUNS).to_numpy(dtype=bool)


def _summary(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Speed, duration, GAP (from the gain, out-and-back), climb and log duration per row."""
    dist = numeric(frame, "distance_m")
    dur = numeric(frame, "moving_time_s")
    dur = np.where(np.isfinite(dur) & (dur > 0), dur, numeric(frame, "elapsed_time_s"))
    gain = np.nan_to_num(numeric(frame, "elevation_gain_m"), nan=0.0).clip(min=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = dist / dur
        g = np.clip(2.0 * gain / dist, 0.0, 0.45)
        climb = gain / dist * 1000.0
        log_dur = np.log(dur / 3600.0)
    gap = speed * (minetti_cost(g) + minetti_cost(-g)) / (2.0 * minetti_cost(0.0))
    return {
        "speed_m_s": speed,
        "duration_s": dur,
        "gap_speed": gap,
        "log_duration": log_dur,
        "climb": climb,
        "distance_m": dist,
    }


def hr_features(
    runs: pd.DataFrame, context: pd.DataFrame | None = None, *, as_of: Any = None
) -> pd.DataFrame:
    """The population layer's covariates for each row of ``runs`` (one athlete).

    Parameters
    ----------
    runs : DataFrame
        Activities (DESIGN §3): ``start_time``, ``distance_m``, ``moving_time_s`` (else
        ``elapsed_time_s``), ``elevation_gain_m``; optional ``sport``, ``temperature_c``.
    context : DataFrame, optional
        The athlete's other activities, for load and typical speed. Only runs (run, trail_run,
        treadmill) that start before each row count; ``runs`` themselves count too, and a run
        in both frames (same start and distance) counts once.
    as_of : timestamp, optional
        Ignore ``context`` rows starting at or after it.

    Returns
    -------
    DataFrame
        Indexed like ``runs``: ``day`` (days since 1970), ``speed_m_s``, ``duration_s``, the
        :data:`FIXED` covariates (not centred) and ``temperature_c``.

    Examples
    --------
    >>> runs = pd.DataFrame({"start_time": pd.to_datetime(["2024-05-01", "2024-05-03"], utc=True),
    ...                      "distance_m": [10000.0, 5000.0], "moving_time_s": [3000.0, 1500.0],
    ...                      "elevation_gain_m": [0.0, 0.0]})
    >>> hr_features(runs)[["gap_speed", "km_7d"]].round(2).to_numpy().tolist()
    [[3.33, 25.0], [3.33, 10.0]]
    """
    own = _summary(runs)
    day = _days(column(runs, "start_time", pd.NaT))
    parts = [runs] if context is None else [context, runs]
    keep = [_foot(p) & ~flag_mask(column(p, "quality_flags", ""), "duplicate_of:") for p in parts]
    if context is not None and as_of is not None:
        keep[0] &= _days(column(context, "start_time", pd.NaT)) < _days([as_of])[0]
    ctx = pd.DataFrame(
        {
            "day": np.concatenate([_days(column(p, "start_time", pd.NaT)) for p in parts]),
            "km": np.concatenate(
                [_summary(p)["distance_m"] for p in parts[:-1]] + [own["distance_m"]]
            )
            / 1000.0,
            "gap": np.concatenate(
                [_summary(p)["gap_speed"] for p in parts[:-1]] + [own["gap_speed"]]
            ),
        }
    )[np.concatenate(keep)]
    ctx = ctx[np.isfinite(ctx["day"].to_numpy())].drop_duplicates(["day", "km"])
    ctx = ctx.sort_values("day", kind="stable")
    cday, cgap = ctx["day"].to_numpy(), ctx["gap"].to_numpy()
    cum = np.concatenate([[0.0], np.cumsum(np.nan_to_num(ctx["km"].to_numpy()))])
    end = np.searchsorted(cday, day, side="left")  # strictly before the run
    km7 = cum[end] - cum[np.searchsorted(cday, day - LOAD_DAYS, side="left")]
    km42 = (cum[end] - cum[np.searchsorted(cday, day - FITNESS_DAYS, side="left")]) / 6.0
    lo90 = np.searchsorted(cday, day - TYPICAL_DAYS, side="left")
    typical = np.full(len(runs), np.nan)
    for i, (a, b) in enumerate(zip(lo90, end)):
        window = cgap[a:b] if b > a else cgap[:b]
        window = window[np.isfinite(window)]
        if len(window):
            typical[i] = np.median(window)
    unknown = (end == 0) | ~np.isfinite(day)  # no earlier run at all: load unknown, not zero
    out = {k: v for k, v in own.items() if k != "distance_m"}
    out.update(
        day=day,
        km_7d=np.where(unknown, CENTERS["km_7d"], km7),
        km_42d=np.where(unknown, CENTERS["km_42d"], km42),
        typical_gap_speed=np.where(np.isfinite(typical), typical, CENTERS["typical_gap_speed"]),
        temperature_c=numeric(runs, "temperature_c"),
    )
    return pd.DataFrame(out, index=runs.index)


def _usable(frame: pd.DataFrame, feats: pd.DataFrame) -> np.ndarray:
    """Runs whose average HR can teach the model: plausible HR, pace and duration, no bad flag."""
    flags = column(frame, "quality_flags", "")
    hr = numeric(frame, "avg_hr")
    speed = feats["speed_m_s"].to_numpy()
    ok = np.isfinite(feats[list(FIXED)].to_numpy()).all(axis=1)
    for code in ("no_hr", "hr_implausible", "manual", "duplicate_of:"):
        ok &= ~flag_mask(flags, code)
    return (
        ok
        & _foot(frame)
        & (hr >= HR_PLAUSIBLE_BPM[0])
        & (hr <= HR_PLAUSIBLE_BPM[1])
        & (speed >= RUN_SPEED_PLAUSIBLE_M_S[0])
        & (speed <= RUN_SPEED_PLAUSIBLE_M_S[1])
        & (feats["duration_s"].to_numpy() >= MIN_DURATION_S)
        & np.isfinite(feats["day"].to_numpy())
    )


def _design(feats: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-effects and random-effects design matrices (centred on :data:`CENTERS`)."""
    one = np.ones((len(feats), 1))
    cols = {c: feats[c].to_numpy(dtype=float) - CENTERS[c] for c in FIXED}
    x = np.column_stack([one] + [cols[c] for c in FIXED])
    z = np.column_stack([one] + [cols[c] for c in RANDOM])
    return x, z


def _prefix_sums(
    day_h: np.ndarray, values: np.ndarray, day_q: np.ndarray, half_life: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """For each query day, Σ wᵢ·valuesᵢ over history days strictly before it, and the count.

    ``wᵢ = 2^(−(day_q − dayᵢ)/half_life)`` (1 without a half-life), from cumulative sums of the
    time-ordered history: one pass, whatever the number of queries.
    """
    order = np.argsort(day_h, kind="stable")
    d = day_h[order]
    e = np.ones(len(d)) if half_life is None or len(d) == 0 else np.exp2((d - d[-1]) / half_life)
    v = values[order] * e.reshape((-1,) + (1,) * (values.ndim - 1))
    cum = np.concatenate([np.zeros((1,) + values.shape[1:]), np.cumsum(v, axis=0)])
    idx = np.searchsorted(d, day_q, side="left")
    scale = np.ones(len(day_q))
    if half_life is not None and len(d):
        scale = np.where(
            idx > 0, np.exp2(-(np.nan_to_num(day_q, nan=d[-1]) - d[-1]) / half_life), 0
        )
    return cum[idx] * scale.reshape((-1,) + (1,) * (values.ndim - 1)), idx


def _blup(
    g: np.ndarray, s2: float, zz: np.ndarray, zr: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and covariance of random effects, stacked: ``(G·S + σ²I)⁻¹ G·s`` and
    ``σ² (G·S + σ²I)⁻¹ G`` (no inverse of G, so a singular G is fine)."""
    a = g[None] @ zz + s2 * np.eye(len(g))[None]
    u = np.linalg.solve(a, g[None] @ zr[:, :, None])[..., 0]
    return u, s2 * np.linalg.solve(a, np.broadcast_to(g, a.shape))


def _em_fit(
    x: np.ndarray, z: np.ndarray, y: np.ndarray, groups: np.ndarray, *, max_iter: int = 5000
) -> tuple[np.ndarray, np.ndarray, float, bool]:
    """Maximum-likelihood linear mixed model by EM (Laird & Ware 1982, Biometrics 38:963).

    ``y = Xβ + Z·u_athlete + ε``, ``u ~ N(0, G)``, ``ε ~ N(0, σ²)``. Each step is closed-form
    on per-athlete cross-products, and the likelihood never decreases: unlike a gradient
    optimiser it cannot fail on a variance near zero (it only slows). Returns β, G, σ² and
    whether the largest relative change fell below 1e-7.
    """
    codes = pd.factorize(groups)[0]

    def per(v: np.ndarray) -> np.ndarray:
        out = np.zeros((codes.max() + 1,) + v.shape[1:])
        np.add.at(out, codes, v)
        return out

    xx, xz = per(x[:, :, None] * x[:, None, :]), per(x[:, :, None] * z[:, None, :])
    zz, xy, zy, yy = per(z[:, :, None] * z[:, None, :]), per(x * y[:, None]), per(z * y[:, None]), per(y * y)  # fmt: skip
    beta = np.linalg.solve(xx.sum(0), xy.sum(0))
    s2 = float(np.mean((y - x @ beta) ** 2))
    g = 0.5 * s2 * np.diag(1.0 / np.mean(z * z, axis=0))
    for _ in range(max_iter):
        u, v = _blup(g, s2, zz, zy - np.einsum("apq,p->aq", xz, beta))
        new_beta = np.linalg.solve(xx.sum(0), (xy - np.einsum("apq,aq->ap", xz, u)).sum(0))
        zr = zy - np.einsum("apq,p->aq", xz, new_beta)
        rr = yy - 2 * xy @ new_beta + np.einsum("p,apq,q->a", new_beta, xx, new_beta)
        uu = u[:, :, None] * u[:, None, :] + v
        new_s2 = float(
            (rr - 2 * np.einsum("aq,aq->a", u, zr) + np.einsum("apq,aqp->a", zz, uu)).sum() / len(y)
        )
        new_g = uu.mean(0)
        change = max(
            np.max(np.abs(new_beta - beta) / (1 + np.abs(beta))),
            abs(new_s2 - s2) / s2,
            np.max(np.abs(new_g - g)) / max(np.max(np.abs(g)), 1e-12),
        )
        beta, s2, g = new_beta, new_s2, new_g
        if change < 1e-7:
            return beta, g, s2, True
    return beta, g, s2, False


def _fmt_share(share: float, n: int, span_days: float) -> str:
    if n == 0:
        return "population estimate (none of your earlier runs has HR)"
    span = f"{span_days / 7:.0f} weeks" if span_days >= 14 else f"{max(span_days, 1):.0f} days"
    return f"{share * 100:.0f} % personal, from {n} of your runs over {span}"


class HrResponseModel(BaseEstimator):
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
    ) -> None:
        self.half_life_days = half_life_days
        self.heat_bpm_per_c = heat_bpm_per_c
        self.heat_base_c = heat_base_c
        self.kinetics_tau_s = kinetics_tau_s

    # -- population layer ---------------------------------------------------------------------

    def fit(self, history_of_many: pd.DataFrame, y: None = None) -> HrResponseModel:
        """Fit the population layer on many athletes' activities (rows with ``avg_hr``).

        Learned: ``population_`` (fixed effects, random-effects covariance, σ², mean HR),
        ``k_`` (= σ²/G₀₀, the shrinkage constant), ``n_athletes_``, ``n_runs_``,
        ``converged_``.
        """
        frame = history_of_many.reset_index(drop=True)  # a copy; labels may repeat
        if "athlete_id" not in frame.columns:
            raise ValueError("fit needs an athlete_id column: the population is many athletes")
        feats = pd.concat(
            [hr_features(g) for _, g in frame.groupby("athlete_id", sort=False, dropna=True)]
        ).reindex(frame.index)
        use = _usable(frame, feats) & column(frame, "athlete_id", pd.NA).notna().to_numpy()
        groups = frame["athlete_id"].astype("string").to_numpy(dtype=object)[use]
        if len(set(groups)) < 2:
            raise ValueError(
                "fit needs runs with a plausible avg_hr from at least 2 athletes; "
                f"found {len(set(groups))}"
            )
        x, z = _design(feats[use])
        yv = numeric(frame, "avg_hr")[use] - self._heat(feats[use])
        beta, cov, s2, self.converged_ = _em_fit(x, z, yv, groups)
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
        use = _usable(history, feats)
        if as_of is not None:
            use &= feats["day"].to_numpy() < _days([as_of])[0]
        f = feats[use]
        x, z = _design(f)
        r = numeric(history, "avg_hr")[use] - self._heat(f) - x @ self._beta()
        d = f["day"].to_numpy()
        hl = self.half_life_days
        zz, _ = _prefix_sums(d, z[:, :, None] * z[:, None, :], day_q, hl)
        zr, n = _prefix_sums(d, z * r[:, None], day_q, hl)
        rr, _ = _prefix_sums(d, r * r, day_q, hl)
        n_eff, _ = _prefix_sums(d, np.ones(len(d)), day_q, hl)
        s2 = self.population_["sigma2"]
        u, v = _blup(np.asarray(self.population_["cov_re"]), s2, zz, zr)
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
        x, z = _design(feats)
        pop = x @ self._beta() + self._heat(feats)
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
        personal offsets), ``z`` (residual / sd_bpm), ``n_history`` (earlier runs with HR),
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
        run = f"{r.distance_m / 1000:.1f} km at {fmt_pace(r.speed_m_s)}"
        how = _fmt_share(r.personal_share, int(r.n_history), r.history_days)
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
        if start_time is None and "timestamp" in samples.columns:
            start_time = pd.to_datetime(samples["timestamp"], utc=True, errors="coerce").min()
        dist = numeric(samples, "distance_m")[order]
        run = pd.DataFrame(
            {
                "start_time": [pd.to_datetime(start_time, utc=True)],
                "distance_m": [
                    np.nanmax(dist) - np.nanmin(dist) if np.isfinite(dist).any() else np.nan
                ],
                "moving_time_s": [max(t[-1], 1.0)],
                "sport": [sport],
            }
        )
        base = hr_features(run, history, as_of=as_of).iloc[[0] * len(t)].reset_index(drop=True)
        gap = with_grade_and_gap(samples, sport=sport)["gap_speed_m_s"].to_numpy()[order]
        base["gap_speed"] = pd.Series(gap).ffill().bfill().fillna(0).clip(0, SAMPLE_SPEED_MAX_M_S)
        base["log_duration"] = np.log(np.maximum(t, SAMPLE_MIN_S) / 3600.0) + 1.0
        base["climb"] = 0.0  # the grade is in the GAP already
        base["temperature_c"] = pd.Series(numeric(samples, "temperature_c")[order]).ffill().bfill()
        x, z = _design(base)
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


# ---------------------------------------------------------------------------------------------
# learning curve: two-layer vs population-only vs individual-only, athlete-disjoint

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
    use = _usable(athlete, feats)
    f = feats[use]
    x, _ = _design(f)
    y = numeric(athlete, "avg_hr")[use]
    d = f["day"].to_numpy()
    hl = model.half_life_days
    xx, n = _prefix_sums(d, x[:, :, None] * x[:, None, :], d, hl)
    xy, _ = _prefix_sums(d, x * y[:, None], d, hl)
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
