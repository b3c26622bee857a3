"""The dashboard's run panel, km/mi toggle and plan editor, in-process (the widgets the Voila
page shows; tests/e2e drives the same in Chromium)."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

from coachkit.app.coach import adaptations, plan_frame  # noqa: E402
from coachkit.core.localtime import local_day  # noqa: E402
from coachkit.store import Store  # noqa: E402
from coachkit.viz.dashboard import Dashboard  # noqa: E402
from tests.dashboard_support import DEMO_DAY, demo_plan_store  # noqa: E402


@pytest.fixture()
def page(tmp_path_factory):
    store = Store(demo_plan_store(tmp_path_factory, "run-panel"))
    return Dashboard(store, "demo", DEMO_DAY)


def test_the_newest_run_is_shown_with_splits_zones_route_and_profile(page):
    acts = page.store.activities("demo")
    day = pd.Timestamp(DEMO_DAY)
    newest = acts[local_day(acts) <= day].sort_values("start_time").iloc[-1]
    assert page.run_pick.value == newest["activity_id"]
    assert page.run_pick.options[0][0].startswith(f"{local_day(acts).max():%a %-d %b}")
    card = page.run.value
    assert f'data-activity="{newest["activity_id"]}"' in card
    assert "ck-splits" in card and "Heart rate zones" in card and "Local time:" in card
    assert {"route", "profile", "zones", "meanmax"} <= set(page.figures)
    assert len(page.figures["route"].layout.images) == 0  # no tiles until the viewer asks
    page.tiles.value = True
    assert len(page.figures["route"].layout.images) >= 1
    assert page.message.value == ""


def test_picking_another_run_shows_it(page):
    other = page.run_pick.options[-1][1]
    page.run_pick.value = other
    assert f'data-activity="{other}"' in page.run.value


def test_miles_say_the_whole_page_without_km(page):
    page.units.value = "mi"
    for html in (page.run.value, page.today.value, page.week.value):
        assert "km" not in html.replace("ck-", "")
    assert 'data-units="mi"' in page.run.value and "/mi" in page.run.value


def test_the_editor_skips_a_day_and_refuses_the_past(page):
    plan = plan_frame(page.store, "demo")
    target = plan[(plan["date"] > pd.Timestamp(DEMO_DAY)) & (plan["kind"] != "rest")]["date"].iloc[
        0
    ]
    page.edit({"op": "skip", "day": target.date(), "reason": "a work trip"})
    assert 'data-ok="1"' in page.plan_edit.result.value
    log = adaptations(page.store, "demo")
    assert log["rule"].iloc[-1] == "runner_edit"
    assert plan_frame(page.store, "demo").set_index("date").loc[target, "kind"] == "rest"
    n = len(log)
    page.edit({"op": "skip", "day": pd.Timestamp("2021-03-16").date()})
    assert 'data-ok="0"' in page.plan_edit.result.value and "Refused" in page.plan_edit.result.value
    assert len(adaptations(page.store, "demo")) == n


def test_the_form_shows_only_the_fields_an_edit_reads(page):
    form = page.plan_edit
    form.op.value = "skip"
    assert form.other.layout.display == "none" and form.reason.layout.display == ""
    assert form.day.layout.display != "none"  # each field has its own layout
    form.op.value = "replace"
    assert form.kind.layout.display == "" and form.minutes.layout.display == ""
    assert form.day.layout.display != "none"
