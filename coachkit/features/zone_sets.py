"""Five-zone sets for heart rate, pace and power, and the seconds a run spends in each zone.

The three LTHR bands of :mod:`coachkit.features.zones` feed the activity table; the sets here are
the finer ones runners set their watches with. Each zone has a ``low`` (included) and a ``high``
(excluded) bound in its unit; the first zone starts at 0 and the last has no top, so every
plausible value falls in exactly one zone. Sources:

- **HR from LTHR** (default): Friel's running zones, Z1 < 85 %, Z2 85–89 %, Z3 90–94 %,
  Z4 95–99 %, Z5 ≥ 100 % of LTHR (Friel, "Total Heart Rate Training", 2006; Z5 joins his
  5a–5c). :data:`FRIEL_HR_OF_LTHR` holds the boundaries.
- **HR from HRmax**: 50-60-70-80-90 % of HRmax (Edwards, "The Heart Rate Monitor Book", 1993).
- **HR from reserve**: the same percentages of the heart-rate reserve added to resting HR
  (Karvonen, Kentala & Mustala 1957, Ann Med Exp Biol Fenn 35:307).
- **Pace**: Friel's run pace zones as % of threshold pace (time per km; > 129 %, 114–129 %,
  106–113 %, 100–105 %, < 100 %; Friel, "Quick Guide to Setting Zones", TrainingPeaks; the
  same table at trainingload.ai/docs/metrics/pace/zones). Z5 joins his 5a–5c.
- **Power**: Stryd's five zones as % of critical power: Easy 65–80 %, Moderate 80–90 %,
  Threshold 90–100 %, Interval 100–115 %, Repetition 115–130 % (Stryd help centre, "Power
  Zones explained"); below 65 % counts as Easy and above 130 % as Repetition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from coachkit.features.held import MAX_HOLD_S
from coachkit.features.load_formulas import POWER_PLAUSIBLE_W
from coachkit.features.thresholds import HR_PLAUSIBLE_BPM

#: Friel's running HR zone boundaries, fractions of LTHR (Z2, Z3, Z4 and Z5 start there)
FRIEL_HR_OF_LTHR = (0.85, 0.90, 0.95, 1.00)
#: Edwards' 10 % bands, fractions of HRmax (or of the reserve, Karvonen); Z1 starts at 50 %
HR_MAX_BANDS = (0.60, 0.70, 0.80, 0.90)
#: Friel's run pace zone boundaries, fractions of threshold pace (time per km), slow to fast
FRIEL_PACE_OF_THRESHOLD = (1.29, 1.14, 1.06, 1.00)
#: Stryd's power zone boundaries, fractions of CP (Moderate, Threshold, Interval, Repetition)
STRYD_POWER_OF_CP = (0.80, 0.90, 1.00, 1.15)
ZONE_MODELS = ("lthr", "hrmax", "hrr")
HR_ZONE_NAMES = ("Z1 recovery", "Z2 aerobic", "Z3 tempo", "Z4 threshold", "Z5 above threshold")
PACE_ZONE_NAMES = HR_ZONE_NAMES
POWER_ZONE_NAMES = ("Z1 easy", "Z2 moderate", "Z3 threshold", "Z4 interval", "Z5 repetition")
CUSTOM_HR_BPM = (40.0, 230.0)  # a custom boundary outside this is a typo, not a heart
MAX_CUSTOM_BOUNDARIES = 9
STOPPED_M_S = 0.5  # slower is standing or shuffling: no pace zone (pace would be near infinite)
#: sample column of each kind of zone
COLUMNS = {"hr": "hr_bpm", "pace": "speed_m_s", "power": "power_w"}


@dataclass(frozen=True)
class Zone:
    """One zone: values from ``low`` (included) up to ``high`` (excluded), in ``unit``.

    ``unit`` is ``"bpm"``, ``"s/km"`` (pace: a larger number is slower) or ``"W"``.
    """

    name: str
    low: float
    high: float
    unit: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _zones(names: Sequence[str], edges: Sequence[float], unit: str) -> list[Zone]:
    bounds = [0.0, *edges, float("inf")]
    return [
        Zone(n, round(float(lo), 1), round(float(hi), 1), unit)
        for n, lo, hi in zip(names, bounds, bounds[1:])
    ]


def hr_zones_lthr(lthr: float) -> list[Zone]:
    """Friel's five running HR zones from LTHR.

    >>> [round(z.low) for z in hr_zones_lthr(170)]
    [0, 144, 153, 162, 170]
    """
    return _zones(HR_ZONE_NAMES, [f * lthr for f in FRIEL_HR_OF_LTHR], "bpm")


def hr_zones_hrmax(hr_max: float) -> list[Zone]:
    """Five 10 % bands of HRmax (Edwards 1993): Z1 < 60 %, ..., Z5 ≥ 90 %.

    >>> [z.low for z in hr_zones_hrmax(200)]
    [0.0, 120.0, 140.0, 160.0, 180.0]
    """
    names = [f"Z{i + 1} {lo}-{lo + 10} % HRmax" for i, lo in enumerate(range(50, 100, 10))]
    return _zones(names, [f * hr_max for f in HR_MAX_BANDS], "bpm")


def hr_zones_hrr(hr_max: float, hr_rest: float) -> list[Zone]:
    """Five 10 % bands of the heart-rate reserve (Karvonen): rest + f · (max − rest).

    >>> [z.low for z in hr_zones_hrr(200, 50)]
    [0.0, 140.0, 155.0, 170.0, 185.0]
    """
    if not hr_max > hr_rest:
        raise ValueError(f"HRmax ({hr_max}) must be above resting HR ({hr_rest})")
    names = [f"Z{i + 1} {lo}-{lo + 10} % HRR" for i, lo in enumerate(range(50, 100, 10))]
    return _zones(names, [hr_rest + f * (hr_max - hr_rest) for f in HR_MAX_BANDS], "bpm")


def hr_zones_custom(boundaries: Sequence[float]) -> list[Zone]:
    """Zones between the athlete's own boundaries (``130,145,160,172`` gives five zones).

    >>> [(z.low, z.high) for z in hr_zones_custom([130, 160])]
    [(0.0, 130.0), (130.0, 160.0), (160.0, inf)]
    """
    edges = check_hr_boundaries(boundaries)
    return _zones([f"Z{i + 1}" for i in range(len(edges) + 1)], edges, "bpm")


def check_hr_boundaries(boundaries: Sequence[float]) -> list[float]:
    """The boundaries as floats; ValueError (one sentence) unless 1–9 plausible ascending bpm."""
    try:
        edges = [float(b) for b in boundaries]
    except (TypeError, ValueError):
        raise ValueError(f"HR zone boundaries must be numbers, got {list(boundaries)}") from None
    lo, hi = CUSTOM_HR_BPM
    if not 1 <= len(edges) <= MAX_CUSTOM_BOUNDARIES:
        raise ValueError(f"give 1 to {MAX_CUSTOM_BOUNDARIES} HR zone boundaries, got {len(edges)}")
    if any(not (np.isfinite(e) and lo <= e <= hi) for e in edges):
        raise ValueError(f"HR zone boundaries must be within {lo:.0f}-{hi:.0f} bpm: {edges}")
    if any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError(f"HR zone boundaries must be strictly ascending: {edges}")
    return edges


def pace_zones(threshold_pace_s_per_km: float) -> list[Zone]:
    """Friel's run pace zones from threshold pace, s/km (Z1 the slowest).

    Z1 is slower than 129 % of threshold pace, Z5 faster than threshold pace:

    >>> [(z.name, z.low, z.high) for z in pace_zones(300)][::4]
    [('Z1 recovery', 387.0, inf), ('Z5 above threshold', 0.0, 300.0)]
    """
    t = float(threshold_pace_s_per_km)
    bounds = [float("inf"), *(f * t for f in FRIEL_PACE_OF_THRESHOLD), 0.0]
    return [
        Zone(n, round(lo, 1), round(hi, 1), "s/km")
        for n, hi, lo in zip(PACE_ZONE_NAMES, bounds, bounds[1:])
    ]


def power_zones(cp_w: float) -> list[Zone]:
    """Stryd's five running power zones from critical power, W.

    >>> [z.low for z in power_zones(250)]
    [0.0, 200.0, 225.0, 250.0, 287.5]
    """
    return _zones(POWER_ZONE_NAMES, [f * cp_w for f in STRYD_POWER_OF_CP], "W")


def _held(t: np.ndarray) -> np.ndarray:
    """Each sample holds until the next; a gap over MAX_HOLD_S is a pause and counts nowhere
    (the rule of :func:`coachkit.features.zones.time_in_zones`)."""
    gap = np.diff(t, append=t[-1]) if len(t) else t
    return np.where((gap > 0) & (gap <= MAX_HOLD_S), gap, 0.0)


def sample_speed(samples: pd.DataFrame) -> np.ndarray:
    """Speed of each sample, m/s: the ``speed_m_s`` column, else distance over time."""
    if "speed_m_s" in samples.columns:
        return pd.to_numeric(samples["speed_m_s"], errors="coerce").to_numpy(dtype=float)
    if "distance_m" not in samples.columns:
        return np.full(len(samples), np.nan)
    d = pd.to_numeric(samples["distance_m"], errors="coerce").to_numpy(dtype=float)
    t = pd.to_numeric(samples["t_s"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.diff(d, prepend=np.nan) / np.diff(t, prepend=np.nan)
    if len(v) > 1:
        v[0] = v[1]  # the first sample runs at the speed of the first interval
    return v


def _values(samples: pd.DataFrame, kind: str) -> np.ndarray:
    """The samples' values in the zones' unit, NaN where not usable."""
    if kind == "pace":
        v = sample_speed(samples)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(v >= STOPPED_M_S, 1000.0 / v, np.nan)
    col = COLUMNS[kind]
    if col not in samples.columns:
        return np.full(len(samples), np.nan)
    v = pd.to_numeric(samples[col], errors="coerce").to_numpy(dtype=float)
    lo, hi = HR_PLAUSIBLE_BPM if kind == "hr" else POWER_PLAUSIBLE_W
    return np.where((v >= lo) & (v <= hi), v, np.nan)


def seconds_in_zones(
    samples: pd.DataFrame, zones: Mapping[str, Sequence[Zone]]
) -> dict[str, list[dict]]:
    """Seconds of one run in each zone of each kind (``"hr"``, ``"pace"``, ``"power"``).

    Each sample holds until the next one; a gap over 30 s (``MAX_HOLD_S``) is a pause and
    counts in no zone; samples without a usable value (no HR, standing still for pace, no
    power) count nowhere either, so the seconds of a kind add up to the time it was measured.

    Returns
    -------
    dict
        kind -> one ``{"name", "low", "high", "unit", "seconds"}`` per zone, in zone order.

    >>> s = pd.DataFrame({"t_s": [0.0, 5, 10, 15], "hr_bpm": [120.0, 150, 170, 170]})
    >>> [z["seconds"] for z in seconds_in_zones(s, {"hr": hr_zones_lthr(160)})["hr"]]
    [5.0, 0.0, 5.0, 0.0, 5.0]
    """
    out: dict[str, list[dict]] = {}
    ok_frame = samples is not None and len(samples) and "t_s" in samples.columns
    t = pd.to_numeric(samples["t_s"], errors="coerce").to_numpy(float) if ok_frame else None
    held = _held(t) if t is not None else None
    for kind, zs in zones.items():
        rows = [{**z.to_dict(), "seconds": 0.0} for z in zs]
        out[kind] = rows
        if held is None or not rows:
            continue
        v = _values(samples, kind)
        ok = np.isfinite(v) & np.isfinite(held)
        lows = np.array([z.low for z in zs])
        order = np.argsort(lows)
        which = order[np.clip(np.searchsorted(lows[order], v[ok], side="right") - 1, 0, None)]
        highs = np.array([z.high for z in zs])
        inside = v[ok] < highs[which]  # zones with gaps between them: outside counts nowhere
        sums = np.bincount(which[inside], weights=held[ok][inside], minlength=len(zs))
        for row, s in zip(rows, sums):
            row["seconds"] = float(s)
    return out


def zone_source(kind: str, model: str = "lthr", custom: bool = False) -> str:
    """One sentence saying where a zone set comes from."""
    if kind == "hr" and custom:
        return "HR zones: your own boundaries (coachkit settings --hr-zones)."
    return {
        ("hr", "lthr"): "HR zones: Friel's running zones, <85, 85-89, 90-94, 95-99, >=100 % of "
        "LTHR (Friel, Total Heart Rate Training, 2006).",
        ("hr", "hrmax"): "HR zones: 10 % bands of HRmax from 50 % (Edwards, The Heart Rate "
        "Monitor Book, 1993).",
        ("hr", "hrr"): "HR zones: 10 % bands of the heart-rate reserve from 50 %, added to "
        "resting HR (Karvonen, Kentala & Mustala 1957).",
        ("pace", model): "Pace zones: Friel's run pace zones, >129, 114-129, 106-113, 100-105, "
        "<100 % of threshold pace (Friel, Quick Guide to Setting Zones, TrainingPeaks).",
        ("power", model): "Power zones: Stryd's Easy 65-80, Moderate 80-90, Threshold 90-100, "
        "Interval 100-115, Repetition 115-130 % of critical power (Stryd, Power Zones "
        "explained).",
    }[(kind, model)]
