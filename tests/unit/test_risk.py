"""Risk features, the evidence layer (each published rule with its numbers), the individual
layer, and the sklearn contract of InjuryRiskModel."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from coachkit.features.risk import RISK_FEATURE_COLUMNS, risk_features
from coachkit.models.risk import MODEL_COLUMNS, InjuryRiskModel, grouped_cv_report
from coachkit.models.risk_evidence import assess_risk, risk_contributions, risk_timeline
from coachkit.models.risk_factors import spike_band
from coachkit.models.risk_personal import injury_labels, personal_risk

DAY = pd.Timestamp("2024-03-31")


def _acts(runs: list[tuple[str, float]], sport: str = "run", **extra: list) -> pd.DataFrame:
    """Activities (docs/design.md §3) from (date, distance_m); 6 min/km, starting 07:00 UTC."""
    frame = pd.DataFrame(
        {
            "athlete_id": "a",
            "activity_id": [f"r{i}" for i in range(len(runs))],
            "sport": sport,
            "start_time": pd.to_datetime([f"{d} 07:00" for d, _ in runs], utc=True),
            "utc_offset_s": 0,
            "distance_m": [float(m) for _, m in runs],
            "moving_time_s": [m * 0.36 for _, m in runs],
            "elapsed_time_s": [m * 0.36 for _, m in runs],
            "avg_hr": np.nan,
            "quality_flags": "",
        }
    )
    for name, values in extra.items():
        frame[name] = values
    return frame


def _history(today_m: float | None, longest_m: float = 17000.0) -> pd.DataFrame:
    """Easy 8 km runs every 3 days in March, one 17 km long run on 10 March, and today's run."""
    days = pd.date_range("2024-03-01", "2024-03-28", freq="3D")
    runs = [(d.date().isoformat(), 8000.0) for d in days]
    runs.append(("2024-03-10", longest_m))
    if today_m is not None:
        runs.append((DAY.date().isoformat(), today_m))
    return _acts(runs)


def _spike_factor(today_m: float):
    assessment = assess_risk(risk_features(_history(today_m)), DAY)
    return next((f for f in assessment.factors if f.code == "long_run_spike"), None), assessment


# --- the spike rule: Frandsen et al. 2025, Br J Sports Med (Garmin-RUNSAFE, 5,205 runners):
# a session > 10 % longer than the longest run of the previous 30 days; hazard rate ratios
# 1.64 (> 10-30 %), 1.52 (> 30-100 %), 2.28 (> 100 %); reference: up to a 10 % increase.


def test_a_run_exactly_10_percent_longer_gives_no_spike_flag():
    factor, assessment = _spike_factor(18700.0)  # 17 km x 1.10
    assert factor is None
    assert assessment.score == 0.0 and assessment.level == "low"


def test_a_run_11_percent_longer_is_a_small_spike_with_hazard_ratio_1_64():
    factor, assessment = _spike_factor(18870.0)  # 17 km x 1.11
    assert factor is not None and factor.relative_risk == pytest.approx(1.64)
    assert factor.weight == pytest.approx(math.log(1.64))
    assert "Frandsen" in factor.source and "1.64" in factor.source
    assert assessment.score == pytest.approx(100 * (1 - 1 / 1.64), abs=0.05)  # 39.0
    assert assessment.level == "moderate"


def test_a_run_50_percent_longer_is_a_moderate_spike_with_hazard_ratio_1_52():
    factor, _ = _spike_factor(25500.0)  # 17 km x 1.50
    assert factor.relative_risk == pytest.approx(1.52)
    assert "moderate spike" in factor.text


def test_a_run_120_percent_longer_is_a_large_spike_with_hazard_ratio_2_28():
    factor, assessment = _spike_factor(37400.0)  # 17 km x 2.20
    assert factor.relative_risk == pytest.approx(2.28)
    assert assessment.level == "high"  # RR >= 2


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [(1.0, None), (1.10, None), (1.1000001, ("small", 1.64)), (1.30, ("small", 1.64)),
     (1.31, ("moderate", 1.52)), (2.0, ("moderate", 1.52)), (2.01, ("large", 2.28)),
     (0.5, None), (float("nan"), None)],
)  # fmt: skip
def test_spike_bands_follow_the_published_category_edges(ratio, expected):
    assert spike_band(ratio) == expected


def test_the_spike_text_names_the_run_the_increase_and_the_reference():
    factor, _ = _spike_factor(24000.0)
    assert factor.text.startswith(
        "today's 24.0 km is 41 % longer than your longest run in the previous 30 days (17.0 km)"
    )
    assert factor.value == pytest.approx(24 / 17)


