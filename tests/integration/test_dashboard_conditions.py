"""The dashboard's conditions inputs as widgets (no browser): typed conditions move today's pace
band, keep its HR band and put the sentence on the card; a bad value is named and changes
nothing. The numbers are Hadley's temperature + dew point table's (Maximum Performance Running,
2013): 30 °C with dew point 22 °C sums to 157.6 °F, 4.5 + 1.5 × 7.6 / 10 = 5.64 % slower.
"""

from __future__ import annotations

import html
import re

import pytest

pytest.importorskip("ipywidgets")

from coachkit.coach.explain import format_pace_range  # noqa: E402
from coachkit.store import Store  # noqa: E402
from coachkit.viz.dashboard import Dashboard  # noqa: E402
from tests.dashboard_support import PLAN_START, demo_plan_store  # noqa: E402


def first_paced_day(store: Store) -> str:
    """The plan's first day with a pace band (the demo's first days are rest)."""
    from datetime import date, timedelta

    from coachkit.app.today import todays_prescription

    start = date.fromisoformat(PLAN_START)
    for i in range(14):
        day = start + timedelta(days=i)
        if todays_prescription(store, "demo", day).get("pace_low_s_per_km"):
            return f"{day:%Y-%m-%d}"
    raise AssertionError("no day with a pace band in the plan's first two weeks")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    store = Store(demo_plan_store(tmp_path_factory, "conditions"))
    return Dashboard(store, "demo", first_paced_day(store))


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def _type(page, **values: str) -> None:
    for name, field in page.conditions.fields.items():
        field.value = values.get(name, "")


def test_30_with_dew_point_22_slows_the_band_and_says_why(page):
    p = page.data.today
    planned = format_pace_range(p["pace_low_s_per_km"], p["pace_high_s_per_km"], "km")
    hr = f"{p['hr_low']:.0f}–{p['hr_high']:.0f} bpm"
    _type(page, temp_c="30", dew_point_c="22")
    card = _text(page.today.value)
    factor = 1 + (4.5 + 1.5 * 7.6 / 10) / 100
    slowed = format_pace_range(
        p["pace_low_s_per_km"] * factor, p["pace_high_s_per_km"] * factor, "km"
    )
    assert slowed in card and hr in card
    assert "Pace band slowed 5.6 %" in card and f"(planned {planned.replace('-', '–')}" in card
    assert "Hadley" in card
    _type(page)  # cleared: as planned again, no sentence
    assert planned in _text(page.today.value) and "slowed" not in page.today.value


def test_a_bad_value_is_named_and_the_card_stays_as_planned(page):
    before = page.today.value
    _type(page, temp_c="hot")
    assert "Temperature: 'hot' is not a number of °C" in html.unescape(
        page.conditions.problem.value
    )
    assert page.today.value == before and page.message.value == ""
    _type(page, temp_c="10", dew_point_c="20")
    assert "cannot be above" in html.unescape(page.conditions.problem.value)
    _type(page, dew_point_c="10")
    assert "needs the air temperature" in html.unescape(page.conditions.problem.value)
    _type(page)
    assert page.conditions.problem.value == ""
