"""A race course: its smoothed profile, the even-effort pacing on it, and its FIT workout.

Sources of the literal numbers below:

- Minetti et al. 2002, J Appl Physiol 93:1039: the running polynomial
  C = 155.4i⁵ − 30.4i⁴ − 43.3i³ + 46.3i² + 19.5i + 3.6 (J/kg/m), worked by hand below (the same
  values as tests/unit/test_running.py): C(0) = 3.6, C(+0.10) = 5.968214, C(−0.10) = 2.151706.
  Its abstract gives the measured minimum cost, 1.73 ± 0.36 J/kg/m at −0.20.
- Even effort: constant metabolic power P = C·v, so each stretch's pace is the flat pace times
  C(grade)/C(0) (the relationship coachkit.coach.course_pacing states).
"""

from __future__ import annotations

import doctest
import importlib
import math

import numpy as np
import pytest

from coachkit.coach.course_pacing import (
    FIT_PACE_BAND_S_PER_KM,
    course_fit_workout,
    pace_course,
    pacing_steps,
)
from coachkit.core.units import MILE_M
from coachkit.features.course_profile import course_profile, flat_profile, moving_mean
from coachkit.io import NothingToImport
from coachkit.io.errors import UnreadableFile
from coachkit.io.gpx import read_gpx_course

C_UP_10, C_DOWN_10, C_FLAT = 5.968214, 2.151706, 3.6  # Minetti's polynomial by hand, above


@pytest.mark.parametrize(
    "name",
    ["coachkit.features.course_profile", "coachkit.coach.course_pacing", "coachkit.io.gpx"],
)
def test_docstring_examples_hold(name):
    assert doctest.testmod(importlib.import_module(name)).failed == 0


def _pace(profile, seconds=1500.0, **kw):
    return pace_course(
        profile, flat_seconds=seconds, flat_low=0.9 * seconds, flat_high=1.1 * seconds, **kw
    )


# ---------------------------------------------------------------------------------------------
# the profile


def test_smoothing_removes_gps_noise_but_keeps_the_hill():
    """A 60 m hill over 5 km, sampled every 2-8 m with 2 m of GPS altitude scatter. Point by
    point, the scatter reads as hundreds of metres of climbing and makes the course over 30 %
    slower; smoothed over 150 m, the climb is within 15 % of the hill's 60 m and the course's
    time within 0.5 % of the noiseless course's."""
    rng = np.random.default_rng(7)
    x = np.cumsum(rng.uniform(2.0, 8.0, 1200))
    x = x[x <= 5000.0]
    hill = 200.0 + 30.0 * (1 - np.cos(2 * np.pi * x / 5000.0))  # up 60 m at 2.5 km, back down
    noisy = hill + rng.normal(0.0, 2.0, len(x))
    assert float(np.clip(np.diff(noisy), 0, None).sum()) > 300.0
    profile = course_profile(x, noisy)
    gain, loss = profile.climb_m()
    assert gain == pytest.approx(60.0, rel=0.15) and loss == pytest.approx(60.0, rel=0.15)
    clean = _pace(course_profile(x, hill)).cost_factor
    assert _pace(profile).cost_factor == pytest.approx(clean, abs=0.005)
    assert _pace(course_profile(x, noisy, smoothing_m=0)).cost_factor > 1.3


def test_a_steady_slope_keeps_its_grade_to_both_ends():
    profile = course_profile([0.0, 1000.0, 2000.0], [100.0, 140.0, 180.0])
    np.testing.assert_allclose(profile.grade, 0.04, atol=1e-12)
    assert profile.elevation_m[0] == pytest.approx(100.0) and profile.elevation_m[-1] == 180.0


def test_moving_mean_of_a_line_is_the_line():
    line = np.linspace(3.0, 40.0, 37)
    np.testing.assert_allclose(moving_mean(line, 7), line)


def test_a_course_without_elevation_is_flat():
    profile = course_profile([0.0, 800.0, 2100.0], [np.nan, np.nan, np.nan])
    assert not profile.has_elevation and profile.length_m == 2100.0
    assert profile.climb_m() == (0.0, 0.0)


