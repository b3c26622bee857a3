"""The per-athlete engine: one pure kernel run on every athlete's rows, in-process or on Dask.

A *kernel* is a pure function: one athlete's rows in, a frame out. :func:`per_athlete` feeds it.
A kernel that is vectorised over athletes (``many=True``) takes the rows of many athletes at once
instead, and is called once per partition rather than once per athlete.
Without a scheduler the rows are read with polars and the kernel runs in this process, athlete
after athlete; with ``scheduler="tcp://host:8786"`` (or a ``distributed.Client``) they are read
with ``dask.dataframe`` and the kernel runs on the cluster's workers. The kernel is the same
function either way, and the results are sorted the same way, so both give equal numbers
(``tests/integration/test_scale.py`` checks it on a ``LocalCluster``).

Inputs are either a pandas frame or a folder of hive-partitioned parquet
(``<dir>/athlete_id=<id>/*.parquet``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

Kernel = Callable[[pd.DataFrame], pd.DataFrame]


def athlete_dirs(source: Path) -> list[Path]:
    """The ``athlete_id=<id>`` folders of a hive-partitioned tree, sorted by athlete."""
    return sorted(p for p in Path(source).glob("athlete_id=*") if p.is_dir())


def read_athletes(dirs: Sequence[str | Path], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Every parquet file of the given ``athlete_id=<id>`` folders as one pandas frame, read with
    polars (``athlete_id`` from the folder name). Both engines read through this function.

    Folder after folder, so each athlete's rows are together, in the order of their files
    (``attrs["grouped"]`` says so, sparing a vectorised kernel a sort).
    """
    import polars as pl

    files = [str(f) for d in dirs for f in sorted(Path(d).glob("*.parquet"))]
    if not files:
        return pd.DataFrame(columns=list(columns or ["athlete_id"]))
    try:  # files of one tree may differ in optional columns (rr_ms): those become nulls
        lazy = pl.scan_parquet(files, hive_partitioning=True, missing_columns="insert")
    except TypeError:  # polars < 1.25
        lazy = pl.scan_parquet(files, hive_partitioning=True, allow_missing_columns=True)
    if columns is not None:
        lazy = lazy.select(list(columns))
    frame = lazy.collect().to_pandas()
    frame["athlete_id"] = frame["athlete_id"].astype(str)
    frame.attrs["grouped"] = True
    return frame


def per_athlete(
    source: pd.DataFrame | str | Path,
    kernel: Kernel,
    *,
    meta: pd.DataFrame,
    scheduler: Any = None,
    columns: Sequence[str] | None = None,
    order: Sequence[str] = (),
    npartitions: int | None = None,
    many: bool = False,
) -> pd.DataFrame:
    """Run ``kernel`` on each athlete's rows of ``source``; concatenate, sorted by athlete.

    Parameters
    ----------
    source : DataFrame or path
        Rows of many athletes (an ``athlete_id`` column), or a folder of hive-partitioned
        parquet (``athlete_id=<id>/…parquet``).
    kernel : callable
        One athlete's rows (a pandas frame, sorted by ``_row`` when the input has it) → a frame.
        Must be picklable (a module-level function or a ``functools.partial`` of one).
    meta : DataFrame
        An empty frame with the kernel's output columns and dtypes (what Dask needs up front).
    scheduler : str or distributed.Client, optional
        A Dask scheduler address or client. ``None``: in-process, read with polars.
    columns : list of str, optional
        Read only these columns (``athlete_id`` is always read).
    order : list of str
        Columns that put one athlete's rows in a canonical order before the kernel sees them
        (a pandas ``source`` keeps its own row order: a ``_row`` column is added for that),
        so that sums and ties come out the same on any engine.
    npartitions : int, optional
        Partitions for a pandas ``source`` on Dask (default: 2 per worker thread).
    many : bool
        The kernel is vectorised over athletes: it takes the rows of many athletes (all rows of
        each athlete, together; sorted by athlete and ``order`` when there is one, else in the
        order read) and returns the rows of all of them. It runs once on the whole input
        in-process, once per partition on Dask; per athlete it must give the same numbers
        whichever athletes share its call.

    Returns
    -------
    DataFrame
        The kernel's rows for every athlete with ``athlete_id`` (str) first, sorted by it
        (stable: each athlete's rows stay in the kernel's order), with a fresh index.
    """
    if columns is not None and "athlete_id" not in columns:
        columns = ["athlete_id", *columns]
    if isinstance(source, pd.DataFrame):
        source = (source if columns is None else source[list(columns)]).assign(
            _row=np.arange(len(source))
        )
        order, columns = ("_row",), None
    order = tuple(order)
    if scheduler is None:
        if isinstance(source, pd.DataFrame):
            frame = source
        else:
            frame = read_athletes(athlete_dirs(Path(source)), columns)
        out = _apply_partition(frame, kernel, meta, order, many)
    else:
        out = _on_dask(source, kernel, meta, scheduler, columns, order, npartitions, many)
    return _tidy(out, meta)


