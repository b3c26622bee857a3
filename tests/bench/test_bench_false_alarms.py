"""False-alarm benchmark of the adaptation rules (`make bench`; issue #15 "calibrated alarms").

Each real athlete history of ``shared/data/real/athlete_history`` is replayed day by day with
:func:`coachkit.app.replay.replay` (what ``coachkit replay`` runs), from 4 weeks after its first
run to its last run. Printed per history and overall:

- **sessions eased per 100 runs**, in all and by rule: every session an adaptation made smaller
  (shorter or less long, a hard kind turned easy or recovery, or dropped to rest), counted once
  per (rule, session day); "runs" are the runs actually done in the window;
- **the share not followed by another sign of fatigue within 3 days** (the day the rule fired
  excluded): none of, on days d+1..d+3, a run with HR at least 1 SD above the HR model's
  expectation (z >= 1, the model's own residual SD), a logged RPE 2+ points above plan, feel
  <= 2/5, soreness >= 7/10, a niggle >= 3/10 or illness, the 7-day HRV under its normal range,
  resting HR 5+ bpm above baseline. A fixed definition, the same before and after a change of
  the rules: the lower this share, the fewer sessions were eased for nothing.

Skipped (with a message) when the real-data folder is absent.
"""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest

from tests.conftest import REAL

HISTORIES = REAL / "athlete_history"
RUN_KINDS = ("run", "trail_run", "treadmill")
HARD = {"tempo", "intervals", "hills", "long", "race"}
SIGN_DAYS = 3
HR_SIGN_Z = 1.0


def _size(snap: dict) -> float:
    return float(snap.get("distance_m") or 0.0) + 1000.0 * float(snap.get("duration_s") or 0.0)


def _eased(before: dict, after: dict) -> bool:
    """``after`` asks less of the runner than ``before`` (one session's snapshot each)."""
    if not isinstance(before, dict) or not isinstance(after, dict) or "kind" not in before:
        return False
    if before.get("kind") in (None, "rest"):
        return False
    if after.get("kind") == "rest" or after.get("status") == "missed":
        return after.get("status") != "missed"
    if before.get("kind") in HARD and after.get("kind") not in HARD:
        return True
    return _size(after) < _size(before) - 1e-6