def test_a_course_must_go_somewhere():
    with pytest.raises(ValueError, match="two points"):
        course_profile([5.0, 5.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="positive length"):
        flat_profile(0.0)


# ---------------------------------------------------------------------------------------------
# even-effort pacing


def test_flat_course_gives_the_flat_prediction_exactly():
    plan = _pace(flat_profile(5000.0))
    assert (plan.seconds, plan.low, plan.high) == (1500.0, 1350.0, 1650.0)
    assert [s["seconds"] for s in plan.splits] == [300.0] * 5
    assert plan.splits[-1]["cumulative_seconds"] == 1500.0
    assert "even effort is even pace on the flat, 5:00/km" in plan.sentence


def test_up_and_down_the_same_hill_is_slower_than_flat_by_minettis_cost():
    """1 km: 500 m up at +10 %, then 500 m back down at −10 %, flat prediction 5:00/km.
    Even effort: 150 s × C(+0.10)/C(0) + 150 s × C(−0.10)/C(0)
    = 150 × (5.968214 + 2.151706) / 3.6 = 338.33 s, 12.8 % slower than the flat 300 s,
    although the course climbs and descends the same 50 m."""
    hill = course_profile([0.0, 500.0, 1000.0], [0.0, 50.0, 0.0], smoothing_m=0)
    plan = _pace(hill, seconds=300.0)
    by_hand = 150.0 * (C_UP_10 + C_DOWN_10) / C_FLAT
    assert by_hand == pytest.approx(338.33, abs=0.01)
    assert plan.seconds == pytest.approx(by_hand, abs=0.05)
    assert plan.cost_factor == pytest.approx(by_hand / 300.0, abs=1e-5)
    assert plan.low == pytest.approx(270.0 * by_hand / 300.0, abs=0.1)  # the interval scales too
    assert plan.high == pytest.approx(330.0 * by_hand / 300.0, abs=0.1)
    assert (plan.elevation_gain_m, plan.elevation_loss_m) == (50.0, 50.0)


def test_each_stretch_is_paced_by_its_own_cost():
    """2 km: the first km climbs at +10 %, the second descends at −10 %; flat 5:00/km.
    Uphill 300 × 5.968214/3.6 = 497.4 s/km (8:17/km); downhill 300 × 2.151706/3.6 = 179.3 s/km
    (2:59/km)."""
    hill = course_profile([0.0, 1000.0, 2000.0], [0.0, 100.0, 0.0], smoothing_m=0)
    up, down = _pace(hill, seconds=600.0).splits
    assert up["pace_s_per_km"] == pytest.approx(300.0 * C_UP_10 / C_FLAT, abs=0.05)
    assert down["pace_s_per_km"] == pytest.approx(300.0 * C_DOWN_10 / C_FLAT, abs=0.05)
    assert (up["pace"], down["pace"]) == ("8:17/km", "2:59/km")
    assert (up["grade"], down["grade"]) == (0.1, -0.1)
    assert (up["elevation_gain_m"], down["elevation_loss_m"]) == (100.0, 100.0)


def test_minettis_cheapest_grade_is_the_fastest_split():
    """Minetti's polynomial is lowest near −0.18 to −0.20 (measured minimum 1.73 J/kg/m at
    −0.20): of splits at −10, −20 and −30 %, the −20 % split is run fastest."""
    x = [0.0, 1000.0, 2000.0, 3000.0]
    plan = _pace(course_profile(x, [600.0, 500.0, 300.0, 0.0], smoothing_m=0), seconds=900.0)
    fastest = min(plan.splits, key=lambda s: s["pace_s_per_km"])
    assert fastest["grade"] == -0.2


def test_the_sentence_states_the_numbers_of_the_plan():
    hill = course_profile([0.0, 1000.0, 2000.0, 3000.0], [0.0, 60.0, 60.0, 0.0])
    plan = _pace(hill, seconds=900.0)
    assert f"Predicted {math.floor(plan.seconds / 60)}:" in plan.sentence
    assert "15:00 on the flat plus" in plan.sentence
    assert f"{plan.elevation_gain_m:.0f} m of climbing" in plan.sentence
    slowest = max(plan.splits, key=lambda s: s["pace_s_per_km"])
    assert f"from {slowest['pace']} on the slowest km (km {slowest['index']}" in plan.sentence


def test_splits_per_mile_in_miles():
    plan = _pace(course_profile([0.0, 5000.0], [0.0, 50.0]), units="mi")
    assert [s["index"] for s in plan.splits] == [1, 2, 3, 4]
    assert plan.splits[0]["distance_m"] == round(MILE_M, 1)
    assert plan.splits[-1]["distance_m"] == pytest.approx(5000.0 - 3 * MILE_M, abs=0.1)
    assert all(s["pace"].endswith("/mi") for s in plan.splits)
    assert "/km" not in plan.sentence and "slowest mile (mile " in plan.sentence
    assert sum(s["seconds"] for s in plan.splits) == pytest.approx(plan.seconds, abs=0.2)


def test_a_pace_multiplier_scales_every_pace_and_says_why():
    hill = course_profile([0.0, 1000.0, 2000.0], [0.0, 50.0, 0.0])
    base = _pace(hill, seconds=600.0)
    hot = _pace(hill, seconds=600.0, pace_multiplier=1.04, multiplier_sentence="Heat: +4 %.")
    assert hot.seconds == pytest.approx(base.seconds * 1.04, abs=0.1)
    assert hot.high == pytest.approx(base.high * 1.04, abs=0.1)
    assert hot.sentence.endswith("Every pace is 4.0% slower for the conditions: Heat: +4 %.")
    with pytest.raises(ValueError, match="sentence"):
        _pace(hill, pace_multiplier=1.04)


# ---------------------------------------------------------------------------------------------
# the FIT workout


def test_the_pacing_plan_decodes_as_a_fit_workout_with_one_step_per_split(tmp_path):
    fitdecode = pytest.importorskip("fitdecode")
    pytest.importorskip("fit_tool")
    from datetime import date

    plan = _pace(course_profile([0.0, 1500.0, 3500.0], [0.0, 60.0, 20.0]), seconds=1050.0)
    path = tmp_path / "pacing.fit"
    path.write_bytes(course_fit_workout(plan, date(2021, 6, 13), "Pacing test"))
    steps, workout = [], {}
    with fitdecode.FitReader(str(path)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "workout_step":
                steps.append({f.name: f.value for f in frame.fields})
            elif isinstance(frame, fitdecode.FitDataMessage) and frame.name == "workout":
                workout = {f.name: f.value for f in frame.fields}
    assert workout["num_valid_steps"] == len(plan.splits) == len(steps) == 4
    for step, split in zip(steps, plan.splits):
        assert step["duration_type"] == "distance"
        assert step["duration_distance"] == pytest.approx(split["distance_m"], abs=0.01)
        assert step["target_type"] == "speed"
        slow = 1000.0 / (split["pace_s_per_km"] + FIT_PACE_BAND_S_PER_KM)
        fast = 1000.0 / (split["pace_s_per_km"] - FIT_PACE_BAND_S_PER_KM)
        assert step["custom_target_speed_low"] == pytest.approx(slow, abs=0.001)
        assert step["custom_target_speed_high"] == pytest.approx(fast, abs=0.001)
        assert split["pace"] in step["wkt_step_name"]
    assert len(pacing_steps(plan)) == 4


# ---------------------------------------------------------------------------------------------
# reading a course


def _gpx(body: str) -> bytes:
    return f'<gpx xmlns="http://www.topografix.com/GPX/1/1">{body}</gpx>'.encode()


def test_a_track_without_times_is_a_course():
    pts = "".join(
        f'<trkpt lat="45.{i:03d}" lon="5.0"><ele>{100 + i}</ele></trkpt>' for i in range(5)
    )
    course = read_gpx_course(_gpx(f"<trk><name>Loop</name><trkseg>{pts}</trkseg></trk>"))
    assert course.name == "Loop" and len(course.points) == 5
    assert course.points["altitude_m"].tolist() == [100.0, 101.0, 102.0, 103.0, 104.0]
    assert course.points["distance_m"].iloc[-1] == pytest.approx(444.8, abs=0.5)  # 0.004° of lat


def test_not_a_course():
    with pytest.raises(UnreadableFile, match="not a GPX"):
        read_gpx_course(b"<TrainingCenterDatabase/>")
    with pytest.raises(UnreadableFile):
        read_gpx_course(b"this is not xml at all")
    with pytest.raises(NothingToImport, match="fewer than 2"):
        read_gpx_course(_gpx('<wpt lat="45.0" lon="5.0"/>'))
    with pytest.raises(NothingToImport, match="fewer than 2"):
        read_gpx_course(_gpx('<rte><rtept lat="45.0" lon="5.0"/></rte>'))


def test_the_course_figure_shows_the_profile_and_one_pace_step_per_split():
    from coachkit.viz.course import course_figure

    plan = _pace(course_profile([0.0, 1500.0, 3500.0], [0.0, 60.0, 20.0]), seconds=1050.0)
    profile, pace = course_figure(plan).data
    assert list(profile.y) == plan.profile_elevation_m
    steps = [y for y in pace.y if y is not None]
    assert len(steps) == 2 * len(plan.splits)
    assert steps[0] == pytest.approx(plan.splits[0]["pace_s_per_km"] / 60.0)


def test_a_hostile_course_is_refused_before_anything_is_expanded():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><rte><name>&b;</name></rte></gpx>'
    )
    with pytest.raises(UnreadableFile, match="entity"):
        read_gpx_course(bomb)
