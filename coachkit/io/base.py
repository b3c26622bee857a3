"""What every reader returns, and the helpers they share.

A reader is a function ``read_<format>(data: bytes, *, name: str = "") -> ParsedFile``. It takes
bytes rather than a path so that the store can re-parse its content-addressed ``raw/`` originals
(``coachkit rebuild``) and members of zips and ``.gz`` files the same way. A reader that cannot
make sense of its input raises :class:`UnreadableFile` with a one-line reason a user can act on;
the batch goes on without that file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.localtime import zone_fields
from coachkit.core.schemas import SAMPLE_COLUMNS, conform
from coachkit.core.sports import FOOT_SPORTS
from coachkit.io.errors import UnreadableFile

# Beyond these a value is a sensor or recording fault, not physiology (HR 250 is the design's
# own example of junk; 12.5 m/s is faster than Usain Bolt's average over 100 m).
HR_MIN_BPM, HR_MAX_BPM = 25.0, 230.0
RUN_SPEED_MAX_M_S = 12.5
#: a step back in time between rows as recorded beyond this (s) is a corrupt clock or file;
#: devices correcting their clock from GPS step back a second or two
TIME_BACK_MAX_S = 60.0
TIME_BACK_ATTR = "time_back_s"
GPS_GAP_S = 30.0  # a hole in GPS fixes longer than this while the clock runs is a gap
GPS_GAP_MOVED_M = 200.0  # ... or across which the runner moved this far with nothing recorded
EARLIEST_PLAUSIBLE = pd.Timestamp("1995-01-01", tz="UTC")  # before consumer GPS/HR loggers
# One activity longer than two days is a watch left running (features.load gives it no load);
# farther than these in one go is a recording fault (the longest foot races are ~250 km).
DURATION_MAX_S = 48 * 3600.0
DISTANCE_MAX_M = {"foot": 500_000.0, "other": 2_000_000.0}
# Between two GPS fixes: faster than this is a jump of the fix, not the athlete (a sprinter
# peaks near 12.5 m/s; no bike, ski or boat an athlete records goes 100 m/s)
GPS_JUMP_M_S = {"foot": 2 * RUN_SPEED_MAX_M_S, "other": 100.0}
GPS_JUMP_MIN_M = 200.0  # a jump shorter than this is GPS noise the distance filter absorbs


@dataclass
class ParsedActivity:
    """One activity as a reader sees it, before the store gives it an id.

    ``summary`` holds any of the activities columns of docs/design.md §3 that the source states
    (sport, start_time, distance_m, ...); :func:`finish_activity` fills the rest from samples.
    ``samples`` is a canonical samples frame or None for summary-only sources.
    """

    summary: dict[str, Any]
    samples: pd.DataFrame | None = None
    laps: pd.DataFrame | None = None
    source_kind: str = ""
    flags: list[str] = field(default_factory=list)


@dataclass
class ParsedFile:
    """Everything one input file holds: zero or more activities and zero or more wellness days."""

    activities: list[ParsedActivity] = field(default_factory=list)
    wellness: pd.DataFrame | None = None
    decoder: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.activities and (self.wellness is None or self.wellness.empty)


def collect_activities(
    items: list[Any], parse: Any, *, decoder: str, label: str, none_usable: str
) -> ParsedFile:
    """Parse a list of per-activity records; a bad record is skipped with a warning.

    ``label`` names one record in warnings ("record 3: ..."); ``none_usable`` is the reason
    when not a single record could be read.
    """
    parsed = ParsedFile(decoder=decoder)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            parsed.warnings.append(f"{label} {i}: not an activity object, skipped")
            continue
        try:
            parsed.activities.append(parse(item))
        except UnreadableFile as exc:
            parsed.warnings.append(f"{label} {i}: {exc}, skipped")
    if not parsed.activities:
        raise UnreadableFile(none_usable)
    return parsed


def haversine_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in metres between arrays of points (WGS-84 mean radius)."""
    r = 6_371_008.8
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def cumulative_distance_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Cumulative track distance from fixes; missing fixes add nothing."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    if len(lat) == 0:
        return np.zeros(0)
    ok = ~(np.isnan(lat) | np.isnan(lon))
    steps = np.zeros(len(lat))
    idx = np.flatnonzero(ok)
    if len(idx) > 1:
        steps[idx[1:]] = haversine_m(lat[idx[:-1]], lon[idx[:-1]], lat[idx[1:]], lon[idx[1:]])
    return np.cumsum(steps)


