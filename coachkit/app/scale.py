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
    """The athlete's day of each row: the exported tables carry the offsets the store resolved
    (``core.localtime.resolve_local``), so this is the day every other command shows."""
    from coachkit.core.localtime import local_day

    return local_day(acts)


def roster_rows(acts: pd.DataFrame, *, as_of: Any) -> pd.DataFrame:
    """The roster-wide metrics on ``as_of`` of every athlete in ``acts`` (pure; one row each,
    :data:`ROSTER_METRICS`), vectorised over athletes.

    ``acts`` holds activity-table rows of any number of athletes, each athlete's rows together
    (as :func:`~coachkit.core.engine.per_athlete` with ``many=True`` gives them). Only the last
    bits of the sums depend on the order of an athlete's rows, and every engine reads them in
    the same order; whichever athletes share a call, an athlete's numbers are the same.

    From the activity table alone: freshness, run volume and count over 7 and 28 days, load,
    CTL/ATL/TSB (the ``exp`` convention), ACWR and monotony (descriptive), the longest run of
    the 30 days before ``as_of`` and whether a run of the last 7 days was > 10 % longer than the
    longest of its previous 30 days (Garmin-RUNSAFE), and the share of runs with HR and with
    quality flags. Activities after ``as_of`` and near-duplicates are ignored; an athlete left
    with no activity gets an empty ``athlete_id`` and NaN metrics. Per athlete, the PMC, ACWR
    and monotony are those of :func:`~coachkit.features.pmc.pmc`,
    :func:`~coachkit.features.pmc.acwr` and :func:`~coachkit.features.pmc.monotony_strain` on
    the athlete's daily load from their first day to ``as_of``: the same grid functions, on an
    (athlete x day) grid instead of one row at a time.
    """
    day = pd.Timestamp(as_of).normalize()
    today = np.datetime64(day.date(), "D").astype(np.int64)
    ids = acts["athlete_id"].astype(str)
    new = ids.ne(ids.shift()).to_numpy()  # the first row of each athlete: their rows are together
    codes, athletes = np.cumsum(new) - 1, ids[new].to_numpy(dtype=object)
    n = len(athletes)
    dates = _local_day(acts).to_numpy("datetime64[D]")
    keep = ~np.isnat(dates)
    d = dates.astype(np.int64)
    keep &= (d <= today) & not_duplicate(acts["quality_flags"])
    c, d = codes[keep], d[keep]
    load = pd.to_numeric(acts["load"], errors="coerce").fillna(0.0).to_numpy(float)[keep]
    dist = pd.to_numeric(acts["distance_m"], errors="coerce").to_numpy(float, na_value=np.nan)
    dist = dist[keep]
    run = acts["sport"].isin(RUN_SPORTS).to_numpy()[keep]
    flagged = (acts["quality_flags"].fillna("").astype(str) != "").to_numpy()[keep]
    with_hr = acts["avg_hr"].notna().to_numpy()[keep]

    def per(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Count (or sum ``weights``) of the kept rows in ``mask``, per athlete."""
        w = None if weights is None else weights[mask]
        return np.bincount(c[mask], weights=w, minlength=n)

    week, month = d > today - 7, d > today - 28
    n_acts, n_runs = per(np.ones_like(run)), per(run)
    has = n_acts > 0
    first = np.full(n, today)
    np.minimum.at(first, c, d)
    last = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last, c, d)
    longest = np.full(n, np.nan)
    recent = run & (d > today - 30)
    np.fmax.at(longest, c[recent], dist[recent])
    with np.errstate(invalid="ignore", divide="ignore"):
        share_hr = np.where(n_runs > 0, per(run & with_hr) / n_runs, np.nan)
        share_flagged = np.where(n_runs > 0, per(run & flagged) / n_runs, np.nan)
    out = pd.DataFrame(
        {
            "athlete_id": np.where(has, athletes, ""),
            "as_of": day,
            "last_day": np.where(has, last.astype("datetime64[D]"), np.datetime64("NaT")),
            "days_since_data": np.where(has, today - last, np.nan).astype(float),
            "n_runs": n_runs,
            "runs_7d": per(run & week),
            "run_km_7d": per(run & week, np.nan_to_num(dist)) / 1000,
            "run_km_28d": per(run & month, np.nan_to_num(dist)) / 1000,
            "load_7d": per(week, load),
            "load_28d": per(month, load),
            **_pmc_on(c, d, load, first, today, has),
            "longest_run_30d_km": np.where(per(recent) > 0, longest / 1000, 0.0),
            "long_run_spike": _spikes(c[run], d[run], dist[run], today, n),
            "share_with_hr": share_hr,
            "share_flagged": share_flagged,
        },
        columns=list(ROSTER_METRICS),
    )
    return out


#: the (athlete x day) load grid of :func:`_pmc_on` is cut in blocks of at most this many cells
_GRID_CELLS = 4_000_000


def _pmc_on(
    c: np.ndarray, d: np.ndarray, load: np.ndarray, first: np.ndarray, today: int, has: np.ndarray
) -> dict[str, np.ndarray]:
    """CTL, ATL, TSB, ACWR and monotony on ``today`` of each athlete (NaN for those without
    ``has``), from rows of athlete codes ``c``, days ``d`` and ``load``.

    Each athlete's daily load fills a row of a grid from their ``first`` day (column 0) to
    ``today`` (column ``today - first``), padded with zeros after it; padding after a day
    changes nothing on or before it. Athletes sorted by history length share blocks. The grid
    is stored day-major (its transpose is C-contiguous), the layout the EWMA loop runs over.
    """
    from coachkit.features.pmc import acwr_grid, monotony_strain_grid, pmc_grid

    n = len(first)
    out = {k: np.full(n, np.nan) for k in ("ctl", "atl", "tsb", "acwr", "monotony")}
    who = np.flatnonzero(has)
    span = today - first + 1
    who = who[np.argsort(span[who], kind="stable")]
    slot, in_block = np.full(n, -1), np.full(n, -1)
    i = 0
    while i < len(who):
        j = i + 1
        while j < len(who) and (j - i + 1) * int(span[who[j]]) <= _GRID_CELLS:
            j += 1
        block, width = who[i:j], int(span[who[j - 1]])
        slot[block], in_block[block] = np.arange(len(block)), i
        rows = in_block[c] == i
        cell = (d[rows] - first[c[rows]]) * len(block) + slot[c[rows]]
        x = np.bincount(cell, weights=load[rows], minlength=len(block) * width)
        x = x.reshape(width, len(block)).T
        ctl, atl, tsb = pmc_grid(x, 42, 7, "exp", 0.0, 0.0)
        at = (np.arange(len(block)), span[block] - 1)
        out["ctl"][block], out["atl"][block], out["tsb"][block] = ctl[at], atl[at], tsb[at]
        out["acwr"][block] = acwr_grid(x, 7, 28)[at]
        week = np.maximum(span[block][:, None] - 7 + np.arange(7), 0)  # the last 7 days
        monotony = monotony_strain_grid(x[at[0][:, None], week], 7, 0)[1][:, -1]
        out["monotony"][block] = np.where(span[block] >= 7, monotony, np.nan)
        i = j
    return out


def _spikes(c: np.ndarray, d: np.ndarray, dist: np.ndarray, today: int, n: int) -> np.ndarray:
    """Per athlete: a run of the last 7 days > 1.1 × the longest run of the 30 days before it
    (runs given by athlete code ``c``, day ``d`` and distance ``dist``)."""
    order = np.lexsort((d, c))
    key = c[order] * (1 << 32) + d[order]
    longest = np.append(dist[order], np.nan)  # a sentinel: reduceat may start at the end
    now = np.flatnonzero(d > today - 7)
    lo = np.searchsorted(key, c[now] * (1 << 32) + d[now] - 30)
    hi = np.searchsorted(key, c[now] * (1 << 32) + d[now])
    some = hi > lo
    now, lo, hi = now[some], lo[some], hi[some]
    spike = np.zeros(n, dtype=bool)
    if len(now):
        prev_max = np.fmax.reduceat(longest, np.column_stack([lo, hi]).ravel())[::2]
        with np.errstate(invalid="ignore"):
            hit = np.isfinite(dist[now]) & (dist[now] > 1.1 * prev_max)
        spike[c[now[hit]]] = True
    return spike


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
    """:func:`roster_rows` for every athlete of ``source`` (a frame or a hive-partitioned
    parquet folder of activity tables), in-process or on Dask (see :func:`per_athlete`)."""
    columns = [
        "athlete_id",
        "sport",
        "start_time",
        "utc_offset_s",
        "distance_m",
        "avg_hr",
        "quality_flags",
        "load",
    ]
    kernel = functools.partial(roster_rows, as_of=pd.Timestamp(as_of))
    return per_athlete(
        source,
        kernel,
        meta=_metrics_meta(),
        scheduler=scheduler,
        columns=columns,
        many=True,
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
