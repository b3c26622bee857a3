"""The roster's numbers: compliance against the stored plan, prescriptions, freshness, and the
filter/sort behind the widgets (issue 10)."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from coachkit.app.athlete import activity_table, load_athlete
from coachkit.app.coach import create_plan, plan_frame, todays_prescription
from coachkit.app.roster import NO_PLAN, REQUIRED, compliance, roster_table
from coachkit.coach.plan import Goal
from coachkit.core.sports import RUN_SPORTS
from coachkit.store import Store
from coachkit.viz.roster import filter_sort, needs_attention, roster_html

DAY = pd.Timestamp("2024-01-30")  # the intervals.icu history's last day


@pytest.fixture(scope="module")
def planned(coach_store, tmp_path_factory):
    """The coach store with a half-marathon plan for `intervals` from 2024-01-08."""
    root = tmp_path_factory.mktemp("roster") / "store"
    shutil.copytree(coach_store, root)
    store = Store(root)
    goal = Goal(race_distance_m=21097.5, race_date=dt.date(2024, 4, 14))
    create_plan(store, "intervals", goal, start=pd.Timestamp("2024-01-08"))
    yield store
    store.close()


@pytest.fixture(scope="module")
def roster(planned):
    return roster_table(planned, DAY)


@pytest.mark.real_data
def test_one_row_per_athlete_and_no_empty_required_cell(roster, planned):
    assert sorted(roster["athlete"]) == sorted(a["athlete_id"] for a in planned.athletes())
    assert (roster[list(REQUIRED)].astype(str).apply(lambda c: c.str.strip() != "")).all().all()
    assert not roster["risk"].str.startswith("could not compute").any()
    assert (roster["as_of"] == "2024-01-30").all()


@pytest.mark.real_data
def test_compliance_is_done_over_planned_running_distance(roster, planned):
    plan = plan_frame(planned, "intervals")
    table = activity_table(load_athlete(planned, "intervals", as_of=DAY))
    runs = table[table["sport"].isin(RUN_SPORTS)]
    start = DAY - pd.Timedelta(days=6)
    window = plan[(plan["date"] >= start) & (plan["date"] <= DAY) & (plan["kind"] != "rest")]
    did = runs.loc[(runs["date"] >= start) & (runs["date"] <= DAY), "distance_m"].sum()
    pct = round(100 * did / window["distance_m"].sum())
    row = roster.set_index("athlete").loc["intervals"]
    assert row["compliance_7d"].startswith(f"{pct} % ({did / 1000:.1f} of ")
    # the plan began 2024-01-08: the 28-day window is cut to the plan's days and says so
    assert "since the plan began on 2024-01-08" in row["compliance_28d"]
    expected = todays_prescription(planned, "intervals", DAY)["explanation"]
    assert row["prescription"].endswith(expected)
    others = roster[roster["athlete"] != "intervals"]
    assert (others[["compliance_7d", "compliance_28d", "prescription"]] == NO_PLAN).all().all()


@pytest.mark.real_data
def test_freshness_counts_days_from_the_last_data_to_today(planned):
    later = roster_table(planned, "2024-03-01").set_index("athlete")
    assert later.loc["intervals", "days_since_data"] == 31
    assert "stale: no data for 31 days" in later.loc["intervals", "flags"]
    own = roster_table(planned, "last").set_index("athlete")
    assert (own["days_since_data"] == 0).all() and own.loc["elevate", "as_of"] == "2015-06-27"


def test_compliance_says_why_when_there_is_nothing_to_compare():
    plan = pd.DataFrame({"date": pd.to_datetime(["2024-05-10"]), "kind": ["easy"],
                         "distance_m": [8000.0], "duration_s": [None]})  # fmt: skip
    done = pd.DataFrame(columns=["date", "distance_m", "duration_s"])
    assert compliance(None, done, pd.Timestamp("2024-05-01"), 7) == NO_PLAN
    assert compliance(plan, done, pd.Timestamp("2024-05-01"), 7) == "plan starts 2024-05-10"
    assert compliance(plan, done, pd.Timestamp("2024-05-10"), 7).startswith("0 % (0.0 of 8.0 km")


def test_filter_sort_and_attention():
    frame = pd.DataFrame({
        "athlete": ["a", "b", "c"], "risk_score": [10.0, 55.0, 0.0],
        "risk": ["10 (low; overtraining low)", "55 (high; overtraining low)", "0 (low; overtraining low)"],
        "hrv": ["within the normal range", "no HRV data", "below the normal range"],
        "flags": ["none", "no_hr ×2", "stale: no data for 9 days"],
        "days_since_data": [0, 1, 9], "tsb": [3.0, -20.0, 5.0], "report": [None, "r/b/report.html", None],
        **{c: "x" for c in ("compliance_7d", "compliance_28d", "prescription", "risk_top_factor",
                            "race", "personal")},
    })  # fmt: skip
    assert filter_sort(frame)["athlete"].tolist() == ["b", "a", "c"]
    assert filter_sort(frame, sort="form, TSB (lowest first)")["athlete"].tolist() == [
        "b",
        "a",
        "c",
    ]
    assert filter_sort(frame, text="no_hr")["athlete"].tolist() == ["b"]
    assert needs_attention(frame).tolist() == [False, True, True]
    assert filter_sort(frame, attention_only=True)["athlete"].tolist() == ["b", "c"]
    page = roster_html(frame)
    assert '<a href="r/b/report.html"' in page and page.count("ck-roster-row") == 3
    assert "background:#f8d7da" in page  # the high-risk row is shaded
