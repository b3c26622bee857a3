"""Big inputs to ``coachkit ingest`` keep memory bounded (issue 20).

Each case makes its file in tmp_path, puts one good run beside it, and ingests the folder in a
new process. The batch must finish, the good run
land, the big file be imported in part with a warning that says what was kept (or refused
with its reason), and the process stay under ``PEAK_RSS_MB`` for any single input (the
process's own peak, read from /proc at its exit). The issue asked for about 600 MB; the
offline time-zone lookup of a GPS track (tzfpy, issue 17) keeps its 32 MB polygon index
resident once used, so the bound is 640 MB (the 950,000-point GPX peaks near 600 MB; before
streaming it took 1,821 MB).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REAL, REPO, SAMPLE

PEAK_RSS_MB = 640
GOOD = sorted((SAMPLE / "activities" / "nrc_gpx").glob("*.gpx.gz"))[0]

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(sys.platform != "linux", reason="peak RSS is read from /proc/self/status"),
]


def _gpx(path: Path, n: int) -> None:
    """A GPX run of ``n`` one-second points (~200 bytes each) with heart rate."""
    head = (
        b'<?xml version="1.0"?><gpx version="1.1" creator="test" '
        b'xmlns="http://www.topografix.com/GPX/1/1" '
        b'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        b"<trk><type>running</type><trkseg>\n"
    )
    point = (
        '<trkpt lat="{:.6f}" lon="5.000000"><ele>100.0</ele><time>{}</time><extensions>'
        "<gpxtpx:TrackPointExtension><gpxtpx:hr>150</gpxtpx:hr></gpxtpx:TrackPointExtension>"
        "</extensions></trkpt>\n"
    )
    with open(path, "wb") as fh:
        fh.write(head)
        for start in range(0, n, 10_000):
            fh.write(
                "".join(
                    point.format(
                        45 + i * 3e-5 % 1,
                        f"2024-05-{1 + i // 86400:02d}T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                    )
                    for i in range(start, min(n, start + 10_000))
                ).encode()
            )
        fh.write(b"</trkseg></trk></gpx>\n")


def _hrv_csv(path: Path, n: int) -> None:
    """An HRV4Training export of ``n`` rows (one a day, years repeating)."""
    with open(path, "w") as fh:
        fh.write("timestamp_measurement,HR,AVNN,SDNN,rMSSD,pNN50,LF,HF,HRV4T_Recovery_Points\n")
        for i in range(n):
            day = f"{2000 + i // 336 % 25}-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}"
            fh.write(f"{day} 07:00:00 +0000,50.1,1200,80,{40 + i % 30},30,0.04,0.03,8.1\n")


def _intervals_csv(path: Path, n: int) -> None:
    """An intervals.icu activity CSV of ``n`` rows (the issue's million-activity file)."""
    with open(path, "w") as fh:
        fh.write("date,dist_m,mov_s,hr,intensity,load,name\n")
        for i in range(n):
            fh.write(
                f"{2000 + i // 336 % 25}-{1 + i // 28 % 12:02d}-{1 + i % 28:02d},10000,3000,150,0.8,80,Run\n"
            )


def _streams_json(path: Path, n: int) -> None:
    """Strava API streams of ``n`` points each (far past any real activity's)."""
    streams = [
        {"type": t, "data": [float(i % 977) for i in range(n)], "series_type": "distance"}
        for t in ("time", "distance", "altitude", "heartrate", "cadence")
    ]
    path.write_text(json.dumps(streams))


def _chained_fit(path: Path, copies: int) -> None:
    """One real FIT activity chained ``copies`` times (a valid chained FIT file)."""
    one = (REAL / "fit" / "elevate_loup-blanc_trail_5h_fenix6s.fit").read_bytes()
    with open(path, "wb") as fh:
        for _ in range(copies):
            fh.write(one)


# The ingest runs under this wrapper, which prints the process's own peak RSS (VmHWM) at exit.
# ``os.wait4``'s ru_maxrss would not do: Linux carries the parent's peak into a forked child,
# so a child of a large pytest process would report the parent's size.
_MEASURED = """
import atexit, runpy, sys

def _peak():
    with open("/proc/self/status") as fh:
        kb = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
    sys.stderr.write(f"\\nPEAK_RSS_KB={kb}\\n")

atexit.register(_peak)
runpy.run_module("coachkit.cli", run_name="__main__", alter_sys=True)
"""


def _ingest(folder: Path, store: Path) -> tuple[dict, float]:
    """Ingest ``folder`` in a new process: its JSON report and its peak RSS in MB."""
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURED, "ingest", "-a", "big", "--store", str(store), "--json",
         str(folder)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    peak_kb = int(proc.stderr.rsplit("PEAK_RSS_KB=", 1)[1].split()[0])
    return json.loads(proc.stdout), peak_kb / 1024


CASES: dict[str, tuple[str, Callable[[Path], None], str, bool]] = {
    # name: (file name, maker, words the file's reason must hold, whether the file is imported)
    "gpx_950k_points": (
        "huge.gpx",
        lambda p: _gpx(p, 950_000),
        "more than 250,000 track points: kept the 250,000",
        True,
    ),
    "hrv_csv_1M_rows": (
        "hrv4training.csv",
        lambda p: _hrv_csv(p, 1_000_000),
        "more than 50,000 rows; kept the first 50,000",
        True,
    ),
    "intervals_csv_1M_rows": (
        "intervals.csv",
        lambda p: _intervals_csv(p, 1_000_000),
        "more than 50,000 rows; kept the first 50,000",
        True,
    ),
    "streams_json_75MB": (
        "streams.json",
        lambda p: _streams_json(p, 1_600_000),
        "JSON over 32 MB",
        False,
    ),
}


def _check(tmp_path: Path, name: str, make: Callable[[Path], None], words: str, imported: bool):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.gpx").write_bytes(gzip.decompress(GOOD.read_bytes()))
    make(folder / name)
    report, peak = _ingest(folder, tmp_path / "store")
    by_name = {Path(f["name"]).name: f for f in report["files"]}
    assert by_name["good.gpx"]["status"] == "new"
    big = by_name[name]
    assert words in (big.get("reason") or ""), big
    assert (big["status"] == "new") is imported, big
    assert peak < PEAK_RSS_MB, f"{name}: peak RSS {peak:.0f} MB"


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_huge_input_is_read_in_part_or_refused_within_the_memory_cap(tmp_path, case):
    _check(tmp_path, *CASES[case])


def test_a_huge_chained_fit_is_read_in_part_within_the_memory_cap(tmp_path, real_dir):
    _check(
        tmp_path,
        "chained.fit",
        lambda p: _chained_fit(p, 360),  # 240 MB, 2.7 million records
        "read with fitdecode, which keeps memory bounded",
        True,
    )
