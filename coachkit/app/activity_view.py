"""One run in full: the same content for ``coachkit activity ID``, the dashboard's run panel and
the notebooks.

:func:`activity_view` gathers it as plain data (SI values, JSON-ready): the ``summary`` with load
and how it was computed, the device's ``laps``, ``splits`` every km or mile in the units chosen,
seconds in each ``zones`` band (HR, pace and, with power, power) and the local start.
:func:`view_text` writes it for a terminal in one unit system, paces as ``m:ss`` and durations as
``h:mm:ss``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from coachkit.core.units import FOOT_M, MILE_M, format_distance, format_hms, format_pace, in_units

if TYPE_CHECKING:
    from coachkit.app.athlete import AthleteData
    from coachkit.store import Store

#: this run's best average power over these durations is shown beside the athlete's CP
BEST_POWER_S = (60, 180, 300, 600, 1200)
SUMMARY_FIELDS = (
    "sport",
    "name",
    "device",
    "source_kind",
    "distance_m",
    "elapsed_time_s",
    "moving_time_s",
    "elevation_gain_m",
    "avg_hr",
    "max_hr",
    "avg_cadence_spm",
    "avg_power_w",
    "load",
    "load_method",
    "load_note",
    "excluded_reason",
    "quality_flags",
)
LAP_FIELDS = (
    "lap",
    "distance_m",
    "duration_s",
    "moving_time_s",
    "avg_pace_s_per_km",
    "avg_gap_pace_s_per_km",
    "avg_hr",
    "avg_cadence_spm",
    "avg_power_w",
    "elevation_gain_m",
)
SPLIT_FIELDS = (
    "split",
    "end_distance_m",
    "partial",
    "distance_m",
    "duration_s",
    "moving_time_s",
    "pace_s_per_km",
    "gap_pace_s_per_km",
    "avg_hr",
    "avg_cadence_spm",
    "avg_power_w",
    "elevation_change_m",
    "elevation_gain_m",
)


def plain(value: Any) -> Any:
    """A JSON-ready scalar: NaN, NA, NaT and infinities become None, numpy numbers Python ones.

    >>> plain(float("inf")), plain(pd.NA), plain(3.14159265)
    (None, None, 3.142)
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return round(value, 3) if math.isfinite(value) else None
    return value


def _records(frame: pd.DataFrame, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {f: plain(row.get(f)) for f in fields}
        for row in frame.reindex(columns=list(fields)).to_dict("records")
    ]


def activity_data(store: Store, activity_id: str) -> tuple[AthleteData, pd.Series]:
    """The athlete of ``activity_id`` (everything in the store) and the activity's table row."""
    from coachkit.app.athlete import load_athlete
    from coachkit.store import StoreError

    athlete = store.athlete_of(activity_id)
    if athlete is None:
        raise StoreError(
            f"no activity {activity_id!r} in the store: `coachkit activities` lists the ids"
        )
    data = load_athlete(store, athlete)
    return data, table_row(data, activity_id)


def table_row(data: AthleteData, activity_id: str) -> pd.Series:
    """The activity's row of the athlete's table, excluded activities included (without load,
    ``excluded_reason`` saying why)."""
    from coachkit.app.athlete import listed_activities

    table = listed_activities(data)
    return table.loc[table["activity_id"] == activity_id].iloc[0]


def run_samples(store: Store, data: AthleteData, activity_id: str) -> pd.DataFrame:
    """The activity's samples (an empty frame when it has none); an activity the runner
    excluded is read from the store, since the athlete's counted samples leave it out."""
    if activity_id in data.samples:
        return data.samples[activity_id]
    excluded = data.excluded
    if len(excluded) and excluded.loc[excluded["activity_id"] == activity_id, "has_samples"].any():
        return store.read_samples(data.athlete_id, activity_id)
    return pd.DataFrame(columns=["t_s"])


