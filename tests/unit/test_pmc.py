"""PMC (CTL/ATL/TSB), ramp, ACWR, monotony and strain: worked examples and invariants.

References used for the expected numbers (never the code under test):
- GoldenCheetah src/Metrics/PMCData.cpp (master, 2014-): ``lte = exp(-1.0/ltsDays)``,
  ``lts = stress*(1-lte) + lastLTS*lte``, SB shown the day after (``sb_[day+1]``).
- Runalyze inc/core/Calculation/Performance/TSB.php (``lambda = 2/(N+1)``, ``restDays``) and its
  tests/inc/core/Calculation/Performance/TSBTest.php; Runalyze Monotony.php and MonotonyTest.php.
- TrainingPeaks: ``CTL_today = CTL_yesterday + (TSS_today - CTL_yesterday) / N``.
- Williams et al. 2017, Br J Sports Med 51:209: ``EWMA_today = load*lambda + (1-lambda)*EWMA_yest``,
  ``lambda = 2/(N+1)``.
- Foster 1998, Med Sci Sports Exerc 30:1164: monotony = mean / SD of the week's daily loads,
  strain = weekly load x monotony.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coachkit.features.daily import daily_load, daily_load_many
from coachkit.features.form import load_to_reach_tsb, rest_days_until_tsb
from coachkit.features.pmc import CONVENTIONS, acwr, monotony_strain, pmc, project_pmc
from coachkit.features.pmc_many import pmc_many

# Runalyze TSBTest::testSimpleExample (days 0..7), extended with two rest days
LOADS_10 = [150.0, 50, 40, 0, 0, 60, 30, 100, 0, 0]
DAYS_10 = pd.date_range("2024-03-04", periods=10, freq="D")

# Worked by hand, x_t = x_{t-1} + a (load_t - x_{t-1}) from 0, TSB_t = CTL_{t-1} - ATL_{t-1}.
EXPECTED_10 = {
    # a_c = 1 - e^(-1/42) = 0.0235283, a_a = 1 - e^(-1/7) = 0.1331221
    # day 0: CTL = 0.0235283 * 150 = 3.5292; ATL = 0.1331221 * 150 = 19.9683; TSB = 0 - 0 = 0
    # day 1: CTL = 3.5292 + 0.0235283 * (50 - 3.5292) = 4.6226;
    #        ATL = 19.9683 + 0.1331221 * (50 - 19.9683) = 23.9662; TSB = 3.5292 - 19.9683 = -16.4391
    "exp": {
        "ctl": [3.5292, 4.6226, 5.4550, 5.3266, 5.2013, 6.4906, 7.0438, 9.2309, 9.0137, 8.8016],
        "atl": [19.9683, 23.9662, 26.1006, 22.6261, 19.6140, 24.9903, 25.6572, 35.5539, 30.8209,
                26.7179],
        "tsb": [0.0, -16.4391, -19.3436, -20.6457, -17.2994, -14.4127, -18.4997, -18.6134,
                -26.3230, -21.8072],
    },
    # day 0: CTL = 150 / 42 = 3.5714; ATL = 150 / 7 = 21.4286
    # day 1: CTL = 3.5714 + (50 - 3.5714) / 42 = 4.6769; ATL = 21.4286 + (50 - 21.4286) / 7 = 25.5102
    #        TSB = 3.5714 - 21.4286 = -17.8571
    "1/N": {
        "ctl": [3.5714, 4.6769, 5.5179, 5.3865, 5.2583, 6.5616, 7.1197, 9.3311, 9.1090, 8.8921],
        "atl": [21.4286, 25.5102, 27.5802, 23.6401, 20.2630, 25.9397, 26.5197, 37.0169, 31.7288,
                27.1961],
        "tsb": [0.0, -17.8571, -20.8333, -22.0623, -18.2536, -15.0047, -19.3781, -19.4000,
                -27.6858, -22.6198],
    },
    # a_c = 2/43 = 0.0465116, a_a = 2/8 = 0.25
    # day 0: CTL = 150 * 2/43 = 6.9767; ATL = 150 * 0.25 = 37.5
    # day 1: CTL = 6.9767 + (50 - 6.9767) * 2/43 = 8.9778; ATL = 37.5 + (50 - 37.5) * 0.25 = 40.625
    #        TSB = 6.9767 - 37.5 = -30.5233
    "2/(N+1)": {
        "ctl": [6.9767, 8.9778, 10.4207, 9.9360, 9.4739, 11.8239, 12.6693, 16.7312, 15.9530,
                15.2110],
        "atl": [37.5, 40.625, 40.4688, 30.3516, 22.7637, 32.0728, 31.5546, 48.6659, 36.4994,
                27.3746],
        "tsb": [0.0, -30.5233, -31.6472, -30.0480, -20.4155, -13.2898, -20.2488, -18.8852,
                -31.9347, -20.5464],
    },
}  # fmt: skip


@pytest.mark.parametrize("convention", list(EXPECTED_10))
def test_ten_day_worked_example_under_each_convention(convention):
    out = pmc(pd.Series(LOADS_10, index=DAYS_10), convention=convention)
    assert list(out.columns) == ["load", "ctl", "atl", "tsb", "ramp_7d"]
    assert out.index.equals(DAYS_10)
    for col, expected in EXPECTED_10[convention].items():
        assert out[col].to_numpy() == pytest.approx(expected, abs=6e-5), col
    # ramp_7d = CTL change over 7 days; the day before the series has CTL 0
    ctl = out["ctl"].to_numpy()
    assert out["ramp_7d"].iloc[:6].isna().all()
    assert out["ramp_7d"].iloc[6] == pytest.approx(ctl[6] - 0.0)
    assert out["ramp_7d"].iloc[9] == pytest.approx(ctl[9] - ctl[2])


def test_runalyze_simple_example_rounded_fitness_and_fatigue():
    # Runalyze TSBTest::testSimpleExample asserts rounded values for days 0..7 (2/(N+1), 42/7)
    out = pmc(pd.Series(LOADS_10), convention="2/(N+1)")
    assert np.round(out["ctl"].iloc[:8]).tolist() == [7, 9, 10, 10, 9, 12, 13, 17]
    assert np.round(out["atl"].iloc[:8]).tolist() == [38, 41, 40, 30, 23, 32, 32, 49]
    # Runalyze's performance is the same day's CTL - ATL (-31 on day 0): ours is shown a day later
    assert round(out["tsb"].iloc[1]) == -31


def test_runalyze_single_workout_decay():
    # Runalyze TSBTest::testSingleWorkout, testFutureFitness, testFutureFatigue: 1000 on day 0
    load = pd.Series([1000.0] + [0.0] * 100)
    out = pmc(load, convention="2/(N+1)")
    assert round(out["ctl"].iloc[0]) == 47 and round(out["atl"].iloc[0]) == 250
    assert round(out["tsb"].iloc[1]) == -203
    fitness_days = [1, 2, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert np.round(out["ctl"].iloc[fitness_days]).tolist() == [
        44, 42, 37, 29, 23, 18, 11, 7, 4, 3, 2, 1, 1, 0
    ]  # fmt: skip
    fatigue_days = [1, 2, 5, 10, 15, 20, 22]
    assert np.round(out["atl"].iloc[fatigue_days]).tolist() == [188, 141, 59, 14, 3, 1, 0]


def test_goldencheetah_exp_single_ride_and_next_day_stress_balance():
    # PMCData.cpp: lts = 1000 * (1 - exp(-1/42)) = 23.5283, sts = 1000 * (1 - exp(-1/7)) = 133.1221;
    # SB is shown on the following day: 23.5283 - 133.1221 = -109.5938
    out = pmc(pd.Series([1000.0, 0.0]))
    assert out["ctl"].iloc[0] == pytest.approx(23.5283, abs=1e-4)
    assert out["atl"].iloc[0] == pytest.approx(133.1221, abs=1e-4)
    assert out["tsb"].iloc[0] == 0.0
    assert out["tsb"].iloc[1] == pytest.approx(-109.5938, abs=1e-4)


def test_conventions_are_the_documented_formulas():
    assert CONVENTIONS["exp"](42) == pytest.approx(0.0235283, abs=1e-7)
    assert CONVENTIONS["1/N"](42) == pytest.approx(1 / 42)
    assert CONVENTIONS["2/(N+1)"](7) == 0.25
    with pytest.raises(ValueError, match="unknown PMC convention"):
        pmc(pd.Series([1.0]), convention="ewma")


def test_initial_state_and_first_tsb():
    out = pmc(pd.Series([0.0, 0.0]), ctl0=60.0, atl0=80.0, convention="1/N")
    assert out["tsb"].iloc[0] == -20.0  # yesterday's CTL - ATL
    assert out["ctl"].iloc[0] == pytest.approx(60 - 60 / 42)
    assert out["atl"].iloc[0] == pytest.approx(80 - 80 / 7)


def test_gaps_in_a_dated_series_are_rest_days():
    dated = pd.Series([100.0, 50.0], index=pd.to_datetime(["2024-01-01", "2024-01-04"]))
    full = pd.Series([100.0, 0, 0, 50], index=pd.date_range("2024-01-01", periods=4))
    got = pmc(dated)
    pd.testing.assert_frame_equal(got, pmc(full), check_freq=False)
    assert len(got) == 4 and got["load"].tolist() == [100.0, 0.0, 0.0, 50.0]


# -- load needed today, rest days, projection -------------------------------------------------


def test_load_to_reach_tsb_worked_example():
    # exp: tomorrow's TSB = 0.9764717*50 - 0.8668779*70 - (0.1331221 - 0.0235283) L
    #                     = 48.8236 - 60.6815 - 0.1095938 L = -11.8579 - 0.1095938 L
    # target -15: L = (-11.8579 + 15) / 0.1095938 = 28.6707
    assert load_to_reach_tsb(50.0, 70.0, -15.0) == pytest.approx(28.6707, abs=1e-4)
    # target -10: even a rest day leaves TSB at -11.86 < -10, so the answer is rest (0)
    assert load_to_reach_tsb(50.0, 70.0, -10.0) == 0.0


@pytest.mark.parametrize("convention", list(CONVENTIONS))
@pytest.mark.parametrize("ctl,atl,target", [(50, 70, -15), (80, 60, 5), (30, 30, -20)])
def test_load_to_reach_tsb_round_trip(convention, ctl, atl, target):
    load = load_to_reach_tsb(ctl, atl, target, convention=convention)
    assert load > 0
    out = pmc(pd.Series([load, 0.0]), ctl0=ctl, atl0=atl, convention=convention)
    assert out["tsb"].iloc[1] == pytest.approx(target, abs=1e-9)  # tomorrow's TSB


def test_rest_days_until_tsb_matches_runalyze_rest_days():
    # Runalyze TSB::restDays = log(ctl/atl) / log((1-la)/(1-lc)) for 2/(N+1):
    # log(50/80) / log(0.75 / (41/43)) = -0.470004 / -0.240048 = 1.958 -> 2 whole rest days
    assert rest_days_until_tsb(50, 80, convention="2/(N+1)") == 2
    # exp: log(60/90) / log(0.8668779/0.9764717) = 3.406 -> 4
    assert rest_days_until_tsb(60, 90) == 4
    assert rest_days_until_tsb(90, 60) == 0  # already fresh
    assert rest_days_until_tsb(0, 0, target_tsb=5) is None  # TSB stays 0: never +5
    assert rest_days_until_tsb(60, 200, max_days=3) is None


@pytest.mark.parametrize("convention", list(CONVENTIONS))
def test_rest_days_round_trip(convention):
    ctl, atl, target = 55.0, 85.0, -3.0
    n = rest_days_until_tsb(ctl, atl, target, convention=convention)
    out = pmc(pd.Series(np.zeros(n + 1)), ctl0=ctl, atl0=atl, convention=convention)
    tsb = out["tsb"].to_numpy()  # tsb[k] = form after k rest days
    assert tsb[n] >= target and (tsb[:n] < target).all()


def test_project_pmc_continues_the_history():
    history = pd.Series(LOADS_10, index=DAYS_10)
    plan = pd.Series([80.0, 0.0, 120.0], index=pd.date_range("2024-03-14", periods=3))
    done = pmc(history)
    projected = project_pmc(done.iloc[-1], plan)
    whole = pmc(pd.concat([history, plan]))
    cols = ["load", "ctl", "atl", "tsb"]
    pd.testing.assert_frame_equal(projected[cols], whole[cols].iloc[10:], check_freq=False)
    assert "estimate" in projected.attrs["note"]
    # with the whole frame, the ramp of the first projected days is known too
    with_ramp = project_pmc(done, plan)
    assert with_ramp["ramp_7d"].to_numpy() == pytest.approx(whole["ramp_7d"].iloc[10:].to_numpy())
    # a plan that starts two days later: the day in between is a rest day
    later = project_pmc(done.iloc[-1], plan.iloc[1:].set_axis(plan.index[1:] + pd.Timedelta("1D")))
    assert later.index[0] == pd.Timestamp("2024-03-14") and later["load"].iloc[0] == 0.0
    with pytest.raises(ValueError, match="before"):
        project_pmc(done.iloc[-1], history)


def test_project_pmc_from_a_plain_mapping():
    out = project_pmc({"ctl": 50.0, "atl": 60.0}, pd.Series([0.0, 0.0]), convention="1/N")
    assert out["tsb"].iloc[0] == -10.0
    assert out["ctl"].iloc[0] == pytest.approx(50 * 41 / 42)


# -- ACWR, monotony, strain -------------------------------------------------------------------


def test_acwr_worked_example_and_warm_up():
    # acute_days=1 -> lambda 1 (today's load); chronic_days=3 -> lambda 0.5. Loads 10, 20, 30:
    # chronic EWMA from 0: 5, 12.5, 21.25; / (1 - 0.5^3) = 24.2857 (= (30 + 10 + 2.5) / 1.75, the
    # weights 1, 0.5, 0.25 of pandas' ewm(adjust=True)); ratio 30 / 24.2857 = 1.2353
    out = acwr(pd.Series([10.0, 20.0, 30.0]), acute_days=1, chronic_days=3)
    assert out.iloc[:2].isna().all()
    assert out.iloc[2] == pytest.approx(1.235294, abs=1e-6)


def test_acwr_williams_default_spike():
    # 28 days at 100 then 200 (lambda 0.25 and 2/29): acute 125.0060, chronic 107.8898 -> 1.1586
    out = acwr(pd.Series([100.0] * 28 + [200.0]))
    assert out.iloc[:27].isna().all()
    assert out.iloc[27] == pytest.approx(1.0)
    assert out.iloc[28] == pytest.approx(1.158644, abs=1e-6)


def test_acwr_is_documented_as_descriptive():
    doc = acwr.__doc__.lower()
    assert "descriptive only" in doc and "never a risk score" in doc and "impellizzeri" in doc


def test_monotony_and_strain_runalyze_week():
    # Runalyze MonotonyTest::testAnotherSimpleExample: 5,15,20,20,20,25,35 -> 20/8.45, 140*20/8.45
    out = monotony_strain(pd.Series([5.0, 15, 20, 20, 20, 25, 35]))
    assert out["monotony"].iloc[:6].isna().all()
    assert out["monotony"].iloc[6] == pytest.approx(20 / 8.45, abs=0.01)
    assert out["strain"].iloc[6] == pytest.approx(140 * 20 / 8.45, abs=0.5)
    assert out["weekly_load"].iloc[6] == 140.0


def test_monotony_and_strain_week_with_rest_days_by_hand():
    # sRPE week 300, 0, 420, 240, 0, 600, 180: total 1740, mean 248.5714;
    # squared deviations 2644.9 + 61787.8 + 29387.8 + 73.5 + 61787.8 + 123502.0 + 4702.0
    # = 283885.7; / 7 = 40555.10; SD 201.3830; monotony 248.5714 / 201.3830 = 1.23432;
    # strain 1740 * 1.23432 = 2147.72
    out = monotony_strain(pd.Series([300.0, 0, 420, 240, 0, 600, 180]))
    assert out["monotony"].iloc[-1] == pytest.approx(1.23432, abs=1e-5)
    assert out["strain"].iloc[-1] == pytest.approx(2147.72, abs=0.01)


def test_monotony_edge_weeks():
    out = monotony_strain(pd.Series([0.0] * 7 + [50.0] * 7))
    assert np.isnan(out["monotony"].iloc[6]) and out["strain"].iloc[6] == 0.0  # a week of rest
    assert out["monotony"].iloc[13] == 10.0  # identical days: SD 0, capped as Runalyze
    assert out["strain"].iloc[13] == 3500.0


# -- daily load -------------------------------------------------------------------------------


def _acts(**cols):
    base = {
        "athlete_id": "a",
        "activity_id": [f"r{i}" for i in range(len(cols["start_time"]))],
        "quality_flags": "",
    }
    df = pd.DataFrame({**base, **cols})
    df["start_time"] = pd.to_datetime(df["start_time"], utc=True)
    df["utc_offset_s"] = df["utc_offset_s"].astype("Int64")
    return df


def test_daily_load_uses_the_local_day_and_fills_gaps():
    acts = _acts(
        start_time=["2024-03-01T23:30Z", "2024-03-01T23:30Z", "2024-03-04T06:00Z"],
        utc_offset_s=[3600, None, -7200],  # +1 h: 2 March locally; unknown: UTC day; -2 h: 4 March
        load=[50.0, 30.0, 70.0],
    )
    before = acts.copy()
    out = daily_load(acts)
    pd.testing.assert_frame_equal(acts, before)  # input untouched
    assert out.name == "load" and out.index.freqstr == "D" and out.index.tz is None
    assert out.to_dict() == {
        pd.Timestamp("2024-03-01"): 30.0,
        pd.Timestamp("2024-03-02"): 50.0,
        pd.Timestamp("2024-03-03"): 0.0,
        pd.Timestamp("2024-03-04"): 70.0,
    }
    ranged = daily_load(acts, start="2024-02-28", end="2024-03-02")
    assert ranged.index[0] == pd.Timestamp("2024-02-28") and len(ranged) == 4
    assert ranged.sum() == 80.0  # the 4 March run is outside the range


def test_daily_load_overrides_excluded_and_duplicate_activities():
    acts = _acts(
        start_time=["2024-03-01T08:00Z", "2024-03-01T18:00Z", "2024-03-01T18:00Z"],
        utc_offset_s=[0, 0, 0],
        load=[50.0, np.nan, 40.0],
    )
    acts.loc[2, "quality_flags"] = "gps_gaps;duplicate_of:r1"
    assert daily_load(acts).tolist() == [50.0]  # NaN counts 0, the duplicate is left out
    loads = pd.DataFrame({"activity_id": ["r0", "r1"], "load": [np.nan, 25.0]})
    assert daily_load(acts, loads).tolist() == [25.0]  # r0 excluded by the override
    assert daily_load(acts.iloc[:0]).empty


def test_daily_load_many_per_athlete():
    acts = _acts(
        start_time=["2024-03-01T08:00Z", "2024-03-02T08:00Z", "2024-03-01T20:00Z"],
        utc_offset_s=[0, 0, 18000],
        load=[10.0, 20.0, 30.0],
    )
    acts["athlete_id"] = ["a", "a", "b"]
    out = daily_load_many(acts)
    assert out.to_dict("list") == {
        "athlete_id": ["a", "a", "b"],
        "date": [
            pd.Timestamp("2024-03-01"),
            pd.Timestamp("2024-03-02"),
            pd.Timestamp("2024-03-02"),
        ],
        "load": [10.0, 20.0, 30.0],
    }


# -- many athletes ----------------------------------------------------------------------------


def test_pmc_many_gaps_end_and_rows():
    frame = pd.DataFrame(
        {
            "athlete_id": ["b", "a", "a", "a"],
            "date": pd.to_datetime(["2024-01-03", "2024-01-01", "2024-01-03", "2024-01-03"]),
            "load": [40.0, 30.0, 10.0, 10.0],  # a's two rows on 3 January add up
        }
    )
    before = frame.copy()
    out = pmc_many(frame, end="2024-01-05")
    pd.testing.assert_frame_equal(frame, before)
    assert out.groupby("athlete_id").size().to_dict() == {"a": 5, "b": 3}
    a = out[out["athlete_id"] == "a"]
    assert a["load"].tolist() == [30.0, 0.0, 20.0, 0.0, 0.0]
    assert a["ctl"].to_numpy() == pytest.approx(pmc(pd.Series([30.0, 0, 20, 0, 0]))["ctl"])
    sparse = pmc_many(frame, fill_gaps=False)
    assert len(sparse) == 3 and sparse["load"].tolist() == [30.0, 20.0, 40.0]
    assert pmc_many(frame.iloc[:0]).empty


# -- properties -------------------------------------------------------------------------------

loads_st = st.lists(st.floats(0, 500, allow_nan=False), min_size=1, max_size=60)
coef_st = st.floats(-3, 3, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(loads_st, loads_st, coef_st, coef_st, st.sampled_from(list(CONVENTIONS)))
def test_pmc_is_linear_in_load(x, y, a, b, convention):
    n = min(len(x), len(y))
    x, y = np.array(x[:n]), np.array(y[:n])
    cols = ["ctl", "atl", "tsb", "ramp_7d"]
    combo = pmc(pd.Series(a * x + b * y), convention=convention)[cols]
    parts = (
        a * pmc(pd.Series(x), convention=convention)[cols]
        + b * pmc(pd.Series(y), convention=convention)[cols]
    )
    np.testing.assert_allclose(combo.to_numpy(), parts.to_numpy(), atol=1e-8, rtol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.floats(1, 1000), st.sampled_from(list(CONVENTIONS)))
def test_constant_load_tends_to_zero_tsb(level, convention):
    out = pmc(pd.Series(np.full(600, level)), convention=convention)
    assert abs(out["tsb"].iloc[-1]) < 1e-4 * level
    assert out["ctl"].iloc[-1] == pytest.approx(level, rel=1e-4)


@settings(max_examples=60, deadline=None)
@given(loads_st, st.floats(0, 200), st.floats(0, 200), st.sampled_from(list(CONVENTIONS)))
def test_non_negative_load_gives_non_negative_ctl_and_atl(x, ctl0, atl0, convention):
    out = pmc(pd.Series(x), ctl0=ctl0, atl0=atl0, convention=convention)
    assert (out["ctl"] >= 0).all() and (out["atl"] >= 0).all()


athlete_days_st = st.lists(
    st.tuples(st.sampled_from(["x", "y", "z"]), st.integers(0, 60), st.floats(0, 300)),
    min_size=1,
    max_size=80,
)


@settings(max_examples=40, deadline=None)
@given(athlete_days_st)
def test_pmc_many_equals_per_athlete_functions(rows):
    frame = pd.DataFrame(rows, columns=["athlete_id", "day", "load"])
    frame["date"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(frame.pop("day"), unit="D")
    out = pmc_many(frame)
    for athlete, got in out.groupby("athlete_id"):
        series = frame[frame["athlete_id"] == athlete].set_index("date")["load"]
        ref = pd.concat(
            [pmc(series), acwr(series), monotony_strain(series)[["monotony", "strain"]]], axis=1
        )
        assert got["date"].tolist() == list(ref.index)
        for col in ["load", "ctl", "atl", "tsb", "ramp_7d", "acwr", "monotony", "strain"]:
            np.testing.assert_allclose(got[col], ref[col], rtol=1e-12, atol=1e-9, err_msg=col)


def test_alpha_checks():
    with pytest.raises(ValueError, match="positive"):
        pmc(pd.Series([1.0]), ctl_days=0)
    with pytest.raises(ValueError, match="differ"):
        load_to_reach_tsb(50, 60, 0, ctl_days=7, atl_days=7)
    assert math.isnan(acwr(pd.Series([0.0] * 30)).iloc[-1])  # no chronic load: no ratio
