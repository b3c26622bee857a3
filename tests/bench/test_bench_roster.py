"""Roster-wide metrics at scale (`make bench`): printed, never asserted on time (issue 10).

- 1,000 synthetic athletes × 3 years (~600k runs) as hive-partitioned parquet, roster metrics
  (freshness, 7/28-day volume and load, CTL/ATL/TSB, ACWR, monotony, long-run spike, HR and
  flag shares) in-process (polars read, one kernel per athlete) and on a 2-worker LocalCluster;
  the two results are compared (the times only mean something if the numbers agree);
- how the in-process cost grows from 100 to 1,000 athletes (should be close to linear);
- sample coverage over a synthetic samples tree (1 Hz), both engines.
"""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from coachkit.app.scale import roster_metrics, sample_coverage, write_partitioned
from tests.bench.synthetic import make_population, write_samples_tree
from tests.bench.timing import best_of

N_ATHLETES, YEARS, SEED = 1000, 3.0, 20241
SIZES = (100, 300, 1000)


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
        times[n], local = best_of(lambda n=n: roster_metrics(folders[n], as_of), 1)
        print(f"[bench] roster metrics in-process (polars read + per-athlete kernel), {n:>5,} "
              f"athletes: {times[n]:6.1f} s ({1000 * times[n] / n:.1f} ms per athlete)")  # fmt: skip
    t_dask, on_dask = best_of(
        lambda: roster_metrics(folders[N_ATHLETES], as_of, scheduler=cluster.scheduler_address), 1
    )
    pd.testing.assert_frame_equal(local, on_dask, check_exact=True)
    print(f"[bench] roster metrics on LocalCluster (2 workers x 1 thread), {N_ATHLETES:,} "
          f"athletes: {t_dask:.1f} s; in-process / Dask: {times[N_ATHLETES] / t_dask:.2f}x "
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
