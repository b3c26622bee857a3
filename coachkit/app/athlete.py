"""One athlete, read from the store and run through the features.

This is the seam between the store (disk) and the pure ``features``: it loads an athlete's
frames as of a day (:func:`load_athlete`), hands samples to the feature functions through a
lazy mapping, and builds the per-activity table everything else shows (load and how it was
computed, GAP, EF, decoupling, time per intensity zone) and the walked-forward HR residuals.
Derived tables are computed once per :class:`AthleteData` and cached on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.core.localtime import local_day
from coachkit.core.sports import RUN_SPORTS
from coachkit.features.zones import ZONE_NAMES, seconds_in_zones, time_in_zones, zone_of_hr

if TYPE_CHECKING:
    from coachkit.features.thresholds import Thresholds
    from coachkit.store import Store

RESIDUAL_HEAT_COLUMNS = ("heat_bpm", "temperature_c")  # in hr_residuals, for the sentences
EFFORT_COLUMNS = ("activity_id", "date", "name", "distance_m", "time_s")
# best efforts from these runs would be GPS artefacts, not performances
_NO_EFFORTS_FLAGS = (
    "duplicate_of:",
    "speed_implausible",
    "gps_gaps",
    "date_implausible",
    "duration_implausible",
    "distance_implausible",
    "time_reversed",
    "manual",
)


class StoreSamples(Mapping[str, pd.DataFrame]):
    """activity_id -> samples frame, read from the store on first use and kept."""

    def __init__(self, store: Store, athlete_id: str, activity_ids: list[str]) -> None:
        self.store, self._athlete, self._ids = store, athlete_id, set(activity_ids)
        self._order = list(activity_ids)
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, activity_id: str) -> pd.DataFrame:
        if activity_id not in self._ids:
            raise KeyError(activity_id)
        if activity_id not in self._cache:
            self._cache[activity_id] = self.store.read_samples(self._athlete, activity_id)
        return self._cache[activity_id]

    def __contains__(self, activity_id: object) -> bool:  # without reading the file
        return activity_id in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


@dataclass
class AthleteData:
    """Everything known about one athlete at the end of ``as_of`` (the athlete's calendar day).

    ``settings`` holds the athlete's own values (``coachkit settings``), and under
    ``load_overrides`` the load method chosen for single activities (activity_id -> method).
    ``activities`` carries the runner's corrections (``coachkit activity ID --sport/--race``:
    a corrected ``sport``, and ``is_race`` True/False/NA); the activities the runner excluded
    are not in it but in ``excluded``, with an ``excluded_reason``, so that they count nowhere
    and are still listed (:func:`listed_activities`).

    Derived tables are computed once, on first use, by the functions below.
    """

    athlete_id: str
    activities: pd.DataFrame
    wellness: pd.DataFrame
    feedback: pd.DataFrame
    settings: dict[str, Any]
    samples: Mapping[str, pd.DataFrame]
    as_of: pd.Timestamp | None = None
    cache: dict[str, Any] = field(default_factory=dict, repr=False)
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


def load_athlete(
    store: Store, athlete_id: str, *, as_of: Any = None, known_then: bool = True
) -> AthleteData:
    """Read an athlete's frames; with ``as_of`` only what was known at the end of that day.

    ``known_then=False`` keeps feedback dated up to ``as_of`` however late it was logged (the
    live coach re-planning after a back-dated log); the default also drops feedback logged
    after that day, as a back-test must."""
    store.require_athlete(athlete_id)
    acts, excluded = apply_activity_edits(
        store.activities(athlete_id), store.activity_edits(athlete_id)
    )
    wellness = store.wellness(athlete_id).drop(columns=["athlete_id"])
    feedback = store.feedback(athlete_id)
    day = pd.Timestamp(as_of).normalize() if as_of is not None else None
    if day is not None:
        acts = acts[local_day(acts) <= day].reset_index(drop=True)
        if len(excluded):
            excluded = excluded[local_day(excluded) <= day].reset_index(drop=True)
        wellness = wellness[wellness["date"] <= day].reset_index(drop=True)
        feedback = known_feedback(feedback, day, known_then=known_then)
    with_samples = acts.loc[acts["has_samples"], "activity_id"].tolist()
    settings = store.athlete_settings(athlete_id)
    if overrides := store.load_overrides(athlete_id):  # `coachkit settings --activity`
        settings["load_overrides"] = overrides
    return AthleteData(
        athlete_id,
        acts,
        wellness,
        feedback,
        settings,
        StoreSamples(store, athlete_id, with_samples),
        day,
        excluded=excluded,
    )


#: ``excluded_reason`` of an activity the runner excluded (``coachkit activity ID --exclude``)
EXCLUDED_BY_YOU = "excluded by you"


def apply_activity_edits(
    acts: pd.DataFrame, edits: Mapping[str, Mapping[str, Any]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runner's corrections applied once, where everything reads the activities: the
    corrected sport, ``is_race`` (True or False where the runner said, else NA; a "not a race"
    also clears Strava's ``workout_type``), and the excluded rows split off with their
    ``excluded_reason`` and no load. Returns ``(counted, excluded)``."""
    acts = acts.assign(is_race=pd.array([pd.NA] * len(acts), dtype="boolean"))
    if not edits:
        return acts, acts.iloc[:0].assign(excluded_reason=pd.Series(dtype="string"))
    ids = acts["activity_id"]
    for activity_id, edit in edits.items():
        hit = ids == activity_id
        if edit.get("sport"):
            acts.loc[hit, "sport"] = edit["sport"]
        if edit.get("race") is not None:
            acts.loc[hit, "is_race"] = bool(edit["race"])
            if not edit["race"] and "workout_type" in acts:
                acts.loc[hit, "workout_type"] = pd.NA
    out = ids.isin([a for a, e in edits.items() if e.get("excluded")])
    reasons = ids[out].map(
        lambda a: (
            EXCLUDED_BY_YOU
            + (f": {edits[a]['excluded_reason']}" if edits[a].get("excluded_reason") else "")
        )
    )
    excluded = acts[out].assign(load=float("nan"), excluded_reason=reasons.astype("string"))
    return acts[~out].reset_index(drop=True), excluded.reset_index(drop=True)


