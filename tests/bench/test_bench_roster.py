"""Roster-wide metrics at scale (`make bench`): printed, never asserted on time (issues 10, 18).

- 1,000 synthetic athletes × 3 years (~650k runs) as hive-partitioned parquet, roster metrics
  (freshness, 7/28-day volume and load, CTL/ATL/TSB, ACWR, monotony, long-run spike, HR and
  flag shares) in-process (polars read, one pass vectorised over athletes) and on a 2-worker
  LocalCluster; the two results are compared (the times only mean something if the numbers
  agree);
- against two baselines measured in the same run, what a pandas or a polars user would write
  for the daily-load columns alone (7/28-day load, CTL/ATL/TSB, ACWR, monotony): a wide
  days × athletes frame with ``DataFrame.ewm``/``rolling``, and a long frame with
  ``ewm_mean().over("athlete_id")``. Both read the same parquet folder and must give the same
  numbers as ours (rel. 1e-6); ours computes every roster column besides;
- how the in-process cost grows from 100 to 1,000 athletes (should be close to linear);
- sample coverage over a synthetic samples tree (1 Hz), both engines.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coachkit.app.scale import roster_metrics, sample_coverage, write_partitioned
from coachkit.core.engine import athlete_dirs, read_athletes
from coachkit.core.quality import DUPLICATE, not_duplicate
from coachkit.features.pmc import MONOTONY_MAX
from tests.bench.synthetic import make_population, write_samples_tree
from tests.bench.timing import best_of

N_ATHLETES, YEARS, SEED = 1000, 3.0, 20241
SIZES = (100, 300, 1000)
#: what the baselines read, and the roster columns they compute
BASE_COLUMNS = ["athlete_id", "start_time", "utc_offset_s", "quality_flags", "load"]
LOAD_METRICS = ["load_7d", "load_28d", "ctl", "atl", "tsb", "acwr", "monotony"]
A_CTL, A_ATL = 1 - math.exp(-1 / 42), 1 - math.exp(-1 / 7)  # the "exp" convention, 42 and 7 days
A_ACUTE, A_CHRONIC = 2 / 8, 2 / 29  # ACWR, Williams et al. 2017: 2 / (N + 1), 7 and 28 days
TINY = 1e-9  # running sums of rolling windows leave ~1e-14 where a week of rest is exactly 0


def pandas_wide(folder: Path, as_of: pd.Timestamp) -> pd.DataFrame:
    """The daily-load roster columns the way a pandas user would: a days × athletes frame."""
    acts = read_athletes(athlete_dirs(folder), BASE_COLUMNS)
    offset = pd.to_timedelta(acts["utc_offset_s"].fillna(0), unit="s")
    date = (acts["start_time"] + offset).dt.tz_convert(None).dt.normalize()
    keep = (date <= as_of) & not_duplicate(acts["quality_flags"])
    acts = acts[keep].assign(date=date[keep], load=acts["load"].fillna(0.0))
    wide = acts.pivot_table(index="date", columns="athlete_id", values="load", aggfunc="sum")
    wide = wide.reindex(pd.date_range(wide.index.min() - pd.Timedelta(days=1), as_of, freq="D"))
    started = wide.notna().cummax()
    zero = wide.fillna(0.0)  # 0 before an athlete's first day: the PMC's zero start
    x = zero.where(started)  # NaN before it: ACWR and monotony start on the first day
    ctl = zero.ewm(alpha=A_CTL, adjust=False).mean()
    atl = zero.ewm(alpha=A_ATL, adjust=False).mean()
    acwr = x.ewm(alpha=A_ACUTE).mean() / x.ewm(alpha=A_CHRONIC).mean()
    week = x.rolling(7)
    mean, sd = week.mean(), week.std(ddof=0)
    monotony = (mean / sd).where(sd > TINY, np.where(mean > TINY, MONOTONY_MAX, np.nan))
    last = {
        "load_7d": zero.iloc[-7:].sum(),
        "load_28d": zero.iloc[-28:].sum(),
        "ctl": ctl.iloc[-1],
        "atl": atl.iloc[-1],
        "tsb": (ctl - atl).iloc[-2],
        "acwr": acwr.where(started.cumsum() >= 28).iloc[-1],
        "monotony": monotony.clip(upper=MONOTONY_MAX).iloc[-1],
    }
    return pd.DataFrame(last).rename_axis("athlete_id").reset_index()


def polars_over(folder: Path, as_of: pd.Timestamp) -> pd.DataFrame:
    """The same columns the way a polars user would: one row per athlete-day, ``.over()``."""
    import polars as pl

    files = [str(f) for d in athlete_dirs(folder) for f in sorted(d.glob("*.parquet"))]
    day, a = as_of.date(), pl.col("athlete_id")
    local = pl.col("start_time").dt.replace_time_zone(None) + pl.duration(
        seconds=pl.col("utc_offset_s").fill_null(0)
    )
    duplicate = pl.col("quality_flags").fill_null("").str.contains(DUPLICATE, literal=True)
    daily = (
        pl.scan_parquet(files, hive_partitioning=True)
        .select(BASE_COLUMNS)
        .with_columns(a.cast(pl.String), date=local.dt.date())
        .filter((pl.col("date") <= day) & ~duplicate)
        .group_by("athlete_id", "date")
        .agg(pl.col("load").fill_null(0.0).sum())
    )
    grid = (
        daily.group_by("athlete_id")
        .agg(first=pl.col("date").min())
        .with_columns(date=pl.date_ranges(pl.col("first") - pl.duration(days=1), pl.lit(day)))
        .explode("date")
        .join(daily, on=["athlete_id", "date"], how="left")
        .sort("athlete_id", "date")
        .with_columns(
            zero=pl.col("load").fill_null(0.0),
            x=pl.when(pl.col("date") >= pl.col("first")).then(pl.col("load").fill_null(0.0)),
        )
    )
    mean, sd = pl.col("x").rolling_mean(7).over(a), pl.col("x").rolling_std(7, ddof=0).over(a)
    acute = pl.col("x").ewm_mean(alpha=A_ACUTE, adjust=True).over(a)
    out = (
        grid.with_columns(
            ctl=pl.col("zero").ewm_mean(alpha=A_CTL, adjust=False).over(a),
            atl=pl.col("zero").ewm_mean(alpha=A_ATL, adjust=False).over(a),
            acwr=acute / pl.col("x").ewm_mean(alpha=A_CHRONIC, adjust=True).over(a),
            n_days=pl.col("x").is_not_null().cum_sum().over(a),
            load_7d=pl.col("zero").rolling_sum(7, min_samples=1).over(a),
            load_28d=pl.col("zero").rolling_sum(28, min_samples=1).over(a),
            monotony=pl.when(sd > TINY)
            .then(mean / sd)
            .when(mean > TINY)
            .then(MONOTONY_MAX)
            .clip(upper_bound=MONOTONY_MAX),
        )
        .with_columns(
            tsb=(pl.col("ctl") - pl.col("atl")).shift(1).over(a),
            acwr=pl.when(pl.col("n_days") >= 28).then(pl.col("acwr")),
        )
        .filter(pl.col("date") == day)
        .select("athlete_id", *LOAD_METRICS)
    )
    return out.collect().to_pandas()


def assert_same_load_metrics(ours: pd.DataFrame, baseline: pd.DataFrame) -> None:
    """The baseline's columns equal ours for every athlete (rel. 1e-6: its sums run in another
    order, and rolling windows as running sums)."""
    ref = ours.set_index("athlete_id")[LOAD_METRICS]
    got = baseline.set_index("athlete_id")[LOAD_METRICS].reindex(ref.index)
    for col in LOAD_METRICS:
        np.testing.assert_allclose(
            got[col].to_numpy(float), ref[col].to_numpy(float), rtol=1e-6, atol=1e-9, err_msg=col
        )


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0") as c:  # fmt: skip
        yield c


def test_bench_roster_metrics_1000_athletes_3_years(cluster, tmp_path):
    t_gen, (acts, _) = best_of(lambda: make_population(N_ATHLETES, YEARS, SEED), 1)
    as_of = acts["start_time"].max().tz_convert(None).normalize()
    ids = sorted(acts["athlete_id"].unique())
    folders = {}
    for n in SIZES:
        folders[n] = write_partitioned(acts[acts["athlete_id"].isin(ids[:n])], tmp_path / f"a{n}")
    print(f"\n[bench] synthetic: {N_ATHLETES:,} athletes x {YEARS:g} years, {len(acts):,} runs "
          f"(generated in {t_gen:.1f} s)")  # fmt: skip
    times = {}
    for n in SIZES:
        times[n], local = best_of(lambda n=n: roster_metrics(folders[n], as_of), 3)
        print(f"[bench] roster metrics in-process (polars read + one pass over athletes), {n:>5,} "
              f"athletes: {times[n]:6.2f} s ({1000 * times[n] / n:.2f} ms per athlete)")  # fmt: skip
    t_ours = times[N_ATHLETES]
    for name, baseline in (
        ("pandas wide days x athletes frame, DataFrame.ewm/rolling", pandas_wide),
        ("polars long frame, ewm_mean/rolling_*().over(athlete)", polars_over),
    ):
        t_base, theirs = best_of(lambda b=baseline: b(folders[N_ATHLETES], as_of), 3)
        assert_same_load_metrics(local, theirs)
        print(f"[bench] baseline {name}, {N_ATHLETES:,} athletes, daily-load columns only "
              f"(same numbers, checked): {t_base:.2f} s; ratio (baseline / ours, every "
              f"column): {t_base / t_ours:.2f}x")  # fmt: skip
    t_dask, on_dask = best_of(
        lambda: roster_metrics(folders[N_ATHLETES], as_of, scheduler=cluster.scheduler_address), 1
    )
    pd.testing.assert_frame_equal(local, on_dask, check_exact=True)
    print(f"[bench] roster metrics on LocalCluster (2 workers x 1 thread), {N_ATHLETES:,} "
          f"athletes: {t_dask:.2f} s; in-process / Dask: {t_ours / t_dask:.2f}x "
          "(same numbers, checked)")  # fmt: skip
    lo, hi = SIZES[0], SIZES[-1]
    print(f"[bench] growth {lo} -> {hi} athletes: x{times[hi] / times[lo]:.1f} time for "
          f"x{hi / lo:.0f} athletes (linear = x{hi / lo:.0f})")  # fmt: skip


def test_bench_sample_coverage(cluster, tmp_path):
    acts, _ = make_population(20, 0.25, SEED)  # 20 athletes x 3 months, 1 Hz samples
    _, n_files = best_of(lambda: write_samples_tree(acts, tmp_path / "samples", SEED), 1)
    t_local, local = best_of(lambda: sample_coverage(tmp_path / "samples"), 1)
    t_dask, on_dask = best_of(
        lambda: sample_coverage(tmp_path / "samples", scheduler=cluster.scheduler_address), 1
    )
    pd.testing.assert_frame_equal(local, on_dask, check_exact=True)
    print(f"\n[bench] sample coverage, {n_files:,} activities, {local['n_samples'].sum():,} "
          f"samples: in-process {t_local:.1f} s, LocalCluster {t_dask:.1f} s")  # fmt: skip


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-s"]))
