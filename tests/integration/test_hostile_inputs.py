"""Hostile inputs to ``coachkit ingest`` (issue 20): every fixture is made here, in tmp_path.

A FIFO, symlinks to /dev/zero and out of the tree, a file name that is not UTF-8, empty files
and an oversized file sit beside good runs. The batch must go on, the good runs land, every bad
one has a one-line reason, nothing hangs and nothing is written outside the store.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from coachkit.app.ingest import ingest
from coachkit.core.files import MAX_FILE_BYTES, fs_text
from coachkit.store import Store
from tests.conftest import REPO, SAMPLE

NRC = SAMPLE / "activities" / "nrc_gpx"
GOOD = sorted(NRC.glob("*.gpx.gz"))[:3]
CAFE = os.fsdecode(b"caf\xe9.gpx")  # a Latin-1 name: not valid UTF-8

pytestmark = pytest.mark.timeout(120)


def _gpx(i: int) -> bytes:
    return gzip.decompress(GOOD[i].read_bytes())


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its size and mtime, symlinks not followed."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for fn in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, fn))
            out[os.path.join(dirpath, fn)] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture()
def hostile(tmp_path: Path) -> Path:
    """A folder of good runs and every kind of bad neighbour."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.gpx").write_bytes(_gpx(0))
    (folder / "alias.gpx").symlink_to("good.gpx")  # inside the tree: followed
    with open(os.fsencode(folder) + b"/caf\xe9.gpx", "wb") as fh:  # bytes: no str can name it
        fh.write(_gpx(1))
    os.mkfifo(folder / "pipe.gpx")
    (folder / "zero.fit").symlink_to("/dev/zero")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("date,secret\n2021-01-01,hunter2\n")
    (folder / "secret.csv").symlink_to(outside / "secret.csv")
    (folder / "elsewhere").symlink_to(outside)
    (folder / "dangling.gpx").symlink_to(tmp_path / "nowhere.gpx")
    (folder / "loop.gpx").symlink_to("loop.gpx")
    (folder / "empty.gpx").write_bytes(b"")
    (folder / "empty.fit").write_bytes(b"")
    with open(folder / "huge.gpx", "wb") as fh:  # sparse: costs no disk, refused by its size
        fh.truncate(MAX_FILE_BYTES + 1)
    return folder


def _by_name(report) -> dict[str, tuple[str, str]]:
    return {Path(o.name).name: (o.status, o.reason) for o in report.outcomes}


def test_a_hostile_folder_skips_each_bad_file_with_its_reason_and_imports_the_good(hostile):
    tmp = hostile.parent
    before = _tree(tmp)
    report = ingest(Store(tmp / "store"), [hostile], "t")
    got = _by_name(report)
    assert got["good.gpx"][0] in ("new", "unchanged") and got["alias.gpx"][0] in (
        "new",
        "unchanged",
    )
    assert got[fs_text(CAFE)][0] == "new"  # the non-UTF-8 name lands, printed with \xe9
    assert fs_text(CAFE) == "caf\\xe9.gpx"
    assert got["pipe.gpx"] == ("skipped", "a named pipe (FIFO), not a file: skipped")
    assert got["zero.fit"][0] == "skipped" and "/dev/zero, outside" in got["zero.fit"][1]
    assert got["secret.csv"][0] == "skipped" and "outside the folders given" in got["secret.csv"][1]
    assert got["elsewhere"][0] == "skipped" and "not followed" in got["elsewhere"][1]
    assert got["dangling.gpx"] == ("skipped", "a broken or looping symlink: skipped")
    assert got["loop.gpx"] == ("skipped", "a broken or looping symlink: skipped")
    # two empty files share a hash but each gets its own verdict, not "unchanged"
    assert got["empty.gpx"] == ("quarantined", "empty file (0 bytes): nothing to read")
    assert got["empty.fit"] == ("quarantined", "empty file (0 bytes): nothing to read")
    assert got["huge.gpx"][0] == "quarantined"
    assert "256 MB limit" in got["huge.gpx"][1] and "refused" in got["huge.gpx"][1]
    for o in report.outcomes:
        assert o.reason == "" or "\n" not in o.reason, o
    assert report.totals()["new_activities"] == 2 and report.count("error") == 0
    # nothing written outside the store, and no byte of the outside file copied into it
    after = _tree(tmp)
    assert {k: v for k, v in after.items() if not k.startswith(str(tmp / "store"))} == before
    raw = list((tmp / "store" / "raw").iterdir())
    assert len(raw) == 2 and all(b"hunter2" not in p.read_bytes() for p in raw)
    # the non-UTF-8 name is stored as text in the manifest and the fast path keys it losslessly
    s = Store(tmp / "store")
    names = {r["name"] for r in s.conn.execute("SELECT name FROM sources")}
    assert fs_text(hostile / CAFE) in names
    again = _by_name(ingest(s, [hostile], "t"))
    assert again[fs_text(CAFE)] == ("unchanged", "")
    assert again["pipe.gpx"][0] == "skipped"


