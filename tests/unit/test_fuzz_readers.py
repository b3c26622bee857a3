"""Fuzzing every reader: random bytes, truncations, bit flips, and gzip or zip archives of a
mutated file (and mutated archives).

Each case goes through the path ingest takes (:func:`coachkit.io.containers.expand_bytes`, then
:func:`coachkit.io.read_bytes` with the file's name) and must either parse or refuse with the
project's own :class:`~coachkit.io.errors.UnreadableFile` (``NothingToImport`` is one). Any
other exception, a case slower than ``_CASE_SECONDS`` or memory growing past ``_MAX_RSS_MB``
fails the test, naming the seed file and the mutation. Mutations come from a seeded
``random.Random``, so a failure reproduces. Seeds come from ``data/sample`` (committed) and, when
present, the real files of ../shared/data/real (skipped with a reason when absent).
"""

from __future__ import annotations

import gzip
import io
import random
import resource
import sys
import time
import zipfile
from collections.abc import Callable, Iterator

import pytest

from coachkit.io import read_bytes
from coachkit.io.containers import expand_bytes
from coachkit.io.errors import UnreadableFile
from tests.conftest import REAL, SAMPLE

_CASE_SECONDS = 10.0
_MAX_RSS_MB = 600
_SEED = 20  # issue 20

#: committed seeds: (path under data/sample, name the reader sees once the .gz is expanded)
_SAMPLE_SEEDS = [
    "activities/nrc_gpx/2020-07-05T093320Z_26004849-dc57-4e48-bc16-11196ca043ad.gpx.gz",
    "activities/watch_tcx/2020-12-16T05_44_18-300_Running.tcx.gz",
    "activities/extra_formats/2020-12-06_strava_api_activity.json.gz",
    "activities/extra_formats/2020-12-06_strava_api_streams.json.gz",
    "activities/extra_formats/2020-08-07_nikerun_api_feaf2949.json.gz",
    "wellness/hrv4training_ios_shifted.csv",
]
#: real seeds from ../shared/data/real: FIT from several devices and the formats the sample lacks
_REAL_SEEDS = [
    "fit/heartandsole_testdata_fr220.fit",
    "fit/fitparse_garmin-fenix-5-run.fit",
    "fit/elevate_garmin_export_20171011_run_vivoactiveHR.fit",
    "fit/gc_FR15_10k_race_noHR.fit",
    "gpx/runpandas_garmin_connect_tiny.gpx",
    "strava_api/stravalib_activity-manual.3.json",
    "wellness/gc_elitehrv_export_2017-09_to_2017-10.csv",
    "wellness/garmin_connect_garth/hrv_daily_status_2023-06-11_2023-06-22.json",
    "wellness/rr_intervals/hrv_rest_rri.txt",
    "wellness/rr_intervals/hrv_noisy_rri_polar.hrm",
]


def _load(path) -> tuple[str, bytes]:
    data = path.read_bytes()
    name = path.name
    if name.endswith(".gz"):
        data, name = gzip.decompress(data), name[:-3]
    return name, data


