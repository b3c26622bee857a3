"""The Voila dashboard (docs/design.md §8): today's workout and why, the week, trends, risk, race
predictions, the plan with exports, and a feedback form that re-plans on the spot.

``notebooks/dashboard.ipynb`` makes one call, :func:`app`. Every section is an ipywidget with a
stable ``ck-*`` class; figures are plotly ``FigureWidget``s built by ``coachkit.viz`` figure
functions. Errors a viewer can meet become a friendly ``ck-error`` message, never a traceback
(the traceback goes to the kernel's log).

Options come from :func:`app`'s arguments, else the environment ``coachkit dashboard`` sets
(``COACHKIT_STORE``, ``COACHKIT_DASHBOARD_ATHLETE``, ``COACHKIT_DASHBOARD_DATE``), else the
page's URL (``?athlete=ID&date=YYYY-MM-DD``). The athlete id is validated and only compared
with the store's ids, never used as a path.
"""

from __future__ import annotations

import io
import os
import sys
import traceback
import zipfile
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as w
import pandas as pd

from coachkit.store import Store, StoreError
from coachkit.viz import cards
from coachkit.viz.dashboard_data import CONVENTIONS, DashboardData, last_synced, resolve_athlete
from coachkit.viz.feedback import FeedbackForm
from coachkit.viz.style import stylesheet

ENV_ATHLETE, ENV_DATE = "COACHKIT_DASHBOARD_ATHLETE", "COACHKIT_DASHBOARD_DATE"
FIG_HEIGHT = 330
CONVENTION_LABELS = {"exp": "1−e^(−1/N)", "1/N": "1/N (TrainingPeaks)", "2/(N+1)": "2/(N+1) (Runalyze)"}  # fmt: skip


def _html(cls: str, value: str = "") -> w.HTML:
    out = w.HTML(value)
    out.add_class(cls)
    return out


def _box(children: list[w.Widget], *classes: str, vertical: bool = True) -> w.Box:
    box = (w.VBox if vertical else w.Box)(children)
    for c in classes:
        box.add_class(c)
    return box


def parse_day(value: Any) -> pd.Timestamp:
    """A day from ``YYYY-MM-DD`` (or a date); a clear ``ValueError`` otherwise."""
    try:
        day = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD") from exc
    if pd.isna(day):
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD")
    return day.tz_localize(None).normalize() if day.tzinfo else day.normalize()