def make_samples(columns: dict[str, Any]) -> pd.DataFrame:
    """Build a canonical samples frame from whatever columns a reader has.

    ``timestamp`` is required. ``t_s`` is derived from it; ``distance_m`` from lat/lon when the
    source has none; ``speed_m_s`` from distance when absent. Rows are sorted by time and exact
    duplicate timestamps are dropped (some devices write a record twice); the largest step back
    in time of the rows as given is kept in ``attrs[TIME_BACK_ATTR]`` (seconds) for
    :func:`quality_flags`.
    """
    df = pd.DataFrame(columns)
    if "timestamp" not in df or df.empty:
        return conform(df.iloc[0:0], SAMPLE_COLUMNS)
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    df = df[df["timestamp"].notna()]
    back_s = (
        max(0.0, -float(df["timestamp"].diff().dt.total_seconds().min())) if len(df) > 1 else 0.0
    )
    df = df.sort_values("timestamp", kind="stable").drop_duplicates("timestamp", keep="first")
    if df.empty:
        return conform(df, SAMPLE_COLUMNS)
    t = (df["timestamp"] - df["timestamp"].iloc[0]).dt.total_seconds().to_numpy()
    df["t_s"] = t
    has_dist = "distance_m" in df and df["distance_m"].notna().any()
    if not has_dist and "lat" in df and "lon" in df and df["lat"].notna().sum() > 1:
        df["distance_m"] = cumulative_distance_m(df["lat"].to_numpy(), df["lon"].to_numpy())
    if ("speed_m_s" not in df or df["speed_m_s"].isna().all()) and "distance_m" in df:
        d = (
            pd.Series(df["distance_m"].to_numpy(dtype=float))
            .interpolate(limit_area="inside")
            .to_numpy()
        )
        dt = np.diff(t, prepend=np.nan)
        dd = np.diff(d, prepend=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(dt > 0, dd / dt, np.nan)
        df["speed_m_s"] = v
    extra = ("rr_ms",) if "rr_ms" in df else ()
    out = conform(df, SAMPLE_COLUMNS, keep_extra=extra)
    out.attrs[TIME_BACK_ATTR] = back_s
    return out


def _time_weighted_mean(values: pd.Series, t_s: pd.Series) -> float | None:
    """Mean over time, not over rows: "smart recording" writes more rows when values change.

    Each row holds until the next one, capped at 10 s so that a pause does not count.
    """
    held = np.diff(t_s.to_numpy(dtype=float), append=np.nan)
    held = np.clip(np.nan_to_num(held, nan=1.0), 0.0, 10.0)
    v = values.to_numpy(dtype=float)
    ok = ~np.isnan(v) & (held > 0)
    if not ok.any():
        return float(np.nanmean(v)) if (~np.isnan(v)).any() else None
    return float(np.average(v[ok], weights=held[ok]))


def summarize_samples(samples: pd.DataFrame) -> dict[str, Any]:
    """Activity summary figures computed from canonical samples (used where a source states none)."""
    if samples is None or samples.empty:
        return {}
    out: dict[str, Any] = {"start_time": samples["timestamp"].iloc[0]}
    out["elapsed_time_s"] = float(samples["t_s"].iloc[-1])
    dist = samples["distance_m"].dropna()
    if len(dist):
        out["distance_m"] = float(dist.max())  # device odometers start at 0 with the activity
    speed = samples["speed_m_s"]
    dt = samples["t_s"].diff().fillna(0).clip(upper=10)  # a pause longer than 10 s is not moving
    if speed.notna().any():
        out["moving_time_s"] = float(dt[(speed > 0.5).to_numpy()].sum())
    alt = samples["altitude_m"].dropna()
    if len(alt) > 1:
        # 1 m hysteresis-free sum of rises after light smoothing: GPS altitude noise inflates raw sums
        smooth = alt.rolling(5, center=True, min_periods=1).mean().to_numpy()
        rises = np.diff(smooth)
        out["elevation_gain_m"] = float(rises[rises > 0].sum())
    hr = samples["hr_bpm"].where(samples["hr_bpm"] > 0)
    if hr.notna().any():
        out["avg_hr"] = _time_weighted_mean(hr, samples["t_s"])
        out["max_hr"] = float(hr.max())
    cad = samples["cadence_spm"].where(samples["cadence_spm"] > 0)
    if cad.notna().any():
        out["avg_cadence_spm"] = _time_weighted_mean(cad, samples["t_s"])
    pw = samples["power_w"]
    if pw.notna().any():
        out["avg_power_w"] = _time_weighted_mean(pw, samples["t_s"])
    return out


def _has_gps_gap(samples: pd.DataFrame) -> bool:
    """True when fixes are missing for > 30 s while the runner kept going.

    Two shapes: rows keep coming without fixes (the clock runs, GPS lost), or consecutive fixes
    are > 30 s apart yet > 200 m apart in space (the runner moved while nothing was recorded).
    A pause (no rows, no movement) is not a gap.
    """
    fixes = samples["lat"].notna().to_numpy()
    t = samples["t_s"].to_numpy()
    first, last = np.flatnonzero(fixes)[[0, -1]]
    inside = ~fixes[first : last + 1]
    if inside.any():  # runs of fix-less rows between the first and last fix
        edges = np.flatnonzero(np.diff(np.concatenate([[0], inside.astype(int), [0]])))
        for a, b in zip(edges[::2], edges[1::2]):
            if t[first + b] - t[first + a - 1] > GPS_GAP_S:
                return True
    ft = t[fixes]
    lat, lon = samples["lat"].to_numpy()[fixes], samples["lon"].to_numpy()[fixes]
    jumps = np.flatnonzero(np.diff(ft) > GPS_GAP_S)
    if len(jumps):
        moved = haversine_m(lat[jumps], lon[jumps], lat[jumps + 1], lon[jumps + 1])
        return bool((moved > GPS_GAP_MOVED_M).any())
    return False


def quality_flags(
    summary: dict[str, Any], samples: pd.DataFrame | None, *, now: pd.Timestamp | None = None
) -> list[str]:
    """Data-quality codes for one activity, so that junk never looks like a real run.

    ``now`` bounds "in the future"; it defaults to the wall clock because readers are I/O.
    """
    flags: list[str] = []
    sport = summary.get("sport") or "other"
    avg_hr, max_hr = summary.get("avg_hr"), summary.get("max_hr")
    if avg_hr is None or (isinstance(avg_hr, float) and math.isnan(avg_hr)):
        flags.append("no_hr")
    elif not (HR_MIN_BPM <= avg_hr <= HR_MAX_BPM) or (max_hr is not None and max_hr > 250):
        flags.append("hr_implausible")
    start = summary.get("start_time")
    now = now or pd.Timestamp.now(tz="UTC")
    if start is not None and not pd.isna(start):
        start = pd.Timestamp(start)
        if start < EARLIEST_PLAUSIBLE or start > now + pd.Timedelta(days=1):
            flags.append("date_implausible")
    elapsed, moving = summary.get("elapsed_time_s"), summary.get("moving_time_s")
    if elapsed is not None and moving is not None and moving > elapsed * 1.02 + 5:
        flags.append("time_inverted")
    dist, mov = (
        summary.get("distance_m"),
        summary.get("moving_time_s") or summary.get("elapsed_time_s"),
    )
    if sport in FOOT_SPORTS and dist and mov and mov > 0:
        if dist / mov > RUN_SPEED_MAX_M_S:
            flags.append("speed_implausible")
    flags += _extent_flags(summary, sport)
    if samples is not None and not samples.empty:
        if sport in FOOT_SPORTS and samples["speed_m_s"].notna().any():
            fast = (samples["speed_m_s"] > RUN_SPEED_MAX_M_S * 2).mean()
            if fast > 0.02 and "speed_implausible" not in flags:
                flags.append("speed_implausible")
        if (samples["hr_bpm"] > 250).mean() > 0.02 and "hr_implausible" not in flags:
            flags.append("hr_implausible")  # a sensor fault even when the average looks fine
        if samples.attrs.get(TIME_BACK_ATTR, 0.0) > TIME_BACK_MAX_S:
            flags.append("time_reversed")
        if sport != "treadmill" and samples["lat"].notna().sum() > 1:
            if _has_gps_gap(samples):
                flags.append("gps_gaps")
            if _has_gps_jump(samples, sport):
                flags.append("speed_implausible")
    return list(dict.fromkeys(flags))


def _extent_flags(summary: dict[str, Any], sport: str) -> list[str]:
    """``duration_implausible`` and ``distance_implausible``: negative, or more than one
    activity can hold (:data:`DURATION_MAX_S`, :data:`DISTANCE_MAX_M`)."""
    flags = []
    times = [summary.get(k) for k in ("elapsed_time_s", "moving_time_s")]
    if any(t is not None and not pd.isna(t) and not 0 <= t <= DURATION_MAX_S for t in times):
        flags.append("duration_implausible")
    dist = summary.get("distance_m")
    limit = DISTANCE_MAX_M["foot" if sport in FOOT_SPORTS else "other"]
    if dist is not None and not pd.isna(dist) and not 0 <= dist <= limit:
        flags.append("distance_implausible")
    return flags


def _has_gps_jump(samples: pd.DataFrame, sport: str) -> bool:
    """True when two consecutive fixes lie farther apart than anyone moves in the time between
    them (:data:`GPS_JUMP_M_S`, at least :data:`GPS_JUMP_MIN_M`): the fix jumped."""
    fixes = samples["lat"].notna().to_numpy() & samples["lon"].notna().to_numpy()
    t = samples["t_s"].to_numpy(dtype="float64")[fixes]
    lat, lon = samples["lat"].to_numpy()[fixes], samples["lon"].to_numpy()[fixes]
    if len(t) < 2:
        return False
    moved = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    dt = np.maximum(np.diff(t), 1.0)  # two fixes in the same second: one second apart
    limit = GPS_JUMP_M_S["foot" if sport in FOOT_SPORTS else "other"]
    return bool(((moved > GPS_JUMP_MIN_M) & (moved / dt > limit)).any())


#: flags that say a decoded value is physically impossible, not merely missing or doubtful
PHYSICAL_FLAGS = (
    "hr_implausible",
    "speed_implausible",
    "time_inverted",
    "time_reversed",
    "date_implausible",
    "duration_implausible",
    "distance_implausible",
)
#: the mark a reader leaves in its warnings when it decoded damaged bytes leniently
#: (:func:`coachkit.io.fit_fallback.why_fast_failed`: CRC mismatch, truncation, ...)
LENIENT_DECODE = "CRC check off"


def refuse_damaged_nonsense(warnings: list[str], activities: list[ParsedActivity]) -> None:
    """Raise :class:`UnreadableFile` when damaged bytes, decoded leniently, give physically
    impossible values: a bit-flipped FIT is quarantined, not imported as nonsense. A damaged
    file whose values all make sense (a truncated recording, a bad CRC byte) is imported."""
    damage = next((w for w in warnings if LENIENT_DECODE in w), None)
    if damage is None:
        return
    bad = sorted({f for act in activities for f in act.flags if f in PHYSICAL_FLAGS})
    if bad:
        why = damage.split(";", 1)[0]
        raise UnreadableFile(
            f"damaged file ({why}) that decodes to impossible values ({', '.join(bad)}): "
            "quarantined, not imported"
        )


def finish_activity(act: ParsedActivity, *, now: pd.Timestamp | None = None) -> ParsedActivity:
    """Fill the summary from samples where the source is silent, and compute quality flags.

    Values the source states win over values computed from samples (a watch's distance comes
    from its own fused GPS/accelerometer estimate and is what the runner saw).
    """
    summary = dict(act.summary)
    computed = summarize_samples(act.samples) if act.samples is not None else {}
    for key, value in computed.items():
        if summary.get(key) is None or (
            isinstance(summary.get(key), float) and math.isnan(summary[key])
        ):
            summary[key] = value
    sport = summary.get("sport")
    summary["sport"] = sport if isinstance(sport, str) and sport else "other"
    summary["has_samples"] = act.samples is not None and not act.samples.empty
    # the local day: the file's offset, else the GPS track's zone (every source, ingest and rebuild)
    summary.update(zone_fields(summary, act.samples))
    flags = list(act.flags) + quality_flags(summary, act.samples, now=now)
    return ParsedActivity(
        summary=summary,
        samples=act.samples,
        laps=act.laps,
        source_kind=act.source_kind,
        flags=list(dict.fromkeys(flags)),
    )
