"""``coachkit today`` in the day's conditions (issue 19): the acceptance test on a real plan, the
forecast provider against a local fake Open-Meteo (no network), and bad input.

The numbers come from Hadley's temperature + dew point table (Maximum Performance Running,
2013): 30 °C with dew point 22 °C is 86 + 71.6 = 157.6 °F, in the 151-160 band of 4.5-6 %
(4.5 + 1.5 × 7.6 / 10 = 5.64 % across the band); 12 °C with dew point 5 °C is
53.6 + 41 = 94.6 °F, at or below 100: no adjustment.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from coachkit.cli import app
from tests.conftest import watch_plan_store

runner = CliRunner()
PLAN_START = date(2020, 12, 14)


@pytest.fixture(scope="module")
def plan_store(tmp_path_factory) -> Path:
    return watch_plan_store(tmp_path_factory, "conditions")


def today(store: Path, *args: str):
    return runner.invoke(app, ["today", "--store", str(store), *args])


def today_json(store: Path, *args: str) -> dict:
    result = today(store, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def days(plan_store) -> dict[str, str]:
    """A day with a pace band and a rest day of the plan's first two weeks."""
    found: dict[str, str] = {}
    for i in range(14):
        day = f"{PLAN_START + timedelta(days=i):%Y-%m-%d}"
        p = today_json(plan_store, "--date", day)
        key = "paced" if p.get("pace_low_s_per_km") else "rest" if p["kind"] == "rest" else ""
        found.setdefault(key, day) if key else None
    assert {"paced", "rest"} <= set(found), found
    return found


def test_a_hot_humid_day_slows_the_pace_band_and_keeps_the_hr_band(plan_store, days):
    d = days["paced"]
    hot = today_json(plan_store, "--date", d, "--temp-c", "30", "--dew-point-c", "22")
    cool = today_json(plan_store, "--date", d, "--temp-c", "12", "--dew-point-c", "5")
    planned = today_json(plan_store, "--date", d)
    assert (hot["kind"], hot["distance_m"]) == (cool["kind"], cool["distance_m"])
    assert (hot["hr_low"], hot["hr_high"]) == (cool["hr_low"], cool["hr_high"])
    assert hot["pace_low_s_per_km"] > cool["pace_low_s_per_km"]
    assert hot["pace_high_s_per_km"] > cool["pace_high_s_per_km"]
    # the cited numbers: 157.6 °F, 4.5 + 1.5 × 7.6 / 10 % slower (half for repeats); 94.6 °F none
    pct = 4.5 + 1.5 * (86 + 71.6 - 150) / 10
    pct = pct / 2 if hot["kind"] in ("intervals", "hills") else pct
    assert hot["pace_low_s_per_km"] == pytest.approx(planned["pace_low_s_per_km"] * (1 + pct / 100))
    assert cool["pace_low_s_per_km"] == pytest.approx(planned["pace_low_s_per_km"])
    explained = hot["conditions"]
    assert explained["temp_plus_dew_f"] == pytest.approx(157.6)
    assert explained["factor"] == pytest.approx(1 + pct / 100, abs=1e-4)
    assert f"slowed {pct:.1f} %" in explained["sentence"]
    assert "Hadley" in explained["sentence"] and "158 °F" in explained["sentence"]
    assert "No pace change" in cool["conditions"]["sentence"]


def test_the_card_says_by_how_much_and_why_in_miles(plan_store, days):
    result = today(
        plan_store,
        "--date",
        days["paced"],
        "--temp-c",
        "30",
        "--dew-point-c",
        "22",
        "--units",
        "mi",
    )
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("Pace band slowed") and "/mi" in last and "86 °F (30 °C)" in last
    assert "/km" not in last


def test_a_rest_day_says_nothing_changes(plan_store, days):
    p = today_json(plan_store, "--date", days["rest"], "--temp-c", "30", "--altitude-m", "2000")
    assert p["conditions"]["sentence"] == "Conditions change nothing today: it is a rest day."


