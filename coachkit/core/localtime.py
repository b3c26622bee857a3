"""The athlete's calendar: when an activity happened in the athlete's own day.

"Monday morning" means the athlete's Monday (docs/design.md §3): an activity's local time is its UTC
start plus ``utc_offset_s``. Sources that record no offset get one when the activities are read,
from the athlete's time zone setting or the runner's own nearest known zone
(:func:`resolve_local`, the one place that decides it; the rules are in
:mod:`coachkit.core.timezones`); only when nothing is known does UTC stand in.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.timezones import check_zone, local_start_iso, zone_at, zone_offset_s

__all__ = [
    "as_day",
    "local_day",
    "local_start",
    "local_start_iso",
    "local_start_text",
    "resolve_local",
    "track_zone",
    "zone_fields",
]


def local_start(activities: pd.DataFrame) -> pd.Series:
    """Each activity's naive local start time (UTC when the offset is unknown)."""
    start = pd.to_datetime(activities["start_time"], utc=True)
    offset = pd.to_numeric(
        activities.get("utc_offset_s", pd.Series(index=activities.index)), errors="coerce"
    )
    return start.dt.tz_localize(None) + pd.to_timedelta(offset.fillna(0).astype(float), unit="s")


def local_day(activities: pd.DataFrame) -> pd.Series:
    """Each activity's local calendar day, as a naive midnight."""
    return local_start(activities).dt.normalize()


def local_start_text(activities: pd.DataFrame) -> pd.Series:
    """Each activity's local start as ISO-8601 with its offset (``2021-03-18T22:30:00-03:00``)."""
    offsets = activities.get("utc_offset_s", pd.Series(pd.NA, index=activities.index))
    return pd.Series(
        [local_start_iso(s, o) for s, o in zip(activities["start_time"], offsets)],
        index=activities.index,
        dtype="string",
    )


def as_day(value: Any) -> pd.Timestamp:
    """A date-like as a naive midnight (a tz-aware time keeps its wall-clock day)."""
    ts = pd.Timestamp(value)
    return (ts.tz_localize(None) if ts.tzinfo is not None else ts).normalize()


# -- at ingest: the zone of the GPS track ---------------------------------------------------------


def track_zone(samples: pd.DataFrame | None) -> str | None:
    """The IANA zone of the first valid GPS point of ``samples`` (None without GPS)."""
    if samples is None or samples.empty or not {"lat", "lon"} <= set(samples.columns):
        return None
    lat = pd.to_numeric(samples["lat"], errors="coerce").to_numpy(float, na_value=np.nan)
    lon = pd.to_numeric(samples["lon"], errors="coerce").to_numpy(float, na_value=np.nan)
    ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    ok &= (lat != 0) | (lon != 0)
    for i in np.flatnonzero(ok)[:5]:  # the first point, or the next ones if it is in no zone
        zone = zone_at(lat[i], lon[i])
        if zone:
            return zone
    return None


def zone_fields(summary: dict[str, Any], samples: pd.DataFrame | None) -> dict[str, Any]:
    """``utc_offset_s``, ``tz_name`` and ``tz_source`` of a parsed activity at ingest.

    The offset the file recorded is kept (``file``); without one, the GPS track's zone at the
    start instant gives it (``gps``). The zone name is stored whenever there is GPS, so a later
    activity without a zone can borrow it, daylight saving and all.
    """
    offset = summary.get("utc_offset_s")
    has_offset = offset is not None and not pd.isna(offset)
    zone = track_zone(samples)
    out: dict[str, Any] = {"tz_name": zone}
    if has_offset:
        out.update(utc_offset_s=int(offset), tz_source="file")
        return out
    start = summary.get("start_time")
    gps_offset = None
    if zone and start is not None and not pd.isna(start):
        gps_offset = zone_offset_s(zone, pd.Timestamp(start).tz_convert("UTC").to_pydatetime())
    out.update(utc_offset_s=gps_offset, tz_source="gps" if gps_offset is not None else None)
    return out


