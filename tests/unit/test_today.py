"""Today's prescription is held within RUNSAFE of what was actually run (coachkit.app.today)."""

from __future__ import annotations

import pandas as pd
import pytest

from coachkit.app.today import hold_runsafe, longest_before
from coachkit.store import Store


def _out(kind: str, distance_m: float | None, duration_s: float | None = 1800.0) -> dict:
    return {
        "kind": kind,
        "distance_m": distance_m,
        "duration_s": duration_s,
        "explanation": "Easy 3.8 km at 6:57–8:16/km: aerobic base.",
    }


def test_a_run_over_the_cap_is_cut_with_its_numbers():
    out = _out("easy", 3800.0, 1900.0)
    hold_runsafe(out, 3000.0, "km")
    # 1.1 x 3.0 km = 3.3 km (Garmin-RUNSAFE); the duration follows the distance
    assert out["distance_m"] == pytest.approx(3300.0)
    assert out["duration_s"] == pytest.approx(1900.0 * 3300.0 / 3800.0)
    assert out["explanation"].startswith("Cut to 3.3 km today (the plan says 3.8 km)")
    assert "longest run of the last 30 days, 3.0 km" in out["explanation"]


@pytest.mark.parametrize(
    ("kind", "distance_m", "longest"),
    [
        ("easy", 3300.0, 3000.0),
        ("race", 21097.5, 8000.0),
        ("easy", 5000.0, None),
        ("rest", None, 3000.0),
    ],
)
def test_nothing_changes_within_the_cap_on_race_day_or_without_runs(kind, distance_m, longest):
    out = _out(kind, distance_m)
    before = dict(out)
    hold_runsafe(out, longest, "km")
    assert out == before


def test_longest_before_reads_counted_runs_of_the_30_days_before(tmp_path):
    store = Store(tmp_path / "store")
    store.ensure_athlete("a")
    rows = [  # (local start, sport, distance, flags)
        ("2024-03-01T08:00:00Z", "run", 9000.0, ""),  # 31 days before: outside
        ("2024-03-10T08:00:00Z", "run", 6000.0, ""),
        ("2024-03-12T08:00:00Z", "cycling", 40000.0, ""),  # not a run
        ("2024-03-20T08:00:00Z", "run", 12000.0, "duplicate_of:x"),  # not counted
        ("2024-04-01T07:00:00Z", "run", 15000.0, ""),  # the day itself: not before it
    ]
    with store.transaction() as conn:
        for n, (start, sport, dist, flags) in enumerate(rows):
            conn.execute(
                "INSERT INTO activities (activity_id, athlete_id, sport, start_time, utc_offset_s,"
                " distance_m, quality_flags) VALUES (?, 'a', ?, ?, 0, ?, ?)",
                (f"r{n}", sport, start, dist, flags),
            )
    assert longest_before(store, "a", pd.Timestamp("2024-04-01")) == 6000.0
    assert longest_before(store, "a", pd.Timestamp("2024-03-01")) is None