# -- the forecast provider, against a local fake Open-Meteo ---------------------------------------
class FakeOpenMeteo(BaseHTTPRequestHandler):
    """Answers /v1/forecast as Open-Meteo does for one day (hourly time, temperature_2m,
    dew_point_2m, elevation); ``status`` and ``delay_s`` on the server make it fail or stall."""

    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.requests.append(self.path)
        time.sleep(self.server.delay_s)
        if self.server.status != 200:
            self.send_error(self.server.status)
            return
        q = parse_qs(urlsplit(self.path).query)
        day = q["start_date"][0]
        body = {
            "latitude": float(q["latitude"][0]),
            "longitude": float(q["longitude"][0]),
            "elevation": 1655.0,
            "utc_offset_seconds": 3600,
            "timezone": "Europe/Oslo",
            "hourly_units": {"time": "iso8601", "temperature_2m": "°C", "dew_point_2m": "°C"},
            "hourly": {
                "time": [f"{day}T{h:02d}:00" for h in range(24)],
                "temperature_2m": [10.0 + h for h in range(24)],
                "dew_point_2m": [5.0 + h / 2 for h in range(24)],
            },
        }
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture()
def weather(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenMeteo)
    server.requests, server.status, server.delay_s = [], 200, 0.0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("COACHKIT_WEATHER_URL", f"http://127.0.0.1:{server.server_port}/v1/forecast")
    yield server
    server.shutdown()
    server.server_close()


def test_the_forecast_gives_the_hours_conditions_and_the_altitude(plan_store, days, weather):
    d = days["paced"]
    p = today_json(plan_store, "--date", d, "--forecast", "59.91234,10.75678", "--hour", "16")
    query = parse_qs(urlsplit(weather.requests[0]).query)
    assert query["latitude"] == ["59.91"] and query["longitude"] == ["10.76"]  # ~1 km, no finer
    assert query["hourly"] == ["temperature_2m,dew_point_2m"]
    assert query["start_date"] == query["end_date"] == [d] and query["timezone"] == ["auto"]
    c = p["conditions"]
    assert (c["temp_c"], c["dew_point_c"], c["altitude_m"]) == (26.0, 13.0, 1655.0)
    assert "Forecast for " + f"{d}T16:00" in c["forecast"] and "elevation" in c["forecast"]
    assert p["pace_low_s_per_km"] > today_json(plan_store, "--date", d)["pace_low_s_per_km"]


def test_given_values_win_over_the_forecast(plan_store, days, weather):
    from coachkit.coach.conditions import dew_point_c

    given = ("--temp-c", "12", "--altitude-m", "0")
    p = today_json(plan_store, "--date", days["paced"], "--forecast", "59.9,10.7", *given)
    c = p["conditions"]
    assert (c["temp_c"], c["altitude_m"]) == (12.0, 0.0)
    # a given temperature replaces the forecast's air, dew point included (never mixed)
    assert c["dew_point_assumed"] and c["dew_point_c"] == pytest.approx(
        dew_point_c(12, 50), abs=0.05
    )


def test_an_unreachable_forecast_prints_the_card_as_planned_with_one_line(
    plan_store, days, weather
):
    weather.status = 503
    d = days["paced"]
    result = today(plan_store, "--date", d, "--forecast", "59.9,10.7")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("No forecast: the weather service at 127.0.0.1")
    assert "HTTP 503" in result.stderr and "paces as planned" in result.stderr
    planned = today(plan_store, "--date", d)
    assert result.stdout == planned.stdout


def test_a_slow_forecast_times_out(weather):
    from coachkit.app.weather import WeatherError, fetch_forecast

    weather.delay_s = 1.0
    with pytest.raises(WeatherError, match="unreachable"):
        fetch_forecast(59.9, 10.7, date(2021, 3, 21), 7, timeout_s=0.2)


def test_nothing_is_sent_unless_asked(plan_store, days, weather):
    today_json(plan_store, "--date", days["paced"], "--temp-c", "30")
    assert weather.requests == []


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, expect",
    [
        (["--forecast", "north"], "LAT,LON"),
        (["--forecast", "91,10"], "latitude -90..90"),
        (["--forecast", "10,nan"], "LAT,LON"),
        (["--temp-c", "60"], "--temp-c"),
        (["--altitude-m", "9000"], "--altitude-m"),
        (["--hour", "24", "--forecast", "1,1"], "--hour"),
        (["--hour", "7"], "add --forecast"),
        (["--dew-point-c", "10"], "needs the air temperature"),
        (["--temp-c", "10", "--dew-point-c", "20"], "cannot be above"),
    ],
)
def test_nonsense_exits_2_with_one_line(tmp_path, args, expect):
    root = tmp_path / "no-store"
    result = runner.invoke(app, ["today", "--store", str(root), *args])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and expect in errors[0], result.output
    assert not root.exists()


def test_the_store_fixture_is_left_alone(plan_store, tmp_path):
    # the tests above read the shared store only; a copy proves it still opens as planned
    shutil.copytree(plan_store, tmp_path / "copy")
    assert today(tmp_path / "copy", "--date", "2020-12-16").exit_code == 0
