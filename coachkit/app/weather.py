"""An hourly weather forecast for one place and hour, from Open-Meteo's no-key forecast API.

Off unless asked for: nothing here runs unless the runner passes a location
(``coachkit today --forecast LAT,LON``), and only then is the location sent, rounded to two
decimals (about 1 km), to ``$COACHKIT_WEATHER_URL`` (default Open-Meteo's
``/v1/forecast``). The request asks for ``hourly=temperature_2m,dew_point_2m`` on one day
(``start_date`` = ``end_date``) with ``timezone=auto``, so that the hours are the place's local
hours; the answer also carries the grid point's ``elevation`` (m), used as the altitude when
none is given.

Only the standard library (``urllib``), so ``coachkit today`` stays light; a timeout, and every
failure (unreachable, an HTTP error, an answer without that hour) is a :class:`WeatherError`
with one plain sentence, never a traceback.
"""

from __future__ import annotations

import json
import math
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date

DEFAULT_WEATHER_URL = "https://api.open-meteo.com/v1/forecast"
WEATHER_URL_ENV = "COACHKIT_WEATHER_URL"
TIMEOUT_S = 5.0
LOCATION_FORMAT = "LAT,LON"


class WeatherError(Exception):
    """The forecast could not be had; the message is one sentence a runner can act on."""


@dataclass(frozen=True)
class Forecast:
    """The forecast for one local hour at one place (°C, m)."""

    time: str
    temp_c: float
    dew_point_c: float | None
    elevation_m: float | None
    source: str

    def note(self) -> str:
        """Where the numbers come from, for the card: ``Forecast for 2021-03-15T07:00 ...``."""
        dew = "" if self.dew_point_c is None else f", dew point {self.dew_point_c:.1f} °C"
        return f"Forecast for {self.time} (local): {self.temp_c:.1f} °C{dew}, from {self.source}."


def parse_location(text: str) -> tuple[float, float]:
    """``"LAT,LON"`` in decimal degrees as two floats; ``ValueError`` with a plain message when
    not a place on Earth.

    >>> parse_location("59.91, 10.75")
    (59.91, 10.75)
    """
    lat_text, sep, lon_text = str(text).partition(",")
    try:
        if not sep:
            raise ValueError
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a place: write LAT,LON in degrees, e.g. 59.91,10.75"
        ) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(
            f"{text!r} is not a place: LAT,LON with latitude -90..90, longitude -180..180"
        )
    return lat, lon


def weather_url() -> str:
    """The forecast endpoint: ``$COACHKIT_WEATHER_URL`` or Open-Meteo's."""
    return os.environ.get(WEATHER_URL_ENV) or DEFAULT_WEATHER_URL


def forecast_request(lat: float, lon: float, day: date, base_url: str | None = None) -> str:
    """The GET address for ``day``'s hourly temperature and dew point at (``lat``, ``lon``),
    rounded to two decimals so that no more than the neighbourhood is sent."""
    query = urllib.parse.urlencode(
        {
            "latitude": f"{lat:.2f}",
            "longitude": f"{lon:.2f}",
            "hourly": "temperature_2m,dew_point_2m",
            "timezone": "auto",
            "start_date": f"{day:%Y-%m-%d}",
            "end_date": f"{day:%Y-%m-%d}",
        }
    )
    return f"{base_url or weather_url()}?{query}"


def read_hour(answer: dict, day: date, hour: int, source: str) -> Forecast:
    """The forecast for ``hour`` (local) of ``day`` from an Open-Meteo answer."""
    hourly = answer.get("hourly") if isinstance(answer, dict) else None
    if not isinstance(hourly, dict):
        raise WeatherError(f"the weather service at {source} sent no hourly forecast")
    wanted = f"{day:%Y-%m-%d}T{hour:02d}:00"
    times = hourly.get("time") or []
    if wanted not in times:
        raise WeatherError(f"the weather service at {source} has no forecast for {wanted}")
    i = times.index(wanted)

    def value(name: str) -> float | None:
        seq = hourly.get(name) or []
        v = seq[i] if i < len(seq) else None
        return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None

    temp = value("temperature_2m")
    if temp is None:
        raise WeatherError(f"the weather service at {source} has no temperature for {wanted}")
    elevation = answer.get("elevation")
    return Forecast(
        time=wanted,
        temp_c=temp,
        dew_point_c=value("dew_point_2m"),
        elevation_m=float(elevation) if isinstance(elevation, (int, float)) else None,
        source=source,
    )


def fetch_forecast(
    lat: float,
    lon: float,
    day: date,
    hour: int,
    *,
    base_url: str | None = None,
    timeout_s: float = TIMEOUT_S,
) -> Forecast:
    """Ask the forecast service for ``day`` at (``lat``, ``lon``) and return ``hour``'s numbers.

    Raises
    ------
    WeatherError
        The service is unreachable or slow (``timeout_s``), answers with an error, or has no
        numbers for that hour.
    """
    url = forecast_request(lat, lon, day, base_url)
    host = urllib.parse.urlsplit(url).netloc or url
    request = urllib.request.Request(url, headers={"User-Agent": "coachkit"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            answer = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise WeatherError(f"the weather service at {host} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WeatherError(f"the weather service at {host} is unreachable ({reason})") from None
    except (ValueError, UnicodeDecodeError):
        raise WeatherError(f"the weather service at {host} did not answer in JSON") from None
    return read_hour(answer, day, hour, host)
