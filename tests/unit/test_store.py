"""The store on its own: schema migrations, WAL, atomic writes, ids, concurrent writers."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3

import pandas as pd
import pytest

from coachkit.core.files import atomic_write_bytes
from coachkit.store import Store, StoreError, check_athlete_id
from coachkit.store.merge import activity_id_for
from coachkit.store.migrations import SCHEMA_VERSION


def test_new_store_is_wal_at_current_schema(store_dir):
    store = Store(store_dir)
    assert store.schema_version == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (store_dir / "catalog.sqlite").exists()


def test_reopening_does_not_migrate_twice(store_dir):
    Store(store_dir).close()
    store = Store(store_dir)
    assert store.schema_version == SCHEMA_VERSION
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "activities",
        "sources",
        "wellness",
        "feedback",
        "plan_workouts",
        "adaptations",
    } <= tables


def test_store_from_a_newer_coachkit_is_refused_with_advice(store_dir):
    Store(store_dir).close()
    with sqlite3.connect(store_dir / "catalog.sqlite") as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StoreError, match="newer than this coachkit"):
        Store(store_dir)


def test_missing_store_without_create_says_what_to_run(tmp_path):
    with pytest.raises(StoreError, match="coachkit init"):
        Store(tmp_path / "nowhere", create=False)


@pytest.mark.parametrize(
    "bad", ["", "../etc", "a/b", "..", ".hidden", "x" * 65, "a b", "é", "bob\n"]
)
def test_athlete_ids_that_could_escape_a_path_are_refused(bad):
    with pytest.raises(StoreError, match="invalid athlete id"):
        check_athlete_id(bad)


def test_activity_id_is_deterministic_and_second_precise():
    t = pd.Timestamp("2020-12-06T09:36:21.400Z")
    a = activity_id_for("demo", t, "run")
    assert a == activity_id_for("demo", pd.Timestamp("2020-12-06T06:36:21-03:00"), "run")
    assert a != activity_id_for("demo", t + pd.Timedelta(seconds=1), "run")
    assert a != activity_id_for("other", t, "run")
    assert a != activity_id_for("demo", t, "ride")
    assert len(a) == 16 and int(a, 16) >= 0


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "f.bin"
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_samples_are_staged_then_published_and_recovered(store_dir):
    store = Store(store_dir)
    df = pd.DataFrame({"t_s": [0.0, 1.0], "hr_bpm": [120.0, 121.0]})
    pending = store.stage_samples("demo", "0123456789abcdef", df, "f" * 16)
    assert not store.samples_path("demo", "0123456789abcdef").exists()
    # no committed source with that sha: recovery rolls the write back
    assert store.recover() == 1
    assert not pending.exists() and not store.samples_path("demo", "0123456789abcdef").exists()
    # a committed source: recovery rolls it forward
    pending = store.stage_samples("demo", "0123456789abcdef", df, "e" * 16)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO sources (athlete_id, sha256, name, status, seq, ingested_at) "
            "VALUES ('demo', ?, 'x', 'imported', 1, 'now')",
            ("e" * 64,),
        )
    assert store.recover() == 1
    assert store.read_samples("demo", "0123456789abcdef")["hr_bpm"].tolist() == [120.0, 121.0]


def test_transaction_rolls_back_on_error(store_dir):
    store = Store(store_dir)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.ensure_athlete("a1", conn=conn)
        raise RuntimeError("boom")
    assert store.athletes() == []


def _write_feedback(args):
    root, worker, n = args
    store = Store(root, create=False)
    for i in range(n):
        with store.transaction() as conn:
            conn.execute(
                "INSERT INTO feedback (athlete_id, date, rpe, note, created_at) VALUES (?, ?, ?, ?, ?)",
                ("demo", "2021-01-01", 5, f"w{worker}-{i}", "now"),
            )
    return n


def test_concurrent_writers_lose_no_row(store_dir):
    Store(store_dir).close()
    n_workers, n_rows = 4, 50
    with mp.get_context("spawn").Pool(n_workers) as pool:
        written = pool.map(_write_feedback, [(str(store_dir), w, n_rows) for w in range(n_workers)])
    store = Store(store_dir)
    notes = {r[0] for r in store.conn.execute("SELECT note FROM feedback")}
    assert sum(written) == n_workers * n_rows == len(notes)


def test_a_version_1_store_gains_the_sync_tables(tmp_path):
    import sqlite3

    from coachkit.store.migrations import MIGRATIONS, statements

    path = tmp_path / "old"
    path.mkdir()
    conn = sqlite3.connect(path / "catalog.sqlite")
    for statement in statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version == SCHEMA_VERSION >= 2
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sync_state", "sync_items"} <= tables
