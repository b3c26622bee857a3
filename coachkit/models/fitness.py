"""Fitness–fatigue (Banister) model of one runner, with a population prior (docs/design.md §6, issue #5).

Banister's impulse–response model (Banister et al. 1975; review: Clarke & Skiba 2013, Adv
Physiol Educ 37:134), written as the PMC writes it (:mod:`coachkit.features.pmc`)::

    F_t = F_{t-1} + a1 (w_t - F_{t-1}),  a1 = 1 - exp(-1/tau1)     fitness state (CTL-like)
    G_t = G_{t-1} + a2 (w_t - G_{t-1}),  a2 = 1 - exp(-1/tau2)     fatigue state (ATL-like)
    p_t = p0 + k1 F_{t-1} - k2 G_{t-1} + noise

``w`` is the daily load (hrTSS, rTSS ...). Performance on day ``t`` reflects the training up to
the end of day ``t - 1``, as the PMC's TSB does. With ``tau1 = 42`` and ``tau2 = 7``, ``F`` and
``G`` are exactly CTL and ATL (convention ``"exp"``); Banister's own gains, on sums of
``e^(-(t-s)/tau) w_s``, are ``k * a``. At a steady load ``L`` performance is ``p0 + (k1 - k2) L``.
Both states start at the mean load of the first ``init_days`` (the athlete trained before the
history began); 0 with ``init_days=0``.

Estimation is Bayesian. Priors: log-normal on ``k1, k2, tau1, tau2`` (positive and scale-like;
a normal prior on the logs keeps the posterior mode and its Laplace approximation in one
parametrisation), weak normal on ``p0``, scaled-inverse-chi² on the residual scale (``noise_df``
pseudo-observations of ``noise_sd``, so a handful of points never fit "exactly"). Residuals are
Student-t (:data:`STUDENT_DF`): a single odd run must not move the fit. ``k`` and ``p0`` are
fractions of the athlete's median performance, so one prior serves every athlete. The posterior
mode of ``(p0, log k1, log k2, log tau1, log tau2, log sigma)`` is found with L-BFGS-B;
uncertainty is the Laplace approximation there (inverse Hessian of the negative log posterior).
The priors ship in ``coachkit/population/fitness_prior.json`` with their sources
(:func:`~coachkit.models.fitness_population.population_prior` refits ``k`` and the noise on many runners; ``tau`` stays from the
literature). Pure functions: no disk (except :func:`load_fitness_prior`, which reads that
packaged file), no network, no clock.

Example (``table`` from :func:`coachkit.app.athlete.activity_table`)::

    res = FitnessModel(daily_load(table, table[["activity_id", "load"]]),
                       performance_index(table)).fit()
    print(res.summary())
    res.form_on("2027-04-11", planned_load).explanation
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.localtime import as_day
from coachkit.features.pmc import as_daily_series
from coachkit.models.fitness_explain import FormPrediction, form_prediction, summary_table
from coachkit.models.fitness_prior import FitnessPrior, load_fitness_prior

PARAM_NAMES = ("p0", "k1", "k2", "tau1", "tau2")
# search box of (p0_rel, log k1, log k2, log tau1, log tau2): wide, the priors do the work
_BOUNDS = (
    (-10.0, 10.0),
    (math.log(1e-8), 0.0),
    (math.log(1e-8), 0.0),
    (math.log(5.0), math.log(250.0)),
    (math.log(1.0), math.log(60.0)),
    (math.log(1e-4), 0.0),
)
# Student-t residuals: performance from ordinary runs has heavy tails (an interval session, a
# trail, a GPS glitch; excess kurtosis 5 on the intervals.icu runner's residuals). 4 degrees of
# freedom is the robust default of Lange, Little & Taylor 1989 (J Am Stat Assoc 84:881).
STUDENT_DF = 4.0
_START_TAUS = ((21.0, 3.5), (21.0, 7.0), (42.0, 7.0), (42.0, 14.0), (84.0, 7.0), (84.0, 14.0))


# ---------------------------------------------------------------------------------------------
# The model


def _states(w: np.ndarray, tau: float, x0: float) -> np.ndarray:
    """EWMA state at the end of the day *before* each day (``x0`` before day 0), length n + 1.

    ``scipy.signal.lfilter`` does the whole convolution in C; it is imported here, not at the
    top, so that importing coachkit stays light (the fit calls this a few thousand times).
    """
    from scipy.signal import lfilter

    a = 1.0 - math.exp(-1.0 / tau)
    y, _ = lfilter([a], [1.0, a - 1.0], w, zi=[(1.0 - a) * x0])
    return np.concatenate([[x0], y])


class FitnessModel:
    """Banister fitness–fatigue model of one athlete (statsmodels style: ``fit()`` → results).

    Parameters
    ----------
    load : Series
        Daily load on a DatetimeIndex (e.g. :func:`coachkit.features.daily.daily_load`); missing
        days are rest days.
    performance : Series
        Dated performance observations (e.g.
        :func:`~coachkit.models.performance.performance_index`); several a day allowed.
        Observations before the first day of load are left out (no state to explain them).
    prior : FitnessPrior, optional
        Default: the shipped population prior (:func:`load_fitness_prior`).
    init_days : int
        Fitness and fatigue start at the mean load of the first ``init_days`` days (0: at 0).
    """

    def __init__(
        self,
        load: pd.Series,
        performance: pd.Series,
        *,
        prior: FitnessPrior | None = None,
        init_days: int = 28,
    ) -> None:
        daily = as_daily_series(load)
        perf = pd.to_numeric(performance, errors="coerce").astype("float64").dropna()
        if not isinstance(daily.index, pd.DatetimeIndex) or not isinstance(
            perf.index, pd.DatetimeIndex
        ):
            raise TypeError("load and performance need a DatetimeIndex (one day per row of load)")
        perf.index = perf.index.tz_localize(None) if perf.index.tz else perf.index
        perf = perf[perf.index.normalize() >= (daily.index[0] if len(daily) else perf.index.max())]
        if len(perf) < 2 or not (perf > 0).all():
            raise ValueError(
                "The fitness model needs at least 2 positive performance values dated on or "
                "after the first day of load."
            )
        last = max(daily.index[-1], perf.index.max().normalize())
        days = pd.date_range(daily.index[0], last, freq="D", name="date")
        self.load = daily.reindex(days, fill_value=0.0)
        self.performance = perf.sort_index()
        self.label = str(performance.attrs.get("label") or performance.name or "performance")
        self.unit = f" {performance.attrs['unit']}" if performance.attrs.get("unit") else ""
        self.prior = prior or load_fitness_prior()
        self.init_days = int(init_days)
        self.scale = float(perf.median())
        self._w = self.load.to_numpy(dtype=float)
        self._pos = days.get_indexer(self.performance.index.normalize())
        self._y = self.performance.to_numpy() / self.scale
        self._x0 = float(self._w[: self.init_days].mean()) if self.init_days > 0 else 0.0

    def _mean(self, u: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        """Relative performance on every day of ``w`` (default: the history), and the day after."""
        w = self._w if w is None else w
        fit, fat = _states(w, math.exp(u[3]), self._x0), _states(w, math.exp(u[4]), self._x0)
        return u[0] + math.exp(u[1]) * fit - math.exp(u[2]) * fat

    def _prior_nlp(self, u: np.ndarray) -> float:
        pr = self.prior
        out = 0.5 * ((u[0] - 1.0) / pr.p0_sd) ** 2
        for i, (median, sd) in enumerate(pr.log_normals(), start=1):
            out += 0.5 * ((u[i] - math.log(median)) / sd) ** 2
        return out

    def nlp(self, u: np.ndarray) -> float:
        """Negative log posterior of ``u = (p0_rel, log k1, log k2, log tau1, log tau2, log s)``.

        Residuals are Student-t with :data:`STUDENT_DF` degrees of freedom and scale ``s``;
        ``s²`` has a scaled-inverse-chi² prior (``noise_df`` pseudo-observations of
        ``noise_sd``), i.e. ``noise_df * log s + noise_df noise_sd² / (2 s²)`` here.
        """
        r = self._y - self._mean(u)[self._pos]
        log_s, nu, nu0, s0 = u[5], STUDENT_DF, self.prior.noise_df, self.prior.noise_sd
        s2 = math.exp(2.0 * log_s)
        data = 0.5 * (nu + 1.0) * float(np.log1p(r * r / (nu * s2)).sum()) + len(r) * log_s
        return data + nu0 * log_s + 0.5 * nu0 * s0 * s0 / s2 + self._prior_nlp(u)

    def _start(self) -> np.ndarray:
        """Best of a few (tau1, tau2) pairs, each with its ridge (prior-penalised) p0, k1, k2."""
        pr, best, best_val = self.prior, np.zeros(6), math.inf
        sds = [pr.p0_sd, pr.k1 * pr.k1_log_sd, pr.k2 * pr.k2_log_sd]  # k's SD, roughly
        precision = pr.noise_sd**2 * np.diag(np.square(sds) ** -1)
        mean = np.array([1.0, pr.k1, pr.k2])
        for t1, t2 in _START_TAUS:
            x = np.column_stack(
                [
                    np.ones(len(self._pos)),
                    _states(self._w, t1, self._x0)[self._pos],
                    -_states(self._w, t2, self._x0)[self._pos],
                ]
            )
            beta = np.linalg.solve(x.T @ x + precision, x.T @ self._y + precision @ mean)
            k = np.clip(beta[1:], 1e-6, 0.5)
            u = np.array([beta[0], *np.log(k), math.log(t1), math.log(t2), math.log(pr.noise_sd)])
            if (val := self.nlp(u)) < best_val:
                best, best_val = u, val
        return best

    def fit(self) -> FitnessResults:
        """Posterior mode (L-BFGS-B) and its Laplace approximation; see :class:`FitnessResults`."""
        from scipy.optimize import minimize
        from statsmodels.tools.numdiff import approx_hess3
        from threadpoolctl import threadpool_limits

        # a 6-parameter problem: BLAS threads only contend (L-BFGS-B is 2-3x slower with them)
        with threadpool_limits(limits=1, user_api="blas"):
            res = minimize(self.nlp, self._start(), method="L-BFGS-B", bounds=_BOUNDS)
        u = np.asarray(res.x, dtype=float)
        hess = approx_hess3(u, self.nlp)
        eig = np.linalg.eigvalsh(0.5 * (hess + hess.T))
        at_bound = any(min(abs(x - lo), abs(x - hi)) < 1e-4 for x, (lo, hi) in zip(u, _BOUNDS))
        ok = bool(res.success) and eig.min() > 0 and not at_bound
        cov = np.linalg.inv(0.5 * (hess + hess.T)) if eig.min() > 0 else np.full((6, 6), np.nan)
        message = str(res.message) + (" (a parameter is at its search bound)" if at_bound else "")
        return FitnessResults(self, u, cov, ok, message)


class FitnessResults:
    """A fitted :class:`FitnessModel`: ``params``, ``bse``, ``conf_int()``, ``summary()``,
    ``predict()``, ``predict_interval()``, ``components()`` and ``form_on()``.

    ``params``: ``p0`` in performance units; ``k1, k2`` in performance units per unit of
    daily load (per unit of the CTL-like fitness and ATL-like fatigue states); ``tau1, tau2``
    in days. ``bse`` is the Laplace standard error (delta method for the log-parameters);
    ``conf_int`` is computed on the log scale for ``k`` and ``tau`` (so it stays positive).
    ``personal`` is the share of the prior's uncertainty that the athlete's data removed,
    averaged over ``k1, k2, tau1, tau2`` (0: all prior, 1: all the athlete's own data).
    ``sigma`` is the Student-t scale of the residuals and ``resid_sd`` the SD of the residuals
    of the fitted observations, both in performance units. ``u`` and ``cov_log`` are the
    mode and Laplace covariance of ``(p0_rel, log k1, log k2, log tau1, log tau2, log sigma_rel)``.
    """

    def __init__(
        self, model: FitnessModel, u: np.ndarray, cov: np.ndarray, converged: bool, message: str
    ) -> None:
        self.model, self.u, self.cov_log = model, u, cov
        self.converged, self.message = converged, message
        scale, se = model.scale, np.sqrt(np.diag(cov))
        values = np.array([u[0] * scale, *(np.exp(u[1:3]) * scale), *np.exp(u[3:5])])
        self.params = pd.Series(values, index=list(PARAM_NAMES), name="params")
        self.bse = pd.Series(np.abs(values) * se[:5], index=self.params.index, name="bse")
        self.bse["p0"] = se[0] * scale
        self.nobs = len(model._y)
        self.sigma_rel = math.exp(u[5])
        self.sigma = self.sigma_rel * scale
        fitted = self._mean_path(u)[model._pos] * scale
        self.fittedvalues = pd.Series(fitted, index=model.performance.index, name="fitted")
        self.resid = (model.performance - self.fittedvalues).rename("resid")
        self.resid_sd = float(self.resid.std(ddof=0))
        prior_var = np.square([sd for _, sd in model.prior.log_normals()])
        share = 1.0 - np.diag(cov)[1:5] / prior_var
        self.personal = float(np.clip(np.nan_to_num(share, nan=0.0), 0.0, 1.0).mean())
        span = model.performance.index.max() - model.performance.index.min()
        self.weeks = int(span.days // 7)

    def _mean_path(self, u: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        return self.model._mean(u, w)

    def _future(self, load_future: pd.Series | None, until: Any = None) -> pd.Series:
        """History load plus planned days (gaps and days up to ``until`` are rest days)."""
        hist = self.model.load
        start = hist.index[-1] + pd.Timedelta(days=1)
        plan = pd.Series(dtype=float) if load_future is None else load_future
        if len(plan) and not isinstance(plan.index, pd.DatetimeIndex):
            days = pd.date_range(start, periods=len(plan), freq="D")
            plan = pd.Series(np.asarray(plan, dtype=float), index=days)
        plan = as_daily_series(plan) if len(plan) else plan
        if len(plan) and plan.index[0] < start:
            raise ValueError(f"planned load starts before {start:%Y-%m-%d}, the first free day")
        end = plan.index[-1] if len(plan) else hist.index[-1]
        if until is not None:
            end = max(end, as_day(until))
        days = pd.date_range(start, end, freq="D", name="date")
        planned = plan.reindex(days, fill_value=0.0) if len(plan) else pd.Series(0.0, days)
        return pd.concat([hist, planned.astype(float)]).rename("load")

    def components(self, load_future: pd.Series | None = None) -> pd.DataFrame:
        """``load, fitness, fatigue, performance`` per day (history, then ``load_future``).

        ``fitness = k1 F_{t-1}`` and ``fatigue = k2 G_{t-1}`` in performance units, so that
        ``performance = p0 + fitness - fatigue`` on every row.
        """
        w = self._future(load_future)
        x, p = w.to_numpy(float), self.params
        fitness = p["k1"] * _states(x, p["tau1"], self.model._x0)[:-1]
        fatigue = p["k2"] * _states(x, p["tau2"], self.model._x0)[:-1]
        return pd.DataFrame(
            {
                "load": x,
                "fitness": fitness,
                "fatigue": fatigue,
                "performance": p["p0"] + fitness - fatigue,
            },
            index=w.index,
        )

    def predict(self, load_future: pd.Series | None = None) -> pd.Series:
        """Predicted performance per day over the history and the days of ``load_future``.

        ``load_future`` is dated from the day after the last day of load (gaps are rest days)
        or undated (one value per day from then on).
        """
        return self.components(load_future)["performance"].rename("predicted")

    def predict_interval(
        self,
        load_future: pd.Series | None = None,
        *,
        alpha: float = 0.2,
        n_draws: int = 1000,
        seed: int = 0,
    ) -> pd.DataFrame:
        """``mean, low, high`` per day: a ``1 - alpha`` interval for one day's measured value.

        Parameters are drawn from the Laplace normal of the log-parameters and Student-t noise
        (scale ``sigma``) is added, so the interval covers both what the model does not know
        about the athlete and the day-to-day scatter of the performance measure. ``mean`` is
        the prediction at the posterior mode (as :meth:`predict`).
        """
        w = self._future(load_future)
        x, rng = w.to_numpy(float), np.random.default_rng(seed)
        cov = self.cov_log if np.isfinite(self.cov_log).all() else np.zeros((6, 6))
        draws = rng.multivariate_normal(self.u, cov, size=n_draws, method="eigh")
        for i, (lo, hi) in enumerate(_BOUNDS):
            draws[:, i] = np.clip(draws[:, i], lo, hi)
        paths = np.stack([self._mean_path(d, x)[:-1] for d in draws])
        paths += self.sigma_rel * rng.standard_t(STUDENT_DF, size=paths.shape)
        paths *= self.model.scale
        lo, hi = np.quantile(paths, [alpha / 2, 1 - alpha / 2], axis=0)
        mean = self._mean_path(self.u, x)[:-1] * self.model.scale
        return pd.DataFrame({"mean": mean, "low": lo, "high": hi}, index=w.index)

    def form_on(self, date: Any, planned_load: pd.Series | None = None) -> FormPrediction:
        """Predicted performance on ``date`` (e.g. race day) if ``planned_load`` is done.

        ``planned_load``: daily load from the day after the last day of history (gaps and
        missing days up to ``date`` are rest days; the race day's own load does not count).
        """
        day = as_day(date)
        if day <= self.model.load.index[-1]:
            raise ValueError(f"{day:%Y-%m-%d} is not after the last day of history")
        plan = planned_load
        if plan is not None and isinstance(plan.index, pd.DatetimeIndex):
            plan = plan[plan.index.normalize() < day]
        plan = self._future(plan, until=day).iloc[len(self.model.load) :]
        return form_prediction(self, day, self.predict_interval(plan), self.components(plan))

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """``lower, upper`` per parameter (normal on ``p0``, on the log scale for the rest)."""
        z, se = NormalDist().inv_cdf(1 - alpha / 2), np.sqrt(np.diag(self.cov_log))
        lo, hi = self.u[:5] - z * se[:5], self.u[:5] + z * se[:5]
        scale = self.model.scale
        lower = np.array([lo[0] * scale, *(np.exp(lo[1:3]) * scale), *np.exp(lo[3:5])])
        upper = np.array([hi[0] * scale, *(np.exp(hi[1:3]) * scale), *np.exp(hi[3:5])])
        return pd.DataFrame({"lower": lower, "upper": upper}, index=self.params.index)

    def prior_mean(self) -> pd.Series:
        """The prior's centre in the units of ``params`` (medians for ``tau``)."""
        pr, s = self.model.prior, self.model.scale
        values = [s, pr.k1 * s, pr.k2 * s, pr.tau1_days, pr.tau2_days]
        return pd.Series(values, index=self.params.index, name="prior")

    def summary(self) -> str:
        """A statsmodels-like text table of the fit."""
        return summary_table(self)

    def __repr__(self) -> str:
        values = {k: round(float(v), 4) for k, v in self.params.items()}
        return f"<FitnessResults {values} converged={self.converged}>"


__all__ = ["FitnessModel", "FitnessResults"]
