"""Ingest end to end on the committed demo athlete: idempotence, fast path, dedupe, rebuild,
hostile input. These use data/sample (always in the repo), so they never skip."""

from __future__ import annotations

import gzip
import io
import pathlib
import shutil
import zipfile

import pytest

from coachkit.app.ingest import ingest
from coachkit.app.rebuild import rebuild
from coachkit.store import Store
from tests.conftest import SAMPLE

EXTRA = SAMPLE / "activities" / "extra_formats"
NRC = SAMPLE / "activities" / "nrc_gpx"
TCX = SAMPLE / "activities" / "watch_tcx"


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Everything the catalog says about activities and sources, minus ingest timestamps."""
    q = {
        "activities": "SELECT * FROM activities ORDER BY activity_id",
        "activity_sources": "SELECT * FROM activity_sources ORDER BY athlete_id, sha256, idx",
        "sources": "SELECT athlete_id, sha256, name, kind, decoder, status, reason, n_activities, "
        "n_wellness FROM sources ORDER BY sha256",
        "wellness": "SELECT * FROM wellness ORDER BY athlete_id, date, source",
        "laps": "SELECT * FROM laps ORDER BY activity_id, lap",
    }
    return {k: [tuple(r) for r in store.conn.execute(v)] for k, v in q.items()}


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "store"
    store = Store(root)
    report = ingest(store, [SAMPLE], "demo")
    return store, report


def test_demo_athlete_lands_with_nothing_quarantined(demo_store):
    store, report = demo_store
    assert report.quarantined == [], [(o.name, o.reason) for o in report.quarantined]
    acts = store.activities("demo")
    # SOURCES.md: 48 NRC GPX + 8 watch TCX + 5 extra-format files, several of them the same runs
    assert 48 <= len(acts) <= 56
    assert acts["start_time"].min().strftime("%Y-%m-%d") == "2020-07-03"
    assert acts["start_time"].max().strftime("%Y-%m-%d") == "2021-03-14"
    assert store.wellness("demo")["rmssd_ms"].notna().sum() >= 100  # 119 readings in the export


def test_same_run_from_four_sources_is_one_activity(demo_store):
    store, _ = demo_store
    acts = store.activities("demo")
    day = acts[acts["start_time"].dt.strftime("%Y-%m-%d") == "2020-12-06"]
    assert len(day) == 1, day[["activity_id", "start_time", "distance_m", "source_kind"]]
    linked = store.linked_sources(day["activity_id"].iloc[0])
    assert set(linked["source_kind"]) >= {"gpx", "tcx", "strava_api"}
    # the watch TCX outranks the phone GPX and the Strava summary (docs/design.md §3 priority)
    assert day["source_kind"].iloc[0] == "tcx"
    assert int(linked["is_primary"].sum()) == 1
    # SOURCES.md: 12.0 km, avg HR 148.5 (Strava); watch and Strava agree within 3 %
    assert day["distance_m"].iloc[0] == pytest.approx(12_000, rel=0.03)


def test_watch_tcx_and_strava_gpx_of_one_run_merge_despite_a_5_percent_distance_gap(demo_store):
    store, _ = demo_store
    acts = store.activities("demo")
    day = acts[acts["start_time"].dt.strftime("%Y-%m-%d") == "2021-01-10"]
    assert len(day) == 1
    # the GPS track sums to ~12.6 km, the watch says ~12.0 km (SOURCES.md: 12.6 km, 1h25)
    linked = store.linked_sources(day["activity_id"].iloc[0])
    assert set(linked["source_kind"]) == {"tcx", "gpx"}
    assert day["source_kind"].iloc[0] == "tcx"


def test_reingest_changes_nothing_and_reads_no_bytes(demo_store, monkeypatch):
    store, _ = demo_store
    before = snapshot(store)

    def no_reading(self, *a, **k):
        raise AssertionError(f"re-ingest read {self}")

    monkeypatch.setattr(pathlib.Path, "read_bytes", no_reading)
    report = ingest(store, [SAMPLE], "demo")
    assert {o.status for o in report.outcomes} == {"unchanged"}
    assert snapshot(store) == before


def test_touched_but_identical_file_is_recognised_by_content(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(next(NRC.iterdir()), src)
    store = Store(tmp_path / "store")
    ingest(store, [src], "a")
    before = snapshot(store)
    f = next(src.iterdir())
    f.write_bytes(f.read_bytes())  # new mtime, same bytes
    report = ingest(store, [src], "a")
    assert [o.status for o in report.outcomes] == ["unchanged"]
    assert snapshot(store) == before


def test_rebuild_from_raw_gives_the_same_catalog(tmp_path):
    store = Store(tmp_path / "store")
    ingest(store, [EXTRA, TCX], "demo")
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO feedback (athlete_id, date, rpe, created_at) VALUES ('demo', '2020-12-07', 6, 'x')"
        )
    before = snapshot(store)
    samples_before = sorted(p.name for p in store.samples_dir.rglob("*.parquet"))
    rebuild(store)
    fresh = Store(tmp_path / "store")
    assert snapshot(fresh) == before
    assert sorted(p.name for p in fresh.samples_dir.rglob("*.parquet")) == samples_before
    assert fresh.conn.execute("SELECT rpe FROM feedback").fetchone()[0] == 6


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<gpx version="1.1" creator="x"><trk><name>&lol3;</name><trkseg>
<trkpt lat="1" lon="1"><time>2020-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>"""


