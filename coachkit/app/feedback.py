"""Feedback in, a re-adapted plan out: the one path ``coachkit log`` and the dashboard share.

A row goes into the store's feedback table (docs/design.md §3) in one short transaction, then the
adaptation rules run as of that day (:func:`coachkit.app.coach.readapt`, which re-reads and writes
the plan in one write transaction, so concurrent viewers never lose an update).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.app.coach import readapt
from coachkit.coach.checkin import ANSWERS
from coachkit.store.plans import has_active_plan

if TYPE_CHECKING:
    from coachkit.store import Store

#: field -> (lowest, highest) accepted value
RANGES = {"rpe": (0, 10), "feel": (1, 5), "soreness": (0, 10), "niggle_severity": (0, 10)}


def log_feedback(store: Store, athlete_id: str, day: Any, **values: Any) -> tuple[int, list[Any]]:
    """Record how ``day`` went and re-adapt the active plan (``coachkit log`` and the dashboard).

    Parameters
    ----------
    store, athlete_id
        Where, and whose.
    day
        The day the feedback is about (the adaptation runs as of that day).
    **values
        Feedback fields (docs/design.md §3): ``rpe`` (CR-10), ``feel`` (1-5), ``soreness`` (0-10),
        ``niggle_site``, ``niggle_severity`` (0-10), ``illness``, ``missed_reason``, ``note``,
        ``checkin`` (the answer to a check-in, :data:`coachkit.coach.checkin.ANSWERS`; ``ill``
        is logged as illness too); ``None`` or blank values are left out.

    Returns
    -------
    (int, list of Adaptation)
        The feedback row's id and the adaptations it caused (empty without an active plan).
    """
    when = pd.Timestamp(day).normalize()
    clean = {
        k: (v.strip() if isinstance(v, str) else v)
        for k, v in values.items()
        if v is not None and not (isinstance(v, str) and not v.strip())
    }
    for name, (low, high) in RANGES.items():
        if name in clean and not low <= float(clean[name]) <= high:
            raise ValueError(f"{name} must be between {low} and {high}, not {clean[name]}")
    if "checkin" in clean:
        if clean["checkin"] not in ANSWERS:
            raise ValueError(
                f"a check-in answer is one of {', '.join(ANSWERS)}, not {clean['checkin']}"
            )
        if clean["checkin"] == "ill":  # the illness rule and the risk card read illness
            clean["illness"] = True
    feedback_id = store.add_feedback(athlete_id, f"{when:%Y-%m-%d}", **clean)
    changes: list[Any] = []
    if has_active_plan(store, athlete_id):
        # readapt is live: what the runner just told us counts, however late it is logged
        changes = readapt(store, athlete_id, when)
    return feedback_id, changes