def eased_sessions(adaptations: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(rule, fired day, session day) of every session an adaptation eased, once per rule+day."""
    seen, out = set(), []
    for rec in adaptations.to_dict("records"):
        change = json.loads(rec["change"])
        before, after = change.get("before", {}), change.get("after", {})
        pairs = (
            [(before, after)]
            if "kind" in before
            else [(before[k], after.get(k, {})) for k in before if isinstance(before[k], dict)]
        )
        for b, a in pairs:
            if "target" in before and b is before.get("source"):
                continue
            if _eased(b, a) and (rec["rule"], b.get("date")) not in seen:
                seen.add((rec["rule"], b.get("date")))
                out.append((rec["rule"], rec["date"], b.get("date")))
    return out


def fatigue_sign_days(data, residuals: pd.DataFrame, daily: pd.DataFrame) -> set[pd.Timestamp]:
    """Days with a sign of fatigue (the module docstring's fixed list)."""
    days = set(residuals.loc[residuals["z"] >= HR_SIGN_Z, "date"].dt.normalize())
    fb = data.feedback
    if len(fb):
        bad = (
            (pd.to_numeric(fb.get("feel"), errors="coerce") <= 2)
            | (pd.to_numeric(fb.get("soreness"), errors="coerce") >= 7)
            | (pd.to_numeric(fb.get("niggle_severity"), errors="coerce") >= 3)
            | fb.get("illness", pd.Series(False, index=fb.index)).fillna(False).astype(bool)
            | (pd.to_numeric(fb.get("rpe"), errors="coerce") >= 8)
        )
        days |= set(pd.to_datetime(fb.loc[bad, "date"]).dt.normalize())
    if len(daily):
        d = daily.set_index("date")
        if "hrv_status" in d:
            days |= set(d.index[d["hrv_status"] == "below"])
        if "rhr_deviation" in d:
            days |= set(d.index[pd.to_numeric(d["rhr_deviation"], errors="coerce") >= 5])
    return days


def measure(store, athlete: str) -> dict | None:
    from coachkit.app.athlete import activity_table, hr_residuals, load_athlete
    from coachkit.app.metrics import daily_metrics
    from coachkit.app.replay import replay

    data = load_athlete(store, athlete)
    table = activity_table(data)
    runs = table[table["sport"].isin(RUN_KINDS)]
    if len(runs) < 10:
        return None
    start = runs["date"].min().normalize() + pd.Timedelta(weeks=4)
    end = runs["date"].max().normalize()
    result = replay(store, athlete, start, end)
    n_runs = int(result.days["actual_runs"].sum())
    eased = eased_sessions(result.adaptations)
    signs = fatigue_sign_days(data, hr_residuals(data), daily_metrics(data))
    lonely = [
        e
        for e in eased
        if not any(
            pd.Timestamp(e[1]) + pd.Timedelta(days=k) in signs for k in range(1, SIGN_DAYS + 1)
        )
    ]
    return {
        "athlete": athlete,
        "window": f"{start:%Y-%m-%d}..{end:%Y-%m-%d}",
        "runs": n_runs,
        "eased": len(eased),
        "per_100": 100.0 * len(eased) / max(n_runs, 1),
        "by_rule": Counter(e[0] for e in eased),
        "lonely": len(lonely),
        "lonely_by_rule": Counter(e[0] for e in lonely),
    }


@pytest.mark.real_data
@pytest.mark.slow
def test_bench_false_alarms(tmp_path):
    if not HISTORIES.is_dir():
        pytest.skip(f"no real histories at {HISTORIES}: the false-alarm bench needs them")
    from coachkit.app.ingest import ingest
    from coachkit.store import Store

    store = Store(tmp_path / "store")
    rows = []
    for folder in sorted(p for p in HISTORIES.iterdir() if p.is_dir()):
        ingest(store, [folder], folder.name)
        row = measure(store, folder.name)
        if row is None:
            print(f"\n{folder.name}: fewer than 10 runs, not replayed")
            continue
        rows.append(row)
    print("\nFalse alarms: sessions eased per 100 runs, by rule; share with no other sign of")
    print(f"fatigue within {SIGN_DAYS} days (replay of each real history)")
    total = Counter()
    for r in [*rows, None]:
        if r is None:
            if not rows:
                break
            runs = sum(x["runs"] for x in rows)
            eased = sum(x["eased"] for x in rows)
            lonely = sum(x["lonely"] for x in rows)
            r = {
                "athlete": "ALL",
                "window": "",
                "runs": runs,
                "eased": eased,
                "per_100": 100.0 * eased / max(runs, 1),
                "by_rule": total,
                "lonely": lonely,
                "lonely_by_rule": sum((x["lonely_by_rule"] for x in rows), Counter()),
            }
        else:
            total.update(r["by_rule"])
        rules = ", ".join(
            f"{k} {100.0 * v / max(r['runs'], 1):.1f} ({r['lonely_by_rule'][k] / v:.0%} alone)"
            for k, v in sorted(r["by_rule"].items())
        )
        share = f"{r['lonely'] / r['eased']:.0%}" if r["eased"] else "n/a"
        print(
            f"{r['athlete']:<27} {r['window']:<22} runs {r['runs']:>4}, eased {r['eased']:>4} "
            f"= {r['per_100']:5.1f}/100 runs, no other sign in {SIGN_DAYS} d: {share}\n"
            f"    per 100 runs by rule (share with no other sign): {rules or 'none'}"
        )
    assert rows, "no real history had enough runs to replay"
