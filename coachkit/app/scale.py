"""Work over many athletes, in-process (polars) or on a Dask cluster (docs/design.md §4, the ``[scale]``
extra).

Everything here is one *per-athlete kernel* (a pure function: one athlete's rows in, a frame
out) and one *engine* that feeds it: :func:`per_athlete`. Without a scheduler the rows are read
with polars and the kernel runs in this process, athlete after athlete; with
``scheduler="tcp://host:8786"`` (or a ``distributed.Client``) they are read with
``dask.dataframe`` and the kernel runs on the cluster's workers (``groupby("athlete_id").apply``).
The kernel is the same function either way, and the results are sorted the same way, so both
give equal numbers (tests/integration/test_scale.py checks it on a ``LocalCluster``).

Inputs are either a pandas frame or a folder of hive-partitioned parquet
(``<dir>/athlete_id=<id>/*.parquet``), as :func:`export_activity_tables` writes from a store
and as the store's own ``samples/`` tree is laid out.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coachkit.core.engine import per_athlete
from coachkit.core.quality import not_duplicate
from coachkit.core.sports import RUN_SPORTS

if TYPE_CHECKING:
    from coachkit.store import Store

#: columns of an exported activity table (docs/design.md §3 plus the computed load and local day)
TABLE_COLUMNS = (
    "athlete_id",
    "activity_id",
    "sport",
    "start_time",
    "utc_offset_s",
    "date",
    "elapsed_time_s",
    "moving_time_s",
    "distance_m",
    "elevation_gain_m",
    "avg_hr",
    "has_samples",
    "quality_flags",
    "load",
    "load_method",
    "source_kind",
)
ROSTER_METRICS = (
    "athlete_id",
    "as_of",
    "last_day",
    "days_since_data",
    "n_runs",
    "runs_7d",
    "run_km_7d",
    "run_km_28d",
    "load_7d",
    "load_28d",
    "ctl",
    "atl",
    "tsb",
    "acwr",
    "monotony",
    "longest_run_30d_km",
    "long_run_spike",
    "share_with_hr",
    "share_flagged",
)


# --------------------------------------------------------------------------- exports
def write_partitioned(frame: pd.DataFrame, dest: str | Path, name: str = "part-0") -> Path:
    """Write ``frame`` as hive-partitioned parquet: ``dest/athlete_id=<id>/<name>.parquet``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from coachkit.core.files import atomic_write_bytes
    from coachkit.store import check_athlete_id

    dest = Path(dest)
    for athlete, rows in frame.groupby(frame["athlete_id"].astype(str), sort=True):
        sink = pa.BufferOutputStream()
        table = pa.Table.from_pandas(rows.drop(columns=["athlete_id"]), preserve_index=False)
        pq.write_table(table, sink, compression="zstd")
        path = dest / f"athlete_id={check_athlete_id(athlete)}" / f"{name}.parquet"
        atomic_write_bytes(path, sink.getvalue().to_pybytes())
    return dest


def export_activity_tables(
    store: Store, dest: str | Path, athletes: Sequence[str] | None = None
) -> Path:
    """Each athlete's activity table (with the load computed from their thresholds) as
    hive-partitioned parquet under ``dest``, the input of the roster-wide metrics at scale."""
    from coachkit.app.athlete import activity_table, load_athlete

    ids = list(athletes) if athletes is not None else [a["athlete_id"] for a in store.athletes()]
    for athlete in ids:
        table = activity_table(load_athlete(store, athlete))
        write_partitioned(table[[c for c in TABLE_COLUMNS if c in table]], dest, "activities")
    return Path(dest)


# --------------------------------------------------------------------------- roster metrics
def _local_day(acts: pd.DataFrame) -> pd.Series:
    offset = pd.to_timedelta(pd.to_numeric(acts["utc_offset_s"], errors="coerce").fillna(0), "s")
    start = pd.to_datetime(acts["start_time"], utc=True)
    return (start + offset.to_numpy()).dt.tz_convert(None).dt.normalize()