def test_runs_older_than_30_days_and_today_itself_are_not_the_reference():
    acts = _acts([("2024-02-29", 30000.0), ("2024-03-02", 17000.0), ("2024-03-31", 20000.0)])
    row = risk_features(acts).loc[DAY]
    # 29 Feb is 31 days before 31 Mar: outside "the previous 30 days"
    assert row["longest_30d_m"] == 17000.0
    assert row["spike_distance_ratio"] == pytest.approx(20 / 17)


def test_rides_never_make_a_spike_and_only_the_longest_run_of_a_day_counts():
    acts = pd.concat(
        [
            _acts([("2024-03-20", 10000.0), ("2024-03-31", 5000.0), ("2024-03-31", 10500.0)]),
            _acts([("2024-03-31", 100000.0)], sport="ride").assign(activity_id="ride"),
        ]
    )
    row = risk_features(acts).loc[DAY]
    assert row["session_distance_m"] == 10500.0 and row["spike_distance_ratio"] == 1.05
    assert assess_risk(risk_features(acts)).factors == []


def test_a_gps_jump_is_not_a_spike():
    acts = _acts([("2024-03-20", 10000.0), ("2024-03-31", 60000.0)])
    acts["quality_flags"] = ["", "speed_implausible"]
    assert np.isnan(risk_features(acts).loc[DAY, "spike_distance_ratio"])
    cleaned = acts.assign(moving_distance_m=[np.nan, 10500.0])  # the activity table's column
    assert risk_features(cleaned).loc[DAY, "spike_distance_ratio"] == pytest.approx(1.05)


def test_without_a_distance_the_rule_runs_on_duration():
    acts = _acts([("2024-03-20", 10000.0), ("2024-03-31", 10000.0)])
    acts["distance_m"] = np.nan
    acts.loc[1, ["moving_time_s", "elapsed_time_s"]] = 3600 * 1.5  # 1 h -> 1.5 h
    factor = assess_risk(risk_features(acts)).factors[0]
    assert factor.code == "long_run_spike" and factor.relative_risk == pytest.approx(1.52)
    assert "90 min" in factor.text and "(duration)" in factor.source


def test_a_planned_run_is_judged_before_it_is_run():
    planned = pd.DataFrame({"date": [DAY], "kind": ["long"], "distance_m": [24000.0]})
    features = risk_features(_history(None), as_of=DAY, planned=planned)
    assert bool(features.loc[DAY, "session_planned"])
    factor = assess_risk(features).factors[0]
    assert factor.code == "long_run_spike"
    assert factor.text.startswith("today's planned 24.0 km is 41 % longer")


def test_missed_and_past_planned_runs_do_not_count():
    planned = pd.DataFrame(
        {"date": [pd.Timestamp("2024-03-20"), DAY], "distance_m": [40000.0, 40000.0],
         "status": ["planned", "missed"]}
    )  # fmt: skip
    features = risk_features(_history(None), as_of=DAY, planned=planned)
    assert not features["session_planned"].any()


def test_high_risk_from_a_planned_spike_caps_the_long_run_and_adds_recovery():
    """Hand-off to the coach (docs/design.md §7): cap at 1.1 x the 30-day longest, add recovery."""
    planned = pd.DataFrame({"date": [DAY], "kind": ["long"], "distance_m": [40000.0]})
    a = assess_risk(risk_features(_history(None), as_of=DAY, planned=planned))
    assert a.level == "high" and a.factors[0].code == "long_run_spike"
    assert a.long_run_cap_m == pytest.approx(18700.0)  # 1.1 x 17 km
    assert any("cap the long run at 18.7 km (1.1 × your 30-day longest" in c for c in a.changes)
    assert a.add_recovery_day and any("recovery day" in c for c in a.changes)


def test_acwr_and_a_weekly_jump_are_not_risk_factors():
    # Impellizzeri et al. 2020; Buist et al. 2008: 3 weeks of 10 km, then a week of 3 x 10 km
    days = [*pd.date_range("2024-03-01", periods=3, freq="7D"), *pd.date_range("2024-03-22", periods=3, freq="2D")]  # fmt: skip
    features = risk_features(_acts([(d.date().isoformat(), 10000.0) for d in days]))
    assert features["weekly_change_pct"].max() >= 200
    assert risk_timeline(features)["factor_codes"].eq("").all()


