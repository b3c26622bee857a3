"""Today's prescription in the day's conditions: the ``coachkit today --temp-c/--forecast`` use
case.

The runner gives the conditions (temperature, dew point, altitude), or asks for a forecast
(:mod:`coachkit.app.weather`, off unless a location is given); the pace targets move by the
published relationships of :mod:`coachkit.coach.conditions`, HR and effort stay, and the
prescription carries a ``conditions`` entry with the numbers and the sentence. A forecast that
cannot be had leaves the prescription as planned, with ``forecast_error`` saying why.
"""

from __future__ import annotations

from typing import Any

from coachkit.store import Store

DEFAULT_HOUR = 7  # the forecast hour when none is asked for: a morning run, local time


def prescription_in_conditions(
    store: Store,
    athlete_id: str,
    day: Any,
    *,
    units: str | None = None,
    temp_c: float | None = None,
    dew_point_c: float | None = None,
    altitude_m: float | None = None,
    forecast_at: tuple[float, float] | None = None,
    hour: int = DEFAULT_HOUR,
) -> dict[str, Any]:
    """Today's prescription (:func:`coachkit.app.today.todays_prescription`) with its paces
    adjusted for the conditions given, or forecast at ``forecast_at`` (lat, lon) for ``hour``.

    Values given explicitly win over the forecast's: a given ``temp_c`` replaces the forecast's
    air, dew point included (the two are never mixed); the forecast's grid elevation is the
    altitude when none is given. Without any condition the prescription is returned as planned.
    """
    from coachkit.app.today import as_date, todays_prescription
    from coachkit.coach.conditions import adjust_for_conditions, check_conditions
    from coachkit.coach.conditions_pace import adjust_prescription

    check_conditions(temp_c, dew_point_c)
    p = todays_prescription(store, athlete_id, day, units=units)
    note = None
    if forecast_at is not None:
        from coachkit.app.weather import WeatherError, fetch_forecast

        try:
            f = fetch_forecast(*forecast_at, as_date(day), hour)
        except WeatherError as exc:
            p["forecast_error"] = f"No forecast: {exc}; paces as planned."
        else:
            note = f.note()
            if temp_c is None:
                temp_c, dew_point_c = (
                    f.temp_c,
                    dew_point_c if dew_point_c is not None else f.dew_point_c,
                )
            if altitude_m is None and f.elevation_m is not None:
                altitude_m = f.elevation_m
                note += f" Altitude {f.elevation_m:.0f} m is the forecast point's elevation."
    if temp_c is None and altitude_m is None:
        return p
    adjusted = adjust_prescription(
        p, adjust_for_conditions(temp_c, dew_point_c, altitude_m), p["units"]
    )
    if note:
        adjusted["conditions"]["forecast"] = note
    return adjusted