def activity_view(
    store: Store, activity_id: str, *, units: str | None = None, data: AthleteData | None = None
) -> dict[str, Any]:
    """Everything about one activity, JSON-ready (SI values; ``units`` picks km or mile splits).
    ``data``, the athlete already loaded (as the dashboard has it), saves reading it again.

    Keys: ``activity_id``, ``athlete_id``, ``units``, ``start_time`` (UTC), ``start_time_local``
    (ISO-8601 with the offset), ``summary``, ``laps``, ``splits``, ``zones`` and, with power,
    ``critical_power``; ``sentence`` says the run in one line.
    """
    from coachkit.core.timezones import local_start_iso, zone_label
    from coachkit.features.splits import lap_figures, splits

    if data is None:
        data, row = activity_data(store, activity_id)
    else:
        row = table_row(data, activity_id)
    units = units or data.settings.get("units") or "km"
    samples = run_samples(store, data, activity_id)
    sport = str(row["sport"])
    summary = {f: plain(row.get(f)) for f in SUMMARY_FIELDS}
    for note in ("load_note", "excluded_reason"):  # written in km: said in the view's units
        if isinstance(summary[note], str):
            summary[note] = in_units(summary[note], units)
    moving = summary["moving_time_s"] or summary["elapsed_time_s"]
    dist = summary["distance_m"]
    summary["avg_pace_s_per_km"] = plain(moving / dist * 1000.0) if moving and dist else None
    gap = row.get("mean_gap_speed_m_s")
    summary["avg_gap_pace_s_per_km"] = (
        plain(1000.0 / gap) if gap and gap == gap and gap > 0 else None
    )
    start = pd.Timestamp(row["start_time"])
    laps = store.laps(activity_id)
    if len(laps):
        laps["t0_s"] = (laps["start_time"] - start).dt.total_seconds()
    lap_frame = lap_figures(samples, laps, sport=sport).rename(
        columns={"pace_s_per_km": "avg_pace_s_per_km", "gap_pace_s_per_km": "avg_gap_pace_s_per_km"}
    )
    split_frame = splits(samples, MILE_M if units == "mi" else 1000.0, sport=sport)
    view: dict[str, Any] = {
        "activity_id": activity_id,
        "athlete_id": data.athlete_id,
        "units": units,
        "start_time": f"{start.tz_convert('UTC'):%Y-%m-%dT%H:%M:%SZ}",
        "start_time_local": local_start_iso(row["start_time"], row.get("utc_offset_s")),
        "time_zone": zone_label(row.get("tz_name"), row.get("utc_offset_s"), row.get("tz_source")),
        "summary": summary,
        "laps": _records(lap_frame, LAP_FIELDS),
        "splits": _records(split_frame, SPLIT_FIELDS),
        **zones_view(data, samples),
    }
    view["sentence"] = sentence(view)
    return view


def zones_view(data: AthleteData, samples: pd.DataFrame) -> dict[str, Any]:
    """``zones``: seconds in each band of the athlete's HR, pace and power zones; with power
    samples, ``critical_power``: the athlete's CP and W′ in effect and this run's best powers."""
    import math

    from coachkit.app.power import athlete_cp
    from coachkit.app.zones import athlete_zones
    from coachkit.features.power import mean_max_power
    from coachkit.features.zone_sets import seconds_in_zones

    zones = athlete_zones(data)
    out: dict[str, Any] = {
        "zones": {
            kind: [{k: plain(v) for k, v in band.items()} for band in bands]
            for kind, bands in seconds_in_zones(samples, zones).items()
        }
    }
    if "power_w" not in samples or not samples["power_w"].notna().any():
        return out
    cp, window = athlete_cp(data)
    best = mean_max_power(samples)
    best = best[best["duration_s"].isin(BEST_POWER_S)].dropna(subset=["power_w"])
    sentence = cp.note if not math.isfinite(cp.cp_w) else f"{cp.note} ({window})."
    out["critical_power"] = {
        "cp_w": plain(cp.cp_w),
        "w_prime_j": plain(cp.w_prime_j),
        "window": window,
        "best_power": [
            {"duration_s": plain(d), "power_w": plain(p)}
            for d, p in zip(best["duration_s"], best["power_w"])
        ],
        "sentence": sentence.replace("..", "."),
    }
    return out


def sentence(view: dict[str, Any]) -> str:
    """The run in one line, in the view's units: what, when, how far, how fast, how hard."""
    s, units = view["summary"], view["units"]
    when = view["start_time_local"].replace("T", " ")[:16]
    parts = [f"{(s['name'] or s['sport'] or 'activity').strip()} on {when}"]
    if s["distance_m"]:
        parts.append(
            f"{format_distance(s['distance_m'], units)} in {format_hms(s['moving_time_s'] or s['elapsed_time_s'] or 0)}"
        )
    if s["avg_pace_s_per_km"]:
        gap = s["avg_gap_pace_s_per_km"]
        parts.append(
            f"{format_pace(s['avg_pace_s_per_km'], units)}"
            + (f" (grade-adjusted {format_pace(gap, units)})" if gap else "")
        )
    if s["avg_hr"]:
        parts.append(f"HR {s['avg_hr']:.0f} bpm")
    if s["avg_power_w"]:
        parts.append(f"{s['avg_power_w']:.0f} W")
    return ", ".join(parts) + "."


