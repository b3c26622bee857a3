"""The conditions adjustment against the worked examples of its sources.

* Heat: Mark Hadley's temperature + dew point table, "Maximum Performance Running" blog, July
  2013 (maximumperformancerunning.blogspot.com/2013/07): sum ≤ 100 no adjustment; 101-110
  0-0.5 %; 111-120 0.5-1 %; 121-130 1-2 %; 131-140 2-3 %; 141-150 3-4.5 %; 151-160 4.5-6 %;
  161-170 6-8 %; 171-180 8-10 %; above 180 hard running not recommended; half the adjustment for
  repeats. Its own example: 74 °F with dew point 71 °F sums to 145, "3 % to 4.5 %". The same
  table as dialpace.com's heat calculator shows it: 80 °F with dew point 65 °F sums to 145,
  "turning a 9:00/mile effort into about 9:16-9:24".
* Dew point: Magnus formula, a = 17.625, b = 243.04 °C (Alduchov & Eskridge 1996), as
  calcipedia.org's dew point calculator gives it.
* Altitude: Wehrlin & Hallén 2006, Eur J Appl Physiol 96:404-412: VO2max falls linearly by
  6.3 % per 1000 m over 300-2800 m in endurance athletes.
"""

from __future__ import annotations

import math

import pytest

from coachkit.coach.conditions import (
    ConditionsAdjustment,
    adjust_for_conditions,
    altitude_slowdown_pct,
    dew_point_c,
    heat_slowdown_pct,
    vo2max_loss,
)
from coachkit.coach.conditions_pace import adjust_prescription


def c(temp_f: float) -> float:
    """°F as °C, to feed the table's own °F examples in."""
    return (temp_f - 32.0) * 5.0 / 9.0


def test_hadleys_example_74_with_dew_point_71_is_in_the_3_to_4_5_percent_band():
    a = adjust_for_conditions(temp_c=c(74), dew_point_c=c(71))
    assert a.temp_plus_dew_f == pytest.approx(145.0)
    assert 3.0 <= a.heat_pct <= 4.5
    assert a.heat_pct == pytest.approx(3.0 + 1.5 * 5 / 10)  # halfway through 141-150
    assert a.warning is None


def test_a_9_00_mile_at_80_f_with_dew_point_65_f_becomes_9_16_to_9_24():
    a = adjust_for_conditions(temp_c=c(80), dew_point_c=c(65))
    slowed_s_per_mile = 9 * 60 * a.factor
    assert 9 * 60 + 16 <= slowed_s_per_mile <= 9 * 60 + 24


@pytest.mark.parametrize(
    "index_f, low, high",
    [
        (100, 0.0, 0.0),
        (105, 0.0, 0.5),
        (110, 0.5, 0.5),
        (115, 0.5, 1.0),
        (125, 1.0, 2.0),
        (135, 2.0, 3.0),
        (155, 4.5, 6.0),
        (165, 6.0, 8.0),
        (175, 8.0, 10.0),
        (180, 10.0, 10.0),
    ],
)
def test_every_band_of_the_table_gives_a_percentage_within_its_range(index_f, low, high):
    assert low <= heat_slowdown_pct(index_f) <= high


def test_the_percentage_grows_with_the_index_and_is_zero_at_or_below_100():
    values = [heat_slowdown_pct(x) for x in range(60, 200)]
    assert all(b >= a for a, b in zip(values, values[1:]))
    assert heat_slowdown_pct(80) == heat_slowdown_pct(100) == 0.0


def test_above_180_hard_running_is_not_recommended():
    a = adjust_for_conditions(temp_c=38, dew_point_c=28)  # 100.4 + 82.4 = 182.8 °F
    assert a.temp_plus_dew_f > 180
    assert a.warning and "advises against hard running" in a.warning
    assert a.warning in a.sentence()
    assert adjust_for_conditions(temp_c=c(95), dew_point_c=c(80)).warning is None  # 175 °F


def test_repeats_take_half_the_heat_adjustment():
    a = adjust_for_conditions(temp_c=c(80), dew_point_c=c(65))
    assert a.factor_for("intervals") - 1 == pytest.approx((a.factor - 1) / 2)
    assert a.factor_for("hills") == a.factor_for("intervals")
    assert a.factor_for("tempo") == a.factor_for("long") == a.factor


def test_the_dew_point_of_50_percent_humidity_is_assumed_and_said():
    # Magnus with a = 17.625, b = 243.04: gamma = ln(0.5) + 17.625 * 30 / 273.04
    gamma = math.log(0.5) + 17.625 * 30 / (243.04 + 30)
    assert dew_point_c(30, 50) == pytest.approx(243.04 * gamma / (17.625 - gamma))
    assert dew_point_c(30, 50) == pytest.approx(18.4, abs=0.05)  # the calculators' 18.4 °C
    assert dew_point_c(20, 100) == pytest.approx(20.0)  # saturated air: dew point = temperature
    a = adjust_for_conditions(temp_c=30)
    assert a.dew_point_assumed and a.dew_point_c == pytest.approx(18.4, abs=0.05)
    assert "assumed (50 % humidity" in a.sentence()


def test_a_dew_point_above_the_temperature_or_without_one_is_refused():
    with pytest.raises(ValueError, match="cannot be above"):
        adjust_for_conditions(temp_c=10, dew_point_c=15)
    with pytest.raises(ValueError, match="needs the air temperature"):
        adjust_for_conditions(dew_point_c=15)


