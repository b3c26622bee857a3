"""One athlete's zones, time in zone, mean-max curves and critical power.

The seam between :class:`~coachkit.app.athlete.AthleteData` and the pure
:mod:`coachkit.features.zone_sets` / :mod:`coachkit.features.power`: which zone sets apply
(:func:`athlete_zones`: the athlete's settings, else Friel's LTHR zones), the seconds of each
run and each week in them; the mean-max curves and CP and W′ come from
:mod:`coachkit.app.power` (re-exported here).

Settings read (``coachkit settings``): ``zone_model`` (lthr, hrmax or hrr), ``hr_zones`` (the
athlete's own HR boundaries, bpm) and ``critical_power_w``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coachkit.app.power import (
    RECENT_WEEKS,
    anchor_day,
    athlete_cp,
    clean_runs,
    curves,
    mean_max_windows,
    run_power_loads,
)
from coachkit.features.zone_sets import (
    Zone,
    hr_zones_custom,
    hr_zones_hrmax,
    hr_zones_hrr,
    hr_zones_lthr,
    pace_zones,
    power_zones,
    seconds_in_zones,
    zone_source,
)

if TYPE_CHECKING:
    from coachkit.app.athlete import AthleteData

__all__ = ["athlete_cp", "athlete_zones", "curves", "mean_max_windows", "run_power_loads"]
__all__ += ["run_zone_seconds", "weekly_zone_seconds", "zone_sources", "zones_report"]


def athlete_zones(data: AthleteData) -> dict[str, list[Zone]]:
    """The athlete's zone sets: ``"hr"``, ``"pace"`` and (when CP is known) ``"power"``.

    HR: the athlete's own boundaries (``hr_zones``), else the ``zone_model`` (lthr by default,
    hrmax or hrr) on the thresholds in effect; pace from threshold pace; power from CP.
    """
    if "zones" in data.cache:
        return data.cache["zones"]
    from coachkit.app.athlete import thresholds

    th = thresholds(data)
    own = data.settings.get("hr_zones")
    model = data.settings.get("zone_model") or "lthr"
    out: dict[str, list[Zone]] = {}
    if own:
        out["hr"] = hr_zones_custom(own)
    elif model == "hrmax" and th.hr_max.value:
        out["hr"] = hr_zones_hrmax(th.hr_max.value)
    elif model == "hrr" and th.hr_max.value and th.hr_rest.value:
        out["hr"] = hr_zones_hrr(th.hr_max.value, th.hr_rest.value)
    elif th.lthr.value:
        out["hr"] = hr_zones_lthr(th.lthr.value)
    speed = th.threshold_speed_m_s.value
    if speed:
        out["pace"] = pace_zones(1000.0 / speed)
    cp, _ = athlete_cp(data)
    if np.isfinite(cp.cp_w):
        out["power"] = power_zones(cp.cp_w)
    data.cache["zones"] = out
    return out


def zone_sources(data: AthleteData) -> dict[str, str]:
    """One sentence per zone set saying where it comes from (and the threshold used)."""
    from coachkit.app.athlete import thresholds

    zones = athlete_zones(data)
    th = thresholds(data)
    model = data.settings.get("zone_model") or "lthr"
    custom = bool(data.settings.get("hr_zones"))
    anchor = {
        "lthr": f"LTHR {th.lthr.value:.0f} bpm ({th.lthr.tag})" if th.lthr.value else "",
        "hrmax": f"HRmax {th.hr_max.value:.0f} bpm ({th.hr_max.tag})" if th.hr_max.value else "",
        "hrr": f"HRmax {th.hr_max.value:.0f} and resting HR {th.hr_rest.value:.0f} bpm"
        if th.hr_max.value and th.hr_rest.value
        else "",
    }
    out = {}
    if "hr" in zones:
        out["hr"] = zone_source("hr", model, custom) + (
            "" if custom else f" Using {anchor[model]}."
        )
    if "pace" in zones:
        pace = zones["pace"][-1].high
        out["pace"] = zone_source("pace") + (
            f" Threshold pace {int(pace // 60)}:{int(round(pace % 60)):02d}/km "
            f"({th.threshold_speed_m_s.tag})."
        )
    if "power" in zones:
        cp, window = athlete_cp(data)
        out["power"] = zone_source("power") + f" CP {cp.cp_w:.0f} W ({window})."
    return out


def run_zone_seconds(data: AthleteData, activity_id: str) -> dict[str, list[dict]]:
    """Seconds of one activity in each zone of :func:`athlete_zones` (empty without samples)."""
    if activity_id not in data.samples:
        return {}
    return seconds_in_zones(data.samples[activity_id], athlete_zones(data))


def weekly_zone_seconds(data: AthleteData, kind: str = "hr", weeks: int = 12) -> pd.DataFrame:
    """Seconds per zone of ``kind`` in each of the last ``weeks`` weeks (Monday to Sunday, the
    week of the last day included): one row per week (``week``: its Monday), one column per
    zone name, in zone order. Runs with samples only."""
    zones = athlete_zones(data).get(kind)
    runs = clean_runs(data)
    anchor = anchor_day(data, runs)
    if not zones or anchor is None:
        return pd.DataFrame(columns=["week"])
    names = [z.name for z in zones]
    last_monday = anchor - pd.Timedelta(days=anchor.day_of_week)
    mondays = pd.date_range(end=last_monday, periods=weeks, freq="7D")
    table = pd.DataFrame(0.0, index=mondays, columns=names)
    week_of = runs["day"] - pd.to_timedelta(runs["day"].dt.day_of_week, unit="D")
    for run, monday in zip(runs.itertuples(), week_of):
        if monday not in table.index or run.day > anchor:
            continue
        secs = seconds_in_zones(data.samples[run.activity_id], {kind: zones})[kind]
        table.loc[monday] += [z["seconds"] for z in secs]
    return table.rename_axis("week").reset_index()


def _plain(zone: dict[str, Any]) -> dict[str, Any]:
    """A zone for JSON: an open bound (0 or infinity) is None."""
    return {
        k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in zone.items()
    }


def zones_report(data: AthleteData, *, weeks: int = 12) -> dict[str, Any]:
    """Everything ``coachkit zones`` shows, as plain values (JSON-ready)."""
    zones = athlete_zones(data)
    cp, window = athlete_cp(data)
    weekly = {}
    for kind in zones:
        frame = weekly_zone_seconds(data, kind, weeks)
        frame["week"] = frame["week"].dt.strftime("%Y-%m-%d")
        weekly[kind] = frame.to_dict(orient="records")

    def num(v: float) -> float | None:
        return None if v is None or not np.isfinite(v) else round(float(v), 3)

    curves_out = {}
    for value in ("power_w", "speed_m_s"):
        frame = mean_max_windows(data, value)
        curves_out[value] = [
            {k: (num(v) if isinstance(v, float) else int(v)) for k, v in row.items()}
            for row in frame.to_dict(orient="records")
        ]
    return {
        "athlete_id": data.athlete_id,
        "zones": {k: [_plain(z.to_dict()) for z in v] for k, v in zones.items()},
        "sources": zone_sources(data),
        "weekly_seconds": weekly,
        "critical_power": {
            "cp_w": num(cp.cp_w),
            "w_prime_j": num(cp.w_prime_j),
            "r2": num(cp.r2),
            "n_durations": cp.n,
            "window": window,
            "note": cp.note,
        },
        "mean_max": curves_out,
        "recent_weeks": RECENT_WEEKS,
    }
