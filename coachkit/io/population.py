"""Readers for the population data sets (the steering repo's shared/data/benchmarks).

- ``strava_runs_116``: Kaggle "running-races-strava" (olegoaer), 81 amateur runners' activities
  with distance, elapsed time, elevation gain and average HR. Mostly training runs. ``;``-
  separated, CRLF, ``dd/mm/YYYY HH:MM`` local times without a zone (read as UTC: only order
  and spacing in time matter for the models).
- ``marathon_prague17``: 87 Prague 2017 marathoners with 4-week volume and mean training speed.

Both are turned into canonical frames (docs/design.md §3) so the models never see raw columns. Rows of
obvious junk (zero distance, speeds no runner reaches) are dropped here, once, with counts.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

STRAVA_RUNS_FILE = "strava_runs_116/raw-data-kaggle.train.csv"
STRAVA_RUNS_SHA256 = "6a64e184e261b0e08600bc7c0f3cbee1dd1ca69f8b38ba02836ba45e8fbb0463"
PRAGUE_FILE = "marathon_prague17/MarathonData.noname.csv"
# plausibility bounds for a run summary: 2 km/h (a hike) .. 23.4 km/h (6.5 m/s: faster than the
# 10 km world-record pace of 22.8 km/h); 0.3 km .. 250 km; 60 s .. 48 h
SPEED_MIN_M_S, SPEED_MAX_M_S = 0.55, 6.5
DISTANCE_MIN_M, DISTANCE_MAX_M = 300.0, 250_000.0
ELAPSED_MIN_S, ELAPSED_MAX_S = 60.0, 48 * 3600.0
HR_MIN, HR_MAX = 60.0, 220.0


def read_strava_runs_116(path: str | Path) -> pd.DataFrame:
    """The Strava population file as a canonical activities frame (one athlete_id per runner).

    Extra columns: ``sex`` ("male"/"female"/"unknown"). ``source_kind`` is
    ``"benchmark_strava_runs_116"`` so these rows are never mistaken for a user's Strava data.
    Implausible rows are dropped (see the module constants); ``attrs["dropped"]`` counts them.
    """
    raw = pd.read_csv(path, sep=";", dtype={"athlete": "string", "gender": "string"})
    start = pd.to_datetime(
        raw["timestamp"], format="%d/%m/%Y %H:%M", errors="coerce"
    ).dt.tz_localize("UTC")
    dist = pd.to_numeric(raw["distance (m)"], errors="coerce")
    elapsed = pd.to_numeric(raw["elapsed time (s)"], errors="coerce")
    hr = pd.to_numeric(raw["average heart rate (bpm)"], errors="coerce")
    speed = dist / elapsed
    ok = (
        start.notna()
        & dist.between(DISTANCE_MIN_M, DISTANCE_MAX_M)
        & elapsed.between(ELAPSED_MIN_S, ELAPSED_MAX_S)
        & speed.between(SPEED_MIN_M_S, SPEED_MAX_M_S)
    )
    hr = hr.where(hr.between(HR_MIN, HR_MAX))
    sex = raw["gender"].map({"M": "male", "F": "female"}).fillna("unknown")
    out = pd.DataFrame(
        {
            "athlete_id": "s116-" + raw["athlete"],
            "activity_id": [
                hashlib.sha256(f"{a}|{t}|{d}".encode()).hexdigest()[:16]
                for a, t, d in zip(raw["athlete"], raw["timestamp"], raw["distance (m)"])
            ],
            "sport": "run",
            "start_time": start,
            "utc_offset_s": pd.array([pd.NA] * len(raw), dtype="Int64"),
            "elapsed_time_s": elapsed.astype(float),
            "moving_time_s": elapsed.astype(float),  # the file has elapsed time only
            "distance_m": dist.astype(float),
            "elevation_gain_m": pd.to_numeric(raw["elevation gain (m)"], errors="coerce"),
            "avg_hr": hr,
            "max_hr": np.nan,
            "source_kind": "benchmark_strava_runs_116",
            "has_samples": False,
            "quality_flags": np.where(hr.isna(), "no_hr", ""),
            "sex": sex,
        }
    )[ok.to_numpy()]
    out = out.sort_values(["athlete_id", "start_time"], kind="stable").reset_index(drop=True)
    out.attrs["dropped"] = int((~ok).sum())
    return out


def read_prague17(path: str | Path) -> pd.DataFrame:
    """Prague 2017 marathoners: id, category, km4week, sp4week_km_h, marathon_time_s.

    ``Wall21`` (the same race's half split) and ``CATEGORY`` (derived from the result) leak the
    target and are not returned. The ``sp4week`` outlier (11125 km/h) becomes NaN.
    """
    raw = pd.read_csv(path, skipinitialspace=True)
    sp = pd.to_numeric(raw["sp4week"], errors="coerce")
    return pd.DataFrame(
        {
            "id": raw["id"],
            "category": raw["Category"],
            "km4week": pd.to_numeric(raw["km4week"], errors="coerce"),
            "sp4week_km_h": sp.where(sp.between(5, 25)),
            "marathon_time_s": pd.to_numeric(raw["MarathonTime"], errors="coerce") * 3600,
        }
    )