def _apply(group: pd.DataFrame, kernel: Kernel, order: tuple[str, ...]) -> pd.DataFrame:
    """One athlete's rows in the canonical order, then the kernel."""
    group = group.assign(athlete_id=group["athlete_id"].astype(str))
    if order:
        group = group.sort_values(list(order), kind="stable")
    return kernel(group.drop(columns=["_row"], errors="ignore").reset_index(drop=True))


def _apply_partition(
    part: pd.DataFrame,
    kernel: Kernel,
    meta: pd.DataFrame,
    order: tuple[str, ...] = (),
    many: bool = False,
) -> pd.DataFrame:
    """The kernel on every athlete of one partition (all of an athlete's rows are in it): once
    per athlete, or (``many``) once on all of them, each athlete's rows together."""
    if many:
        if part.empty:
            return meta.iloc[:0].copy()
        if order or not part.attrs.get("grouped"):
            part = part.assign(athlete_id=part["athlete_id"].astype(str))
            part = part.sort_values(["athlete_id", *order], kind="stable")
        return kernel(part.drop(columns=["_row"], errors="ignore").reset_index(drop=True))[
            list(meta.columns)
        ]
    groups = part.groupby(part["athlete_id"].astype(str), sort=True)
    parts = [_apply(g, kernel, order) for _, g in groups]
    if not parts:
        return meta.iloc[:0].copy()
    return pd.concat(parts, ignore_index=True)[list(meta.columns)]  # Dask checks the order


def _tidy(out: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    out = out.reset_index(drop=True)
    out["athlete_id"] = out["athlete_id"].astype(str)
    out = out.sort_values("athlete_id", kind="stable").reset_index(drop=True)
    return out[list(meta.columns)].astype(meta.dtypes.to_dict())


def _on_dask(
    source: Any,
    kernel: Kernel,
    meta: pd.DataFrame,
    scheduler: Any,
    columns: Any,
    order: tuple[str, ...],
    nparts: Any,
    many: bool,
) -> pd.DataFrame:
    try:
        import dask.dataframe as dd
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - the [scale] extra is part of [all]
        from coachkit.core.extras import MissingExtra, missing_message

        raise MissingExtra(missing_message(exc.name or "dask", "--scheduler")) from exc
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler, timeout="10s")
    try:
        if isinstance(source, pd.DataFrame):
            threads = sum(client.nthreads().values()) or 1
            ddf = dd.from_pandas(source, npartitions=nparts or max(1, 2 * threads), sort=False)
            # every athlete's rows into one partition, then the same loop as in-process
            ddf = ddf.shuffle("athlete_id")
        else:
            # a hive tree is already split by athlete: one partition per few athlete folders,
            # read by the same reader as in-process, and no shuffle
            dirs = [str(d) for d in athlete_dirs(Path(source))]
            if not dirs:
                return meta.iloc[:0].copy()
            size = max(1, math.ceil(len(dirs) / (nparts or 64)))
            chunks = [dirs[i : i + size] for i in range(0, len(dirs), size)]
            ddf = dd.from_map(read_athletes, chunks, columns=columns)
        applied = ddf.map_partitions(_apply_partition, kernel, meta, order, many, meta=meta)
        return client.compute(applied).result()
    finally:
        if client is not scheduler:
            client.close()
