"""Checking the HR model's heat term on runners' own data: bpm per °C above the base temperature.

:class:`~coachkit.models.response.HrResponseModel` adds ``heat_bpm_per_c`` bpm for every °C
the run's recorded temperature is above ``heat_base_c``. The population data it is fitted on has
no temperature, so the coefficient is a prior; :func:`heat_slope` measures it where files do
record temperature, against what the model already explains:

- the response is HR minus the model's expectation *without* heat (so speed, grade, duration and,
  per sample, drift and the HR lag are controlled for the way the model controls for them);
- the covariate is ``max(T − heat_base_c, 0)``, the heat term's own shape;
- both are centred within each group (a run, or a runner): a fixed-effects slope, so that how
  high one runner's or one run's HR sits cannot pass for heat. Only groups whose temperature
  goes above the base *and* varies inform it;
- its interval is a cluster bootstrap: whole runners are resampled, because samples of one run
  and runs of one runner are not independent.

Pure numpy: the caller reads the files and builds the frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class HeatSlope:
    """A fixed-effects slope of HR residual on heat, its bootstrap interval and its n."""

    bpm_per_c: float  #: the slope, bpm per °C above the base
    ci95: tuple[float, float]  #: 2.5 and 97.5 percentiles of runner-resampled slopes (NaN: < 2)
    n_points: int  #: rows used (samples or runs)
    n_groups: int  #: groups whose heat varied (these carry the estimate)
    n_runners: int  #: runners among those groups


def within_slope(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    """Least-squares slope of ``y`` on ``x`` with one intercept per group (fixed effects).

    ``Σ (x − x̄_g)(y − ȳ_g) / Σ (x − x̄_g)²`` over all rows, with each group's own means; NaN when
    no group varies in ``x``.

    Examples
    --------
    Two runners, 20 bpm apart, each 2 bpm higher per °C: the pooled slope across them would be
    dragged by the 20 bpm; within them it is 2.

    >>> x = np.array([0.0, 5.0, 0.0, 5.0])
    >>> y = np.array([140.0, 150.0, 160.0, 170.0])
    >>> within_slope(x, y, np.array(["a", "a", "b", "b"]))
    2.0
    """
    frame = pd.DataFrame({"x": x, "y": y, "g": groups})
    centred = frame[["x", "y"]] - frame.groupby("g")[["x", "y"]].transform("mean")
    sxx = float((centred["x"] ** 2).sum())
    return float((centred["x"] * centred["y"]).sum() / sxx) if sxx > 1e-12 else float("nan")


def heat_slope(
    frame: pd.DataFrame,
    *,
    base_c: float,
    group: str = "run",
    n_boot: int = 2000,
    seed: int = 19,
) -> HeatSlope:
    """The heat coefficient on real data: :func:`within_slope` and its cluster bootstrap.

    Parameters
    ----------
    frame : DataFrame
        One row per sample (or per run): ``residual_bpm`` (HR − the model's expectation
        without heat), ``temperature_c`` (as recorded), ``runner`` and the ``group`` column.
    base_c : float
        The temperature above which heat counts (the model's ``heat_base_c``).
    group : str
        The fixed-effect column: ``"run"`` (within-run changes of temperature) or ``"runner"``
        (between runs of one runner).
    n_boot, seed
        Bootstrap replicates (runners resampled with replacement) and the generator's seed.
    """
    ok = np.isfinite(frame["residual_bpm"]) & np.isfinite(frame["temperature_c"])
    f = frame[ok].assign(heat=np.clip(frame.loc[ok, "temperature_c"] - base_c, 0.0, None))
    spread = f.groupby(group)["heat"].transform(lambda h: h.max() - h.min())
    f = f[spread > 0]  # groups that never pass the base, or never change, say nothing
    slope = within_slope(f["heat"].to_numpy(), f["residual_bpm"].to_numpy(), f[group].to_numpy())
    # the slope is Σ Sxy / Σ Sxx over groups, so a resampled set of runners is a weighted sum of
    # each runner's (Sxy, Sxx): a runner drawn twice counts twice
    centred = f[["heat", "residual_bpm"]] - f.groupby(group)[["heat", "residual_bpm"]].transform(
        "mean"
    )
    sums = (
        pd.DataFrame(
            {
                "runner": f["runner"],
                "sxy": centred["heat"] * centred["residual_bpm"],
                "sxx": centred["heat"] ** 2,
            }
        )
        .groupby("runner")[["sxy", "sxx"]]
        .sum()
    )
    n = len(sums)
    ci = (float("nan"), float("nan"))
    if n >= 2:  # one runner cannot be resampled into an interval
        rng = np.random.default_rng(seed)
        w = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            boot = (w @ sums["sxy"].to_numpy()) / (w @ sums["sxx"].to_numpy())
        boot = boot[np.isfinite(boot)]
        ci = (float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5)))
    return HeatSlope(
        bpm_per_c=slope,
        ci95=ci,
        n_points=len(f),
        n_groups=int(f[group].nunique()),
        n_runners=n,
    )
