"""Runners like you: the population runners nearest to this one, and what they did in the 12
weeks before their best race (issue 19; docs/design.md, "Runners like you").

The population layer is ``population/peers.json`` (one record per benchmark runner, built by
:func:`coachkit.models.peer_features.peer_record`); the individual layer is this runner's
features on the day asked (:func:`coachkit.models.peer_features.runner_features`).

- **Similar** means near in standardised features: each numeric feature (VDOT, weekly
  distance, years of history) is divided by its standard deviation over the population, and
  the distance between two runners is the root mean square of their differences over the
  features known for both; when both runners' sex is known, a different sex adds a
  difference of 1 (one standard deviation). Features unknown for either runner are skipped,
  and the result says which were used. The root *mean* keeps distances comparable when a
  pair shares fewer features.
- The **k = 10 nearest** are the peers (ties broken by id); with fewer than 5 population
  runners to compare there is no band and the sentence says so. Ten is a compromise between a
  band that rests on a handful of runners and "peers" that are no longer alike in a
  population of about 75.
- The **band** is, per week before the race (−12 … −1), the 25th, 50th and 75th percentile
  (linear interpolation, ``numpy.percentile``'s default) of the peers' weekly distance and of
  their longest run. **Improvement** is the peers' VDOT change into their best race (median,
  middle half and range, with its n).
- The runner whose features are asked can never be their own peer: ``exclude`` drops an id
  (a population runner evaluated against the others).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from coachkit.core.units import format_distance
from coachkit.models.peer_features import FEATURES, SEXES, WEEKS
from coachkit.models.race_efforts import RACE_DISTANCES_M, nearest_race

K = 10  # peers shown (module docstring)
MIN_PEERS = 5  # fewer population runners to compare: no band, and the sentence says so
SEX_MISMATCH = 1.0  # a different sex counts as one standard deviation of difference
QUANTILES = (25.0, 50.0, 75.0)
FEATURE_WORDS = {
    "vdot": "VDOT",
    "weekly_km": "weekly distance",
    "history_years": "years of running history",
    "sex": "sex",
}


def feature_scales(population: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Standard deviation (n − 1) of each numeric feature over the population records that
    know it; a feature known for fewer than two records, or constant, is left out."""
    scales = {}
    for name in FEATURES:
        values = [r["features"][name] for r in population if r["features"].get(name) is not None]
        if len(values) >= 2 and (sd := float(np.std(values, ddof=1))) > 0:
            scales[name] = sd
    return scales


def peer_distance(
    me: Mapping[str, Any], other: Mapping[str, Any], scales: Mapping[str, float]
) -> tuple[float, tuple[str, ...]]:
    """Distance between two runners (module docstring) and the features it used.

    ``me`` and ``other`` hold ``features`` (name -> value or None) and ``sex``. With no
    numeric feature in common the distance is infinite.

    >>> a = {"features": {"vdot": 40.0, "weekly_km": 20.0}, "sex": "male"}
    >>> b = {"features": {"vdot": 44.0, "weekly_km": 20.0}, "sex": "female"}
    >>> peer_distance(a, b, {"vdot": 4.0, "weekly_km": 10.0})
    (1.0, ('vdot', 'weekly_km', 'sex'))
    """
    terms, used = [], []
    for name, scale in scales.items():
        x, y = me["features"].get(name), other["features"].get(name)
        if x is not None and y is not None:
            terms.append(((x - y) / scale) ** 2)
            used.append(name)
    if not terms:  # sex alone does not make two runners alike
        return math.inf, ()
    if me.get("sex") in SEXES and other.get("sex") in SEXES:
        terms.append(0.0 if me["sex"] == other["sex"] else SEX_MISMATCH**2)
        used.append("sex")
    return math.sqrt(sum(terms) / len(terms)), tuple(used)


def quantiles(values: Sequence[float]) -> list[float]:
    """25th, 50th and 75th percentiles (linear interpolation)."""
    return [float(q) for q in np.percentile(np.asarray(values, float), QUANTILES)]


def week_band(peers: Sequence[Mapping[str, Any]]) -> dict[str, list[float]]:
    """Per week −12 … −1: quartiles of the peers' weekly km and longest run km.

    Keys ``week`` (−12 … −1) and ``volume_km_p25|p50|p75``, ``long_run_km_p25|p50|p75``.
    """
    band: dict[str, list[float]] = {"week": [float(-w) for w in range(WEEKS, 0, -1)]}
    for series in ("volume_km", "long_run_km"):
        per_week = np.array([p[series] for p in peers], dtype=float).T  # weeks x peers
        qs = np.array([quantiles(week) for week in per_week])
        for i, q in enumerate(QUANTILES):
            band[f"{series}_p{int(q)}"] = [round(float(v), 2) for v in qs[:, i]]
    return band


def improvement(peers: Sequence[Mapping[str, Any]]) -> dict[str, float] | None:
    """The peers' VDOT change into their best race: n, median, p25, p75, min and max."""
    values = [p["improvement_vdot"] for p in peers if p.get("improvement_vdot") is not None]
    if not values:
        return None
    p25, p50, p75 = quantiles(values)
    return {
        "n": len(values),
        "median": p50,
        "p25": p25,
        "p75": p75,
        "min": float(min(values)),
        "max": float(max(values)),
    }


