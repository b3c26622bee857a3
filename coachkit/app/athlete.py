"""One athlete, read from the store and run through the features.

This is the seam between the store (disk) and the pure ``features``: it loads an athlete's
frames as of a day, hands samples to the feature functions through a lazy mapping, and
assembles the two tables everything else shows: the per-activity table (load and how it was
computed, GAP, EF, decoupling, time per intensity zone) and the daily metrics table behind
``coachkit metrics``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.core.localtime import local_day
from coachkit.features.zones import ZONE_NAMES, time_in_zones, zone_of_hr

if TYPE_CHECKING:
    from coachkit.features.thresholds import Thresholds
    from coachkit.store import Store

FOOT_SPORTS = ("run", "trail_run", "treadmill")
#: per-activity features from samples that join the activity table (see features.running)
FEATURE_COLUMNS = (
    "moving_distance_m",
    "mean_speed_m_s",
    "mean_gap_speed_m_s",
    "hr_time_weighted",
    "ef",
    "decoupling_pct",
)
EFFORT_COLUMNS = ("activity_id", "date", "name", "distance_m", "time_s")
# best efforts from these runs would be GPS artefacts, not performances
_NO_EFFORTS_FLAGS = ("duplicate_of:", "speed_implausible", "gps_gaps", "date_implausible", "manual")
_DAILY_SUMS = (
    "n_activities",
    "distance_m",
    "run_distance_m",
    "duration_s",
    "easy_s",
    "moderate_s",
    "hard_s",
)


class StoreSamples(Mapping[str, pd.DataFrame]):
    """activity_id -> samples frame, read from the store on first use and kept."""

    def __init__(self, store: Store, athlete_id: str, activity_ids: list[str]) -> None:
        self._store, self._athlete, self._ids = store, athlete_id, set(activity_ids)
        self._order = list(activity_ids)
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, activity_id: str) -> pd.DataFrame:
        if activity_id not in self._ids:
            raise KeyError(activity_id)
        if activity_id not in self._cache:
            self._cache[activity_id] = self._store.read_samples(self._athlete, activity_id)
        return self._cache[activity_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


@dataclass
class AthleteData:
    """Everything known about one athlete at the end of ``as_of`` (the athlete's calendar day).

    ``settings`` holds the athlete's own values (``coachkit settings``), and under
    ``load_overrides`` the load method chosen for single activities (activity_id -> method).

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


def load_athlete(
    store: Store, athlete_id: str, *, as_of: Any = None, known_then: bool = True
) -> AthleteData:
    """Read an athlete's frames; with ``as_of`` only what was known at the end of that day.

    ``known_then=False`` keeps feedback dated up to ``as_of`` however late it was logged (the
    live coach re-planning after a back-dated log); the default also drops feedback logged
    after that day, as a back-test must."""
    store.require_athlete(athlete_id)
    acts = store.activities(athlete_id)
    wellness = store.wellness(athlete_id).drop(columns=["athlete_id"])
    feedback = store.feedback(athlete_id)
    day = pd.Timestamp(as_of).normalize() if as_of is not None else None
    if day is not None:
        acts = acts[local_day(acts) <= day].reset_index(drop=True)
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
    )


def known_feedback(
    feedback: pd.DataFrame, day: pd.Timestamp, *, known_then: bool = True
) -> pd.DataFrame:
    """Feedback dated up to ``day`` and (with ``known_then``) logged by the end of that day."""
    logged = feedback["created_at"].dt.tz_convert("UTC").dt.tz_localize(None)
    known = (feedback["date"] <= day) & (
        logged.isna() | (logged < day + pd.Timedelta(days=1)) | (not known_then)
    )
    return feedback[known].reset_index(drop=True)


def trusted(table: pd.DataFrame) -> pd.DataFrame:
    """Activities that count in daily totals: no near-duplicates, no impossible dates."""
    flags = table["quality_flags"].fillna("")
    return table[~flags.str.contains("duplicate_of:|date_implausible")]


def _flagged(flags: Any, codes: tuple[str, ...]) -> bool:
    return isinstance(flags, str) and any(code in flags for code in codes)


