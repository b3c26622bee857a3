"""The dashboard's behaviour: which athlete and day it shows, and what a viewer's action does.

:class:`Dashboard` is :class:`~coachkit.viz.dashboard_panels.DashboardPanels` brought to life:
the athlete and day pickers and the page's URL choose what is shown (the athlete id is
validated and only compared with the store's ids, never used as a path), the feedback form
saves and re-plans on the spot, and every error a viewer can meet becomes a friendly
``ck-error`` message, never a traceback (the traceback goes to the kernel's log).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import parse_qs

import pandas as pd

from coachkit.core.localtime import as_day
from coachkit.core.units import in_units
from coachkit.store import Store, StoreError
from coachkit.viz import cards
from coachkit.viz.dashboard_data import DashboardData, last_synced, resolve_athlete
from coachkit.viz.dashboard_panels import DashboardPanels


def after_showing(fn: Callable[[], Any]) -> None:
    """Run ``fn`` once the kernel has sent what the running cell displays (the next turn of its
    event loop); at once where no event loop runs (a plain script or a test)."""
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        fn()
        return
    loop.call_soon(fn)


def page_day(value: Any) -> pd.Timestamp:
    """The day the page's address or date picker gives (``YYYY-MM-DD`` or a date), as a naive
    midnight (``core.localtime.as_day``); a ``ValueError`` the page shows otherwise (the CLI
    exits instead: ``cli._common.parse_day``)."""
    try:
        day = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD") from exc
    if pd.isna(day):
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD")
    return as_day(day)


class Dashboard(DashboardPanels):
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
        super().__init__(on_submit=self.submit, on_edit=self.edit, on_checkin=self.answer)
        self.convention.observe(
            lambda _c: self._guard("redrawing the PMC", self.draw_pmc), names="value"
        )
        self._busy = False
        self._units_choice: str | None = None  # km or mi once the viewer picks one
        self._guard("opening the store", lambda: self._start(athlete, day))
        self.athlete.observe(self._on_athlete, names="value")
        self.day.observe(self._on_day, names="value")
        self.run_pick.observe(self._on_run, names="value")
        self.units.observe(self._on_units, names="value")
        self.conditions.on_commit(self._on_conditions)
        self.tiles.observe(
            lambda _c: self._guard("drawing the route", self.draw_route), names="value"
        )

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
        when = page_day(day) if day is not None else pd.Timestamp.now().normalize()
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
            when = page_day(day) if day else (self.data.day if self.data else None)
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
            self._guard(
                "changing the day",
                lambda: self.load(self.data.athlete_id, page_day(change["new"])),
            )

    def _on_units(self, change: dict) -> None:
        if self._busy or not change["new"] or self.data is None:
            return

        def redraw() -> None:
            self.data.units_choice = self._units_choice = change["new"]
            self.data.refresh_plan()
            self.draw_plan()
            if self.data.analysis:
                self.draw_run_list()
                self.draw_zones()

        self._guard("changing units", redraw)

    def _on_conditions(self) -> None:
        if self.data is not None:
            self._guard("adjusting for the conditions", self.draw_today)

    def _on_run(self, change: dict) -> None:
        if not self._listing_runs and change["new"] and self.data:
            self._guard("showing the run", self.draw_run)

    def load(self, athlete: str, day: pd.Timestamp) -> None:
        """Show ``athlete`` on ``day``: the plan side first (fast), then the analysis."""
        self.message.value = ""
        same = self.data is not None and (self.data.athlete_id, self.data.day) == (athlete, day)
        if not same:
            self.checkin.clear()
            self.data = DashboardData(
                self.store,
                resolve_athlete(self.store, athlete),
                day,
                units_choice=self._units_choice,
            )
        self.data.refresh_plan()
        self._busy = True
        try:
            self.units.value = self.data.units
        finally:
            self._busy = False
        self.draw_plan()
        self.sync.value = cards.sync_line(last_synced(self.store, self.data.athlete_id))
        if same and self.data.analysis:
            # the same page, its data changed since it was drawn (a pre-heated kernel built it
            # before another viewer logged feedback): today's card goes out first, the panels
            # follow once it is shown (issue 18)
            after_showing(lambda: self._guard("updating the analysis", self._refresh_analysis))
        else:
            self._refresh_analysis()

    def _refresh_analysis(self) -> None:
        if self.data is not None and self.data.refresh_analysis():
            self.draw_analysis()

    # -- plan edits ------------------------------------------------------------------------------
    def edit(self, request: dict[str, Any]) -> None:
        """Move, swap, skip or replace a day (:func:`coachkit.app.plan_edits.edit_plan`), with
        the page's day as today; a refusal shows its reason and the nearest valid day."""
        from coachkit.app.plan_edits import edit_plan

        d = self.data
        if d is None:
            return
        outcome: dict[str, Any] = {}

        def run() -> None:
            outcome["result"] = edit_plan(self.store, d.athlete_id, today=d.day, **request)
            if outcome["result"].ok:
                d.refresh_plan()
                self.draw_plan()

        if not self._guard("changing the plan", run):
            self.plan_edit.show("Not changed: see the message at the top.", ok=False)
            return
        result = outcome["result"]
        self.plan_edit.show(in_units(result.sentence, d.units), ok=result.ok)

    # -- the check-in -----------------------------------------------------------------------------
    def answer(self, answer: str) -> None:
        """Log the check-in ``answer`` for the shown day (:func:`coachkit.app.checkin.answer_checkin`,
        as ``coachkit log --checkin``), redraw the card and the week, show the coach's reaction."""
        from coachkit.app.checkin import answer_checkin

        d = self.data
        if d is None:
            return
        outcome: dict[str, Any] = {}

        def run() -> None:
            _, outcome["changes"] = answer_checkin(self.store, d.athlete_id, d.day, answer)
            d.refresh_plan()
            self.draw_plan()

        if self._guard("saving your answer", run):
            said = [in_units(a.explanation, d.units) for a in outcome["changes"]]
            self.checkin.show_reaction(answer, said)

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
            outcome["id"], outcome["changes"] = log_feedback(
                self.store, d.athlete_id, d.day, **values
            )
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
