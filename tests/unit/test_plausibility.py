"""Physical plausibility of decoded activities (issue 20): implausible durations, distances,
GPS jumps, HR and time reversals are flagged, kept out of totals and load with their reason,
and a damaged file that decodes to impossible values is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coachkit.core.quality import counted
from coachkit.core.schemas import SAMPLE_COLUMNS
from coachkit.features.load import activity_loads
from coachkit.io.base import (
    ParsedActivity,
    make_samples,
    quality_flags,
    refuse_damaged_nonsense,
)
from coachkit.io.errors import UnreadableFile
from tests.unit.test_load import _acts, _th

NOW = pd.Timestamp("2026-01-01", tz="UTC")
START = pd.Timestamp("2021-03-01 07:00", tz="UTC")


def _summary(**kw) -> dict:
    base = {"sport": "run", "start_time": START, "elapsed_time_s": 3600.0,
            "moving_time_s": 3500.0, "distance_m": 10_000.0, "avg_hr": 150.0}  # fmt: skip
    return {**base, **kw}


def _samples(n: int = 600, **cols) -> pd.DataFrame:
    """A 10 km/h run due north, one row a second, HR 150."""
    t = np.arange(n, dtype="float64")
    frame = pd.DataFrame({c: np.full(n, np.nan) for c in SAMPLE_COLUMNS if c != "timestamp"})
    frame["t_s"] = t
    frame["timestamp"] = START + pd.to_timedelta(t, unit="s")
    frame["lat"] = 45.0 + t * 2.78 / 111_195.0
    frame["lon"] = 7.0
    frame["speed_m_s"] = 2.78
    frame["hr_bpm"] = 150.0
    for key, value in cols.items():
        frame[key] = value
    return frame


def test_a_clean_run_gets_no_flag():
    assert quality_flags(_summary(), _samples(), now=NOW) == []


@pytest.mark.parametrize(
    ("summary", "flag"),
    [
        ({"elapsed_time_s": 23 * 86400.0, "moving_time_s": 23 * 86400.0}, "duration_implausible"),
        ({"elapsed_time_s": -60.0, "moving_time_s": -60.0}, "duration_implausible"),
        ({"distance_m": 4_436_000.0, "elapsed_time_s": 40 * 3600.0}, "distance_implausible"),
        ({"distance_m": -5.0}, "distance_implausible"),
        ({"avg_hr": 260.0}, "hr_implausible"),
        ({"moving_time_s": 7200.0}, "time_inverted"),
    ],
)
def test_an_implausible_summary_is_flagged(summary, flag):
    assert flag in quality_flags(_summary(**summary), None, now=NOW)


def test_a_long_ride_is_not_implausible_but_a_long_run_is():
    day = {"distance_m": 600_000.0, "elapsed_time_s": 30 * 3600.0, "moving_time_s": 30 * 3600.0}
    assert quality_flags(_summary(sport="ride", **day), None, now=NOW) == []
    run = _summary(**day)
    assert quality_flags(run, None, now=NOW) == ["distance_implausible"]


def test_a_gps_fix_that_jumps_is_speed_implausible():
    samples = _samples()
    samples.loc[300:, "lat"] += 0.05  # 5.5 km north in one second, then on from there
    assert quality_flags(_summary(), samples, now=NOW) == ["speed_implausible"]
    # the same jump spread over an hour of missing fixes is a gap, not a jump
    slow = _samples()
    slow.loc[300:, "t_s"] += 3600.0
    slow.loc[300:, "lat"] += 0.05
    assert "speed_implausible" not in quality_flags(_summary(), slow, now=NOW)
    # a ride may go 20 m/s; a car-fast jump on foot may not
    fast = _samples(lat=45.0 + np.arange(600) * 20.0 / 111_195.0)
    fast["speed_m_s"] = 20.0
    assert quality_flags(_summary(sport="ride", distance_m=12_000.0), fast, now=NOW) == []


def test_impossible_hr_samples_and_time_reversals_are_flagged():
    hr = _samples()
    hr.loc[::10, "hr_bpm"] = 255.0  # a bit-flipped sensor: 10 % of samples at 255
    assert quality_flags(_summary(), hr, now=NOW) == ["hr_implausible"]
    times = START + pd.to_timedelta(np.arange(600.0), unit="s")
    for step_back_s, flagged in ((300, True), (2, False)):  # a corrupt clock; a GPS clock fix
        recorded = times.to_numpy().copy()
        recorded[400] = recorded[399] - np.timedelta64(step_back_s, "s")
        samples = make_samples({"timestamp": recorded, "hr_bpm": np.full(600, 150.0)})
        assert ("time_reversed" in quality_flags(_summary(), samples, now=NOW)) is flagged


@pytest.mark.parametrize(
    ("flag", "reason"),
    [
        ("duration_implausible", "no load: the duration is implausible (duration_implausible)"),
        ("distance_implausible", "no load: the distance is implausible (distance_implausible)"),
        ("date_implausible", "no load: the date is implausible (date_implausible)"),
        ("time_reversed", "no load: the recorded clock steps back in time (time_reversed)"),
    ],
)
def test_an_implausible_extent_counts_nowhere_and_says_why(flag, reason):
    acts = _acts({"activity_id": "a", "avg_hr": 150.0, "quality_flags": f"no_hr;{flag}"})
    out = activity_loads(acts, _th())
    assert np.isnan(out.loc[0, "load"]) and out.loc[0, "excluded_reason"] == reason
    assert counted(acts["quality_flags"]).tolist() == [False]


def _act(flags: list[str]) -> ParsedActivity:
    return ParsedActivity(summary=_summary(), samples=None, source_kind="fit", flags=flags)


def test_a_damaged_file_that_decodes_to_nonsense_is_refused():
    damaged = ["CRC mismatch; read with fitdecode, CRC check off"]
    with pytest.raises(UnreadableFile, match=r"^damaged file \(CRC mismatch\) that decodes to "
                       r"impossible values \(hr_implausible, time_inverted\): quarantined"):  # fmt: skip
        refuse_damaged_nonsense(
            damaged, [_act(["no_hr"]), _act(["time_inverted", "hr_implausible"])]
        )
    refuse_damaged_nonsense(damaged, [_act(["no_hr", "gps_gaps"])])  # damaged but sensible: kept
    refuse_damaged_nonsense([], [_act(["hr_implausible"])])  # intact file: flagged, not refused
