"""Seeded synthetic population of runners, for benchmarks (daily metrics, Dask, population fits).

``make_population(n_athletes, years, seed)`` returns ``(activities, wellness)``:

- **activities**: the canonical activities frame (docs/design.md §3, ``schemas.ACTIVITY_COLUMNS``), one
  row per run. Each athlete has a fitness (threshold speed 3.0–4.8 m/s), HRmax and resting HR,
  3–6 runs a week and a base weekly volume that grows with both. Weeks follow a 3-up/1-down
  cycle (×1.0, 1.08, 1.16, 0.72) on a slow half-year wave; about 5 % of weeks are missed, and a
  missed week is followed by another half the time (illness, injury, holidays). A week holds one
  long run (Sunday, ~⅓ of the volume), one or two quality sessions and easy runs. Pace is a
  share of the threshold speed (easy 72–80 %, long 74–82 %, quality 88–97 % as a session
  average), and threshold speed follows recent volume (±5 %). Average HR is the matching share
  of the HR reserve (0.95·pace share − 0.08, plus 2 %/h of drift and noise), so HR, pace and
  fitness agree. ``load`` is rTSS (100 · hours · IF², IF = speed / threshold speed),
  ``load_method`` is ``"rtss"``. Start times are local 6–19 h (long runs 7–10 h) converted to
  UTC with the athlete's fixed ``utc_offset_s``.
- **wellness**: the canonical wellness frame plus ``athlete_id``, one row per athlete per
  measured day (~85 % of days). ln rMSSD = the athlete's baseline (normal, mean 4.0, SD 0.3)
  + AR(1) day-to-day noise (SD 0.08–0.20) − a dip after load (yesterday's 3-day load EWMA
  relative to the athlete's mean) − rare 4-day illness dips of 0.25. Resting HR rises with the
  same fatigue; sleep is ~7.2 h.

Everything is vectorised numpy (a loop over athletes only to name them), deterministic for a
seed, and about 1 s for 1,000 athlete-years. Dates start on Monday ``start`` (default
2023-01-02). Not physiology: plausible numbers with the right structure, nothing to fit
population parameters on.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from coachkit.core.schemas import ACTIVITY_COLUMNS, WELLNESS_COLUMNS, conform

# run templates by runs per week: day of week (Mon = 0), kind (0 easy, 1 long, 2 quality), share
_DAYS = {3: [1, 3, 6], 4: [1, 2, 4, 6], 5: [0, 1, 3, 4, 6], 6: [0, 1, 2, 3, 4, 6]}
_KINDS = {3: [2, 0, 1], 4: [2, 0, 0, 1], 5: [0, 2, 0, 0, 1], 6: [0, 2, 0, 2, 0, 1]}
_SHARES = {
    3: [0.30, 0.30, 0.40],
    4: [0.25, 0.20, 0.20, 0.35],
    5: [0.15, 0.20, 0.17, 0.15, 0.33],
    6: [0.12, 0.16, 0.13, 0.16, 0.12, 0.31],
}
_KIND_NAMES = np.array(["Easy run", "Long run", "Quality session"])
_PACE_SHARE = np.array([[0.72, 0.80], [0.74, 0.82], [0.88, 0.97]])  # of threshold speed
_CYCLE = np.array([1.0, 1.08, 1.16, 0.72])  # 3 weeks up, 1 down
_OFFSETS_H = np.array([-8, -5, -3, 0, 1, 2, 5.5, 9, 10])


def _table(table: dict[int, list[float]]) -> np.ndarray:
    out = np.zeros((7, 6))
    for n, row in table.items():
        out[n, : len(row)] = row
    return out


def make_population(
    n_athletes: int, years: float, seed: int, *, start: str = "2023-01-02"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic ``(activities, wellness)`` for ``n_athletes`` over ``years`` (see module doc)."""
    rng = np.random.default_rng(seed)
    n_a, n_days = int(n_athletes), int(round(365.25 * years))
    n_weeks = math.ceil(n_days / 7)
    t0 = np.datetime64(pd.Timestamp(start).normalize().to_datetime64(), "s")

    # -- athletes ------------------------------------------------------------------------------
    thr = rng.uniform(3.0, 4.8, n_a)  # threshold speed, m/s
    hr_max = np.clip(rng.normal(188, 8, n_a), 165, 210)
    hr_rest = np.clip(rng.normal(52, 6, n_a), 38, 70)
    runs_pw = rng.integers(3, 7, n_a)
    base_km = rng.uniform(12, 35, n_a) + 8 * (runs_pw - 3) + 12 * (thr - 3.0)
    offset_s = (rng.choice(_OFFSETS_H, n_a) * 3600).astype(np.int64)
    ln_base = rng.normal(4.0, 0.3, n_a)
    ln_sd = rng.uniform(0.08, 0.20, n_a)

    # -- weekly volume: periodised, with missed weeks -------------------------------------------
    week = np.arange(n_weeks)
    phase = rng.uniform(0, 2 * np.pi, n_a)[:, None]
    volume = (
        base_km[:, None] * _CYCLE[week % 4] * (1 + 0.15 * np.sin(2 * np.pi * week / 26 + phase))
    )
    volume *= rng.lognormal(0.0, 0.08, (n_a, n_weeks))
    missed = rng.random((n_a, n_weeks)) < 0.05
    missed[:, 1:] |= missed[:, :-1] & (rng.random((n_a, n_weeks - 1)) < 0.5)
    volume[missed] = 0.0
    rel = volume / base_km[:, None]
    fitness = 1 + 0.05 * (
        lfilter([0.15], [1, -0.85], rel, axis=1, zi=0.85 * np.ones((n_a, 1)))[0] - 1
    )
    n_runs = np.clip(runs_pw[:, None] + rng.integers(-1, 2, (n_a, n_weeks)), 3, 6)
    n_runs[missed] = 0

    # -- one row per run ------------------------------------------------------------------------
    per_aw = n_runs.ravel()
    aw = np.repeat(np.arange(n_a * n_weeks), per_aw)
    k = np.arange(len(aw)) - np.repeat(np.cumsum(per_aw) - per_aw, per_aw)
    n = per_aw[aw]
    a, w = aw // n_weeks, aw % n_weeks
    day = w * 7 + _table(_DAYS)[n, k].astype(np.int64)
    keep = day < n_days
    a, w, k, n, day = a[keep], w[keep], k[keep], n[keep], day[keep]
    kind = _table(_KINDS)[n, k].astype(np.int64)
    m = len(a)
    km = volume[a, w] * _table(_SHARES)[n, k] * rng.lognormal(0, 0.1, m)
    distance_m = np.clip(km, 2.0, 38.0) * 1000.0  # no run below 2 km or beyond 38 km
    lo, hi = _PACE_SHARE[kind, 0], _PACE_SHARE[kind, 1]
    intensity = lo + (hi - lo) * rng.random(m)  # speed / threshold speed (IF)
    speed = thr[a] * fitness[a, w] * intensity
    moving_s = distance_m / speed
    hours = moving_s / 3600.0
    hrr = 0.95 * intensity - 0.08 + 0.02 * hours + rng.normal(0, 0.025, m)
    avg_hr = hr_rest[a] + (hr_max[a] - hr_rest[a]) * hrr
    max_hr = np.minimum(avg_hr + rng.uniform(6, 18, m), hr_max[a])
    local_h = np.where(kind == 1, rng.uniform(7, 10, m), rng.uniform(6, 19, m))
    local = t0 + (day * 86400 + (local_h * 3600).astype(np.int64)).astype("timedelta64[s]")
    utc = local - offset_s[a].astype("timedelta64[s]")
    names = np.array([f"syn{i:05d}" for i in range(n_a)], dtype=object)
    activities = pd.DataFrame(
        {
            "athlete_id": names[a],
            "activity_id": pd.Series(names[a]) + "-" + pd.Series(np.arange(m)).astype(str),
            "sport": np.where((kind == 1) & (rng.random(m) < 0.1), "trail_run", "run"),
            "start_time": pd.DatetimeIndex(utc.astype("datetime64[ns]")).tz_localize("UTC"),
            "utc_offset_s": offset_s[a],
            "elapsed_time_s": moving_s * rng.uniform(1.0, 1.08, m),
            "moving_time_s": moving_s,
            "distance_m": distance_m,
            "elevation_gain_m": distance_m / 1000 * rng.uniform(0, 15, m),
            "avg_hr": avg_hr,
            "max_hr": max_hr,
            "avg_cadence_spm": 160 + 20 * (intensity - 0.7) / 0.3 + rng.normal(0, 3, m),
            "name": _KIND_NAMES[kind],
            "device": "synthetic",
            "source_kind": "synthetic",
            "has_samples": False,
            "quality_flags": "",
            "load": 100.0 * hours * intensity**2,  # rTSS
            "load_method": "rtss",
        }
    )
    activities = conform(activities, ACTIVITY_COLUMNS)

    # -- wellness: morning ln rMSSD with load-driven and illness dips ---------------------------
    load_grid = np.bincount(
        a * n_days + day, weights=activities["load"].to_numpy(), minlength=n_a * n_days
    ).reshape(n_a, n_days)
    recent = lfilter([0.5], [1, -0.5], load_grid, axis=1)  # 3-day EWMA, 2/(3+1)
    fatigue = np.zeros_like(recent)
    fatigue[:, 1:] = recent[:, :-1] / np.maximum(load_grid.mean(axis=1, keepdims=True), 1.0) - 1
    noise = lfilter([1.0], [1, -0.5], rng.normal(0, 1, (n_a, n_days)), axis=1)
    noise *= (ln_sd * math.sqrt(1 - 0.25))[:, None]  # AR(1), phi 0.5: stationary SD = ln_sd
    ill = np.cumsum(rng.random((n_a, n_days)) < 0.004, axis=1)
    ill = (ill - np.pad(ill, ((0, 0), (4, 0)))[:, :n_days]) > 0  # 4 days after each onset
    ln = ln_base[:, None] + noise - 0.06 * np.clip(fatigue, -1, 3) - 0.25 * ill
    seen = rng.random((n_a, n_days)) < 0.85
    wa, wd = np.nonzero(seen)
    ln = ln[wa, wd]
    wellness = conform(
        pd.DataFrame(
            {
                "date": (t0.astype("datetime64[D]") + wd).astype("datetime64[ns]"),
                "rmssd_ms": np.exp(ln),
                "ln_rmssd": ln,
                "resting_hr": hr_rest[wa]
                + 3 * np.clip(fatigue[wa, wd], -1, 3)
                + rng.normal(0, 1.5, len(wa)),
                "sleep_s": np.clip(rng.normal(7.2, 0.7, len(wa)), 3, 11) * 3600,
                "source": "synthetic",
            }
        ),
        WELLNESS_COLUMNS,
    )
    wellness.insert(0, "athlete_id", pd.array(names[wa], dtype="string"))
    return activities, wellness