def listed_activities(data: AthleteData) -> pd.DataFrame:
    """The activity table (:func:`activity_table`) with the activities the runner excluded
    added back, without load and with ``excluded_reason`` saying so, by start time: what
    ``coachkit activities`` lists."""
    table = activity_table(data)
    if data.excluded.empty:
        return table
    extra = data.excluded.assign(date=local_day(data.excluded), load_method=pd.NA)
    out = pd.concat([table, extra.reindex(columns=table.columns)], ignore_index=True)
    return out.sort_values("start_time", kind="stable").reset_index(drop=True)


def known_feedback(
    feedback: pd.DataFrame, day: pd.Timestamp, *, known_then: bool = True
) -> pd.DataFrame:
    """Feedback dated up to ``day`` and (with ``known_then``) logged by the end of that day."""
    logged = feedback["created_at"].dt.tz_convert("UTC").dt.tz_localize(None)
    known = (feedback["date"] <= day) & (
        logged.isna() | (logged < day + pd.Timedelta(days=1)) | (not known_then)
    )
    return feedback[known].reset_index(drop=True)


def _flagged(flags: Any, codes: tuple[str, ...]) -> bool:
    return isinstance(flags, str) and any(code in flags for code in codes)


def _sample_features(data: AthleteData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-run features from samples, and every clean run's best efforts (from the stored run
    summaries, :mod:`coachkit.app.run_summaries`)."""
    from coachkit.app.run_summaries import FEATURE_COLUMNS, run_summaries

    summaries = run_summaries(data)
    acts = data.activities
    runs = acts[acts["has_samples"] & acts["sport"].isin(RUN_SPORTS)]
    runs = runs[runs["activity_id"].isin(summaries.keys())]
    days = local_day(runs) if len(runs) else pd.Series(dtype="datetime64[ns]")
    rows, efforts = [], []
    for i, act in runs.iterrows():
        summary = summaries[act["activity_id"]]
        rows.append({"activity_id": act["activity_id"], **(summary["features"] or {})})
        if summary["efforts"] and not _flagged(act["quality_flags"], _NO_EFFORTS_FLAGS):
            efforts += [
                {**e, "activity_id": act["activity_id"], "date": days.loc[i]}
                for e in summary["efforts"]
            ]
    features = pd.DataFrame(rows, columns=["activity_id", *FEATURE_COLUMNS])
    features[list(FEATURE_COLUMNS)] = features[list(FEATURE_COLUMNS)].astype(float)
    if not efforts:
        return features, pd.DataFrame(columns=list(EFFORT_COLUMNS))
    effort_frame = pd.DataFrame(efforts)
    effort_frame["name"] = effort_frame["name"].astype("string")
    numbers = ["distance_m", "time_s", "start_t_s", "speed_m_s"]
    effort_frame[numbers] = effort_frame[numbers].astype(float)
    return features, effort_frame


def _zones(table: pd.DataFrame, data: AthleteData, lthr: float | None) -> pd.DataFrame:
    """Seconds per intensity zone: from HR samples (their stored summary), else the whole
    moving time in the zone of the average HR (summary-only sources)."""
    from coachkit.app.run_summaries import run_summaries

    summaries = run_summaries(data)
    rows = []
    for act in table.itertuples():
        if act.activity_id in summaries:
            rows.append(seconds_in_zones(*summaries[act.activity_id]["hr_zone"], lthr))
            continue
        if act.activity_id in data.samples:
            rows.append(time_in_zones(data.samples[act.activity_id], lthr))
            continue
        row = dict.fromkeys(ZONE_NAMES, 0.0)
        zone = zone_of_hr(act.avg_hr, lthr) if pd.notna(act.avg_hr) else "unknown"
        if zone in row:
            row[zone] = float(
                act.moving_time_s if pd.notna(act.moving_time_s) else act.elapsed_time_s or 0
            )
        rows.append(row)
    return pd.DataFrame(rows, index=table.index, columns=list(ZONE_NAMES))


def sample_features(data: AthleteData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-run sample features and best efforts (:func:`_sample_features`), computed once."""
    if "sample_features" not in data.cache:
        data.cache["sample_features"] = _sample_features(data)
    return data.cache["sample_features"]


