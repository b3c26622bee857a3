"""The Voila dashboard (docs/design.md §8): today's workout and why, the week, trends, risk, race
predictions, the plan with exports, and a feedback form that re-plans on the spot.

``notebooks/dashboard.ipynb`` makes one call, :func:`app`, which builds a
:class:`~coachkit.viz.dashboard_page.Dashboard` (the page's behaviour) over
:class:`~coachkit.viz.dashboard_panels.DashboardPanels` (its sections), fed by
:class:`~coachkit.viz.dashboard_data.DashboardData` (what it shows).

Options come from :func:`app`'s arguments, else the environment ``coachkit dashboard`` sets
(``COACHKIT_STORE``, ``COACHKIT_DASHBOARD_ATHLETE``, ``COACHKIT_DASHBOARD_DATE``), else the
page's URL (``?athlete=ID&date=YYYY-MM-DD``).
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import ipywidgets as w

from coachkit.store import Store, StoreError
from coachkit.viz import cards
from coachkit.viz.dashboard_page import Dashboard
from coachkit.viz.dashboard_panels import html_widget
from coachkit.viz.style import stylesheet

ENV_ATHLETE, ENV_DATE = "COACHKIT_DASHBOARD_ATHLETE", "COACHKIT_DASHBOARD_DATE"


def _preheating() -> bool:
    """True in a pre-heated Voila kernel, which runs the notebook before its viewer comes."""
    return os.environ.get("VOILA_PREHEAT", "False") != "False"


def _query_string() -> str:
    """The page's query string; with pre-heated Voila kernels, waits for the viewer's request."""
    if _preheating():
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
    if _preheating():
        # voila.utils imports Voila's server side, whose jsonschema builds its URI grammars on
        # import: seconds that would otherwise fall after the viewer's request (issue 18)
        import voila.utils  # noqa: F401
    athlete = athlete or os.environ.get(ENV_ATHLETE) or None
    day = day or os.environ.get(ENV_DATE) or None
    try:
        page: w.Widget = Dashboard(Store(store, create=False), athlete, day, locked=bool(athlete))
    except StoreError as exc:
        page = html_widget("ck-app", stylesheet() + cards.error_card(str(exc)))
    except Exception:  # noqa: BLE001
        traceback.print_exc(file=sys.__stderr__)
        page = html_widget(
            "ck-app",
            stylesheet()
            + cards.error_card(
                "The dashboard could not start.",
                hint="Run `coachkit doctor` to check the store and the environment.",
            ),
        )
    built = time.perf_counter()
    if _preheating():
        print(  # a pre-heated kernel: ready, waiting for its viewer (tests wait for this line)
            f"coachkit dashboard: ready in {built - started:.1f} s", file=sys.__stderr__, flush=True
        )
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