@dataclass(frozen=True)
class Peers:
    """The runners like this one: who, on what, the band of their 12 weeks, their improvement.

    ``peers`` holds (id, distance, features used) nearest first; ``band`` and ``improvement``
    are None when there are too few (``n_comparable < MIN_PEERS``).
    """

    n_population: int
    n_comparable: int
    used: tuple[str, ...]
    peers: tuple[tuple[str, float, tuple[str, ...]], ...]
    band: dict[str, list[float]] | None
    improvement: dict[str, float] | None
    typical: dict[str, list[float]] | None  # quartiles of each peer's mean weekly km, longest run
    races: dict[str, int]

    @property
    def n(self) -> int:
        """How many peers the band rests on (0 when there are too few)."""
        return len(self.peers) if self.band is not None else 0

    def explain(self, units: str = "km") -> str:
        """One sentence with the numbers, in ``units``: who the peers are and on what features,
        what they did, and that it describes them, not a prescription."""
        if self.n_comparable == 0:
            return (
                "Runners like you: no runs of yours up to this day tell your VDOT, weekly "
                "distance or running history, so you cannot be compared with the "
                f"{self.n_population} population runners and no band is shown."
            )
        if self.band is None or self.typical is None:
            return (
                f"Runners like you: only {self.n_comparable} of {self.n_population} population "
                f"runners can be compared with you (at least {MIN_PEERS} are needed), so no band "
                "is shown."
            )
        words = [FEATURE_WORDS[f] for f in self.used]
        used = " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)
        vol, long = self.typical["weekly_km"], self.typical["long_run_km"]
        races = ", ".join(f"{n} × {name}" for name, n in self.races.items())

        def dist(km: float) -> str:
            return format_distance(km * 1000.0, units)

        text = (
            f"Runners like you: the {self.n} of {self.n_population} population runners nearest "
            f"to you by {used} (standardised; farthest {self.peers[-1][1]:.2f} SD). In the "
            f"{WEEKS} weeks before their best race ({races}) they ran a median {dist(vol[1])} "
            f"a week (middle half {dist(vol[0])} to {dist(vol[2])}), and their longest run of "
            f"those weeks had a median of {dist(long[1])} ({dist(long[0])} to {dist(long[2])})"
        )
        if (imp := self.improvement) is not None:
            text += (
                f"; their VDOT changed by a median {imp['median']:+.1f} (middle half "
                f"{imp['p25']:+.1f} to {imp['p75']:+.1f}, range {imp['min']:+.1f} to "
                f"{imp['max']:+.1f}, n = {imp['n']}) from 12 weeks out to that race, which was "
                "chosen as their best"
            )
        return text + ". This describes those runners, not a prescription for you."

    def to_dict(self, units: str = "km") -> dict[str, Any]:
        """The result as plain JSON-able values (distances in km, as stored)."""
        return {
            "n": self.n,
            "n_population": self.n_population,
            "n_comparable": self.n_comparable,
            "used": list(self.used),
            "peers": [
                {"id": pid, "distance_sd": round(d, 3), "used": list(u)} for pid, d, u in self.peers
            ],
            "band": self.band,
            "improvement_vdot": self.improvement,
            "typical": self.typical,
            "races": self.races,
            "explanation": self.explain(units),
        }


def _race_name(distance_m: float) -> str:
    """The race distance nearest ``distance_m`` as a race's name ("10K", "half marathon"), which
    stays the same in km and in miles."""
    name = list(RACE_DISTANCES_M)[int(nearest_race(distance_m)[0])]
    return name.replace(" km", "K")


def nearest_peers(
    me: Mapping[str, Any],
    population: Sequence[Mapping[str, Any]],
    *,
    k: int = K,
    min_peers: int = MIN_PEERS,
    exclude: str | None = None,
) -> Peers:
    """The ``k`` population records nearest to ``me`` (module docstring), and their band.

    ``me`` holds ``features`` and ``sex``; each population record also has ``id``,
    ``volume_km``, ``long_run_km``, ``race_distance_m`` and ``improvement_vdot`` (the rows of
    ``peers.json``). ``exclude`` is an id that may not be a peer (the runner themself).
    """
    pool = [r for r in population if r["id"] != exclude]
    scales = feature_scales(pool)
    scored = []
    for r in pool:
        d, used = peer_distance(me, r, scales)
        if math.isfinite(d):
            scored.append((d, r["id"], used, r))
    scored.sort(key=lambda s: (s[0], s[1]))
    chosen = scored[:k] if len(scored) >= min_peers else []
    records = [s[3] for s in chosen]
    used_any = tuple(f for f in (*FEATURES, "sex") if any(f in s[2] for s in chosen))
    typical = None
    if records:
        typical = {
            "weekly_km": quantiles([float(np.mean(r["volume_km"])) for r in records]),
            "long_run_km": quantiles([float(np.max(r["long_run_km"])) for r in records]),
        }
    races = Counter(_race_name(r["race_distance_m"]) for r in records)
    return Peers(
        n_population=len(pool),
        n_comparable=len(scored),
        used=used_any,
        peers=tuple((pid, d, used) for d, pid, used, _ in chosen),
        band=week_band(records) if records else None,
        improvement=improvement(records) if records else None,
        typical=typical,
        races=dict(races.most_common()),
    )
