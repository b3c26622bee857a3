"""Faults found in review, each pinned by a test: rebuild under open connections, feedback ids
after rebuild, bad archives mid-batch, transient failures, late companions, merge order."""

from __future__ import annotations

import errno
import gzip
import io
import shutil
import zipfile

import pandas as pd
import pytest

from coachkit.app.ingest import ingest
from coachkit.app.rebuild import rebuild
from coachkit.io import sniff
from coachkit.store import Store, StoreError
from tests.conftest import SAMPLE

EXTRA = SAMPLE / "activities" / "extra_formats"
NRC = SAMPLE / "activities" / "nrc_gpx"


def _copy(files, folder):
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy(f, folder / f.name)
    return folder


def test_feedback_written_through_an_open_connection_survives_a_rebuild(tmp_path):
    src = _copy(sorted(NRC.iterdir())[:3], tmp_path / "in")
    root = tmp_path / "store"
    ingest(Store(root), [src], "a")
    kernel = Store(root)  # e.g. a dashboard kernel that stays open throughout
    kernel.conn.execute("SELECT 1").fetchone()
    rebuild(Store(root))
    with kernel.transaction() as conn:
        conn.execute(
            "INSERT INTO feedback (athlete_id, date, rpe, created_at) VALUES ('a', '2021-01-01', 7, 'x')"
        )
    assert Store(root).conn.execute("SELECT rpe FROM feedback").fetchall()[0][0] == 7


def test_feedback_follows_its_activity_when_a_rebuild_changes_the_id(tmp_path):
    # 2021-01-10: watch TCX (starts 08:54:2x) and Strava GPX (08:54:28) are one run; the id comes
    # from whichever source is replayed first, so replaying them the other way round changes it
    files = [EXTRA / "2021-01-10_stopped_example.tcx.gz", EXTRA / "2021-01-10_strava_export.gpx.gz"]
    src = _copy(files, tmp_path / "in")
    store = Store(tmp_path / "store")
    ingest(store, [src / files[0].name], "a")
    ingest(store, [src / files[1].name], "a")
    (old_id,) = store.activities("a")["activity_id"]
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO feedback (athlete_id, activity_id, date, rpe, created_at) VALUES ('a', ?, '2021-01-10', 8, 'x')",
            (old_id,),
        )
        conn.execute("UPDATE sources SET seq = 100 - seq")  # replay in the other order
    rebuild(store)
    fresh = Store(tmp_path / "store")
    (new_id,) = fresh.activities("a")["activity_id"]
    assert new_id != old_id
    assert fresh.conn.execute("SELECT activity_id FROM feedback").fetchone()[0] == new_id


def test_rebuild_refuses_when_originals_are_missing(tmp_path):
    store = Store(tmp_path / "store")
    ingest(store, [_copy(sorted(NRC.iterdir())[:1], tmp_path / "in")], "a")
    for f in store.raw_dir.iterdir():
        f.unlink()
    with pytest.raises(StoreError, match="no original"):
        rebuild(store)
    assert len(store.activities("a")) == 1  # nothing was dropped


def test_corrupt_and_deeply_nested_archives_do_not_stop_the_batch(tmp_path):
    batch = _copy(sorted(NRC.iterdir())[:1], tmp_path / "batch")
    good = gzip.decompress(sorted(NRC.iterdir())[1].read_bytes())
    corrupt = bytearray(gzip.compress(good))
    corrupt[40:60] = b"\xff" * 20  # breaks the deflate stream
    (batch / "broken.gpx.gz").write_bytes(bytes(corrupt))
    nested = good
    for _ in range(12):
        nested = gzip.compress(nested)
    (batch / "nested.gpx.gz").write_bytes(nested)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("run.gpx", good)
    damaged = bytearray(buf.getvalue())
    damaged[60:90] = b"\x00" * 30
    (batch / "damaged.zip").write_bytes(bytes(damaged))
    (batch / "zz_last_good.gpx").write_bytes(good)
    report = ingest(Store(tmp_path / "store"), [batch], "a")
    by = {o.name.split("/")[-1]: o for o in report.outcomes}
    assert by["broken.gpx.gz"].status == "quarantined" and "gzip" in by["broken.gpx.gz"].reason
    nested_out = [o for k, o in by.items() if k.startswith("nested.gpx")]
    assert [o.status for o in nested_out] == ["quarantined"] and "nested" in nested_out[0].reason
    assert any(k.startswith("damaged.zip") and o.status == "quarantined" for k, o in by.items())
    assert by["zz_last_good.gpx"].status == "new"


def test_a_full_disk_is_not_a_bad_file_and_the_next_run_imports_it(tmp_path, monkeypatch):
    src = _copy(sorted(NRC.iterdir())[:2], tmp_path / "in")
    store = Store(tmp_path / "store")
    real_stage = Store.stage_samples

    def disk_full(self, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Store, "stage_samples", disk_full)
    first = ingest(store, [src], "a")
    assert {o.status for o in first.outcomes} == {"error"}
    assert all("will be retried" in o.reason for o in first.outcomes)
    monkeypatch.setattr(Store, "stage_samples", real_stage)
    second = ingest(store, [src], "a")
    assert [o.status for o in second.outcomes] == ["new", "new"]


def test_streams_quarantined_alone_are_imported_once_their_activity_arrives(tmp_path):
    folder = _copy([EXTRA / "2020-12-06_strava_api_streams.json.gz"], tmp_path / "in")
    store = Store(tmp_path / "store")
    first = ingest(store, [folder], "a")
    assert first.outcomes[0].status == "quarantined" and "start time" in first.outcomes[0].reason
    _copy([EXTRA / "2020-12-06_strava_api_activity.json.gz"], folder)
    second = ingest(store, [folder], "a")
    acts = store.activities("a")
    assert len(acts) == 1 and bool(acts["has_samples"].iloc[0])
    assert {o.status for o in second.outcomes} <= {"new", "merged"}


def test_merging_gives_the_same_run_whatever_the_order(tmp_path):
    # the 2020-12-06 run as Strava activity + streams, NRC GPX and watch TCX
    files = sorted(set(SAMPLE.glob("activities/*/2020-12-06*")))
    assert len(files) == 4
    frames = []
    for order in (files, files[::-1]):
        store = Store(tmp_path / f"s{len(frames)}")
        for f in order:
            ingest(store, [f], "a")
        frames.append(store.activities("a").drop(columns=["activity_id", "source_file"]))
    assert len(frames[0]) == 1
    pd.testing.assert_frame_equal(frames[0], frames[1])


def test_utf8_character_cut_at_the_sniff_window_is_still_sniffed():
    header = "Activity ID,Activity Date,Activity Name,Activity Type,Elapsed Time,Distance\n"
    filler = '1,"Mar 19, 2017, 9:12:34 AM",Corrida ' + "é" * 3000 + ",Run,100,1.0\n"
    data = (header + filler).encode()
    with pytest.raises(UnicodeDecodeError):  # the window ends inside a two-byte character
        data[:4096].decode("utf-8")
    assert sniff(data, "activities.csv") == "strava_export_csv"
