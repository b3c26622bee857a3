"""What it takes to reach a form: the load for a target TSB tomorrow, the rest days to get there.

Both are closed forms of the PMC's EWMAs (:mod:`coachkit.features.pmc`): ``ctl`` and ``atl``
are the values at the end of yesterday, so today's TSB is ``ctl - atl``, and one day of load
``L`` moves each by ``alpha (L - x)`` (:func:`~coachkit.features.pmc.ewma_alpha`).
"""

from __future__ import annotations

import math

import numpy as np

from coachkit.features.pmc import ewma_alpha


def load_to_reach_tsb(
    ctl: float,
    atl: float,
    target_tsb: float,
    *,
    ctl_days: float = 42,
    atl_days: float = 7,
    convention: str = "exp",
) -> float:
    """Load to do today so that tomorrow's TSB equals ``target_tsb`` (closed form).

    ``ctl`` and ``atl`` are the values at the end of yesterday (today's TSB is ``ctl - atl``).
    After a load ``L`` today, tomorrow's TSB is
    ``(1 - a_c) ctl - (1 - a_a) atl - (a_a - a_c) L``, which falls as ``L`` grows, so

    ``L = ((1 - a_c) ctl - (1 - a_a) atl - target_tsb) / (a_a - a_c)``.

    Read it as "the most you can do today and still have form ``target_tsb`` tomorrow". It is
    never negative: **0 means that even a rest day leaves tomorrow's TSB below the target**
    (see :func:`rest_days_until_tsb` for how many rest days it takes).

    Examples
    --------
    >>> round(load_to_reach_tsb(50.0, 70.0, -15.0), 1)
    28.7
    """
    a_c, a_a = ewma_alpha(ctl_days, convention), ewma_alpha(atl_days, convention)
    if math.isclose(a_c, a_a):
        raise ValueError(
            "ctl_days and atl_days must differ: with equal constants load moves no TSB"
        )
    needed = ((1.0 - a_c) * ctl - (1.0 - a_a) * atl - target_tsb) / (a_a - a_c)
    return max(0.0, float(needed))


def rest_days_until_tsb(
    ctl: float,
    atl: float,
    target_tsb: float = 0.0,
    *,
    ctl_days: float = 42,
    atl_days: float = 7,
    convention: str = "exp",
    max_days: int = 60,
) -> int | None:
    """Rest days needed before TSB reaches ``target_tsb`` (0 when today's TSB already does).

    ``ctl`` and ``atl`` are the values at the end of yesterday, so today's TSB is ``ctl - atl``;
    after ``n`` rest days the next day's TSB is ``ctl (1 - a_c)^n - atl (1 - a_a)^n``. For a
    target of 0 this is Runalyze's ``restDays`` (``log(ctl/atl) / log((1-a_a)/(1-a_c))``, TSB.php)
    rounded up to whole days. Returns None when ``max_days`` of rest are not enough (a positive
    target may never be reached: TSB tends to 0 as both decay).
    """
    a_c, a_a = ewma_alpha(ctl_days, convention), ewma_alpha(atl_days, convention)
    n = np.arange(int(max_days) + 1)
    tsb = ctl * (1.0 - a_c) ** n - atl * (1.0 - a_a) ** n
    hit = np.flatnonzero(tsb >= target_tsb - 1e-9)  # 1e-9: a target met to rounding is met
    return int(hit[0]) if hit.size else None