def athlete_metrics(acts: pd.DataFrame, *, as_of: Any) -> pd.DataFrame:
    """The roster-wide metrics of one athlete on ``as_of`` (pure; :data:`ROSTER_METRICS`).

    From the activity table alone: freshness, run volume and count over 7 and 28 days, load,
    CTL/ATL/TSB (the ``exp`` convention), ACWR and monotony (descriptive), the longest run of
    the 30 days before ``as_of`` and whether a run of the last 7 days was > 10 % longer than the
    longest of its previous 30 days (Garmin-RUNSAFE), and the share of runs with HR and with
    quality flags. Activities after ``as_of`` are ignored.
    """
    from coachkit.features.pmc import acwr, monotony_strain, pmc

    day = pd.Timestamp(as_of).normalize()
    acts = acts.assign(date=_local_day(acts))
    acts = acts[acts["date"] <= day]
    acts = acts[not_duplicate(acts["quality_flags"])]
    runs = acts[acts["sport"].isin(RUN_SPORTS)]
    row: dict[str, Any] = {"athlete_id": str(acts["athlete_id"].iloc[0]) if len(acts) else ""}
    row["as_of"] = day
    last = acts["date"].max() if len(acts) else pd.NaT
    row["last_day"] = last
    row["days_since_data"] = float((day - last).days) if pd.notna(last) else math.nan
    row["n_runs"] = len(runs)

    def within(frame: pd.DataFrame, days: int) -> pd.DataFrame:
        return frame[frame["date"] > day - pd.Timedelta(days=days)]

    row["runs_7d"] = len(within(runs, 7))
    row["run_km_7d"] = float(within(runs, 7)["distance_m"].fillna(0).sum()) / 1000
    row["run_km_28d"] = float(within(runs, 28)["distance_m"].fillna(0).sum()) / 1000
    load = pd.to_numeric(acts["load"], errors="coerce").fillna(0.0)
    row["load_7d"] = float(load[acts["date"] > day - pd.Timedelta(days=7)].sum())
    row["load_28d"] = float(load[acts["date"] > day - pd.Timedelta(days=28)].sum())
    if len(acts):
        daily = load.groupby(acts["date"]).sum()
        full = pd.date_range(daily.index.min(), day, freq="D", name="date")
        daily = daily.reindex(full, fill_value=0.0)
        p = pmc(daily).iloc[-1]
        row.update(ctl=float(p["ctl"]), atl=float(p["atl"]), tsb=float(p["tsb"]))
        row["acwr"] = float(acwr(daily).iloc[-1])
        row["monotony"] = float(monotony_strain(daily)["monotony"].iloc[-1])
    else:
        row.update(ctl=math.nan, atl=math.nan, tsb=math.nan, acwr=math.nan, monotony=math.nan)
    recent = within(runs, 30)
    row["longest_run_30d_km"] = float(recent["distance_m"].max() / 1000) if len(recent) else 0.0
    row["long_run_spike"] = _spike(runs, day)
    row["share_with_hr"] = float(runs["avg_hr"].notna().mean()) if len(runs) else math.nan
    run_flags = runs["quality_flags"].fillna("").astype(str)
    row["share_flagged"] = float((run_flags != "").mean()) if len(runs) else math.nan
    return pd.DataFrame([row], columns=list(ROSTER_METRICS))


def _spike(runs: pd.DataFrame, day: pd.Timestamp) -> bool:
    """A run of the last 7 days > 1.1 × the longest run of the 30 days before it."""
    d = runs["date"].to_numpy("datetime64[D]").astype(np.int64)
    dist = runs["distance_m"].to_numpy(float)
    today = np.datetime64(day.date(), "D").astype(np.int64)
    for i in np.flatnonzero(d > today - 7):
        prev = (d < d[i]) & (d >= d[i] - 30)
        if prev.any() and np.isfinite(dist[i]) and dist[i] > 1.1 * np.nanmax(dist[prev]):
            return True
    return False


def _metrics_meta() -> pd.DataFrame:
    dtypes = {c: "float64" for c in ROSTER_METRICS}
    dtypes.update(
        athlete_id="object",
        as_of="datetime64[ns]",
        last_day="datetime64[ns]",
        n_runs="int64",
        runs_7d="int64",
        long_run_spike="bool",
    )
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})


def roster_metrics(
    source: pd.DataFrame | str | Path, as_of: Any, *, scheduler: Any = None
) -> pd.DataFrame:
    """:func:`athlete_metrics` for every athlete of ``source`` (a frame or a hive-partitioned
    parquet folder of activity tables), in-process or on Dask (see :func:`per_athlete`)."""
    columns = [
        "athlete_id",
        "activity_id",
        "sport",
        "start_time",
        "utc_offset_s",
        "distance_m",
        "avg_hr",
        "quality_flags",
        "load",
    ]
    kernel = functools.partial(athlete_metrics, as_of=pd.Timestamp(as_of))
    return per_athlete(
        source,
        kernel,
        meta=_metrics_meta(),
        scheduler=scheduler,
        columns=columns,
        order=("start_time", "activity_id"),
    )


# --------------------------------------------------------------------------- samples
SAMPLE_COVERAGE = (
    "athlete_id",
    "n_samples",
    "share_hr",
    "share_gps",
    "share_speed_implausible",
    "max_hr_bpm",
)
SPEED_IMPLAUSIBLE_M_S = 12.0  # faster than any human sprint (10.4 m/s): a GPS jump


def athlete_sample_coverage(samples: pd.DataFrame) -> pd.DataFrame:
    """How complete one athlete's samples are: rows, share with HR, with a GPS fix, with an
    impossible speed, and the highest HR seen (counts and a max: exact on any engine)."""
    n = len(samples)
    speed = pd.to_numeric(samples["speed_m_s"], errors="coerce")
    row = {
        "athlete_id": str(samples["athlete_id"].iloc[0]) if n else "",
        "n_samples": n,
        "share_hr": int(samples["hr_bpm"].notna().sum()) / n if n else math.nan,
        "share_gps": int(samples["lat"].notna().sum()) / n if n else math.nan,
        "share_speed_implausible": int((speed > SPEED_IMPLAUSIBLE_M_S).sum()) / n
        if n
        else math.nan,
        "max_hr_bpm": float(samples["hr_bpm"].max()) if n else math.nan,
    }
    return pd.DataFrame([row], columns=list(SAMPLE_COVERAGE))


def sample_coverage(samples_root: str | Path, *, scheduler: Any = None) -> pd.DataFrame:
    """:func:`athlete_sample_coverage` over a store's ``samples/`` tree (hive-partitioned by
    athlete), in-process with polars or on Dask."""
    meta = pd.DataFrame({c: pd.Series(dtype="float64") for c in SAMPLE_COVERAGE}).astype(
        {"athlete_id": "object", "n_samples": "int64"}
    )
    return per_athlete(
        samples_root,
        athlete_sample_coverage,
        meta=meta,
        scheduler=scheduler,
        columns=["athlete_id", "hr_bpm", "lat", "speed_m_s"],
    )