def test_the_table_has_one_row_per_day_up_to_as_of_and_reads_nothing_later():
    acts = _history(24000.0)
    before = acts.copy(deep=True)
    features = risk_features(acts, as_of="2024-04-10")
    assert list(features.columns) == list(RISK_FEATURE_COLUMNS)
    assert features.index[0] == pd.Timestamp("2024-03-01")
    assert (features.index.to_series().diff().dropna() == pd.Timedelta(days=1)).all()
    assert features.index[-1] == pd.Timestamp("2024-04-10")
    cut = risk_features(acts, as_of="2024-03-30")
    assert cut.index[-1] == pd.Timestamp("2024-03-30") and cut["session_distance_m"].max() == 17000
    pd.testing.assert_frame_equal(acts, before)


def test_weekly_volume_long_run_share_and_days_since_rest():
    acts = _acts(
        [(d.date().isoformat(), 5000.0) for d in pd.date_range("2024-03-01", "2024-03-14")]
    )
    features = risk_features(acts)
    last = features.iloc[-1]
    assert last["weekly_km"] == pytest.approx(35.0) and last["long_run_share"] == pytest.approx(
        1 / 7
    )
    assert last["days_since_rest"] == 14 and last["weekly_change_pct"] == pytest.approx(0.0)


def _steady_loads(n_days: int = 21) -> pd.DataFrame:
    days = pd.date_range("2024-03-01", periods=n_days)
    return _acts([(d.date().isoformat(), 10000.0) for d in days], load=[60.0] * n_days)


def test_monotony_is_an_overtraining_factor_not_an_injury_one():
    # Foster 1998: monotony > 2; identical daily loads have SD 0, monotony capped at 10
    a = assess_risk(risk_features(_steady_loads()))
    assert a.factors == []
    codes = [f.code for f in a.overtraining.factors]
    assert "monotony" in codes and "no_rest_day" in codes
    assert any("vary the days" in c for c in a.changes)


def _wellness(n: int, last_week_rmssd: float = 40.0, last_week_rhr: float = 50.0) -> pd.DataFrame:
    days = pd.date_range(end=DAY, periods=n)
    rmssd = np.where(np.arange(n) % 2 == 0, 50.0, 60.0)
    rhr = np.where(np.arange(n) % 2 == 0, 48.0, 52.0)
    rmssd[-7:], rhr[-7:] = last_week_rmssd, last_week_rhr
    return pd.DataFrame(
        {"date": days, "rmssd_ms": rmssd, "resting_hr": rhr, "sleep_s": 6 * 3600.0,
         "source": "hrv4training"}
    )  # fmt: skip


def test_hrv_below_its_band_resting_hr_up_and_short_sleep_are_overtraining_factors():
    w = _wellness(90, last_week_rmssd=40.0, last_week_rhr=58.0)
    features = risk_features(_history(8000.0), wellness=w, as_of=DAY)
    row = features.loc[DAY]
    assert row["hrv_below_days"] >= 3 and row["rhr_above_bpm"] == pytest.approx(8.0)
    assert row["sleep_h_7d"] == pytest.approx(6.0)
    a = assess_risk(features)
    codes = {f.code: f for f in a.overtraining.factors}
    assert {"hrv_suppressed", "rhr_elevated", "poor_sleep"} <= set(codes)
    assert a.overtraining.level == "high" and a.level == "low"  # reported apart
    assert "lnRMSSD" in codes["hrv_suppressed"].text and "8.0 bpm" in codes["rhr_elevated"].text
    assert any(c.startswith("add a recovery day") for c in a.changes) and a.add_recovery_day


def test_niggles_illness_hr_residuals_and_rpe_above_plan():
    acts = _history(8000.0)
    feedback = pd.DataFrame(
        {"date": [DAY - pd.Timedelta(days=2), DAY], "rpe": [np.nan, 8.0],
         "niggle_site": ["Calf", None], "niggle_severity": [4.0, np.nan],
         "illness": pd.array([False, True], dtype="boolean")}
    )  # fmt: skip
    residuals = pd.Series({"r8": 6.0, "r9": 7.0, str(acts["activity_id"].iloc[-1]): 8.0})
    plan_rpe = pd.Series([5.0], index=[DAY])
    features = risk_features(
        acts, feedback=feedback, hr_residuals=residuals, plan_rpe=plan_rpe, as_of=DAY
    )
    row = features.loc[DAY]
    assert row["niggle_severity_max_7d"] == 4 and row["niggle_sites"] == "calf"
    assert row["illness_days_7d"] == 1 and row["rpe_above_plan"] == 3
    a = assess_risk(features)
    niggle = next(f for f in a.factors if f.code == "niggle")
    assert niggle.relative_risk == pytest.approx(1.5) and "calf" in niggle.text
    assert "judgement" in niggle.source
    over = {f.code for f in a.overtraining.factors}
    assert {"illness", "rpe_above_plan"} <= over
    assert row["hr_residual_n_7d"] >= 1