def _sample_features(data: AthleteData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-run features from samples, and every clean run's best efforts."""
    from coachkit.features.best_efforts import best_efforts
    from coachkit.features.running import run_features

    rows, efforts = [], []
    acts = data.activities
    runs = acts[acts["has_samples"] & acts["sport"].isin(FOOT_SPORTS)]
    days = local_day(runs) if len(runs) else pd.Series(dtype="datetime64[ns]")
    for i, act in runs.iterrows():
        samples = data.samples[act["activity_id"]]
        feats = run_features(samples, sport=act["sport"])
        rows.append(
            {"activity_id": act["activity_id"], **{c: feats.get(c) for c in FEATURE_COLUMNS}}
        )
        if not _flagged(act["quality_flags"], _NO_EFFORTS_FLAGS):
            best = best_efforts(samples)
            if len(best):
                efforts.append(best.assign(activity_id=act["activity_id"], date=days.loc[i]))
    features = pd.DataFrame(rows, columns=["activity_id", *FEATURE_COLUMNS])
    effort_frame = (
        pd.concat(efforts, ignore_index=True)
        if efforts
        else pd.DataFrame(columns=list(EFFORT_COLUMNS))
    )
    return features, effort_frame


def _zones(table: pd.DataFrame, data: AthleteData, lthr: float | None) -> pd.DataFrame:
    """Seconds per intensity zone: from HR samples, else the whole moving time in the zone of
    the average HR (summary-only sources)."""
    rows = []
    for act in table.itertuples():
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
        recent = efforts[(efforts["date"] > anchor - pd.Timedelta(days=180))
                         & (efforts["date"] <= anchor)]  # fmt: skip
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
    loads = activity_loads(
        activities,
        thresholds,
        samples=data.samples,
        feedback=data.feedback,
        gap_speed=gap,
        method=data.settings.get("load_method"),
        overrides=data.settings.get("load_overrides"),
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


def _span(data: AthleteData, table: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    days = pd.concat([trusted(table)["date"], data.wellness["date"]]).dropna()
    if days.empty:
        return None
    return days.min(), data.as_of if data.as_of is not None else days.max()


def _volume(table: pd.DataFrame) -> pd.DataFrame:
    """Daily volume, intensity seconds, EF and decoupling of the trusted activities.

    A run whose summary speed is implausible (a GPS jump in a phone track) counts with the
    distance its cleaned samples cover instead of the raw summary.
    """
    counted = trusted(table)
    is_run = counted["sport"].isin(FOOT_SPORTS)
    distance = counted["distance_m"]
    if "moving_distance_m" in counted:
        jumpy = counted["quality_flags"].fillna("").str.contains("speed_implausible")
        distance = distance.where(
            ~jumpy | counted["moving_distance_m"].isna(), counted["moving_distance_m"]
        )
    distance = distance.fillna(0.0)
    parts = pd.DataFrame(
        {
            "n_activities": 1,
            "distance_m": distance,
            "run_distance_m": distance.where(is_run, 0.0),
            "duration_s": counted["moving_time_s"].fillna(counted["elapsed_time_s"]).fillna(0),
            "easy_s": counted["easy"],
            "moderate_s": counted["moderate"],
            "hard_s": counted["hard"],
        }
    )
    daily = parts.groupby(counted["date"]).sum()
    return daily.join(counted.groupby("date")[["ef", "decoupling_pct"]].mean())


def _per_day_fitness(
    daily: pd.DataFrame, data: AthleteData, *, target_tsb: float, **pmc_kw: Any
) -> pd.DataFrame:
    """Rest days until form reaches 0, the load that brings tomorrow's TSB to ``target_tsb``,
    the best VDOT and critical speed of the last 90 days, and the HR–speed index."""
    from coachkit.features.critical_speed import critical_speed
    from coachkit.features.daniels import vdot
    from coachkit.features.form import load_to_reach_tsb, rest_days_until_tsb
    from coachkit.features.hr_speed import hr_speed_index

    out = pd.DataFrame(index=daily.index)
    out["rest_days_to_fresh"] = [
        rest_days_until_tsb(c, a, 0.0, **pmc_kw) for c, a in zip(daily["ctl"], daily["atl"])
    ]
    out[f"load_for_tsb_{target_tsb:g}"] = [
        load_to_reach_tsb(c, a, target_tsb, **pmc_kw) for c, a in zip(daily["ctl"], daily["atl"])
    ]
    eff = efforts(data)
    eff = eff[eff["distance_m"] >= 1500] if len(eff) else eff
    if len(eff):
        per_day = eff.assign(vdot=[vdot(d, t) for d, t in zip(eff["distance_m"], eff["time_s"])])
        best = per_day.groupby("date")["vdot"].max().reindex(daily.index)
        out["vdot_90d"] = best.rolling(90, min_periods=1).max()
        cs, seen = [], {}  # the 90-day window changes only when an effort enters or leaves it
        for day in daily.index:
            window = eff[(eff["date"] <= day) & (eff["date"] > day - pd.Timedelta(days=90))]
            key = tuple(window.index)
            if key not in seen:
                best90 = (
                    window.loc[window.groupby("distance_m")["time_s"].idxmin()]
                    if len(window)
                    else window
                )
                seen[key] = critical_speed(best90).cs_m_s if len(best90) >= 2 else float("nan")
            cs.append(seen[key])
        out["cs_90d_m_s"] = cs
    table = activity_table(data)
    runs = table[table["sport"].isin(FOOT_SPORTS) & table["hr_time_weighted"].notna()]
    if len(runs):
        cols = ["date", "mean_gap_speed_m_s", "hr_time_weighted", "moving_time_s"]
        index = hr_speed_index(runs[cols])
        if len(index):
            out["hr_speed_index"] = index.set_index("date")["index"].reindex(daily.index).ffill()
    return out


def daily_metrics(
    data: AthleteData,
    *,
    start: Any = None,
    end: Any = None,
    convention: str = "exp",
    ctl_days: float = 42,
    atl_days: float = 7,
    target_tsb: float = 0.0,
) -> pd.DataFrame:
    """One row per day: load, CTL/ATL/TSB (chosen convention), ramp, ACWR (descriptive),
    monotony and strain, rest days until fresh and the load that reaches ``target_tsb``
    tomorrow, volume and intensity, EF and decoupling, HRV and its normal band, resting HR, and
    the best VDOT, critical speed and HR–speed index of recent weeks.

    ``start``/``end`` only trim the rows shown: the exponential averages always run from the
    first day of data. Loads of past days use the thresholds known at the end (``as_of``);
    ``coachkit replay`` recomputes day by day when strict point-in-time values matter.
    """
    from coachkit.features.daily import daily_load
    from coachkit.features.hrv import hrv_status
    from coachkit.features.pmc import acwr, monotony_strain, pmc
    from coachkit.features.resting_hr import resting_hr_status

    table = activity_table(data)
    span = _span(data, table)
    if span is None:
        return pd.DataFrame(columns=["date", "load", "ctl", "atl", "tsb"])
    first, last = span
    pmc_kw = dict(ctl_days=ctl_days, atl_days=atl_days, convention=convention)
    loads = daily_load(data.activities, table[["activity_id", "load"]], start=first, end=last)
    daily = pmc(loads, **pmc_kw)
    daily["acwr"] = acwr(loads)
    daily = daily.join(monotony_strain(loads)[["monotony", "strain"]])
    daily = daily.join(_per_day_fitness(daily, data, target_tsb=target_tsb, **pmc_kw))
    daily = daily.join(_volume(table))
    daily[list(_DAILY_SUMS)] = daily[list(_DAILY_SUMS)].fillna(0)
    if len(data.wellness):
        hrv = hrv_status(data.wellness, as_of=last)
        daily = daily.join(
            hrv[["ln_rmssd", "ln_rmssd_7d", "cv_7d", "swc_low", "swc_high", "status"]].rename(
                columns={"status": "hrv_status"}
            )
        )
        rhr = resting_hr_status(data.wellness, as_of=last)
        daily = daily.join(rhr[["resting_hr", "rhr_7d", "rhr_baseline", "rhr_deviation"]])
    daily.index.name = "date"
    out = daily.reset_index()
    if start is not None:
        out = out[out["date"] >= pd.Timestamp(start)]
    if end is not None:
        out = out[out["date"] <= pd.Timestamp(end)]
    return out.reset_index(drop=True)


def best_effort_curve(data: AthleteData, *, recent_days: int = 90) -> pd.DataFrame:
    """Best time at each standard distance over all the history and over the last ``recent_days``.

    Columns: period, name, distance_m, time_s, date, activity_id.
    """
    eff = efforts(data)
    columns = ["period", "name", "distance_m", "time_s", "date", "activity_id"]
    if eff.empty:
        return pd.DataFrame(columns=columns)
    end = data.as_of if data.as_of is not None else eff["date"].max()
    recent = eff[eff["date"] > end - pd.Timedelta(days=recent_days)]
    parts = [
        part.loc[part.groupby("distance_m")["time_s"].idxmin()].assign(period=period)
        for period, part in (("all time", eff), (f"last {recent_days} days", recent))
        if len(part)
    ]
    return pd.concat(parts, ignore_index=True)[columns]


def hr_residuals(data: AthleteData) -> pd.DataFrame:
    """Observed minus expected average HR of every run with HR, walked forward: each run is
    compared with what the two-layer model expected from the runs before it only.

    Columns: activity_id, date, expected_hr, residual, z, personal_share, explanation.
    """
    if "hr_residuals" in data.cache:
        return data.cache["hr_residuals"]
    from coachkit.models.response import HrResponseModel

    table = activity_table(data)
    runs = table[table["sport"].isin(FOOT_SPORTS) & table["avg_hr"].notna()]
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
            ]
        )
    else:
        explained = HrResponseModel.from_population().explain(history=runs, runs=runs)
        out = pd.concat(
            [
                runs[["activity_id", "date"]].reset_index(drop=True),
                explained[
                    ["expected_hr", "residual", "z", "personal_share", "explanation"]
                ].reset_index(drop=True),
            ],
            axis=1,
        )
    data.cache["hr_residuals"] = out
    return out


def risk_assessment(
    store: Store,
    athlete_id: str,
    *,
    as_of: Any = None,
    planned: pd.DataFrame | None = None,
    plan_rpe: pd.Series | None = None,
    known_then: bool = True,
) -> Any:
    """The risk assessment of ``as_of`` (default: the last day with data) for one athlete,
    with HR-above-expected residuals from the HR response model as one of its inputs, and the
    plan's sessions (``planned``, so a planned spike is seen before it is run) and planned RPE
    by date (``plan_rpe``, for RPE above plan) when there is a plan."""
    data = load_athlete(store, athlete_id, as_of=as_of, known_then=known_then)
    return risk_of(data, planned=planned, plan_rpe=plan_rpe)


def risk_of(
    data: AthleteData, *, planned: pd.DataFrame | None = None, plan_rpe: pd.Series | None = None
) -> Any:
    """:func:`risk_assessment` of frames already loaded (their activity table and HR residuals
    are reused, not computed again)."""
    from coachkit.models.risk import assess_history

    table = activity_table(data)
    residuals = hr_residuals(data)
    day = data.as_of
    if day is None:
        days = pd.concat([table["date"], data.wellness["date"]]).dropna()
        day = days.max() if len(days) else pd.Timestamp.now().normalize()
    assessment, _, _ = assess_history(
        table,
        data.wellness,
        data.feedback,
        day,
        planned=planned,
        plan_rpe=plan_rpe,
        hr_residuals=residuals.set_index("activity_id")["residual"],
    )
    return assessment


RACE_DISTANCES_M = {"5 km": 5000.0, "10 km": 10000.0, "half marathon": 21097.5, "marathon": 42195.0}


def race_predictions(
    data: AthleteData, distances: Mapping[str, float] = RACE_DISTANCES_M
) -> pd.DataFrame:
    """Race-time predictions with 80 % intervals for standard distances, from the history known
    at the end of ``as_of`` (default: everything).

    Columns: distance, distance_m, seconds, low, high, method, personal_share, explanation.
    """
    from coachkit.models.race import predict_race

    end = data.as_of + pd.Timedelta(days=1) if data.as_of is not None else None
    rows = []
    for name, metres in distances.items():
        p = predict_race(data.activities, distance_m=metres, as_of=end)
        rows.append(
            {
                "distance": name,
                "distance_m": metres,
                "seconds": p.seconds,
                "low": p.low,
                "high": p.high,
                "method": p.method,
                "personal_share": p.personal_share,
                "explanation": p.explanation,
            }
        )
    return pd.DataFrame(rows)


def fitness_fit(data: AthleteData) -> Any:
    """The Banister fitness–fatigue fit of this athlete (statsmodels-style results), with daily
    load from the activity table and performance from ordinary runs."""
    from coachkit.features.daily import daily_load
    from coachkit.models.fitness import FitnessModel
    from coachkit.models.performance import performance_index

    table = activity_table(data)
    performance = performance_index(table)
    if performance.dropna().empty:
        raise ValueError(
            "no runs of 20 min or more with heart rate yet: the fitness model needs some"
        )
    span = _span(data, table)
    load = daily_load(data.activities, table[["activity_id", "load"]], start=span[0], end=span[1])
    return FitnessModel(load, performance).fit()
