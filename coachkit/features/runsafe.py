"""Garmin-RUNSAFE's two numbers (Frandsen et al. 2025), in a module without pandas: the risk
features and the plan use them, and so does ``coachkit today`` to hold today's run before it
loads any frame (:mod:`coachkit.app.today`)."""

from __future__ import annotations

#: a session is compared with the longest run of the previous 30 days
LOOKBACK_DAYS = 30
#: the plan cap that keeps the next long run out of every spike band (docs/design.md §7)
LONG_RUN_CAP = 1.10