# -- at read time: the one place that fills missing offsets ---------------------------------------


def _zone_offsets(start: pd.Series, zone: str) -> pd.Series:
    """``zone``'s offset (seconds) at each instant of ``start`` (tz-aware UTC), DST included."""
    local = start.dt.tz_convert(zone).dt.tz_localize(None)
    return (local - start.dt.tz_localize(None)).dt.total_seconds()


def resolve_local(activities: pd.DataFrame, zone: str | None = None) -> pd.DataFrame:
    """``activities`` with every offset the data allows: ``utc_offset_s``, ``tz_name`` and
    ``tz_source`` filled where the source left them empty.

    Order (see :mod:`coachkit.core.timezones`): a stored offset (``file``/``gps``) stays; else
    the athlete's setting ``zone`` (``athlete``); else the zone, or bare offset, of the same
    athlete's nearest earlier activity that has one, else of the first later one (``runner``);
    else the offset stays empty and the UTC day stands in (``utc``). Zones are applied at each
    activity's own start, so daylight saving is right. Every reader of the local day goes
    through this (the store's activities frame calls it), so the day is the same everywhere.
    """
    out = activities.copy()
    n = len(out)
    start = pd.to_datetime(out["start_time"], utc=True)
    offset = pd.to_numeric(
        out.get("utc_offset_s", pd.Series(pd.NA, index=out.index)), errors="coerce"
    )
    names = out.get("tz_name", pd.Series(pd.NA, index=out.index)).astype("object")
    names = names.where(names.map(lambda v: isinstance(v, str) and bool(v)), None)
    stored = out.get("tz_source", pd.Series(pd.NA, index=out.index)).astype("object")
    known = offset.notna().to_numpy()
    source = np.where(known, stored.where(stored.notna(), "file").to_numpy(object), "utc")
    name = names.to_numpy(object).copy()
    name[~known & pd.isna(name)] = None
    fill = offset.to_numpy(float, na_value=np.nan).copy()
    missing = ~known & start.notna().to_numpy()
    if missing.any() and zone:
        check_zone(zone)
        fill[missing] = _zone_offsets(start[missing], zone).to_numpy()
        name[missing], source[missing] = zone, "athlete"
    elif missing.any() and known.any():
        near = _nearest_known(out, start, known)
        take = missing & (near >= 0)
        near_name = np.where(take, name[np.maximum(near, 0)], None)
        fill[take] = offset.to_numpy(float, na_value=np.nan)[near[take]]
        for z in {z for z in near_name[take] if z}:
            rows = take & (near_name == z)
            fill[rows] = _zone_offsets(start[rows], z).to_numpy()
        name[take], source[take] = near_name[take], "runner"
    out["utc_offset_s"] = (
        pd.array([None if v != v else int(round(v)) for v in fill], dtype="Int64")
        if n
        else pd.array([], dtype="Int64")
    )
    out["tz_name"] = pd.array(name, dtype="string")
    out["tz_source"] = pd.array(source, dtype="string")
    return out


def _nearest_known(acts: pd.DataFrame, start: pd.Series, known: np.ndarray) -> np.ndarray:
    """Row position of each activity's nearest earlier activity with a known offset (same
    athlete), else of its first later one; -1 when the athlete has none."""
    n = len(acts)
    athlete = (
        acts["athlete_id"].astype("object").fillna("").to_numpy()
        if "athlete_id" in acts
        else np.zeros(n, dtype=object)
    )
    when = start.to_numpy("datetime64[ns]").astype(np.int64)
    order = np.lexsort((when, athlete.astype(str)))
    pos = pd.Series(np.where(known[order], order, np.nan))
    group = pd.Series(athlete[order].astype(str))
    carried = pos.groupby(group).ffill().groupby(group).bfill()
    near = np.full(n, -1, dtype=np.int64)
    near[order] = carried.fillna(-1).to_numpy(np.int64)
    return near
