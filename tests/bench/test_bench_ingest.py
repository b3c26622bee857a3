"""Ingest benchmarks (`make bench`). They print ratios against a baseline measured in the same
run and never assert on timings: machines differ, ratios on one machine do not lie.

- ingest throughput over the real FIT files vs fitdecode decoding the same files to a DataFrame
  (target: ratio >= 1.0, the whole ingest with storage at least as fast as fitdecode's decode);
- re-ingest of the unchanged real folder (target < 0.5 s), in-process and as a user runs it
  (`coachkit ingest` in a new process: interpreter start, typer, the catalog; no pandas);
- cold `coachkit --help` (target < 0.3 s).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from coachkit.app.ingest import ingest
from coachkit.store import Store
from tests.bench.timing import best_of


def _fitdecode_records(path):
    """The record messages the tolerant decoder reads (fitdecode, CRC check off, errors
    ignored), up to where it cannot go on."""
    import fitdecode

    with fitdecode.FitReader(
        str(path),
        check_crc=fitdecode.CrcCheck.DISABLED,
        error_handling=fitdecode.ErrorHandling.IGNORE,
    ) as fit:
        try:
            for frame in fit:
                if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                    yield frame
        except fitdecode.FitError:
            return


def _fitdecode_to_frame(path) -> int:
    import pandas as pd

    rows = [{f.name: f.value for f in frame.fields} for frame in _fitdecode_records(path)]
    return len(pd.DataFrame(rows))


def test_bench_ingest_throughput_vs_fitdecode(real_dir, tmp_path):
    files = sorted((real_dir / "fit").glob("*.fit"))
    t_base, n_base = best_of(lambda: sum(_fitdecode_to_frame(f) for f in files))
    counter = iter(range(1000))

    def run_ingest():
        store = Store(tmp_path / f"s{next(counter)}")
        ingest(store, [real_dir / "fit"], "bench")
        n = 0
        for row in store.conn.execute(
            "SELECT athlete_id, activity_id FROM activities WHERE has_samples=1"
        ):
            n += len(store.read_samples(row[0], row[1]))
        return n

    t_ours, n_ours = best_of(run_ingest)
    print(
        f"\n[bench] FIT ingest (decode + checks + store): {len(files)} files, {n_ours} samples in "
        f"{t_ours:.2f} s = {n_ours / t_ours:,.0f} samples/s"
    )
    print(
        f"[bench] baseline fitdecode decode-to-DataFrame: {n_base} records in {t_base:.2f} s = "
        f"{n_base / t_base:,.0f} records/s"
    )
    print(
        f"[bench] ratio (ours / fitdecode, samples per second): {(n_ours / t_ours) / (n_base / t_base):.2f}x "
        "(target >= 1.0, goal >= 3)"
    )
    assert n_ours > 0.8 * n_base  # the comparison is only fair if we stored about as many samples
    _nothing_lost(files)


def _distinct_record_times(path) -> int:
    """Distinct timestamps of the tolerant decoder's record messages: what a samples frame
    holds, one row per second."""
    return len(
        {f.get_value("timestamp") for f in _fitdecode_records(path) if f.has_field("timestamp")}
    )


def _nothing_lost(files) -> None:
    """Every file keeps as many samples as the tolerant decoder finds distinct record times;
    more only where the reader says it recovered records that decoder stops before (a header
    that declares no data). Start times and distances are checked against fitdecode by
    tests/integration/test_real_fit.py (facts, and fast path = fallback on every file)."""
    from coachkit.io import read_bytes
    from coachkit.io.errors import UnreadableFile

    for path in files:
        want = _distinct_record_times(path)
        try:
            parsed = read_bytes(path.read_bytes(), name=path.name)
        except UnreadableFile:
            assert want == 0, f"{path.name}: refused, but fitdecode reads {want} record times"
            continue
        got = sum(len(a.samples) for a in parsed.activities if a.samples is not None)
        recovered = any("declares no data" in w for w in parsed.warnings)
        assert got == want or (recovered and got > want), (path.name, got, want)


def test_bench_reingest_unchanged_real_folder(real_dir, tmp_path):
    store = Store(tmp_path / "s")
    t_first, _ = best_of(lambda: ingest(store, [real_dir], "bench"), repeat=1)
    t_again, report = best_of(lambda: ingest(store, [real_dir], "bench"))
    assert {o.status for o in report.outcomes} == {"unchanged"}
    print(
        f"\n[bench] first ingest of {real_dir}: {t_first:.2f} s; re-ingest unchanged: {t_again * 1000:.0f} ms "
        f"(target < 500 ms) over {len(report.outcomes)} files"
    )
    cmd = [sys.executable, "-m", "coachkit.cli", "ingest", str(real_dir), "--athlete", "bench",
           "--store", str(store.root), "--json"]  # fmt: skip
    t_cli, proc = best_of(lambda: subprocess.run(cmd, capture_output=True, text=True))
    assert proc.returncode == 0, proc.stderr
    totals = json.loads(proc.stdout)["totals"]
    assert totals["unchanged"] == totals["files"] == len(report.outcomes)
    print(
        f"[bench] re-ingest unchanged from the command line (`python -m coachkit.cli ingest`, new "
        f"process each time): {t_cli * 1000:.0f} ms (target < 500 ms)"
    )


def test_bench_cold_help():
    cmd = [sys.executable, "-m", "coachkit.cli", "--help"]
    t, proc = best_of(lambda: subprocess.run(cmd, capture_output=True), repeat=5)
    assert proc.returncode == 0
    base, _ = best_of(
        lambda: subprocess.run([sys.executable, "-c", "pass"], capture_output=True), repeat=5
    )
    print(
        f"\n[bench] cold `coachkit --help`: {t * 1000:.0f} ms (bare interpreter start {base * 1000:.0f} ms; "
        "target < 300 ms)"
    )


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-s"]))
