"""Zone sets from their published percentages, and seconds in zone under the hold/pause rule."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from coachkit.features.zone_sets import (
    check_hr_boundaries,
    hr_zones_custom,
    hr_zones_hrmax,
    hr_zones_hrr,
    hr_zones_lthr,
    pace_zones,
    power_zones,
    seconds_in_zones,
)
from coachkit.features.zones import time_in_zones


def test_friel_running_hr_zones_from_lthr():
    # Friel, Total Heart Rate Training (2006), running: Z1 < 85 %, Z2 85-89 %, Z3 90-94 %,
    # Z4 95-99 %, Z5 >= 100 % of LTHR. LTHR 170: 0.85 x 170 = 144.5, 0.90 x 170 = 153,
    # 0.95 x 170 = 161.5, 1.00 x 170 = 170.
    zones = hr_zones_lthr(170)
    assert [z.low for z in zones] == [0.0, 144.5, 153.0, 161.5, 170.0]
    assert [z.high for z in zones][:-1] == [144.5, 153.0, 161.5, 170.0]
    assert math.isinf(zones[-1].high) and {z.unit for z in zones} == {"bpm"}


def test_karvonen_worked_example():
    # Karvonen, Kentala & Mustala 1957: target = rest + f x (max - rest). The textbook example
    # HRmax 180, rest 70: 70 % of the reserve = 70 + 0.7 x 110 = 147 bpm; 90 % = 169 bpm.
    zones = hr_zones_hrr(180, 70)
    assert zones[2].low == pytest.approx(147.0) and zones[4].low == pytest.approx(169.0)
    with pytest.raises(ValueError):
        hr_zones_hrr(150, 160)


def test_percent_of_hrmax_bands():
    # Edwards 1993: 10 % bands of HRmax; HRmax 190: 60 % = 114, 70 % = 133, 80 % = 152, 90 % = 171
    assert [z.low for z in hr_zones_hrmax(190)][1:] == [114.0, 133.0, 152.0, 171.0]


def test_friel_pace_zones_from_threshold_pace():
    # Friel's run pace zones (TrainingPeaks "Quick Guide to Setting Zones"): Z1 slower than
    # 129 %, Z2 114-129 %, Z3 106-113 %, Z4 100-105 %, Z5 faster than threshold pace.
    # Threshold 5:00/km = 300 s: 1.29 x 300 = 387 s (6:27), 1.14 x 300 = 342 s, 1.06 x 300 = 318 s.
    zones = pace_zones(300)
    assert [(z.low, z.high) for z in zones] == [
        (387.0, math.inf),
        (342.0, 387.0),
        (318.0, 342.0),
        (300.0, 318.0),
        (0.0, 300.0),
    ]


def test_stryd_power_zones_from_cp():
    # Stryd (Power Zones explained): Easy 65-80, Moderate 80-90, Threshold 90-100,
    # Interval 100-115, Repetition 115-130 % of CP. CP 250 W: 200, 225, 250, 287.5 W.
    assert [z.low for z in power_zones(250)] == [0.0, 200.0, 225.0, 250.0, 287.5]


@pytest.mark.parametrize(
    "bad", [[150, 140], [130, 130], [20, 140], [130, 250], [], list(range(100, 200, 10)), ["x"]]
)
def test_custom_boundaries_are_checked(bad):
    with pytest.raises(ValueError):
        check_hr_boundaries(bad)


def test_custom_boundaries_make_one_more_zone():
    zones = hr_zones_custom([130, 145, 160, 172])
    assert [(z.low, z.high) for z in zones][1:4] == [(130, 145), (145, 160), (160, 172)]
    assert len(zones) == 5


def test_each_sample_holds_until_the_next_and_a_pause_counts_nowhere():
    # 4 samples 5 s apart, then a 60 s pause (over MAX_HOLD_S = 30 s), then one more
    s = pd.DataFrame(
        {
            "t_s": [0.0, 5, 10, 15, 75, 80],
            "hr_bpm": [120.0, 150, 170, 170, 120, 120],
            "power_w": [100.0, 240, 260, np.nan, 300, 300],
            "speed_m_s": [3.0, 0.1, 4.0, 4.0, 4.0, 4.0],
        }
    )
    zones = {"hr": hr_zones_lthr(160), "power": power_zones(250), "pace": pace_zones(300)}
    out = seconds_in_zones(s, zones)
    hr = [z["seconds"] for z in out["hr"]]
    # 120 (< 136) holds 5 s, 150 (144-152) 5 s, 170 twice: 5 s then 60 s (a pause: 0 s)
    assert hr == [5.0 + 5.0, 0.0, 5.0, 0.0, 5.0]
    power = [z["seconds"] for z in out["power"]]
    # 100 W Easy 5 s, 240 W Threshold (225-250) 5 s, 260 W Interval 5 s, NaN nowhere, 300 W
    # Repetition 5 s (its successor's 0 s and the pause sample both count nothing)
    assert power == [5.0, 0.0, 5.0, 5.0, 5.0]
    pace = [z["seconds"] for z in out["pace"]]
    # 3 m/s = 333 s/km (Z3, 318-342) 5 s; 0.1 m/s is standing: nowhere; 4 m/s = 250 s/km (Z5)
    assert pace == [0.0, 0.0, 5.0, 0.0, 10.0]


def test_friel_zones_agree_with_the_three_lthr_bands_of_the_activity_table():
    # easy (< 90 % LTHR) = Z1 + Z2, moderate = Z3 + Z4, hard (>= LTHR) = Z5: same rule, same sums
    rng = np.random.default_rng(7)
    t = np.cumsum(rng.choice([1.0, 2, 5, 40], size=400))
    s = pd.DataFrame({"t_s": t, "hr_bpm": rng.uniform(100, 190, size=400)})
    five = [z["seconds"] for z in seconds_in_zones(s, {"hr": hr_zones_lthr(165)})["hr"]]
    three = time_in_zones(s, 165)
    assert five[0] + five[1] == pytest.approx(three["easy"])
    assert five[2] + five[3] == pytest.approx(three["moderate"])
    assert five[4] == pytest.approx(three["hard"])


def test_no_samples_give_zero_seconds_in_every_zone():
    out = seconds_in_zones(pd.DataFrame(), {"hr": hr_zones_lthr(160)})
    assert [z["seconds"] for z in out["hr"]] == [0.0] * 5
