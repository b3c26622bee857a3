"""Risk timelines on real athlete histories: no gaps, and a factor list for every elevated day.

Histories (``shared/data/real/athlete_history`` and the committed demo athlete): an intervals.icu
CSV of 740 runs, an Elevate JSON of 410 activities (mostly rides, 4 runs), and the demo runner
(runs from GPX/TCX plus morning HRV).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from coachkit.app.athlete import activity_table, load_athlete
from coachkit.app.ingest import ingest
from coachkit.core.sports import RUN_SPORTS
from coachkit.features.risk import risk_features
from coachkit.models.risk_evidence import assess_history, assess_risk, risk_timeline
from coachkit.models.risk_personal import personal_risk
from coachkit.store import Store
from tests.conftest import BENCHMARKS, SAMPLE, real_file

HISTORIES = {
    "intervals-icu": "athlete_history/intervals_icu_runner/activities_2022-01-01_to_2024-01-30.csv",
    "elevate": "athlete_history/elevate_multisport_athlete/activities_2011-02-05_to_2015-06-27.json",
    "demo": None,
}


@pytest.fixture(scope="module", params=list(HISTORIES))
def history(request, tmp_path_factory):
    name, rel = request.param, HISTORIES[request.param]
    source = SAMPLE if rel is None else real_file(rel)
    store = Store(tmp_path_factory.mktemp(f"risk-{name}") / "store")
    ingest(store, [source], name)
    data = load_athlete(store, name)
    table = activity_table(data)
    features = risk_features(table, data.wellness, data.feedback)
    return name, data, table, features


def test_the_timeline_has_one_row_per_day_from_the_first_activity(history):
    _, _, table, features = history
    timeline = risk_timeline(features)
    days = timeline.index
    assert days[0] == table["date"].min() and days.is_monotonic_increasing
    assert (days.to_series().diff().dropna() == pd.Timedelta(days=1)).all()
    assert timeline["score"].between(0, 100).all() and timeline["level"].notna().all()


def test_every_elevated_day_has_its_factors_in_plain_words(history):
    _, _, _, features = history
    timeline = risk_timeline(features)
    elevated = timeline[timeline["level"] != "low"]
    assert (elevated["factor_codes"] != "").all() and (elevated["top_factor_text"] != "").all()
    tired = timeline[timeline["overtraining_level"] != "low"]
    assert (tired["overtraining_factor_codes"] != "").all()
    for day in list(elevated.index[:3]) + list(tired.index[:3]):
        a = assess_risk(features, day)
        assert a.explanation.startswith(f"On {day.date().isoformat()}") and a.changes


def test_spikes_are_runs_only_and_acwr_never_appears(history):
    _, _, table, features = history
    timeline = risk_timeline(features)
    spike_days = timeline.index[timeline["factor_codes"].str.contains("long_run_spike")]
    run_days = set(table.loc[table["sport"].isin(RUN_SPORTS), "date"])
    assert set(spike_days) <= run_days
    assert not timeline["factor_codes"].str.contains("acwr").any()


def test_known_numbers_of_each_history(history):
    name, _, _, features = history
    timeline = risk_timeline(features)
    spikes = timeline["factor_codes"].str.contains("long_run_spike").sum()
    if name == "elevate":  # 4 runs years apart: never a run in the 30 days before another
        assert spikes == 0 and features["spike_distance_ratio"].isna().all()
        assert features["load"].sum() > 0  # the rides still count as training
    else:
        assert spikes > 0
    if name == "demo":  # HRV readings from 2020-11-14: a suppressed week shows as overtraining
        assert timeline["overtraining_factor_codes"].str.contains("hrv_suppressed").any()


def test_one_call_gives_the_json_the_cli_prints(history):
    _, data, table, features = history
    assessment, same, personal = assess_history(table, data.wellness, data.feedback)
    pd.testing.assert_frame_equal(same, features)
    out = json.loads(json.dumps(assessment.to_dict()))
    assert {"score", "level", "factors", "overtraining", "changes", "explanation"} <= set(out)
    assert all({"code", "text"} <= set(f) for f in out["factors"])
    assert personal.n_episodes == 0 and "0 % personal" in assessment.explanation


def test_as_of_reads_nothing_later(history):
    _, data, table, features = history
    cut = features.index[len(features) // 2]
    early = risk_features(table, data.wellness, data.feedback, as_of=cut)
    pd.testing.assert_frame_equal(early, features.loc[:cut], check_freq=False)


@pytest.mark.parametrize("history", ["demo"], indirect=True)
def test_niggles_after_spikes_become_a_personal_factor_on_the_next_spike(history):
    _, data, table, features = history
    spikes = features.index[features["spike_distance_ratio"] > 1.10]
    feedback = pd.DataFrame({"date": spikes[:2], "niggle_site": "calf", "niggle_severity": 4.0})
    features = risk_features(table, data.wellness, feedback)
    personal = personal_risk(feedback, features)
    trigger = next(t for t in personal.triggers if t.code == "long_run_spike")
    assert trigger.text().startswith("your last 2 calf niggles followed a run > 10 % longer")
    later = assess_risk(features, spikes[-1], personal=personal)
    assert {"long_run_spike", "personal_long_run_spike"} <= {f.code for f in later.factors}
    assert "40 % personal" in later.explanation


def test_the_published_lovdal_file_reads_with_the_documented_window_order():
    path = BENCHMARKS / "lovdal_injury" / "day_approach_maskedID_timeseries.csv"
    if not path.exists():
        pytest.skip(f"the Lövdal day-approach file is not shipped; put it at {path} to check it")
    from coachkit.app.lovdal import read_lovdal_day

    X, y, groups = read_lovdal_day(path)
    assert X.shape == (42766, 70) and groups.nunique() == 74  # SOURCES.md §1
    same = (groups == groups.shift(1)).fillna(False).to_numpy(dtype=bool)
    agree = (X["total_km_lag2"][same] == X["total_km_lag1"].shift(1)[same]).mean()
    assert agree > 0.95  # '.6' is the most recent day