class Dashboard(w.VBox):
    """The whole page for one store; switch athlete or day in place.

    Parameters
    ----------
    store
        An open :class:`~coachkit.store.Store`.
    athlete
        Show this athlete (validated); ``None`` shows the store's first and offers a picker.
    day
        The day the page treats as today (default: the real today).
    locked
        Only ``athlete`` may be shown (no picker, and the URL cannot ask for another).
    """

    def __init__(
        self, store: Store, athlete: str | None = None, day: Any = None, *, locked: bool = False
    ) -> None:
        self.store, self.locked = store, locked
        self.data: DashboardData | None = None
        self.message = _html("ck-message")
        self.brand = _html("ck-brand", '<span class="ck-brand">coachkit<small>your plan, explained</small></span>')  # fmt: skip
        self.athlete = w.Dropdown(description="Athlete", options=[], layout=w.Layout(width="auto"))
        self.athlete.add_class("ck-athlete")
        self.day = w.DatePicker(description="Day", layout=w.Layout(width="auto"))
        self.day.add_class("ck-day")
        self.sync = _html("ck-sync-wrap")
        self.today = _html("ck-today-wrap")
        self.form = FeedbackForm(on_submit=self.submit)
        self.week = _html("ck-week-wrap")
        self.convention = w.ToggleButtons(
            options=[(CONVENTION_LABELS[c], c) for c in CONVENTIONS], value="exp",
            description="Smoothing", style={"button_width": "auto"},
        )  # fmt: skip
        self.convention.add_class("ck-convention")
        self.figures: dict[str, Any] = {}
        self.fig_boxes = {name: _box([], "ck-figure", f"ck-fig-{name}") for name in
                          ("pmc", "hrv", "volume", "intensity", "race")}  # fmt: skip
        self.risk = _html("ck-risk-wrap")
        self.race = _html("ck-race-wrap")
        self.calendar = _html("ck-calendar-wrap")
        self.exports = _html("ck-export-wrap")
        header = _box([self.brand, self.athlete, self.day, self.sync], "ck-header", vertical=False)
        trends = _box(
            [_html("ck-section-title", "<h2>Trends</h2>"), self.convention,
             _box([self.fig_boxes["pmc"]], "ck-grid", "ck-grid-one"),
             _box([self.fig_boxes["hrv"], self.fig_boxes["volume"]], "ck-grid", "ck-grid-even"),
             _box([self.fig_boxes["intensity"]], "ck-grid", "ck-grid-one")],
            "ck-panel", "ck-trends",
        )  # fmt: skip
        self.body = _box(
            [
                _box([self.today, self.form], "ck-grid", vertical=False),
                self.week,
                trends,
                _box(
                    [self.risk, _box([self.race, self.fig_boxes["race"]], "ck-panel")],
                    "ck-grid",
                    "ck-grid-even",
                    vertical=False,
                ),  # fmt: skip
                _box([self.calendar, self.exports], "ck-panel", "ck-plan"),
            ],
            "ck-body",
        )
        footer = _html("ck-footer", '<div class="ck-footer">coachkit · every number explained · runs offline</div>')  # fmt: skip
        super().__init__([_html("ck-style", stylesheet()), header, self.message, self.body, footer])
        self.add_class("ck-app")
        self.convention.observe(lambda _c: self._guard("redrawing the PMC", self.draw_pmc), names="value")  # fmt: skip
        self._busy = False
        self._guard("opening the store", lambda: self._start(athlete, day))
        self.athlete.observe(self._on_athlete, names="value")
        self.day.observe(self._on_day, names="value")

    # -- errors ----------------------------------------------------------------------------
    def _guard(self, doing: str, fn: Callable[[], Any]) -> bool:
        """Run ``fn``; a problem becomes a friendly message instead of a traceback."""
        try:
            fn()
            return True
        except (StoreError, ValueError) as exc:
            self.show_error(f"{str(exc)[:1].upper()}{str(exc)[1:]}.".replace("..", "."))
        except Exception:  # noqa: BLE001 - the page must stay usable; details go to the log
            traceback.print_exc(file=sys.__stderr__)
            self.show_error(
                f"Something went wrong while {doing}.",
                hint="Your data is safe. Reload the page; if it happens again, run "
                "`coachkit doctor` and look at the dashboard's log.",
            )
        return False

    def show_error(self, text: str, hint: str = "") -> None:
        self.message.value = cards.error_card(text, hint=hint)

    # -- choosing what to show -----------------------------------------------------------------
    def _start(self, athlete: str | None, day: Any) -> None:
        chosen = resolve_athlete(self.store, athlete)
        known = [a["athlete_id"] for a in self.store.athletes()]
        self.athlete.options = [chosen] if self.locked else known
        self.athlete.value = chosen
        self.athlete.disabled = self.locked
        when = parse_day(day) if day is not None else pd.Timestamp.now().normalize()
        self.day.value = when.date()
        self.load(chosen, when)

    def apply_query(self, query: str | None) -> None:
        """Show what the page's URL asks for (``athlete``, ``date``), validated."""
        params = {k: v[-1] for k, v in parse_qs(query or "").items() if v}
        athlete, day = params.get("athlete"), params.get("date")

        if self.data is None and not athlete:
            return  # the start-up message (e.g. an unknown athlete) stays on the page

        def run() -> None:
            who = self.data.athlete_id if self.data else None
            if athlete and athlete != who:
                if self.locked:
                    raise StoreError(f"this dashboard shows {who} only")
                who = resolve_athlete(self.store, athlete)
            when = parse_day(day) if day else (self.data.day if self.data else None)
            self._set_controls(who, when)
            self.load(who, when)

        self._guard("reading the page's address", run)

    def _set_controls(self, athlete: str, day: pd.Timestamp) -> None:
        self._busy = True
        try:
            if athlete not in self.athlete.options:
                self.athlete.options = [*self.athlete.options, athlete]
            self.athlete.value = athlete
            self.day.value = day.date()
        finally:
            self._busy = False

    def _on_athlete(self, change: dict) -> None:
        if not self._busy and change["new"]:
            self._guard("switching athlete", lambda: self.load(change["new"], self.data.day))

    def _on_day(self, change: dict) -> None:
        if not self._busy and change["new"] and self.data:
            self._guard("changing the day", lambda: self.load(self.data.athlete_id, parse_day(change["new"])))  # fmt: skip

    def load(self, athlete: str, day: pd.Timestamp) -> None:
        """Show ``athlete`` on ``day``: the plan side first (fast), then the analysis."""
        self.message.value = ""
        same = self.data is not None and (self.data.athlete_id, self.data.day) == (athlete, day)
        if not same:
            self.data = DashboardData(self.store, resolve_athlete(self.store, athlete), day)
        self.data.refresh_plan()
        self.draw_plan()
        self.sync.value = cards.sync_line(last_synced(self.store, self.data.athlete_id))
        if self.data.refresh_analysis():
            self.draw_analysis()

    # -- drawing ---------------------------------------------------------------------------------
    def draw_plan(self) -> None:
        """Today's card, the week and the calendar from the current plan."""
        d = self.data
        if not d.has_plan or d.today is None:
            self.today.value = (
                f'<div class="ck-card ck-today ck-kind-rest" data-kind="none">'
                f"<h2>Today's workout</h2>{cards.error_card(d.plan_message)}</div>"
            )
        else:
            self.today.value = cards.today_card(
                d.today, changes=d.changes_on(d.day), tomorrow=d.tomorrow
            )
        self.form.title.value = f"<h2>How did {d.day:%A} go?</h2>"
        if not d.has_plan:
            self.week.value = self.calendar.value = self.exports.value = ""
            return
        self.week.value = cards.week_card(d.plan, d.done, d.reasons, d.day, units=d.units)
        self.calendar.value = cards.calendar_card(
            d.plan, d.day, units=d.units, phases=d.meta.get("phases", [])
        )
        self.exports.value = self._exports()

    def _exports(self) -> str:
        from coachkit.app.coach import stored_plan
        from coachkit.coach import export

        plan = stored_plan(self.store, self.data.athlete_id)
        stem = f"coachkit-{self.data.athlete_id}"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for day, data in export.to_fit_workouts(plan).items():
                zf.writestr(f"{day:%Y-%m-%d}.fit", data)
        links = [
            cards.download_link("Calendar (.ics)", f"{stem}.ics", export.to_ics(plan), "text/calendar", "ck-export-ics"),
            cards.download_link("Spreadsheet (.csv)", f"{stem}.csv", export.to_csv(plan).encode(), "text/csv", "ck-export-csv"),
            cards.download_link("Watch workouts (.fit, zip)", f"{stem}-fit.zip", buf.getvalue(), "application/zip", "ck-export-fit"),
        ]  # fmt: skip
        return f'<div class="ck-export">{"".join(links)}</div>'

    def _figure(self, name: str, fig: Any) -> None:
        """Show ``fig`` in its box, replacing what was there.

        Figures go out as plotly's JSON mime bundle, drawn by plotly's JupyterLab renderer
        (served by Voila, fetched once and cached). A ``FigureWidget`` would ship its own
        5 MB copy of plotly.js through the websocket for every figure: with five of them the
        first card took 13-33 s to appear instead of a few seconds (measured on this machine).
        """
        import json

        from IPython.display import display

        fig.update_layout(height=FIG_HEIGHT, autosize=True, margin=dict(t=46, l=44, r=16, b=30))
        spec = json.loads(fig.to_json(validate=False))
        spec["config"] = {"displaylogo": False, "responsive": True}
        self.figures[name] = fig
        box = self.fig_boxes[name]
        if not box.children:
            box.children = [w.Output(layout=w.Layout(width="100%"))]
        out = box.children[0]
        out.clear_output(wait=True)
        with out:
            display(
                {"application/vnd.plotly.v1+json": spec, "text/plain": name},
                raw=True,
            )

    def draw_pmc(self) -> None:
        from coachkit.viz.trends import pmc_figure

        label = CONVENTION_LABELS[self.convention.value]
        self._figure("pmc", pmc_figure(self.data.pmc(self.convention.value),
                                       title=f"Fitness, fatigue and form (α = {label})"))  # fmt: skip

    def draw_analysis(self) -> None:
        """Trends, risk and race predictions from the analysis tables."""
        from coachkit.viz.figures import weekly_volume_figure
        from coachkit.viz.models import race_predictions_figure
        from coachkit.viz.trends import hrv_figure, weekly_intensity_figure

        a = self.data.analysis
        self.draw_pmc()
        daily = a["daily"]
        hrv_cols = ["date", "ln_rmssd", "ln_rmssd_7d", "swc_low", "swc_high", "hrv_status"]
        hrv = daily[[c for c in hrv_cols if c in daily]].rename(columns={"hrv_status": "status"})
        for col in hrv_cols[1:5]:
            if col not in hrv:
                hrv[col] = float("nan")
        self._figure("hrv", hrv_figure(hrv))
        self._figure("volume", weekly_volume_figure(a["activities"]))
        table = a["table"]
        self._figure("intensity", weekly_intensity_figure(table[["date", "easy", "moderate", "hard"]]))  # fmt: skip
        self.risk.value = cards.risk_card(a["risk"])
        race = a["race"].dropna(subset=["seconds"])
        self.race.value = cards.race_card(race)
        if len(race):
            self._figure("race", race_predictions_figure(race))

    # -- feedback --------------------------------------------------------------------------------
    def submit(self, values: dict[str, Any]) -> None:
        """Persist the form's feedback for the shown day, re-adapt, and update the page in place."""
        from coachkit.app.feedback import log_feedback

        d = self.data
        if d is None:
            return
        before = d.today
        outcome: dict[str, Any] = {}

        def run() -> None:
            outcome["id"], outcome["changes"] = log_feedback(self.store, d.athlete_id, d.day, **values)  # fmt: skip
            d.refresh_plan()
            self.draw_plan()

        if not self._guard("saving your feedback", run):
            self.form.result.value = cards.error_card("Not saved: see the message at the top.")
            return
        changes = [a.explanation for a in outcome["changes"]]
        moved = d.today is not None and before is not None and d.today != before
        head = f"Logged for {d.day:%A %-d %B}."
        body = "".join(f"<li>{escape(c)}</li>" for c in changes)
        self.form.result.value = (
            f'<div class="ck-ok" data-feedback-id="{outcome["id"]}" data-changed="{int(moved)}">'
            f"<b>{head}</b> "
            + (f"The plan changed:<ul>{body}</ul>" if changes else "The plan stays as it is.")
            + "</div>"
        )
        self.form.reset()
        # the risk score reads feedback too (RPE above plan, niggles): refresh it after the card
        self._guard("updating the analysis", lambda: d.refresh_analysis() and self.draw_analysis())