def thresholds_at(data: AthleteData, as_of: pd.Timestamp | None) -> Thresholds:
    """The thresholds known at the end of ``as_of`` (default: everything in ``data``): the
    athlete's own settings, else estimates from the activities and best efforts up to then."""
    from coachkit.features.thresholds import estimate_thresholds

    _, efforts = sample_features(data)
    # threshold pace from the last 180 days of efforts, anchored on as_of or the last activity,
    # so that `metrics` and `metrics --date <last day>` agree
    recent = efforts
    if len(efforts):
        anchor = as_of if as_of is not None else efforts["date"].max()
        recent = efforts[
            (efforts["date"] > anchor - pd.Timedelta(days=180)) & (efforts["date"] <= anchor)
        ]
    # thresholds count what happened up to the end of as_of (estimate_thresholds is strict '<')
    end = as_of + pd.Timedelta(days=1) if as_of is not None else None
    return estimate_thresholds(
        data.activities,
        wellness=data.wellness,
        best_efforts=recent,
        settings=data.settings,
        as_of=end,
    )


def table_with(data: AthleteData, activities: pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """``activities`` (rows of ``data``) with load from ``thresholds``, sample features and
    zone seconds: the activity table of :func:`activity_table`, for any thresholds."""
    from coachkit.features.load import activity_loads

    features, _ = sample_features(data)
    gap = dict(zip(features["activity_id"], features["mean_gap_speed_m_s"]))
    cp = None  # the power method is opt-in: CP is worked out only when it is asked for
    asked = (
        data.settings.get("load_method"),
        *(data.settings.get("load_overrides") or {}).values(),
    )
    if "power" in asked:
        from coachkit.app.power import athlete_cp

        cp = athlete_cp(data)[0].cp_w
        cp = float(cp) if cp == cp else None
    from coachkit.app.run_summaries import run_summaries

    summaries = run_summaries(data)
    loads = activity_loads(
        activities,
        thresholds,
        samples=data.samples,
        hr_held={aid: summary["hr_load"] for aid, summary in summaries.items()},
        feedback=data.feedback,
        gap_speed=gap,
        method=data.settings.get("load_method"),
        overrides=data.settings.get("load_overrides"),
        critical_power_w=cp,
    )
    table = activities.drop(columns=["load", "load_method"]).merge(
        loads, on="activity_id", how="left"
    )
    table = table.merge(features, on="activity_id", how="left")
    table = table.join(_zones(table, data, thresholds.lthr.value))
    table["date"] = local_day(table)
    return table


def activity_table(data: AthleteData) -> pd.DataFrame:
    """Activities with load (and how it was computed), GAP, EF, decoupling and zone seconds."""
    if "table" in data.cache:
        return data.cache["table"]
    thresholds = thresholds_at(data, data.as_of)
    table = table_with(data, data.activities, thresholds)
    data.cache.update(table=table, thresholds=thresholds, efforts=sample_features(data)[1])
    return table


def thresholds(data: AthleteData) -> Thresholds:
    """The thresholds used for this athlete's loads (the athlete's own, else estimated)."""
    activity_table(data)
    return data.cache["thresholds"]


def efforts(data: AthleteData) -> pd.DataFrame:
    """Best efforts of every clean run (activity_id, date, name, distance_m, time_s, ...)."""
    activity_table(data)
    return data.cache["efforts"]


def hr_residuals(data: AthleteData) -> pd.DataFrame:
    """Observed minus expected average HR of every run with HR, walked forward: each run is
    compared with what the two-layer model expected from the runs before it only.

    Columns: activity_id, date, expected_hr, residual, z, personal_share, explanation, and
    heat_bpm with temperature_c (the heat term in expected_hr, for the recorded temperature).
    """
    if "hr_residuals" in data.cache:
        return data.cache["hr_residuals"]
    from coachkit.models.response import HrResponseModel

    table = activity_table(data)
    runs = table[table["sport"].isin(RUN_SPORTS) & table["avg_hr"].notna()]
    runs = runs[~runs["quality_flags"].fillna("").str.contains("hr_implausible|duplicate_of:")]
    if runs.empty:
        out = pd.DataFrame(
            columns=[
                "activity_id",
                "date",
                "expected_hr",
                "residual",
                "z",
                "personal_share",
                "explanation",
                *RESIDUAL_HEAT_COLUMNS,
            ]
        )
    else:
        explained = HrResponseModel.from_population().explain(history=runs, runs=runs)
        out = pd.concat(
            [
                runs[["activity_id", "date"]].reset_index(drop=True),
                explained[
                    [
                        "expected_hr",
                        "residual",
                        "z",
                        "personal_share",
                        "explanation",
                        *RESIDUAL_HEAT_COLUMNS,
                    ]
                ].reset_index(drop=True),
            ],
            axis=1,
        )
    data.cache["hr_residuals"] = out
    return out