def make_samples(run: pd.Series, seed: int, *, every_s: float = 1.0) -> pd.DataFrame:
    """Plausible per-``every_s`` samples of one synthetic run (a row of ``make_population``).

    The canonical samples frame (``schemas.SAMPLE_COLUMNS``): a loop around a random start
    point (lat/lon), speed noisy around the run's mean (AR(1), SD 4 %), distance its running
    sum scaled to the run's distance, altitude a smooth random walk, HR rising from resting
    towards the run's average over the first ~3 minutes plus drift, cadence around the run's
    average, ~1 % of HR samples dropped out. Deterministic for a seed.
    """
    rng = np.random.default_rng(seed)
    duration = float(run["moving_time_s"])
    t = np.arange(0.0, duration + every_s / 2, every_s)
    n = len(t)
    mean_v = float(run["distance_m"]) / duration
    noise = lfilter([1.0], [1, -0.9], rng.normal(0, 0.04 * math.sqrt(1 - 0.81), n))
    speed = np.clip(mean_v * (1 + noise), 0.5, 7.0)
    dist = np.concatenate([[0.0], np.cumsum(speed[1:] * every_s)])
    dist *= float(run["distance_m"]) / max(dist[-1], 1.0)
    radius = float(run["distance_m"]) / (2 * np.pi) / 111_320.0  # degrees, one loop
    angle = 2 * np.pi * dist / max(dist[-1], 1.0)
    lat0, lon0 = rng.uniform(-50, 60), rng.uniform(-120, 150)
    avg_hr = float(run["avg_hr"])
    rise = 1 - np.exp(-t / 60.0)
    hr = (avg_hr - 25) + 25 * rise + 4 * (t / duration - 0.5) + rng.normal(0, 1.5, n)
    hr[rng.random(n) < 0.01] = np.nan
    start = pd.Timestamp(run["start_time"])
    return pd.DataFrame(
        {
            "t_s": t,
            "timestamp": start + pd.to_timedelta(t, unit="s"),
            "lat": lat0 + radius * np.sin(angle),
            "lon": lon0 + radius * (1 - np.cos(angle)) / max(np.cos(np.radians(lat0)), 0.2),
            "altitude_m": 50 + np.cumsum(rng.normal(0, 0.3, n)),
            "distance_m": dist,
            "speed_m_s": speed,
            "hr_bpm": hr,
            "cadence_spm": float(run["avg_cadence_spm"]) + rng.normal(0, 2, n),
            "power_w": np.nan,
            "temperature_c": np.nan,
        }
    )


def write_samples_tree(
    activities: pd.DataFrame, root: str | Path, seed: int, *, every_s: float = 1.0
) -> int:
    """Write ``make_samples`` of every run as the store's layout,
    ``root/athlete_id=<id>/<activity_id>.parquet`` (zstd); returns the number of files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = Path(root)
    for i, run in enumerate(activities.itertuples(index=False)):
        row = pd.Series(run._asdict())
        folder = root / f"athlete_id={row['athlete_id']}"
        folder.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(make_samples(row, seed + i, every_s=every_s),
                                     preserve_index=False)  # fmt: skip
        pq.write_table(table, folder / f"{row['activity_id']}.parquet", compression="zstd")
    return len(activities)