def test_every_elevated_day_has_factors_and_the_score_is_the_attributable_fraction():
    planned = pd.DataFrame({"date": [DAY], "distance_m": [24000.0]})
    features = risk_features(_history(None), wellness=_wellness(90), planned=planned, as_of=DAY)
    timeline = risk_timeline(features)
    assert timeline.index.equals(features.index)
    elevated = timeline[(timeline["level"] != "low") | (timeline["score"] > 0)]
    assert len(elevated) and elevated["factor_codes"].str.len().gt(0).all()
    assert np.allclose(timeline["score"], (100 * (1 - 1 / timeline["relative_risk"])).round(1))
    contributions = risk_contributions(features)
    injury_cols = [c for c in contributions if not c.startswith("overtraining:")]
    assert np.allclose(contributions[injury_cols].sum(axis=1), np.log(timeline["relative_risk"]))


def test_to_dict_is_json_with_score_and_factor_codes_and_texts():
    planned = pd.DataFrame({"date": [DAY], "distance_m": [24000.0]})
    a = assess_risk(risk_features(_history(None), planned=planned, as_of=DAY))
    data = json.loads(json.dumps(a.to_dict()))
    assert data["score"] == a.score and data["factors"][0]["code"] == "long_run_spike"
    assert {"code", "text", "weight", "source"} <= set(data["factors"][0])
    assert "overtraining" in data and data["changes"]
    assert "24.0 km" in a.explanation and "0 % personal" in a.explanation


def test_intensity_from_average_hr_when_there_are_no_zone_seconds():
    days = pd.date_range("2024-03-01", periods=10, freq="2D")
    acts = _acts([(d.date().isoformat(), 10000.0) for d in days])
    acts["avg_hr"] = [140.0] * 7 + [185.0] * 3
    acts["max_hr"] = 190.0
    row = risk_features(acts).iloc[-1]
    assert row["intensity_share"] > 0.3 and row["hard_sessions_7d"] >= 2


def test_zone_seconds_of_the_activity_table_are_used_when_present():
    acts = _history(8000.0).assign(easy=1200.0, moderate=0.0, hard=0.0)
    acts.loc[acts["start_time"] >= "2024-03-28", "hard"] = 900.0  # 28 and 31 March
    row = risk_features(acts).loc[DAY]
    assert row["hard_sessions_7d"] == 2
    assert row["intensity_share"] == pytest.approx(1800 / (3 * 1200 + 1800))  # 25, 28, 31 March


# --- the individual layer


def _niggly_runner() -> tuple[pd.DataFrame, pd.DataFrame]:
    """16 weeks of 4 easy runs; in weeks 5 and 11 three of them are hard (15 min above LTHR),
    and a calf niggle follows each of those weeks."""
    start = pd.Timestamp("2024-01-01")
    rows, hard = [], []
    for week in range(16):
        for day in (0, 2, 4, 6):
            date = start + pd.Timedelta(days=7 * week + day)
            rows.append((date.date().isoformat(), 8000.0))
            hard.append(900.0 if week in (5, 11) and day < 6 else 0.0)
    acts = _acts(rows, easy=[2400.0] * len(rows), moderate=0.0, hard=hard)
    feedback = pd.DataFrame(
        {"date": [start + pd.Timedelta(days=7 * w + 5) for w in (5, 11)],
         "niggle_site": ["calf", "calf"], "niggle_severity": [4.0, 3.0]}
    )  # fmt: skip
    return acts, feedback


def test_personal_triggers_come_from_the_runners_own_niggles():
    acts, feedback = _niggly_runner()
    features = risk_features(acts, feedback=feedback)
    personal = personal_risk(feedback, features)
    assert personal.n_episodes == 2 and personal.personal_share == pytest.approx(0.4)
    trigger = next(t for t in personal.triggers if t.code == "hard_sessions")
    assert trigger.text() == "your last 2 calf niggles followed weeks with > 2 hard sessions"
    # partial pooling: hit share 1 vs day share p (the ratio capped at 5), shrunk by n/(n+3)
    share = float((features["hard_sessions_7d"] > 2).mean())
    assert trigger.relative_risk == pytest.approx(min(1 / share, 5.0) ** 0.4)
    a = assess_risk(features, "2024-04-13", personal=personal)  # no hard week: not active
    assert not any(f.personal for f in a.factors)
    b = assess_risk(
        features, features.index[features["hard_sessions_7d"] > 2][0], personal=personal
    )
    mine = next(f for f in b.factors if f.code == "personal_hard_sessions")
    assert mine.personal and "your last 2 calf niggles" in mine.text
    assert "40 % personal" in b.explanation


