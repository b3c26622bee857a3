"""The dashboard as widgets, without a browser: set values, read the cards and figures.

Real store on disk (the demo athlete with a plan); the same code Voila runs in each kernel.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import zipfile

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

from coachkit.app.coach import adaptations, todays_prescription  # noqa: E402
from coachkit.store import Store  # noqa: E402
from coachkit.viz import cards  # noqa: E402
from coachkit.viz.dashboard import Dashboard, app  # noqa: E402
from tests.dashboard_support import DEMO_DAY, demo_plan_store  # noqa: E402


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return demo_plan_store(tmp_path_factory, "widgets")


@pytest.fixture(scope="module")
def page(store_path):
    return Dashboard(Store(store_path), "demo", DEMO_DAY)


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def test_today_card_shows_the_prescription_with_targets_and_why(page, store_path):
    p = todays_prescription(Store(store_path), "demo", pd.Timestamp(DEMO_DAY))
    card = page.today.value
    assert 'class="ck-card ck-today' in card and f'data-kind="{p["kind"]}"' in card
    text = _text(card)
    assert p["explanation"] in text
    if p["kind"] != "rest":
        assert p["distance"] in text and p["pace"].split("/")[0] in text
        assert f"{p['hr_low']:.0f}–{p['hr_high']:.0f} bpm" in text
    assert page.message.value == ""


def test_week_lists_monday_to_sunday_with_status(page):
    week = page.week.value
    days = re.findall(r'data-date="(\d{4}-\d\d-\d\d)"', week)
    assert len(days) == 7 and pd.Timestamp(days[0]).day_of_week == 0
    assert DEMO_DAY in days and "ck-is-today" in week and "data-status=" in week


def test_pmc_convention_selector_redraws_with_other_numbers(page):
    def ctl():
        trace = next(t for t in page.figures["pmc"].data if t.name == "fitness (CTL)")
        return list(trace.y)

    before = ctl()
    page.convention.value = "1/N"
    after = ctl()
    assert "1/N" in page.figures["pmc"].layout.title.text
    assert len(after) == len(before) and after != before
    page.convention.value = "exp"
    assert ctl() == before


def test_hrv_figure_has_the_normal_band_and_trends_have_volume_and_intensity(page):
    names = [t.name for t in page.figures["hrv"].data]
    assert any(n and n.startswith("normal range") for n in names) and "7-day mean" in names
    assert {t.name for t in page.figures["intensity"].data} == {"easy", "moderate", "hard"}
    assert sum(sum(t.y) for t in page.figures["volume"].data) > 0


def test_risk_and_race_cards_carry_numbers_and_how_personal(page):
    assert re.search(r'class="ck-score">\d+<small>/100', page.risk.value)
    race = _text(page.race.value)
    assert "half marathon" in race and re.search(r"\d+ %", race)
    assert "80 % interval" in race


def test_exports_are_real_calendar_csv_and_fit_files(page):
    links = dict(re.findall(r'class="(ck-export-\w+)" download="[^"]+" href="data:[^;]+;base64,([^"]+)"', page.exports.value))  # fmt: skip
    assert set(links) == {"ck-export-ics", "ck-export-csv", "ck-export-fit"}
    from icalendar import Calendar

    cal = Calendar.from_ical(base64.b64decode(links["ck-export-ics"]))
    assert len(cal.walk("VEVENT")) > 10
    header = base64.b64decode(links["ck-export-csv"]).decode().splitlines()[0].split(",")
    assert {"date", "kind", "distance_m", "pace_low_s_per_km"} <= set(header)
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(links["ck-export-fit"]))) as zf:
        names = zf.namelist()
        assert names and all(zf.read(n)[8:12] == b".FIT" for n in names)


def test_feedback_rpe_9_feel_1_is_stored_and_the_sessions_ahead_change_in_place(tmp_path_factory):
    """Today's run is done once rated: the coach eases what comes next, and the card says so."""
    path = demo_plan_store(tmp_path_factory, "widgets-feedback")
    page = Dashboard(Store(path), "demo", DEMO_DAY)
    before = page.today.value
    page.form.rpe.value, page.form.feel.value = 9, 1
    page.form.note.value = "legs like lead"
    page.form.submit.click()
    fb = Store(path).feedback("demo")
    assert len(fb) == 1 and fb["rpe"].iloc[0] == 9 and fb["feel"].iloc[0] == 1
    assert fb["note"].iloc[0] == "legs like lead" and f"{fb['date'].iloc[0]:%Y-%m-%d}" == DEMO_DAY
    log = adaptations(Store(path), "demo")
    latest = log["explanation"].iloc[-1]
    changed_day = json.loads(log["change"].iloc[-1])["before"]["date"]
    assert changed_day > DEMO_DAY  # a session to come, never today's run, which is done
    assert page.today.value != before
    assert html.escape(latest) in page.today.value and 'class="ck-change"' in page.today.value
    assert html.escape(latest) in page.form.result.value
    assert html.escape(latest) in page.week.value  # the reason for the change, in the week
    assert page.form.rpe.value == "" and page.form.feel.value is None  # form cleared


