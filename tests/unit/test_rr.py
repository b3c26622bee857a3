"""rMSSD from R-R intervals: worked examples by hand, artefact rules and invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coachkit.io.rr import RmssdResult, accepted_beats, rmssd_from_rr


def test_worked_example_by_hand():
    # diffs 10, -20, 15 -> sqrt((100 + 400 + 225) / 3) = sqrt(241.667) = 15.5456 ms
    r = rmssd_from_rr([800, 810, 790, 805])
    assert r.rmssd_ms == pytest.approx(15.5456, abs=1e-4)
    assert r.ln_rmssd == pytest.approx(math.log(15.5456), abs=1e-5)
    assert (r.n_beats, r.n_artefacts, r.n_pairs) == (4, 0, 3)
    assert r.artefact_share == 0.0
    # 60000 / mean(800, 810, 790, 805) = 60000 / 801.25
    assert r.mean_hr_bpm == pytest.approx(74.883, abs=1e-3)


def test_result_is_frozen():
    r = rmssd_from_rr([800, 810, 790, 805])
    assert isinstance(r, RmssdResult)
    with pytest.raises(AttributeError):
        r.rmssd_ms = 1.0  # type: ignore[misc]


def test_ectopic_pair_is_removed_and_not_bridged():
    # clean beats alternate 1000/1020 (every successive difference is 20 ms -> rMSSD 20);
    # a premature beat (500) and its compensatory pause (1600) replace beats 10 and 11.
    rr = [1000.0, 1020.0] * 10
    rr[10], rr[11] = 500.0, 1600.0
    r = rmssd_from_rr(rr)
    assert r.n_artefacts == 2
    assert r.artefact_share == pytest.approx(0.1)
    # 19 pairs, minus the 3 that touch beat 10 or 11 -> 16, all of them +-20 ms
    assert r.n_pairs == 16
    assert r.rmssd_ms == pytest.approx(20.0)
    raw = math.sqrt(np.mean(np.diff(rr) ** 2))
    assert raw > 200  # unfiltered, the two bad beats dominate


def test_removed_beat_breaks_the_chain():
    # beat 3 (1700) is an artefact. Bridging would add the 1000 -> 1100 step (100 ms);
    # not bridging keeps only (0,1), (1,2), (4,5), (5,6): diffs 20, -20, 20, -20 -> 20 ms.
    rr = [1000, 1020, 1000, 1700, 1100, 1120, 1100]
    r = rmssd_from_rr(rr)
    assert accepted_beats(rr).tolist() == [True, True, True, False, True, True, True]
    assert r.n_pairs == 4
    assert r.rmssd_ms == pytest.approx(20.0)


def test_beat_after_an_ectopic_is_kept():
    # Malik's rule against the *previous* beat would also drop the 1000 after the 600;
    # the local median does not.
    rr = [1000.0] * 5 + [600.0] + [1000.0] * 5
    assert accepted_beats(rr).tolist() == [True] * 5 + [False] + [True] * 5


def test_range_rule_and_nan_are_artefacts():
    rr = [250, 1000, 1010, 2100, 1005, float("nan"), 995]
    ok = accepted_beats(rr)
    assert ok.tolist() == [False, True, True, False, True, False, True]
    r = rmssd_from_rr(rr)
    assert r.n_artefacts == 3
    assert r.n_pairs == 1  # only (1000, 1010) are neighbours that both survive
    assert r.rmssd_ms == pytest.approx(10.0)


def test_twenty_percent_tolerance_is_inclusive():
    # local median 1000: 800 is exactly 20 % off (kept), 790 is 21 % off (rejected)
    assert accepted_beats([1000] * 5 + [800] + [1000] * 5)[5]
    assert not accepted_beats([1000] * 5 + [790] + [1000] * 5)[5]


@pytest.mark.parametrize("rr", [[], [800], [float("nan")] * 3, [100, 5000]])
def test_too_short_or_all_artefacts_gives_nan_not_an_error(rr):
    r = rmssd_from_rr(rr)
    assert math.isnan(r.rmssd_ms) and math.isnan(r.ln_rmssd)
    assert r.n_pairs == 0
    assert r.n_beats == len(rr)


def test_constant_series_has_zero_rmssd_and_no_log():
    r = rmssd_from_rr([900] * 10)
    assert r.rmssd_ms == 0.0
    assert math.isnan(r.ln_rmssd)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=-100, max_value=5000) | st.just(float("nan")), max_size=200))
def test_invariants(rr):
    r = rmssd_from_rr(rr)
    assert r.n_beats == len(rr)
    assert 0 <= r.n_artefacts <= r.n_beats
    assert 0 <= r.n_pairs <= max(0, r.n_beats - 1)
    if r.n_pairs:
        arr = np.asarray(rr, dtype=float)
        ok = accepted_beats(arr)
        pair = ok[:-1] & ok[1:]
        assert 0 <= r.rmssd_ms <= np.abs(np.diff(arr)[pair]).max() + 1e-9
    else:
        assert math.isnan(r.rmssd_ms)
