"""Progress: best efforts over time, race predictions and the fitness–fatigue fit of one athlete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from coachkit.app.athlete import AthleteData, activity_table, efforts
from coachkit.app.metrics import data_span


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
    span = data_span(data, table)
    load = daily_load(data.activities, table[["activity_id", "load"]], start=span[0], end=span[1])
    return FitnessModel(load, performance).fit()