def format_cell(value: Any, kind: str, units: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if kind == "pace":
        return format_pace(value, units).rsplit("/", 1)[0]
    if kind == "time":
        return format_hms(value)
    if kind == "elev":
        return f"{value / FOOT_M if units == 'mi' else value:+.0f}"
    if kind == "dist":
        return format_distance(value, units).split()[0]
    return f"{value:.0f}"


def _table(
    rows: list[dict[str, Any]], columns: list[tuple[str, str, str]], units: str
) -> list[str]:
    """Rows as aligned text: ``columns`` are (field, header, kind)."""
    cells = [[h for _, h, _ in columns]] + [
        [format_cell(r.get(f), kind, units) for f, _, kind in columns] for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(columns))]
    return ["  " + "  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in cells]


_SHOWN_COMMON = [
    ("avg_hr", "HR", "n"),
    ("avg_cadence_spm", "cadence", "n"),
    ("avg_power_w", "power W", "n"),
]


def lap_columns(units: str) -> list[tuple[str, str, str]]:
    """The laps as shown (terminal and dashboard): (field, header, kind of value)."""
    return [
        ("lap", "lap", "n"),
        ("distance_m", units, "dist"),
        ("duration_s", "time", "time"),
        ("avg_pace_s_per_km", f"pace /{units}", "pace"),
        ("avg_gap_pace_s_per_km", "GAP", "pace"),
        *_SHOWN_COMMON,
    ]


def split_columns(units: str) -> list[tuple[str, str, str]]:
    """The splits as shown: where each ends, time, pace and GAP, HR, cadence, power, climb."""
    return [
        ("end_distance_m", units, "dist"),
        ("duration_s", "time", "time"),
        ("pace_s_per_km", f"pace /{units}", "pace"),
        ("gap_pace_s_per_km", "GAP", "pace"),
        *_SHOWN_COMMON,
        ("elevation_change_m", "climb ft" if units == "mi" else "climb m", "elev"),
    ]


def split_title(units: str) -> str:
    return f"Splits (every {'mile' if units == 'mi' else 'km'})"


def view_text(view: dict[str, Any]) -> str:
    """The view for a terminal: one unit system, paces ``m:ss``, durations ``h:mm:ss``."""
    units, s = view["units"], view["summary"]
    lines = [view["sentence"], f"Local time: {view['time_zone']}."]
    if s["load"] is not None:
        lines.append(f"Load {s['load']:.0f} ({s['load_method']}): {s['load_note']}")
    elif s["excluded_reason"]:
        lines.append(f"No load: {s['excluded_reason']}")
    if view["laps"]:
        lines += ["", "Laps (from the device)", *_table(view["laps"], lap_columns(units), units)]
    if view["splits"]:
        lines += ["", split_title(units), *_table(view["splits"], split_columns(units), units)]
    for kind, bands in view.get("zones", {}).items():
        spent = [b for b in bands if b.get("seconds")]
        if not spent:
            continue
        label = {"hr": "Heart rate", "pace": "Pace", "power": "Power"}.get(kind, kind)
        lines += ["", f"{label} zones (time in each)"]
        names = max(len(str(b["name"])) for b in bands)
        ranges = [band_text(kind, b, units) for b in bands]
        wide = max(len(r) for r in ranges)
        for b, r in zip(bands, ranges):
            lines.append(f"  {b['name']:<{names}}  {r:<{wide}}  {format_hms(b['seconds'] or 0):>8}")
    if cp := view.get("critical_power"):
        lines += ["", cp.get("sentence", "")]
    return "\n".join(lines)


def band_text(kind: str, band: dict[str, Any], units: str) -> str:
    """A zone's range in words: ``"152-161 bpm"``, ``"> 172 bpm"``, ``"4:45-5:02/km"``,
    ``"slower than 6:27/km"``, ``"faster than 5:00/km"``."""
    low, high = band.get("low") or None, band.get("high") or None
    if kind == "pace":  # s/km: low is the fast end
        fmt = lambda v: format_pace(v, units)  # noqa: E731
        if low and high:
            return f"{fmt(low).rsplit('/', 1)[0]}-{fmt(high)}"
        return f"slower than {fmt(low)}" if low else f"faster than {fmt(high)}" if high else ""
    unit = "bpm" if kind == "hr" else "W"
    if low and high:
        return f"{low:.0f}-{high:.0f} {unit}"
    return f"> {low:.0f} {unit}" if low else f"< {high:.0f} {unit}" if high else ""
