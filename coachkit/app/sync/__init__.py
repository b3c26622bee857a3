"""Sync with online accounts: Strava (OAuth, API client, tokens) and Garmin Connect.

Incremental and resumable: :mod:`~coachkit.app.sync.state` keeps what was listed, fetched and
imported per source, so an interrupted or rate-limited sync picks up where it stopped.
"""
