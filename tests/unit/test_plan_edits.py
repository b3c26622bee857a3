"""The runner's plan edits on a plan frame (issue 17): the pure rows and sentences of
:mod:`coachkit.coach.edits`, the rules of :mod:`coachkit.coach.edit_rules`, and how the
adaptation rules treat an edited plan afterwards (a skipped session is never "missed")."""

from __future__ import annotations

import doctest

import pandas as pd

from coachkit.coach import edit_rules, edits
from coachkit.coach.adapt import Signals, adapt
from tests.unit.test_adapt import MON, _day, done, plan, row


def test_doctests() -> None:
    assert doctest.testmod(edits).failed == 0


def test_a_skipped_tempo_is_neither_missed_nor_rescheduled() -> None:
    p = plan(["easy", "tempo", "easy", "easy", "easy", "long", "rest"])
    skipped, logged = edits.skip(p, _day(1), today=MON, units="km", reason="work trip")
    assert logged.rule == "runner_edit" and logged.evidence["reason"] == "work trip"
    assert "You skipped the 10.0 km tempo run on Tue 5 Mar (work trip)" in logged.explanation
    new, log = adapt(skipped, Signals(today=_day(2), done=done(0, 2)))
    assert [a for a in log if a.rule == "missed"] == []
    assert (row(new, 1)["kind"], row(new, 1)["status"]) == ("rest", "skipped")
    assert [row(new, d)["kind"] for d in (2, 3, 4)] == ["easy"] * 3  # nothing moved in
    # the same week unedited: the tempo is missed and moved (the check above is live)
    _, log = adapt(p, Signals(today=_day(2), done=done(0, 2)))
    assert [a.rule for a in log] == ["missed"]


def test_a_skipped_day_never_hosts_a_missed_session() -> None:
    p = plan(["easy", "tempo", "rest", "rest", "rest", "rest", "long"])
    skipped, _ = edits.skip(p, _day(3), today=MON, units="km")  # a rest day, already
    assert edit_rules.back_to_back(skipped, [_day(3)]) is None
    easy_thu = plan(["easy", "tempo", "rest", "easy", "rest", "rest", "long"])
    skipped, _ = edits.skip(easy_thu, _day(3), today=MON, units="km")
    new, log = adapt(skipped, Signals(today=_day(2), done=done(0)))
    assert row(new, 3)["status"] == "skipped" and row(new, 3)["kind"] == "rest"
    assert all(a.change["after"].get("target", {}).get("date") != "2024-03-07" for a in log)


def test_moving_a_tempo_next_to_the_long_run_is_refused_with_its_reason() -> None:
    p = plan(["rest", "tempo", "rest", "easy", "rest", "rest", "long"])
    moved, _ = edits.move(p, _day(1), _day(5), today=MON, units="km")
    why = edit_rules.back_to_back(moved, [_day(1), _day(5)])
    assert why == (
        "a tempo run on Sat 9 Mar would come right before Sunday's long run "
        "(two hard days back to back)"
    )
    moved, _ = edits.move(p, _day(1), _day(2), today=MON, units="km")
    assert edit_rules.back_to_back(moved, [_day(1), _day(2)]) is None
    assert (row(moved, 2)["kind"], row(moved, 1)["kind"]) == ("tempo", "rest")


def test_the_nearest_day_prefers_the_earlier_on_a_tie() -> None:
    p = plan(["rest"] * 7)
    assert edit_rules.nearest_day(p, _day(3), MON, lambda d: d != _day(3)) == _day(2)
    assert edit_rules.nearest_day(p, _day(3), _day(3), lambda d: d != _day(3)) == _day(4)


def test_past_done_and_race_days_are_not_edited() -> None:
    p = plan(["easy", "tempo", "rest", "easy", "rest", "rest", "race"])
    p.loc[0, "status"] = "done"
    assert "in the past" in edit_rules.day_problem(p, _day(0), _day(1))
    assert "already run" in edit_rules.day_problem(p, _day(0), MON)
    assert "race day" in edit_rules.day_problem(p, _day(6), MON)
    assert "not in your plan" in edit_rules.day_problem(p, _day(9), MON)
    assert edit_rules.day_problem(p, _day(1), MON) is None


def test_a_replaced_run_over_the_runsafe_cap_is_refused() -> None:
    p = plan(["easy", "rest", "rest", "rest", "rest", "rest", "easy"])  # 8 km runs
    assert edit_rules.runsafe_cap(p, _day(6)) == 1.1 * 8000.0
    longer = p.copy()
    longer.loc[6, "distance_m"] = 12000.0
    assert "at most 8.8 km" in edit_rules.too_long(longer, _day(6), "km")
    assert edit_rules.too_long(longer, _day(6), "km", longest_run_m=11000.0) is None


def test_a_swap_keeps_both_sessions_and_says_so() -> None:
    p = plan(["easy", "tempo", "rest", "long", "rest", "rest", "rest"])
    new, logged = edits.swap(p, _day(1), _day(2), today=MON, units="km")
    assert (row(new, 1)["kind"], row(new, 2)["kind"]) == ("rest", "tempo")
    assert logged.explanation == (
        "You swapped the 10.0 km tempo run on Tue 5 Mar with a rest day on Wed 6 Mar."
    )
    assert "right before Thursday's long run" in edit_rules.back_to_back(new, [_day(1), _day(2)])
    assert pd.isna(row(p, 2)["pace_low_s_per_km"])  # the input is never mutated
