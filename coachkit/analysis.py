"""One athlete, read from the store and run through the features.

This is the seam between the store (disk) and the pure ``features``: it loads an athlete's
frames as of a day, hands samples to the feature functions through a lazy mapping, and
assembles the two tables everything else shows: the per-activity table (load, GAP, EF,
decoupling, intensity) and the daily metrics table behind ``coachkit metrics``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coachkit.features.zones import ZONE_NAMES, time_in_zones

if TYPE_CHECKING:
    from coachkit.features.thresholds import Thresholds
    from coachkit.store import Store

FOOT_SPORTS = ("run", "trail_run", "treadmill")
_EXCLUDE_FLAGS = ("duplicate_of:", "hr_implausible", "speed_implausible", "date_implausible")


class StoreSamples(Mapping[str, pd.DataFrame]):
    """activity_id -> samples frame, read from the store on first use and kept."""

    def __init__(self, store: Store, athlete_id: str, activity_ids: list[str]) -> None:
        self._store, self._athlete, self._ids = store, athlete_id, list(activity_ids)
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, activity_id: str) -> pd.DataFrame:
        if activity_id not in self._ids:
            raise KeyError(activity_id)
        if activity_id not in self._cache:
            self._cache[activity_id] = self._store.read_samples(self._athlete, activity_id)
        return self._cache[activity_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


@dataclass
class AthleteData:
    """Everything known about one athlete up to ``as_of`` (inclusive, athlete's calendar)."""

    athlete_id: str
    activities: pd.DataFrame
    wellness: pd.DataFrame
    feedback: pd.DataFrame
    settings: dict[str, Any]
    samples: Mapping[str, pd.DataFrame]
    as_of: pd.Timestamp | None = None
    _table: pd.DataFrame | None = field(default=None, repr=False)
    _thresholds: Thresholds | None = field(default=None, repr=False)


def local_day(activities: pd.DataFrame) -> pd.Series:
    """Each activity's calendar day where the athlete was (UTC when the offset is unknown)."""
    offset = pd.to_timedelta(
        activities["utc_offset_s"].astype("Float64").fillna(0).astype(float), unit="s"
    )
    return (
        activities["start_time"].dt.tz_convert("UTC").dt.tz_localize(None) + offset
    ).dt.normalize()


def load_athlete(store: Store, athlete_id: str, *, as_of: Any = None) -> AthleteData:
    """Read an athlete's frames; with ``as_of`` only what was known at the end of that day."""
    store.require_athlete(athlete_id)
    acts = store.activities(athlete_id)
    wellness = store.wellness(athlete_id).drop(columns=["athlete_id"])
    feedback = store.feedback(athlete_id)
    day = pd.Timestamp(as_of).normalize() if as_of is not None else None
    if day is not None:
        acts = acts[local_day(acts) <= day].reset_index(drop=True)
        wellness = wellness[wellness["date"] <= day].reset_index(drop=True)
        feedback = feedback[feedback["date"] <= day].reset_index(drop=True)
    with_samples = acts.loc[acts["has_samples"], "activity_id"].tolist()
    return AthleteData(
        athlete_id,
        acts,
        wellness,
        feedback,
        store.athlete_settings(athlete_id),
        StoreSamples(store, athlete_id, with_samples),
        day,
    )


def _usable(flags: str) -> bool:
    return not any(f in (flags or "") for f in _EXCLUDE_FLAGS)


def sample_features(data: AthleteData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-activity features from samples, and every activity's best efforts.

    Returns ``(features, efforts)``: features has activity_id, mean_gap_speed_m_s, ef,
    decoupling_pct, hr_time_weighted and seconds per intensity zone (zones need LTHR, so they
    are added later); efforts has activity_id, date, name, distance_m, time_s.
    """
    from coachkit.features.running import best_efforts, run_features

    rows, efforts = [], []
    acts = data.activities
    days = local_day(acts)
    for i, act in acts.iterrows():
        if not act["has_samples"] or act["sport"] not in FOOT_SPORTS:
            continue
        samples = data.samples[act["activity_id"]]
        feats = run_features(samples, sport=act["sport"])
        rows.append({"activity_id": act["activity_id"], **feats})
        if _usable(act["quality_flags"]) and "gps_gaps" not in (act["quality_flags"] or ""):
            be = best_efforts(samples)
            if len(be):
                efforts.append(be.assign(activity_id=act["activity_id"], date=days.loc[i]))
    features = (
        pd.DataFrame(
            rows,
            columns=[
                "activity_id",
                "mean_gap_speed_m_s",
                "ef",
                "decoupling_pct",
                "hr_time_weighted",
            ],
        )
        if not rows
        else pd.DataFrame(rows)
    )
    effort_frame = (
        pd.concat(efforts, ignore_index=True)
        if efforts
        else pd.DataFrame(columns=["activity_id", "date", "name", "distance_m", "time_s"])
    )
    return features, effort_frame


def activity_table(data: AthleteData, *, method: str | None = None) -> pd.DataFrame:
    """Activities with load (and how it was computed), GAP, EF, decoupling and intensity zones."""
    if data._table is not None and method is None:
        return data._table
    from coachkit.features.load import activity_loads
    from coachkit.features.thresholds import estimate_thresholds

    features, efforts = sample_features(data)
    recent = efforts
    if data.as_of is not None and len(efforts):
        recent = efforts[efforts["date"] > data.as_of - pd.Timedelta(days=180)]
    thresholds = estimate_thresholds(
        data.activities,
        wellness=data.wellness,
        best_efforts=recent,
        settings=data.settings,
        as_of=data.as_of,
    )
    gap = (
        dict(zip(features["activity_id"], features["mean_gap_speed_m_s"])) if len(features) else {}
    )
    loads = activity_loads(
        data.activities,
        thresholds,
        samples=data.samples,
        feedback=data.feedback,
        gap_speed=gap,
        method=method or data.settings.get("load_method"),
    )
    table = data.activities.drop(columns=["load", "load_method"]).merge(
        loads, on="activity_id", how="left"
    )
    table = table.merge(features, on="activity_id", how="left")
    lthr = thresholds.lthr.value
    zones = [
        time_in_zones(data.samples[a], lthr)
        if a in data.samples
        else dict.fromkeys(ZONE_NAMES, 0.0)
        for a in table["activity_id"]
    ]
    table = pd.concat([table, pd.DataFrame(zones, index=table.index)], axis=1)
    no_samples = ~table["activity_id"].isin(list(data.samples)) & table["avg_hr"].notna()
    if (
        lthr and no_samples.any()
    ):  # summaries: put the whole moving time in the zone of the average HR
        from coachkit.features.zones import zone_of_hr

        for i in table.index[no_samples]:
            zone = zone_of_hr(table.at[i, "avg_hr"], lthr)
            if zone in ZONE_NAMES:
                table.at[i, zone] = float(
                    table.at[i, "moving_time_s"] or table.at[i, "elapsed_time_s"] or 0
                )
    table["date"] = local_day(table)
    data._table, data._thresholds = table, thresholds
    data._efforts = efforts  # type: ignore[attr-defined]
    return table


def thresholds(data: AthleteData) -> Thresholds:
    """The thresholds used for this athlete's loads (estimated where not set)."""
    activity_table(data)
    assert data._thresholds is not None
    return data._thresholds


def efforts(data: AthleteData) -> pd.DataFrame:
    """Best efforts per activity (activity_id, date, name, distance_m, time_s)."""
    activity_table(data)
    return data._efforts  # type: ignore[attr-defined]


def daily_metrics(
    data: AthleteData,
    *,
    start: Any = None,
    end: Any = None,
    convention: str = "exp",
    ctl_days: float = 42,
    atl_days: float = 7,
) -> pd.DataFrame:
    """One row per day: load, CTL/ATL/TSB (chosen convention), ramp, ACWR, monotony, strain,
    volume, HRV status and baseline band, resting HR, EF and the best recent VDOT."""
    from coachkit.features.hrv import hrv_status, resting_hr_status
    from coachkit.features.pmc import acwr, daily_load, monotony_strain, pmc
    from coachkit.features.running import vdot

    table = activity_table(data)
    first_days = [
        d
        for d in (
            table["date"].min() if len(table) else None,
            data.wellness["date"].min() if len(data.wellness) else None,
        )
        if d is not None and not pd.isna(d)
    ]
    if not first_days:
        return pd.DataFrame(columns=["date", "load", "ctl", "atl", "tsb"])
    begin = min(first_days)
    last = data.as_of or max(
        d
        for d in (
            table["date"].max() if len(table) else None,
            data.wellness["date"].max() if len(data.wellness) else None,
        )
        if d is not None and not pd.isna(d)
    )
    loads = daily_load(data.activities, table[["activity_id", "load"]], start=begin, end=last)
    daily = pmc(loads, ctl_days=ctl_days, atl_days=atl_days, convention=convention)
    daily["acwr"] = acwr(loads)
    daily = daily.join(monotony_strain(loads))
    vol = (
        table.assign(is_run=table["sport"].isin(FOOT_SPORTS))
        .groupby("date")
        .agg(
            n_activities=("activity_id", "size"),
            distance_m=("distance_m", "sum"),
            run_distance_m=(
                "distance_m",
                lambda s: float(s[table.loc[s.index, "sport"].isin(FOOT_SPORTS)].sum()),
            ),
            duration_s=("moving_time_s", "sum"),
            easy_s=("easy", "sum"),
            moderate_s=("moderate", "sum"),
            hard_s=("hard", "sum"),
            ef=("ef", "mean"),
        )
    )
    daily = daily.join(vol, how="left")
    for col in (
        "n_activities",
        "distance_m",
        "run_distance_m",
        "duration_s",
        "easy_s",
        "moderate_s",
        "hard_s",
    ):
        daily[col] = daily[col].fillna(0)
    if len(data.wellness):
        hrv = hrv_status(data.wellness, as_of=last).drop(columns=["explanation"], errors="ignore")
        daily = daily.join(
            hrv.add_prefix("hrv_").rename(
                columns={"hrv_ln_rmssd": "ln_rmssd", "hrv_status": "hrv_status"}
            ),
            how="left",
        )
        rhr = resting_hr_status(data.wellness, as_of=last).drop(
            columns=["explanation"], errors="ignore"
        )
        daily = daily.join(
            rhr.add_prefix("rhr_").rename(columns={"rhr_resting_hr": "resting_hr"}), how="left"
        )
    eff = efforts(data)
    if len(eff):
        eff = eff[eff["distance_m"] >= 1000].assign(
            vdot=lambda e: [vdot(d, t) for d, t in zip(e["distance_m"], e["time_s"])]
        )
        best = eff.groupby("date")["vdot"].max().reindex(daily.index)
        daily["vdot_90d"] = best.rolling(90, min_periods=1).max()
    daily.index.name = "date"
    out = daily.reset_index()
    if start is not None:
        out = out[out["date"] >= pd.Timestamp(start)]
    if end is not None:
        out = out[out["date"] <= pd.Timestamp(end)]
    return out.reset_index(drop=True)


__all__ = [
    "AthleteData",
    "StoreSamples",
    "activity_table",
    "daily_metrics",
    "efforts",
    "load_athlete",
    "local_day",
    "thresholds",
    "np",
]


def best_effort_curve(data: AthleteData, *, recent_days: int = 90) -> pd.DataFrame:
    """Best time at each standard distance: over all the history and over the last ``recent_days``.

    Columns: period ("all time" / "last 90 days"), name, distance_m, time_s, date, activity_id.
    """
    eff = efforts(data)
    if eff.empty:
        return eff.assign(period=pd.Series(dtype="string"))
    end = data.as_of if data.as_of is not None else eff["date"].max()
    parts = []
    for period, part in (
        ("all time", eff),
        (f"last {recent_days} days", eff[eff["date"] > end - pd.Timedelta(days=recent_days)]),
    ):
        if len(part):
            best = part.loc[part.groupby("distance_m")["time_s"].idxmin()]
            parts.append(best.assign(period=period))
    return pd.concat(parts, ignore_index=True)[
        ["period", "name", "distance_m", "time_s", "date", "activity_id"]
    ]