def _flip(data: bytes, n: int, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(n):
        i = rng.randrange(len(buf) * 8)
        buf[i // 8] ^= 1 << (i % 8)
    return bytes(buf)


def _mutations(name: str, data: bytes, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    """(label, bytes) for one seed; the label says enough to rebuild the case."""
    for size in (1, 16, 512, 4096):
        yield f"random {size} bytes", rng.randbytes(size)
    n = len(data)
    for cut in sorted({1, 12, 14, n // 10, n // 2, 9 * n // 10, n - 1}):
        if 0 < cut < n:
            yield f"truncated at {cut}/{n}", data[:cut]
    for flips in (1, 2, 5, 10, 25, 50):
        for rep in range(3):
            yield f"{flips} bit flips #{rep}", _flip(data, flips, rng)
    for flips in (1, 10, 50):
        yield f"gzip of {flips} bit flips", gzip.compress(_flip(data, flips, rng), mtime=0)
    gz = gzip.compress(data, mtime=0)
    yield f"gzip truncated at {len(gz) // 2}", gz[: len(gz) // 2]
    yield "gzip with 5 bit flips", _flip(gz, 5, rng)
    for flips in (1, 10):
        yield f"zip of {flips} bit flips", _zip(name, _flip(data, flips, rng))
    zipped = _zip(name, data)
    yield f"zip truncated at {len(zipped) // 2}", zipped[: len(zipped) // 2]
    for flips in (1, 5, 25):
        yield f"zip with {flips} bit flips", _flip(zipped, flips, rng)


def _zip(name: str, data: bytes) -> bytes:
    """``data`` as the one member of a zip archive (an export's shape)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo(f"export/{name}", date_time=(2024, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def _feed(data: bytes, name: str) -> None:
    """What ingest does with one file: expand containers, then read each unit by its name."""
    for unit in expand_bytes(data, name):
        if not unit.data:
            continue  # refused by the container layer, with its reason: ingest quarantines it
        read_bytes(unit.data, name=unit.name.rsplit("::", 1)[-1].rsplit("/", 1)[-1])


def _run(seeds: list[tuple[str, bytes]]) -> tuple[list[str], int]:
    rng = random.Random(_SEED)
    failures: list[str] = []
    cases = 0
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for name, data in seeds:
        for label, mutated in _mutations(name, data, rng):
            fed_name = (
                name + ".gz"
                if label.startswith("gzip")
                else name + ".zip"
                if label.startswith("zip")
                else name
            )
            cases += 1
            t0 = time.perf_counter()
            try:
                _feed(mutated, fed_name)
            except UnreadableFile:
                pass
            except Exception as exc:  # the point of the test: anything else is a reader bug
                failures.append(f"{name} / {label}: {type(exc).__name__}: {str(exc)[:120]}")
            dt = time.perf_counter() - t0
            if dt > _CASE_SECONDS:
                failures.append(f"{name} / {label}: took {dt:.1f} s")
    # ru_maxrss is KiB on Linux, bytes on macOS
    unit = 1024 if sys.platform != "darwin" else 1
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) * unit / 2**20
    assert grown_mb < _MAX_RSS_MB, f"peak memory grew {grown_mb:.0f} MB over {cases} cases"
    return failures, cases


def _check(seeds: list[tuple[str, bytes]], at_least: Callable[[int], bool]) -> None:
    failures, cases = _run(seeds)
    assert at_least(cases), cases
    assert not failures, f"{len(failures)}/{cases} cases escaped the readers:\n" + "\n".join(
        failures
    )


@pytest.mark.timeout(120)
def test_fuzz_sample_files() -> None:
    seeds = [_load(SAMPLE / rel) for rel in _SAMPLE_SEEDS]
    _check(seeds, lambda n: n >= 200)


@pytest.mark.real_data
@pytest.mark.timeout(180)
def test_fuzz_real_files(real_dir) -> None:
    seeds = [_load(real_dir / rel) for rel in _REAL_SEEDS if (real_dir / rel).exists()]
    if len(seeds) < len(_REAL_SEEDS):
        pytest.skip(f"missing real seed files under {REAL}")
    _check(seeds, lambda n: n >= 300)


def test_fuzz_names_an_escaping_exception(monkeypatch) -> None:
    """The harness itself: a foreign exception from a reader is reported with seed and mutation,
    the project's refusal is not."""
    import struct

    def reader(data: bytes, *, name: str = "") -> None:
        if len(data) == 16:
            raise struct.error("unpack requires a buffer of 4 bytes")
        raise UnreadableFile("refused")

    monkeypatch.setattr(sys.modules[__name__], "read_bytes", reader)
    failures, cases = _run([("seed.fit", b"\x0e" * 40)])
    assert cases > 20
    assert failures == ["seed.fit / random 16 bytes: error: unpack requires a buffer of 4 bytes"]
