"""Services: the store combined with the pure layers (features, models, coach).

Each module is one use case that the CLI, the dashboard and the notebooks share: one view of an
athlete (:mod:`~coachkit.app.athlete`), the coach service (plan, today, log, re-adapt:
:mod:`~coachkit.app.coach`), ingest and rebuild, replay, the roster, reports, the population fit
and sync with Strava and Garmin Connect (:mod:`coachkit.app.sync`).
"""