def test_hostile_inputs_are_quarantined_and_the_rest_lands(tmp_path):
    good = sorted(NRC.iterdir())[:2]
    good_gpx = gzip.decompress(good[1].read_bytes())
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(good[0], batch / "a_good.gpx.gz")
    (batch / "entities.gpx").write_bytes(BILLION_LAUGHS)
    (batch / "empty.fit").write_bytes(b"")
    (batch / "notreally.fit").write_bytes(good_gpx[:4000])  # a GPX wearing a .fit name
    (batch / "traversal.zip").write_bytes(
        _zip({"../../escaped.gpx": good_gpx, "ok/inside.gpx": good_gpx})
    )
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("zeros.fit", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                member.write(chunk)
    (batch / "bomb.zip").write_bytes(bomb.getvalue())
    (batch / "gzbomb.gpx.gz").write_bytes(gzip.compress(b"\0" * (300 << 20), compresslevel=1))
    store = Store(tmp_path / "store")
    report = ingest(store, [batch], "a")
    by_name = {
        pathlib.Path(o.name.split("::")[0]).name
        + ("::" + o.name.split("::")[1] if "::" in o.name else ""): o
        for o in report.outcomes
    }
    reasons = {k: (o.status, o.reason) for k, o in by_name.items()}
    assert (
        by_name["entities.gpx"].status == "quarantined"
        and "entit" in by_name["entities.gpx"].reason.lower()
    )
    assert by_name["empty.fit"].status == "quarantined" and "empty" in by_name["empty.fit"].reason
    assert (
        by_name["notreally.fit"].status == "quarantined"
        and "FIT" in by_name["notreally.fit"].reason
    )
    assert by_name["traversal.zip::../../escaped.gpx"].status == "quarantined", reasons
    assert "unsafe path" in by_name["traversal.zip::../../escaped.gpx"].reason
    assert by_name["bomb.zip::zeros.fit"].status == "quarantined"
    assert "bomb" in by_name["bomb.zip::zeros.fit"].reason
    assert (
        by_name["gzbomb.gpx.gz"].status == "quarantined"
        and "bomb" in by_name["gzbomb.gpx.gz"].reason
    )
    # the good file and the safe archive member both land (same run twice: one activity)
    assert by_name["a_good.gpx"].status == "new"
    assert by_name["traversal.zip::ok/inside.gpx"].status == "new"
    assert (
        not (tmp_path / "escaped.gpx").exists() and not (tmp_path.parent / "escaped.gpx").exists()
    )
    assert len(store.activities("a")) == 2
    # a second pass is a no-op, quarantined files included
    again = ingest(store, [batch], "a")
    assert {o.status for o in again.outcomes} == {"unchanged"}
