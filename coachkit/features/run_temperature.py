"""The temperature a run was done in, from the temperature its device recorded.

The HR-response model (:mod:`coachkit.models.response`) adds its heat term for the run's
``temperature_c``; the activity table gets that column from here, so that every HR residual the
coach reads (fatigue, risk, replay) is measured against the heat-adjusted expectation.

Watches and bike computers measure the temperature of their own case: worn on the wrist, the
reading runs several °C above the air, most in the first minutes and in still air. The heat
term's check on real files (``tests/bench/test_bench_heat.py``) is therefore a check of the
coefficient *per °C as the device reads it*, which is what the model is given.

Pure: the samples frame given is never modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coachkit.features.track import samples_column

TEMPERATURE_MIN_COVERAGE = 0.5  # a mean from under half of the run's time would be a guess
TEMPERATURE_RANGE_C = (-40.0, 60.0)  # outside: a sensor fault, not weather


def run_temperature_c(samples: pd.DataFrame) -> float:
    """Time-weighted mean of the recorded ``temperature_c`` over a run (NaN when unknown).

    Each sample's reading holds until the next sample. NaN when the samples have no
    temperature for at least half of the run's time, or no time at all.

    Examples
    --------
    Ten minutes at 20 °C, then twenty at 29 °C: (10·20 + 20·29) / 30 = 26 °C.

    >>> s = pd.DataFrame({"t_s": [0.0, 600.0, 1800.0], "temperature_c": [20.0, 29.0, 29.0]})
    >>> run_temperature_c(s)
    26.0
    """
    if len(samples) < 2 or "t_s" not in samples.columns or "temperature_c" not in samples:
        return float("nan")
    order = np.argsort(pd.to_numeric(samples["t_s"], errors="coerce").to_numpy(), kind="stable")
    t = samples_column(samples, "t_s", order)
    temp = samples_column(samples, "temperature_c", order)
    ok_t = np.isfinite(t)
    t, temp = t[ok_t], temp[ok_t]
    dt = np.diff(t)
    held = temp[:-1]  # a reading holds until the next sample
    ok = np.isfinite(held) & (held >= TEMPERATURE_RANGE_C[0]) & (held <= TEMPERATURE_RANGE_C[1])
    ok &= dt > 0
    total = float(np.sum(dt[dt > 0]))
    covered = float(np.sum(dt[ok]))
    if total <= 0 or covered < TEMPERATURE_MIN_COVERAGE * total:
        return float("nan")
    return float(np.sum(held[ok] * dt[ok]) / covered)