def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="300", PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "coachkit.cli", *args]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, timeout=110, env=env)


def test_the_cli_prints_a_hostile_batch_without_a_traceback_and_its_rerun_too(hostile):
    store = hostile.parent / "store"
    for _ in range(2):  # the second run is answered from the manifest's fast path
        proc = _run("ingest", str(hostile), "--athlete", "t", "--store", str(store))
        out, err = proc.stdout.decode(), proc.stderr.decode()
        assert proc.returncode == 0, out + err
        assert "Traceback" not in out + err
        assert "a named pipe (FIFO), not a file: skipped" in out
        assert "2 new activities" in out or "0 new activities" in out
    proc = _run("ingest", str(hostile), "--athlete", "t", "--store", str(store), "--json")
    report = json.loads(proc.stdout)
    names = {Path(f["name"]).name: f["status"] for f in report["files"]}
    assert names["caf\\xe9.gpx"] == "unchanged" and names["pipe.gpx"] == "skipped"


def test_a_fifo_or_device_given_by_name_is_skipped_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.fit")
    report = ingest(Store(tmp_path / "store"), [tmp_path / "pipe.fit", Path("/dev/zero")], "t")
    assert [(o.status, o.reason) for o in report.outcomes] == [
        ("skipped", "a named pipe (FIFO), not a file: skipped"),
        ("skipped", "a device, not a file: skipped"),
    ]


def test_a_symlinked_root_is_walked_and_a_link_inside_it_is_followed(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.gpx").write_bytes(_gpx(0))
    (real / "b.gpx").symlink_to(real / "a.gpx")
    (tmp_path / "link").symlink_to(real)
    report = ingest(Store(tmp_path / "store"), [tmp_path / "link"], "t")
    assert [(Path(o.name).name, o.status) for o in report.outcomes] == [
        ("a.gpx", "new"),
        ("b.gpx", "unchanged"),  # the same file, by its target's key
    ]


def test_bit_flipped_fit_files_are_imported_sound_or_quarantined_with_a_reason(tmp_path):
    from coachkit.io.base import PHYSICAL_FLAGS
    from tests.conftest import real_file

    original = real_file("fit/fitparse_activity-small-fenix2-run.fit").read_bytes()
    folder = tmp_path / "flipped"
    folder.mkdir()
    for seed in range(24):  # 1 to 500 flipped bits, past the 14-byte header
        rng = random.Random(seed)
        data = bytearray(original)
        for _ in range((1, 5, 50, 500)[seed % 4]):
            data[rng.randrange(14, len(data))] ^= 1 << rng.randrange(8)
        (folder / f"flip{seed:02d}.fit").write_bytes(bytes(data))
    store = Store(tmp_path / "store")
    report = ingest(store, [folder], "t")
    assert len(report.outcomes) == 24 and report.count("error") == 0
    assert all("\n" not in o.reason for o in report.outcomes)
    nonsense = [o for o in report.quarantined if "decodes to impossible values" in o.reason]
    assert nonsense, [(o.status, o.reason) for o in report.outcomes]
    # what was imported from damaged bytes carries no physically impossible value
    flags = ";".join(store.activities("t")["quality_flags"].fillna(""))
    assert not any(f in flags for f in PHYSICAL_FLAGS), flags
