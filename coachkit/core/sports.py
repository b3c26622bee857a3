"""Which sports count as what. One definition for the whole package."""

from __future__ import annotations

#: running: what run metrics, race models, plans and the coach look at
RUN_SPORTS = ("run", "trail_run", "treadmill")
#: on foot: running and walking, scored by pace and cadence (FIT and Strava record their cadence
#: per leg: doubled, it is steps/min of both feet)
FOOT_SPORTS = (*RUN_SPORTS, "walk")