def test_empty_form_logs_nothing(tmp_path_factory):
    path = demo_plan_store(tmp_path_factory, "widgets-empty")
    page = Dashboard(Store(path), "demo", DEMO_DAY)
    page.form.submit.click()
    assert "Nothing to log" in page.form.result.value and Store(path).feedback("demo").empty


@pytest.mark.parametrize("bad", ["../../etc/passwd", "nobody", "demo;drop table", ""])
def test_an_athlete_from_the_url_is_validated_and_errors_are_friendly(page, bad):
    shown = page.today.value
    page.apply_query(f"athlete={bad}")
    if bad:
        assert 'class="ck-error"' in page.message.value
        assert "Traceback" not in page.message.value and page.data.athlete_id == "demo"
    assert page.today.value == shown
    page.message.value = ""


def test_a_locked_dashboard_refuses_another_athlete(store_path):
    page = Dashboard(Store(store_path), "demo", DEMO_DAY, locked=True)
    page.apply_query("athlete=someone_else")
    assert "demo only" in page.message.value and page.athlete.options == ("demo",)


def test_a_day_outside_the_plan_says_so_and_the_url_can_pick_the_day(page):
    page.apply_query("date=2020-01-01")
    assert "is not in it" in _text(page.today.value)
    page.apply_query(f"date={DEMO_DAY}")
    assert "ck-error" not in page.today.value and page.data.day == pd.Timestamp(DEMO_DAY)
    page.apply_query("date=not-a-day")
    assert "is not a date" in page.message.value


def test_app_without_a_store_shows_a_friendly_message(tmp_path):
    widget = app(store=str(tmp_path / "missing"))
    assert 'class="ck-error"' in widget.value and "coachkit ingest" in widget.value


def test_the_header_says_when_each_source_last_brought_data(tmp_path_factory):
    path = demo_plan_store(tmp_path_factory, "widgets-sync")
    s = Store(path)
    before = Dashboard(s, "demo", DEMO_DAY).sync.value
    assert "import:" in before and "Strava" not in before
    with s.transaction() as conn:
        conn.execute(
            "INSERT INTO sync_state (athlete_id, source, last_success_at, last_attempt_at, status)"
            " VALUES ('demo', 'strava', '2021-03-17T06:00:00Z', '2021-03-17T06:00:00Z', 'ok')"
        )
    after = Dashboard(s, "demo", DEMO_DAY).sync.value
    assert "Strava: synced" in after and "2021-03-17 06:00" in after


def test_cards_escape_what_users_typed_and_name_risk_factors():
    p = {"date": DEMO_DAY, "kind": "easy", "distance_m": 5000.0, "duration_s": None,
         "pace_low_s_per_km": 330.0, "pace_high_s_per_km": 360.0, "units": "mi",
         "explanation": "<script>alert(1)</script>", "status": "planned", "version": 1}  # fmt: skip
    card = cards.today_card(p)
    assert "<script>" not in card and "&lt;script&gt;" in card and "/mi" in card
    risk = cards.risk_card({"score": 39.0, "level": "moderate", "explanation": "x", "changes": ["cap the long run at 12.0 km"],
                            "factors": [{"code": "long_run_spike", "text": "a 25 % spike", "relative_risk": 1.64, "source": "RUNSAFE"}]})  # fmt: skip
    assert 'data-code="long_run_spike"' in risk and "The coach will cap the long run" in risk
