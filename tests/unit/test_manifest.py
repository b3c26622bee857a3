"""The manifest fast path on its own: keys, the size+mtime check, and the file hash."""

from __future__ import annotations

import hashlib
import os

from coachkit.app.ingest import ingest
from coachkit.core.files import sha256_file
from coachkit.io.containers import Entry
from coachkit.store import Store
from coachkit.store.manifest import is_unchanged, path_key, unchanged_report


def test_sha256_file_is_the_sha256_of_the_bytes(tmp_path):
    big = tmp_path / "big.bin"
    data = os.urandom(3 * (1 << 20) + 17)  # several 1 MiB chunks and a tail
    big.write_bytes(data)
    assert sha256_file(big) == hashlib.sha256(data).hexdigest()
    (tmp_path / "empty").write_bytes(b"")
    assert sha256_file(tmp_path / "empty") == hashlib.sha256(b"").hexdigest()


def test_a_streams_file_is_keyed_with_its_activity_json(tmp_path):
    streams = tmp_path / "run_streams.json"
    streams.write_text("{}")
    alone = path_key(streams)
    assert alone == str(streams.resolve())
    (tmp_path / "run_activity.json").write_text("{}")
    # the partner appeared: a different key, so the streams are read again, with it
    assert (
        path_key(streams)
        == f"{streams.resolve()}|with:{(tmp_path / 'run_activity.json').resolve()}"
    )


def _remember(store: Store, athlete: str, path) -> None:
    # a real ingest writes the manifest row (a file it quarantines is remembered too)
    ingest(store, [path], athlete)


def test_unchanged_means_same_size_and_mtime_for_the_same_athlete(tmp_path):
    store = Store(tmp_path / "s")
    f = tmp_path / "a.gpx"
    f.write_text("<gpx/>")
    assert not is_unchanged(store, "x", f, f.stat())
    _remember(store, "x", f)
    assert is_unchanged(store, "x", f, f.stat())
    assert not is_unchanged(store, "y", f, f.stat())  # another athlete has not seen it
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    assert not is_unchanged(store, "x", f, f.stat())


def test_unchanged_report_only_when_every_file_is_unchanged(tmp_path):
    store = Store(tmp_path / "s")
    a, b = tmp_path / "a.gpx", tmp_path / "b.gpx"
    a.write_text("<gpx/>")
    b.write_text("<gpx></gpx>")
    _remember(store, "x", a)
    entries = [Entry(a), Entry(b)]
    assert unchanged_report(store, entries, "x") is None
    _remember(store, "x", b)
    report = unchanged_report(store, entries, "x")
    assert [(o.name, o.status) for o in report.outcomes] == [
        (str(a), "unchanged"),
        (str(b), "unchanged"),
    ]
    b.unlink()
    assert unchanged_report(store, entries, "x") is None  # a vanished file: the full ingest says so