def test_altitude_costs_6_3_percent_of_vo2max_per_1000_m_above_300_m():
    assert vo2max_loss(0) == vo2max_loss(300) == 0.0
    assert altitude_slowdown_pct(250) == 0.0
    assert vo2max_loss(1300) == pytest.approx(0.063)
    assert vo2max_loss(2800) == pytest.approx(0.063 * 2.5)
    # the same fraction of a VO2max 6.3 % smaller: speed × 0.937, pace ÷ 0.937
    assert adjust_for_conditions(altitude_m=1300).factor == pytest.approx(1 / 0.937)


def test_beyond_the_studied_2800_m_the_sentence_says_it_extrapolates():
    assert "extrapolated" in adjust_for_conditions(altitude_m=3500).sentence()
    assert "extrapolated" not in adjust_for_conditions(altitude_m=2500).sentence()


def test_heat_and_altitude_compound():
    heat = adjust_for_conditions(temp_c=30, dew_point_c=22)
    both = adjust_for_conditions(temp_c=30, dew_point_c=22, altitude_m=1300)
    assert both.factor == pytest.approx(heat.factor / 0.937)
    assert "Hadley" in both.sentence() and "Wehrlin & Hallén 2006" in both.sentence()


def test_nothing_given_changes_nothing():
    a = adjust_for_conditions()
    assert a.factor == 1.0 and not a.given
    p = {"kind": "easy", "pace_low_s_per_km": 350.0, "pace_high_s_per_km": 420.0}
    assert adjust_prescription(p, a) == p


def test_the_sentence_speaks_the_runners_units():
    a = adjust_for_conditions(temp_c=30, dew_point_c=22, altitude_m=2000)
    km, mi = a.sentence("km"), a.sentence("mi")
    assert "30 °C" in km and "2,000 m altitude" in km
    assert "86 °F (30 °C)" in mi and "6,562 ft altitude" in mi
    for text in (km, mi):
        assert "158 °F" in text and f"{100 * (a.factor - 1):.1f} %" in text


PLAN_DAY = {
    "kind": "tempo",
    "distance_m": 8000.0,
    "duration_s": 2600.0,
    "pace_low_s_per_km": 300.0,
    "pace_high_s_per_km": 310.0,
    "hr_low": 160,
    "hr_high": 170,
    "steps": [
        {"type": "warmup", "pace_low_s_per_km": 380.0, "pace_high_s_per_km": 420.0},
        {
            "type": "repeat",
            "times": 3,
            "steps": [{"type": "run", "pace_low_s_per_km": 300.0, "pace_high_s_per_km": 310.0}],
        },
        {"type": "cooldown", "duration_s": 600},
    ],
}


def test_paces_move_by_the_factor_and_the_hr_band_stays():
    a = adjust_for_conditions(temp_c=30, dew_point_c=22)
    out = adjust_prescription(PLAN_DAY, a, "km")
    assert out["pace_low_s_per_km"] == pytest.approx(300.0 * a.factor)
    assert out["pace_high_s_per_km"] == pytest.approx(310.0 * a.factor)
    assert (out["hr_low"], out["hr_high"]) == (160, 170)
    assert out["distance_m"] == 8000.0 and out["duration_s"] == pytest.approx(2600.0 * a.factor)
    assert out["steps"][0]["pace_low_s_per_km"] == pytest.approx(380.0 * a.factor)
    assert out["steps"][1]["steps"][0]["pace_high_s_per_km"] == pytest.approx(310.0 * a.factor)
    assert out["steps"][2] == {"type": "cooldown", "duration_s": 600}
    assert PLAN_DAY["pace_low_s_per_km"] == 300.0  # the plan's own dict is not changed
    sentence = out["conditions"]["sentence"]
    assert sentence.startswith(f"Pace band slowed {100 * (a.factor - 1):.1f} % to {out['pace']}")
    assert "(planned 5:00–5:10/km)" in sentence and "HR band and effort unchanged" in sentence


def test_a_rest_day_says_nothing_changes():
    a = adjust_for_conditions(temp_c=30, dew_point_c=22)
    out = adjust_prescription({"kind": "rest", "pace_low_s_per_km": None}, a)
    assert out["conditions"]["sentence"] == "Conditions change nothing today: it is a rest day."
    assert out["conditions"]["factor"] == 1.0


def test_the_adjustment_is_a_plain_value():
    a = adjust_for_conditions(temp_c=25.0, dew_point_c=15.0, altitude_m=1000.0)
    assert a == ConditionsAdjustment(
        temp_c=25.0,
        dew_point_c=15.0,
        altitude_m=1000.0,
        heat_pct=a.heat_pct,
        altitude_pct=a.altitude_pct,
    )
    d = a.to_dict("km")
    assert d["factor"] == pytest.approx(a.factor, abs=1e-4)
    assert len(d["sources"]) == 2 and d["sentence"] == a.sentence("km")


def test_the_docstring_examples_hold():
    import doctest
    import importlib

    for name in ("coachkit.coach.conditions", "coachkit.app.weather", "coachkit.viz.conditions"):
        assert doctest.testmod(importlib.import_module(name)).failed == 0, name