def _query_string() -> str:
    """The page's query string; with pre-heated Voila kernels, waits for the viewer's request."""
    if os.environ.get("VOILA_PREHEAT", "False") != "False":
        from voila.utils import get_query_string

        return get_query_string() or ""
    return os.environ.get("QUERY_STRING", "")


def app(athlete: str | None = None, store: str | None = None, day: Any = None) -> w.Widget:
    """Build and display the dashboard; the one call of ``notebooks/dashboard.ipynb``.

    Parameters
    ----------
    athlete
        Show only this athlete (default: ``$COACHKIT_DASHBOARD_ATHLETE``, else a picker).
    store
        Store directory (default: ``$COACHKIT_STORE``, else ``./data/store``).
    day
        The day shown as today, YYYY-MM-DD (default: ``$COACHKIT_DASHBOARD_DATE``, else the
        URL's ``?date=``, else the real today).

    Returns
    -------
    ipywidgets.Widget
        The page (already displayed in a notebook or under Voila).
    """
    import time

    from IPython.display import display

    started = time.perf_counter()
    athlete = athlete or os.environ.get(ENV_ATHLETE) or None
    day = day or os.environ.get(ENV_DATE) or None
    try:
        page: w.Widget = Dashboard(Store(store, create=False), athlete, day, locked=bool(athlete))
    except StoreError as exc:
        page = _html("ck-app", stylesheet() + cards.error_card(str(exc)))
    except Exception:  # noqa: BLE001
        traceback.print_exc(file=sys.__stderr__)
        page = _html("ck-app", stylesheet() + cards.error_card("The dashboard could not start.", hint="Run `coachkit doctor` to check the store and the environment."))  # fmt: skip
    built = time.perf_counter()
    query = _query_string()  # pre-heated kernels wait here for the viewer (work above is done)
    asked = time.perf_counter()
    if isinstance(page, Dashboard):
        page.apply_query(query)
    display(page)
    print(  # to the server's log (the kernel process's stderr), never into the page
        f"coachkit dashboard: built in {built - started:.1f} s, "
        f"shown {time.perf_counter() - asked:.2f} s after the request",
        file=sys.__stderr__,
        flush=True,
    )
    return page
