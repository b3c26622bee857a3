"""Nike Run Club API JSON (the run's metrics as time series) -> one activity with samples."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coachkit.io.base import ParsedActivity, ParsedFile, make_samples
from coachkit.io.errors import UnreadableFile, guard
from coachkit.io.jsonvalues import LATEST_EPOCH_MS, load_json, num, put_number
from coachkit.io.sports import normalize_sport

# unit names as the NRC API writes them -> factor to SI
_NIKE_UNITS = {
    "distance": ("distance_m", {"KM": 1000.0, "M": 1.0, "MI": 1609.344}),
    "speed": ("speed_m_s", {"KMH": 1 / 3.6, "MPH": 0.44704, "MS": 1.0}),
    "heart_rate": ("hr_bpm", {"BPM": 1.0}),
    "latitude": ("lat", {"DD": 1.0}),
    "longitude": ("lon", {"DD": 1.0}),
    "elevation": ("altitude_m", {"M": 1.0, "FT": 0.3048}),
}


def _nike_series(metric: dict[str, Any], factor: float) -> pd.Series:
    """One NRC metric as values indexed by whole second (ms epoch // 1000) of the interval end."""
    secs, vals = [], []
    for item in metric.get("values") or []:
        if not isinstance(item, dict):
            continue
        t = num(item.get("end_epoch_ms"))
        t = num(item.get("start_epoch_ms")) if t is None else t
        v = num(item.get("value"))
        if t is not None and v is not None and 0 < t < LATEST_EPOCH_MS:
            secs.append(int(t // 1000))
            vals.append(v * factor)
    return pd.Series(vals, index=secs, dtype=float)


def _nike_samples(columns: dict[str, pd.Series], start_ms: float) -> pd.DataFrame:
    """Metrics on the union of their whole seconds; the odometer is interpolated in time."""
    grid = pd.Index(sorted(set().union(*(s.index for s in columns.values()))), dtype="int64")
    cols: dict[str, Any] = {
        "timestamp": pd.to_datetime(grid.to_numpy() * 1000, unit="ms", utc=True)
    }
    for col, series in columns.items():
        if col == "distance_m":  # 0 at the start, the running sum at each interval end
            x = np.concatenate([[start_ms // 1000], series.index.to_numpy(dtype=float)])
            y = np.concatenate([[0.0], series.to_numpy()])
            cols[col] = np.interp(grid.to_numpy(dtype=float), x, y)
        else:
            cols[col] = series.reindex(grid).to_numpy()
    return make_samples(cols)


@guard("Nike Run Club activity")
def read_nike_run_json(data: bytes, *, name: str = "") -> ParsedFile:
    """Read a Nike Run Club API activity (``/sport/v3/me/activity/{id}?metrics=ALL``).

    NRC metrics are lists of ``{start_epoch_ms, end_epoch_ms, value}``. ``distance`` holds the
    distance covered *within* each interval (km), so the odometer is their running sum at each
    interval end; the other metrics are instantaneous. Values are put on a 1-second grid.

    Returns
    -------
    ParsedFile
        One activity with samples, ``source_kind="nike_json"``.
    """
    obj = load_json(data, "Nike Run Club activity")
    if not isinstance(obj, dict) or not isinstance(obj.get("metrics"), list):
        raise UnreadableFile("not a Nike Run Club activity: no 'metrics' list")
    if obj.get("delete_indicator") is True:
        from coachkit.io import NothingToImport

        raise NothingToImport("a Nike Run Club activity marked as deleted")
    start_ms, end_ms = num(obj.get("start_epoch_ms")), num(obj.get("end_epoch_ms"))
    if start_ms is None or not 0 < start_ms < LATEST_EPOCH_MS:
        raise UnreadableFile("Nike Run Club activity without a valid start_epoch_ms")
    start = pd.Timestamp(int(start_ms), unit="ms", tz="UTC")
    tags = obj.get("tags") if isinstance(obj.get("tags"), dict) else {}
    sport = normalize_sport(obj.get("type"))
    if sport == "run" and str(tags.get("location", "")).lower() == "indoors":
        sport = "treadmill"
    summary: dict[str, Any] = {"sport": sport, "start_time": start}
    if end_ms is not None and end_ms > start_ms:
        summary["elapsed_time_s"] = (end_ms - start_ms) / 1000
    put_number(summary, "moving_time_s", obj.get("active_duration_ms"), 1e-3)
    if isinstance(tags.get("com.nike.name"), str):
        summary["name"] = tags["com.nike.name"]
    dist_factor = 1000.0  # NRC writes km
    warnings: list[str] = []
    columns: dict[str, pd.Series] = {}
    for metric in obj["metrics"]:
        if not isinstance(metric, dict) or metric.get("type") not in _NIKE_UNITS:
            continue
        col, units = _NIKE_UNITS[metric["type"]]
        unit = str(metric.get("unit", "")).upper()
        if unit not in units:
            warnings.append(f"metric {metric['type']!r} in unknown unit {unit!r}: skipped")
            continue
        series = _nike_series(metric, units[unit]).groupby(level=0)
        if col == "distance_m":
            dist_factor = units[unit]
            if isinstance(metric.get("source"), str):
                summary["device"] = metric["source"]  # e.g. com.nike.running.ios.applewatch
        columns[col] = series.sum().cumsum() if col == "distance_m" else series.mean()
    wanted = {  # NRC summaries (metric, statistic) -> our key and unit factor
        ("distance", "total"): ("distance_m", dist_factor),
        ("heart_rate", "mean"): ("avg_hr", 1.0),
        ("ascent", "total"): ("elevation_gain_m", 1.0),
    }
    for item in obj.get("summaries") or []:
        stat = (
            (str(item.get("metric")), str(item.get("summary"))) if isinstance(item, dict) else None
        )
        if stat in wanted:
            put_number(summary, wanted[stat][0], item.get("value"), wanted[stat][1])
    samples = _nike_samples(columns, start_ms) if columns else None
    act = ParsedActivity(summary=summary, samples=samples, source_kind="nike_json")
    return ParsedFile(activities=[act], decoder="nike_json", warnings=warnings)
