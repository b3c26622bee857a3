"""The dashboard's sections as widgets, and how each is drawn from a :class:`DashboardData`.

:class:`DashboardPanels` is the page without behaviour: the header, today's card and the
feedback form, the week, the trends with their smoothing selector, risk and race predictions,
and the plan with its exports. Every section is an ipywidget with a stable ``ck-*`` class
(the stylesheet and the browser tests find it by that). Which athlete and day it shows, and
what happens on a click, is :class:`coachkit.viz.dashboard_page.Dashboard`'s.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from coachkit.viz import cards
from coachkit.viz.checkin import CheckinPanel
from coachkit.viz.conditions import ConditionsInputs
from coachkit.viz.dashboard_data import CONVENTIONS, DashboardData
from coachkit.viz.feedback import FeedbackForm
from coachkit.viz.plan_edit import PlanEditForm
from coachkit.viz.style import stylesheet

FIG_HEIGHT = 330
ROUTE_HEIGHT, PROFILE_HEIGHT = 420, 620
CONVENTION_LABELS = {
    "exp": "1−e^(−1/N)",
    "1/N": "1/N (TrainingPeaks)",
    "2/(N+1)": "2/(N+1) (Runalyze)",
}
BRAND = '<span class="ck-brand">coachkit<small>your plan, explained</small></span>'
FOOTER = '<div class="ck-footer">coachkit · every number explained · runs offline</div>'


def html_widget(cls: str, value: str = "") -> w.HTML:
    """An HTML widget carrying the ``ck-*`` class ``cls``."""
    out = w.HTML(value)
    out.add_class(cls)
    return out


def _box(children: list[w.Widget], *classes: str, vertical: bool = True) -> w.Box:
    box = (w.VBox if vertical else w.Box)(children)
    for c in classes:
        box.add_class(c)
    return box


class DashboardPanels(w.VBox):
    """Every section of the page, empty until drawn from :attr:`data`.

    Parameters
    ----------
    on_submit
        Called with the feedback form's values when the viewer submits it.
    """

    def __init__(
        self,
        on_submit: Callable[[dict[str, Any]], None],
        on_edit: Callable[[dict[str, Any]], None] | None = None,
        on_checkin: Callable[[str], None] | None = None,
    ) -> None:
        self.data: DashboardData | None = None
        self.message = html_widget("ck-message")
        self.brand = html_widget("ck-brand", BRAND)
        self.athlete = w.Dropdown(description="Athlete", options=[], layout=w.Layout(width="auto"))
        self.athlete.add_class("ck-athlete")
        self.day = w.DatePicker(description="Day", layout=w.Layout(width="auto"))
        self.day.add_class("ck-day")
        self.sync = html_widget("ck-sync-wrap")
        self.units = w.ToggleButtons(
            options=[("km", "km"), ("mi", "mi")],
            value="km",
            tooltips=["kilometres, paces per km", "miles, paces per mile"],
            style={"button_width": "44px"},
        )
        self.units.add_class("ck-units")
        self.today = html_widget("ck-today-wrap")
        self.checkin = CheckinPanel(on_answer=on_checkin)
        self.conditions = ConditionsInputs()  # heat, humidity, altitude: today's paces move
        self.form = FeedbackForm(on_submit=on_submit)
        self.week = html_widget("ck-week-wrap")
        self.convention = w.ToggleButtons(
            options=[(CONVENTION_LABELS[c], c) for c in CONVENTIONS],
            value="exp",
            description="Smoothing",
            style={"button_width": "auto"},
        )
        self.convention.add_class("ck-convention")
        self.figures: dict[str, Any] = {}
        self.fig_boxes = {
            name: _box([], "ck-figure", f"ck-fig-{name}")
            for name in (
                "pmc",
                "hrv",
                "volume",
                "intensity",
                "zones",
                "meanmax",
                "race",
                "profile",
                "route",
            )
        }
        self.risk = html_widget("ck-risk-wrap")
        self.race = html_widget("ck-race-wrap")
        self.calendar = html_widget("ck-calendar-wrap")
        self.exports = html_widget("ck-export-wrap")
        self.plan_edit = PlanEditForm(on_edit=on_edit)
        self.run_pick = w.Dropdown(description="Run", options=[], layout=w.Layout(width="auto"))
        self.run_pick.add_class("ck-run-pick")
        self._listing_runs = False
        # tiles come from openstreetmap.org: the viewer's browser asks for them (and so tells
        # that server where the run was) only when the viewer ticks this
        self.tiles = w.Checkbox(
            value=False,
            description="Map tiles from OpenStreetMap (your browser fetches them)",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.tiles.add_class("ck-map-tiles")
        self.run = html_widget("ck-run-wrap")
        run_panel = _box(
            [
                html_widget("ck-section-title", "<h2>One run</h2>"),
                _box([self.run_pick, self.tiles], "ck-run-controls", vertical=False),
                _box([self.run, self.fig_boxes["route"]], "ck-grid", "ck-grid-even"),
                _box([self.fig_boxes["profile"]], "ck-grid", "ck-grid-one"),
            ],
            "ck-panel",
            "ck-run-panel",
        )
        header = _box(
            [self.brand, self.athlete, self.day, self.units, self.sync], "ck-header", vertical=False
        )
        trends = _box(
            [
                html_widget("ck-section-title", "<h2>Trends</h2>"),
                self.convention,
                _box([self.fig_boxes["pmc"]], "ck-grid", "ck-grid-one"),
                _box([self.fig_boxes["hrv"], self.fig_boxes["volume"]], "ck-grid", "ck-grid-even"),
                _box([self.fig_boxes["intensity"]], "ck-grid", "ck-grid-one"),
                _box(
                    [self.fig_boxes["zones"], self.fig_boxes["meanmax"]], "ck-grid", "ck-grid-even"
                ),
            ],
            "ck-panel",
            "ck-trends",
        )
        self.body = _box(
            [
                self.checkin,
                _box([_box([self.today, self.conditions]), self.form], "ck-grid", vertical=False),
                self.week,
                run_panel,
                trends,
                _box(
                    [self.risk, _box([self.race, self.fig_boxes["race"]], "ck-panel")],
                    "ck-grid",
                    "ck-grid-even",
                    vertical=False,
                ),
                _box([self.calendar, self.exports], "ck-panel", "ck-plan"),
                self.plan_edit,
            ],
            "ck-body",
        )
        footer = html_widget("ck-footer", FOOTER)
        super().__init__(
            [html_widget("ck-style", stylesheet()), header, self.message, self.body, footer]
        )
        self.add_class("ck-app")

    # -- the plan side ---------------------------------------------------------------------------
    def draw_today(self) -> None:
        """Today's card, its paces in the conditions typed in by it (``ck-conditions``)."""
        d = self.data
        if not d.has_plan or d.today is None:
            self.today.value = (
                f'<div class="ck-card ck-today ck-kind-rest" data-kind="none">'
                f"<h2>Today's workout</h2>{cards.error_card(d.plan_message)}</div>"
            )
        else:
            self.today.value = cards.today_card(
                self.conditions.apply(d.today, d.units),
                changes=d.changes_on(d.day) + d.changes_ahead(d.day),
                tomorrow=d.tomorrow,
            )

    def draw_plan(self) -> None:
        """Today's card, the week and the calendar from the current plan."""
        d = self.data
        self.draw_today()
        self.checkin.show_question(d.checkin)
        self.form.title.value = f"<h2>How did {d.day:%A} go?</h2>"
        self.form.show_notes(d.store.feedback(d.athlete_id), d.day)
        self.plan_edit.layout.display = "" if d.has_plan else "none"
        if not d.has_plan:
            self.week.value = self.calendar.value = self.exports.value = ""
            return
        if self.plan_edit.day.value is None:
            self.plan_edit.day.value = self.plan_edit.other.value = d.day.date()
        self.week.value = cards.week_card(d.plan, d.done, d.reasons, d.day, units=d.units)
        self.calendar.value = cards.goal_line(d.meta) + cards.calendar_card(
            d.plan, d.day, units=d.units, phases=d.meta.get("phases", [])
        )
        self.exports.value = self._exports()

    def _exports(self) -> str:
        from coachkit.app.coach import stored_plan
        from coachkit.coach import export

        plan = stored_plan(self.data.store, self.data.athlete_id)
        stem = f"coachkit-{self.data.athlete_id}"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for day, data in export.to_fit_workouts(plan).items():
                zf.writestr(f"{day:%Y-%m-%d}.fit", data)
        links = [
            cards.download_link(
                "Calendar (.ics)",
                f"{stem}.ics",
                export.to_ics(plan),
                "text/calendar",
                "ck-export-ics",
            ),
            cards.download_link(
                "Spreadsheet (.csv)",
                f"{stem}.csv",
                export.to_csv(plan).encode(),
                "text/csv",
                "ck-export-csv",
            ),
            cards.download_link(
                "Watch workouts (.fit, zip)",
                f"{stem}-fit.zip",
                buf.getvalue(),
                "application/zip",
                "ck-export-fit",
            ),
        ]
        return f'<div class="ck-export">{"".join(links)}</div>'

    # -- the analysis side -----------------------------------------------------------------------
    def _figure(self, name: str, fig: Any, height: int = FIG_HEIGHT) -> None:
        """Show ``fig`` in its box, replacing what was there.

        Figures go out as plotly's JSON mime bundle, drawn by plotly's JupyterLab renderer
        (served by Voila, fetched once and cached). A ``FigureWidget`` would ship its own
        5 MB copy of plotly.js through the websocket for every figure: with five of them the
        first card took 13-33 s to appear instead of a few seconds (measured on this machine).
        """
        import json

        from IPython.display import display

        fig.update_layout(height=height, autosize=True)
        if height == FIG_HEIGHT:
            fig.update_layout(margin=dict(t=46, l=44, r=16, b=30))
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
        """The PMC in the smoothing convention the selector shows."""
        from coachkit.viz.trends import pmc_figure

        label = CONVENTION_LABELS[self.convention.value]
        self._figure(
            "pmc",
            pmc_figure(
                self.data.pmc(self.convention.value),
                title=f"Fitness, fatigue and form (α = {label})",
            ),
        )

    def draw_analysis(self) -> None:
        """Trends, risk and race predictions from the analysis tables."""
        from coachkit.viz.figures import weekly_volume_figure
        from coachkit.viz.models import race_predictions_figure
        from coachkit.viz.peers import add_peer_band
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
        peers = self.data.peers()
        volume = weekly_volume_figure(a["activities"])
        self._figure("volume", add_peer_band(volume, peers.weeks, peers.peers.band, peers.peers.n))
        table = a["table"]
        self._figure(
            "intensity", weekly_intensity_figure(table[["date", "easy", "moderate", "hard"]])
        )
        self.draw_zones()
        self.draw_run_list()
        self.risk.value = cards.risk_card(a["risk"])
        race = a["race"].dropna(subset=["seconds"])
        self.race.value = cards.race_card(race)
        if len(race):
            self._figure("race", race_predictions_figure(race))

    # -- one run -------------------------------------------------------------------------------
    def draw_run_list(self) -> None:
        """The runs of the six weeks up to the shown day, newest first, in the run picker; the
        newest is shown."""
        options = self.data.run_options()
        self._listing_runs = True  # the picker's observer stays quiet while it is refilled
        try:
            self.run_pick.options = options
            if options:
                self.run_pick.value = options[0][1]
        finally:
            self._listing_runs = False
        if options:
            self.draw_run()
        else:
            self.run.value = (
                '<div class="ck-card ck-run"><h2>One run in full</h2>'
                "<div>No runs in the six weeks up to this day.</div></div>"
            )

    def draw_run(self) -> None:
        """The picked run: its card, its route and its profile, in the page's units."""
        from coachkit.viz.activity import activity_profile_figure
        from coachkit.viz.run_card import run_card

        activity_id = self.run_pick.value
        if not activity_id or self.data is None:
            return
        view, samples = self.data.run_view(activity_id)
        self.run.value = run_card(view)
        sport = view["summary"]["sport"] or "run"
        self.draw_route(samples)
        self._figure(
            "profile",
            activity_profile_figure(samples, units=view["units"], sport=sport, title="Profile"),
            height=PROFILE_HEIGHT,
        )

    def draw_route(self, samples: Any = None) -> None:
        """The picked run's route: on plain axes, or on map tiles when the viewer asks."""
        from coachkit.viz.activity import route_figure

        if samples is None:
            if not self.run_pick.value or self.data is None:
                return
            samples = self.data.run_samples(self.run_pick.value)
        fig = route_figure(samples, title="Route", tiles=self.tiles.value)
        self._figure("route", fig, height=ROUTE_HEIGHT)

    def draw_zones(self) -> None:
        """Weekly time in HR zones, and the mean-max curve: power when the runner has it, else
        pace (last six weeks against all runs), in the page's units."""
        from coachkit.viz.zones import mean_max_figure, weekly_zone_figure

        weekly, curve, value = self.data.zone_figures()
        self._figure("zones", weekly_zone_figure(weekly))
        self._figure("meanmax", mean_max_figure(curve, value=value, units=self.data.units))