def test_a_logged_injury_is_a_factor_for_a_year():
    # Hespanhol Junior et al. 2013: previous running-related injury, OR 1.88
    acts, _ = _niggly_runner()
    feedback = pd.DataFrame({"date": [pd.Timestamp("2024-01-20")], "niggle_site": ["knee"],
                             "niggle_severity": [7.0]})  # fmt: skip
    features = risk_features(acts, feedback=feedback)
    personal = personal_risk(feedback, features)
    assert personal.injury_dates == (pd.Timestamp("2024-01-20"),)
    a = assess_risk(features, "2024-03-01", personal=personal)
    injury = next(f for f in a.factors if f.code == "previous_injury")
    assert injury.relative_risk == pytest.approx(1.88) and "41 days ago" in injury.text
    assert assess_risk(features, "2024-01-25", personal=personal).factors[0].code == "niggle"


def test_no_feedback_means_no_personal_layer():
    features = risk_features(_history(8000.0))
    personal = personal_risk(pd.DataFrame(columns=["date", "niggle_severity"]), features)
    assert personal.n_episodes == 0 and personal.triggers == () and personal.personal_share == 0


# --- the learned layer


@parametrize_with_checks([InjuryRiskModel(), InjuryRiskModel(method="boosting", max_iter=10, cv=2)])
def test_injury_risk_model_follows_the_sklearn_contract(estimator, check):
    with threadpool_limits(limits=1):  # OpenMP threads of the boosting thrash on a busy 2-core box
        check(estimator)


def _labelled(n_athletes: int = 12, n_rows: int = 120, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_athletes * n_rows, 4))
    X[rng.random(X.shape) < 0.05] = np.nan
    logit = -2.5 + 1.5 * np.nan_to_num(X[:, 0])
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y, np.repeat([f"ath{i}" for i in range(n_athletes)], n_rows)


def test_grouped_cv_report_is_by_athlete_and_reports_auc_with_spread():
    X, y, groups = _labelled()
    report = grouped_cv_report(InjuryRiskModel(), X, y, groups, n_splits=4)
    assert report["split"] == "GroupKFold by athlete (4 folds)"
    assert sum(f["n_athletes"] for f in report["folds"]) == 12
    assert 0.7 < report["roc_auc_mean"] <= 1 and report["roc_auc_sd"] >= 0
    assert report["pr_auc_mean"] > report["pr_auc_chance"]
    assert report["brier"] < report["brier_prevalence"]
    json.dumps(report)
    with pytest.raises(ValueError, match="never row-level"):
        grouped_cv_report(InjuryRiskModel(), X, y, None)


def test_calibration_folds_are_grouped_when_groups_are_given():
    X, y, groups = _labelled(n_athletes=6)
    model = InjuryRiskModel(calibration="isotonic").fit(X, y, groups=groups)
    p = model.predict_proba(X)[:, 1]
    assert model.calibrator_ is not None and ((p >= 0) & (p <= 1)).all()
    assert abs(p.mean() - y.mean()) < 0.03  # calibrated: mean prediction near the base rate


def test_the_runners_own_niggles_label_the_days_before_them_for_training():
    acts, feedback = _niggly_runner()
    features = risk_features(acts, feedback=feedback)
    y = injury_labels(feedback, features, horizon_days=7)
    onset = pd.Timestamp("2024-02-10")  # 1 January + 7 x 5 + 5 days
    assert y.loc[onset] == 1 and y.loc[onset - pd.Timedelta(days=6)] == 1
    assert y.loc[onset - pd.Timedelta(days=7)] == 0 and y.loc[onset + pd.Timedelta(days=1)] == 0
    assert y.sum() == 14  # two episodes x 7 days
    # pooled over runners, the learned layer trains on the numeric features, grouped by athlete
    X = pd.concat([features[list(MODEL_COLUMNS)]] * 3)
    model = InjuryRiskModel().fit(X, pd.concat([y] * 3), groups=np.repeat(["a", "b", "c"], len(y)))
    assert model.predict_proba(features[list(MODEL_COLUMNS)]).shape == (len(features), 2)
