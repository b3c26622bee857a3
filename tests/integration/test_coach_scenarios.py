"""The coach on the demo athlete's real data: the week of notebook 04, the plan figures, a
missed session logged today, and risk -> coach hand-off of a planned long-run spike (issue 6)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from coachkit.app.coach import create_plan, plan_frame, readapt, signals_for
from coachkit.app.ingest import ingest
from coachkit.app.risk import athlete_risk
from coachkit.coach.plan import Goal
from coachkit.coach.scenario import first_quality_week, hard_back_to_back, simulate_week, week_log
from coachkit.features.daniels import daniels_paces
from coachkit.store import Store
from coachkit.viz.plan import GROUP_COLOURS, plan_calendar_figure, plan_volume_figure
from tests.conftest import SAMPLE

START = "2021-03-15"  # the Monday after the demo athlete's last run


@pytest.fixture()
def demo(tmp_path):
    s = Store(tmp_path / "store")
    ingest(s, [SAMPLE], "demo")
    plan = create_plan(s, "demo", Goal(race_distance_m=21097.5, race_date=date(2021, 6, 13)),
                       start=START, days_per_week=5)  # fmt: skip
    return s, plan


def test_simulated_week_moves_the_missed_key_session_eases_it_when_tired_then_steps_up(demo):
    s, _ = demo
    frame = plan_frame(s, "demo")
    base = signals_for(s, "demo", pd.Timestamp(START) - pd.Timedelta(days=1), frame)
    monday = first_quality_week(frame)
    after, days = simulate_week(frame, base)
    log = week_log(days)
    rules = list(log["rule"])
    # the demo athlete ran about 2 km a week in the 4 weeks before the plan, so its plan is
    # small (1.3 x that, Gabbett 2016) and its week may hold one key session and a long run:
    # the rules that fire follow from what the week holds
    assert rules[0] == "missed" and rules[-1] == "week_review" and "fatigue" in rules
    missed, fatigue = log.iloc[0], log[log["rule"] == "fatigue"].iloc[0]
    assert "was missed (you logged “work trip”)" in missed["explanation"]
    assert "moves to" in missed["explanation"] or "is dropped" in missed["explanation"]
    # the next session is eased or cut on the fatigue evening, citing both signals
    assert re.search(r"becomes an easy run of the same duration|is cut 20%", fatigue["explanation"])
    assert re.search(r"\d+ bpm above expected \(z 1\.\d\)", fatigue["explanation"])
    assert "is below your normal range" in fatigue["explanation"]
    vdot = base.vdot_plan
    e = daniels_paces(vdot)["E"]
    eased = after[after["purpose"].str.contains("(fatigue)", regex=False)]
    assert len(eased) == 1
    if eased["kind"].iloc[0] == "easy" and "instead of" in eased["purpose"].iloc[0]:
        assert (
            eased["pace_low_s_per_km"].iloc[0],
            eased["pace_high_s_per_km"].iloc[0],
        ) == pytest.approx(e)
    # three strong runs (when the week has a Saturday of its own): paces re-derived from
    # VDOT + 1.5 and next week up by at most 5 %
    nxt = after[(after["date"] >= monday + pd.Timedelta(days=7))
                & (after["date"] < monday + pd.Timedelta(days=14))]  # fmt: skip
    planned_nxt = frame[frame["date"].isin(nxt["date"])]
    assert nxt["distance_m"].sum() <= 1.05 * planned_nxt["distance_m"].sum() + 1
    strong = log[log["rule"] == "exceeding"]
    if len(strong):
        assert (
            "VDOT" in strong.iloc[0]["explanation"] and "1.5 above" in strong.iloc[0]["explanation"]
        )
        t_new = daniels_paces(vdot + 1.5)["I"]
        reps = nxt[nxt["kind"] == "intervals"]
        if len(reps):
            assert reps["pace_low_s_per_km"].iloc[0] == pytest.approx(t_new[0])
    assert "planned in the week from" in log.iloc[-1]["explanation"]
    assert not hard_back_to_back(after)
    assert log["explanation"].str.contains(r"\d").all()


def test_plan_figures_colour_each_kind_and_mark_changes(demo):
    _, plan = demo
    cal = plan_calendar_figure(plan.workouts)
    heat = cal.data[0]
    assert len(heat.y) == len(plan.weeks) and list(heat.x)[0] == "Mon"
    assert any("long" in t for row in heat.text for t in row)
    assert {c for _, c in heat.colorscale} == set(GROUP_COLOURS.values())
    vol = plan_volume_figure(plan.workouts, pd.DataFrame({"date": [pd.Timestamp(START)],
                                                          "distance_m": [5000.0]}))  # fmt: skip
    names = [t.name for t in vol.data]
    assert "easy" in names and "long" in names and names[-1] == "done"
    planned_km = sum(sum(t.y) for t in vol.data if t.type == "bar")
    assert planned_km == pytest.approx(plan.workouts["distance_m"].fillna(0).sum() / 1000)


def test_missed_logged_today_reschedules_at_once(demo):
    s, _ = demo
    frame = plan_frame(s, "demo")
    day = frame.loc[frame["kind"].isin(["tempo", "intervals", "hills", "long"]), "date"].min()
    s.add_feedback("demo", f"{day:%Y-%m-%d}", missed_reason="work trip")
    changes = readapt(s, "demo", day)
    today = [
        a for a in changes if a.rule == "missed" and a.evidence["missed_date"] == f"{day:%Y-%m-%d}"
    ]
    assert len(today) == 1, [a.explanation for a in changes]
    assert "work trip" in today[0].explanation and today[0].evidence["missed_reason"] == "work trip"
    row = plan_frame(s, "demo").set_index("date").loc[day]
    assert row["status"] in ("missed", "moved")


def test_a_planned_long_run_spike_is_flagged_by_risk_and_capped_by_the_coach(demo):
    """Issue 6 hand-off: today's planned long run 2x the 30-day longest is a RUNSAFE spike
    factor, and the coach caps it at 1.1x and says so."""
    s, plan = demo
    frame = plan_frame(s, "demo")
    longs = frame[frame["kind"] == "long"]
    day = longs["date"].iloc[0]
    longest = plan.rules["long_run_reference_m"]  # the 30-day longest when the plan was made
    spike = 2.0 * longest
    with s.transaction() as conn:
        conn.execute("UPDATE plan_workouts SET distance_m=? WHERE plan_id=? AND date=?",
                     (spike, plan.plan_id, f"{day:%Y-%m-%d}"))  # fmt: skip
    risk = athlete_risk(s, "demo", as_of=day)
    codes = [f.code for f in risk.factors]
    assert "long_run_spike" in codes, risk.to_dict()
    changes = readapt(s, "demo", day - pd.Timedelta(days=1))
    capped = [a for a in changes if a.rule == "high_risk" and "capped" in a.explanation]
    assert capped, [a.explanation for a in changes]
    after = plan_frame(s, "demo").set_index("date").loc[day]
    assert after["distance_m"] == pytest.approx(risk.long_run_cap_m)
    assert after["distance_m"] <= 1.1 * longest + 1
