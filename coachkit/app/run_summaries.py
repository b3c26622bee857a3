"""What each run's samples come down to, computed once per samples file and kept in the store.

Everything the daily commands and the dashboard need from a run's samples is the same every time
the samples are: the run features (speed, GAP, EF, decoupling, the recorded temperature), the best efforts, and the HR
values with the seconds each held, which is all that hrTSS and the zone split use (both are sums
of seconds × f(HR), so the few dozen distinct bpm of a run stand for its thousands of samples).
Reading 50 parquet files and searching them for best efforts took about a second of every
``coachkit risk`` and ``log`` (issue 18); a stored summary is one row of the catalog.

A summary is kept under a key made of :data:`SUMMARY_VERSION`, the activity's sport (the runner
may correct it) and the samples file's size and modification time, so a rewritten file, a
corrected sport or a changed feature is summarised again. The catalog is only a cache here:
when it cannot be written, the summaries are simply computed the next time.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coachkit.core.sports import RUN_SPORTS

if TYPE_CHECKING:
    from coachkit.app.athlete import AthleteData

#: bump when a number below changes: every stored summary is then computed again
SUMMARY_VERSION = 2  # 2: temperature_c
#: per-activity features from samples that join the activity table (see features.running)
FEATURE_COLUMNS = (
    "moving_distance_m",
    "mean_speed_m_s",
    "mean_gap_speed_m_s",
    "hr_time_weighted",
    "ef",
    "decoupling_pct",
    "temperature_c",  # the device's reading: HR is compared with a heat-adjusted expectation
)
EFFORT_COLUMNS = ("name", "distance_m", "time_s", "start_t_s", "speed_m_s")


def summarise(samples: pd.DataFrame, sport: str) -> dict[str, Any]:
    """One activity's summary: ``features`` and ``efforts`` (runs only), and ``hr_load`` and
    ``hr_zone``, the held HR under the rules of hrTSS and of the zone split, as
    ``(values, seconds)`` arrays."""
    from coachkit.features.best_efforts import best_efforts
    from coachkit.features.held import collapse_held, held_values
    from coachkit.features.run_temperature import run_temperature_c
    from coachkit.features.running import run_features
    from coachkit.features.zones import zone_hr_seconds

    out: dict[str, Any] = {"features": None, "efforts": []}
    if sport in RUN_SPORTS:
        feats = run_features(samples, sport=sport) | {"temperature_c": run_temperature_c(samples)}
        out["features"] = {c: _number(feats.get(c)) for c in FEATURE_COLUMNS}
        out["efforts"] = [
            {c: (row[c] if c == "name" else _number(row[c])) for c in EFFORT_COLUMNS}
            for row in best_efforts(samples).to_dict("records")
        ]
    out["hr_load"] = collapse_held(*held_values(samples))
    out["hr_zone"] = zone_hr_seconds(samples)
    return out


def run_summaries(data: AthleteData) -> dict[str, dict[str, Any]]:
    """activity_id -> :func:`summarise` of every activity of ``data`` with samples, computed once
    per :class:`~coachkit.app.athlete.AthleteData`; read from and kept in the store when the
    samples come from it (:class:`~coachkit.app.athlete.StoreSamples`)."""
    if "run_summaries" in data.cache:
        return data.cache["run_summaries"]
    acts = data.activities
    with_samples = acts[acts["has_samples"].fillna(False).astype(bool)]
    store = getattr(data.samples, "store", None)  # None: samples held in memory
    stored = store.run_summaries(data.athlete_id) if store is not None else {}
    out: dict[str, dict[str, Any]] = {}
    fresh: list[tuple[str, str, str]] = []
    for aid, sport in zip(with_samples["activity_id"], with_samples["sport"]):
        if aid not in data.samples:
            continue
        stamp = store.samples_stamp(data.athlete_id, aid) if store is not None else None
        key = f"{SUMMARY_VERSION}|{sport}|{stamp}"
        hit = stored.get(aid)
        if stamp is not None and hit is not None and hit[0] == key:
            out[aid] = _decode(hit[1])
            continue
        out[aid] = summarise(data.samples[aid], str(sport))
        if stamp is not None:
            fresh.append((aid, key, _encode(out[aid])))
    if fresh:
        store.save_run_summaries(data.athlete_id, fresh)
    data.cache["run_summaries"] = out
    return out


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _encode(summary: dict[str, Any]) -> str:
    body = dict(summary)
    for name in ("hr_load", "hr_zone"):
        values, seconds = summary[name]
        body[name] = [values.tolist(), seconds.tolist()]
    return json.dumps(body, allow_nan=False)


def _decode(text: str) -> dict[str, Any]:
    body = json.loads(text)
    for name in ("hr_load", "hr_zone"):
        values, seconds = body[name]
        body[name] = (np.asarray(values, dtype=float), np.asarray(seconds, dtype=float))
    return body
