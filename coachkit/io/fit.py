"""FIT activity files: a fast columnar path (fitfast) with a tolerant fallback (fitdecode).

fitfast decodes about 49x faster than fitdecode (docs/design.md §2) and hands record messages over as
NumPy columns, so the common case never builds a dict per record. It is strict: a CRC mismatch,
a truncated file, an undefined local message or a corrupt chained header makes it raise. Those
files are re-read by :func:`coachkit.io.fit_fallback.decode_with_fitdecode` (CRC check off,
keeping everything before a fatal error), and the reason goes into ``ParsedFile.warnings``.

Both decoders feed one builder: one activity per ``session`` message (a triathlon gives swim,
transitions, bike and run), records assigned to the session whose start precedes them, laps
and R-R intervals (``hrv`` messages) attached to the same activity.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from coachkit.core.sports import FOOT_SPORTS
from coachkit.io import NothingToImport
from coachkit.io.base import ParsedActivity, ParsedFile, make_samples
from coachkit.io.errors import UnreadableFile
from coachkit.io.fit_fallback import (
    FIT_EPOCH_UNIX_S,
    FitContent,
    decode_with_fitdecode,
    expand_compressed_speed_distance,
    why_fast_failed,
)
from coachkit.io.fitfast_path import decode_fast
from coachkit.io.sports import fit_sport

#: FIT bytes the fast decoder reads: it peaks at ~3 KB a record (each one a dict), ~400 MB for
#: 12 MB; larger files take the fitdecode path, which streams and stops at MAX_RECORDS.
MAX_FAST_BYTES = 12 * 2**20
# FIT SDK Profile, date_time: values below 0x10000000 count seconds since the device was switched
# on, not since the FIT epoch (a watch that never learnt the time, e.g. a Forerunner 70).
SYSTEM_TIME_MAX_UNIX_S = FIT_EPOCH_UNIX_S + 0x10000000
MAX_UTC_OFFSET_S = 14 * 3600  # UTC+14 (Kiribati) is the widest offset in use
# hrv.time is uint16 in 1/1000 s; 0xFFFF (65.535 s) is the invalid marker.
RR_INVALID_S = 65.535
# Only Garmin-family manufacturers use the garmin_product enum for file_id.product.
_GARMIN_FAMILY = ("garmin", "dynastream", "dynastream_oem", "tacx")
_NOT_ACTIVITY = {
    "monitoring_a": "a FIT monitoring file (all-day steps and activity levels), not a workout",
    "monitoring_b": "a FIT monitoring file (all-day steps and activity levels), not a workout",
    "monitoring_daily": "a FIT daily monitoring file (all-day steps and activity levels), not a workout",
    "settings": "a FIT device settings file, not a workout",
    "sport": "a FIT sport settings file, not a workout",
    "course": "a FIT course (a planned route), not a recorded workout",
    "workout": "a FIT workout plan, not a recorded workout",
    "schedules": "a FIT workout schedule, not a recorded workout",
    "totals": "a FIT lifetime totals file, not a workout",
    "goals": "a FIT goals file, not a workout",
}


def read_fit(data: bytes, *, name: str = "") -> ParsedFile:
    """Read a FIT file's activities: fitfast first, fitdecode when fitfast refuses the file.

    Parameters
    ----------
    data
        The file's bytes.
    name
        The file name, for messages only (content decides how the file is read).

    Returns
    -------
    ParsedFile
        One activity per session (or one from the records when the file has no session),
        ``decoder`` ``"fitfast"`` or ``"fitdecode"``, and a warning for every repair made.

    Raises
    ------
    UnreadableFile
        Empty input, no FIT signature, or nothing decodable.
    NothingToImport
        A valid FIT file that holds no workout (monitoring, settings, course files).
    """
    _check_signature(data)
    if len(data) > MAX_FAST_BYTES:
        content = decode_with_fitdecode(data)
        why = f"over {MAX_FAST_BYTES // 2**20} MB the fast decoder would take gigabytes"
        content.warnings.insert(
            0,
            f"a FIT file of {len(data) / 2**20:.0f} MB: read with fitdecode, which keeps memory bounded ({why})",
        )
        return _build(content)
    try:
        content = decode_fast(data)
    except BaseException as exc:  # FitDecodeError, or pyo3's PanicException (a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        content = decode_with_fitdecode(data)
        content.warnings.insert(0, f"{why_fast_failed(exc)}; read with fitdecode, CRC check off")
    return _build(content)


def read_with_fitdecode(data: bytes, *, name: str = "") -> ParsedFile:
    """Like :func:`read_fit`, but with the fallback decoder (fitdecode) only: tests compare the
    two paths on the same files."""
    _check_signature(data)
    return _build(decode_with_fitdecode(data))


def _check_signature(data: bytes) -> None:
    if not data:
        raise UnreadableFile("empty file")
    if len(data) < 12 or data[8:12] != b".FIT":
        raise UnreadableFile("not a FIT file: no '.FIT' signature at byte 8")


def running_cadence_spm(cadence: np.ndarray, fractional: np.ndarray | None) -> np.ndarray:
    """Steps per minute from FIT running cadence (strides/min) and its fractional part."""
    cad = np.asarray(cadence, dtype=float)
    frac = (
        np.zeros_like(cad) if fractional is None else np.nan_to_num(np.asarray(fractional, float))
    )
    return 2.0 * (cad + frac)


def rr_by_row(
    row_times_s: np.ndarray, beat_times_s: np.ndarray, rr_ms: np.ndarray
) -> list[list[float]]:
    """Group R-R intervals by the sample row whose time span holds the beat.

    A beat belongs to the last row at or before it (beats before the first row go to the first),
    so with 1 s recording each row gets the beats of its second, and with smart recording none
    is lost between sparse rows. Rows without a beat get an empty list.
    """
    n = len(row_times_s)
    if n == 0:
        return []
    rows = np.clip(np.searchsorted(row_times_s, beat_times_s, side="right") - 1, 0, n - 1)
    edges = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).tolist()
    flat = np.asarray(rr_ms, dtype=float).tolist()  # slicing one list beats n small arrays
    return [flat[a:b] for a, b in zip(edges[:-1], edges[1:])]


def _num(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return math.nan


def _column(rec: dict[str, np.ndarray], n: int, *names: str) -> np.ndarray | None:
    """First non-missing value among ``names`` per record (e.g. speed, then enhanced_speed)."""
    out = None
    for name in names:
        col = rec.get(name)
        if col is None or len(col) != n or not np.isfinite(col).any():
            continue
        out = col.copy() if out is None else np.where(np.isnan(out), col, out)
    return out


def _power(rec: dict[str, np.ndarray], n: int) -> np.ndarray | None:
    native = _column(rec, n, "power")
    if native is not None:
        return native
    # Stryd's Connect IQ field writes running power as a developer field named "Power"
    for key, col in rec.items():
        if (
            key != "power"
            and key.lower() == "power"
            and len(col) == n
            and np.nanmax(col, initial=0) > 0
        ):
            return col
    return None


def _device(msgs: dict[str, list[dict[Any, Any]]]) -> str | None:
    """Maker and model ("garmin fr935", "Suunto 9 Baro") from file_id, else the creator device."""
    sources = msgs.get("file_id", [])[:1] + [
        d for d in msgs.get("device_info", []) if d.get("device_index") in ("creator", 0)
    ]
    maker = None
    for src in sources:
        manu = src.get("manufacturer")
        if not isinstance(manu, str):
            continue
        maker = maker or manu
        model = src.get("product_name")
        if isinstance(model, str) and model.strip():
            model = model.strip()
            return model if model.lower().startswith(manu.split("_")[0]) else f"{manu} {model}"
        product = src.get("product")
        if manu in _GARMIN_FAMILY and isinstance(product, int):
            import fitdecode.profile

            model = fitdecode.profile.FIELD_TYPES["garmin_product"].enum.get(product)
            if model:
                return f"{manu} {model}"
    return maker


def _utc_offset_s(msgs: dict[str, list[dict[Any, Any]]]) -> int | None:
    """Local offset from the activity message (local_timestamp - timestamp), to the quarter hour."""
    for act in msgs.get("activity", []):
        utc, local = _num(act.get("timestamp")), _num(act.get("local_timestamp"))
        if min(utc, local) < SYSTEM_TIME_MAX_UNIX_S or math.isnan(utc - local):
            continue
        offset = round((local - utc) / 900) * 900  # devices skew it by seconds; zones are 15 min
        if abs(offset) <= MAX_UTC_OFFSET_S:
            return int(offset)
    return None


def _session_summary(s: dict[Any, Any], sport: str) -> dict[str, Any]:
    out: dict[str, Any] = {"sport": sport}
    start = _num(s.get("start_time"))
    if not math.isnan(start):
        out["start_time"] = pd.Timestamp(start, unit="s", tz="UTC")
    for key, src in (
        ("elapsed_time_s", "total_elapsed_time"),
        ("moving_time_s", "total_timer_time"),
        ("distance_m", "total_distance"),
        ("elevation_gain_m", "total_ascent"),
    ):
        if not math.isnan(_num(s.get(src))):
            out[key] = _num(s.get(src))
    # a zero average is a missing sensor, not a measurement
    for key, src in (
        ("avg_hr", "avg_heart_rate"),
        ("max_hr", "max_heart_rate"),
        ("avg_power_w", "avg_power"),
    ):
        if _num(s.get(src)) > 0:
            out[key] = _num(s.get(src))
    cad = _num(s.get("avg_running_cadence", s.get("avg_cadence")))
    if cad > 0:
        frac = np.array([_num(s.get("avg_fractional_cadence"))])
        if sport in FOOT_SPORTS:
            cad = float(running_cadence_spm(np.array([cad]), frac)[0])
        out["avg_cadence_spm"] = cad
    return out


def _laps(laps: list[dict[Any, Any]]) -> pd.DataFrame | None:
    if not laps:
        return None
    starts = pd.to_datetime([_num(x.get("start_time")) for x in laps], unit="s", utc=True)
    frame = pd.DataFrame(
        {
            "start_time": starts.as_unit("ns"),
            "elapsed_time_s": [_num(x.get("total_elapsed_time")) for x in laps],
            "moving_time_s": [_num(x.get("total_timer_time")) for x in laps],
            "distance_m": [_num(x.get("total_distance")) for x in laps],
            "avg_hr": [_num(x.get("avg_heart_rate")) for x in laps],
            "max_hr": [_num(x.get("max_heart_rate")) for x in laps],
            "avg_speed_m_s": [_num(x.get("enhanced_avg_speed", x.get("avg_speed"))) for x in laps],
        }
    )
    return frame.sort_values("start_time", kind="stable").reset_index(drop=True)


def _rr_seconds(msgs: dict[str, list[dict[Any, Any]]]) -> np.ndarray | None:
    if not msgs.get("hrv"):
        return None
    vals = []
    for m in msgs["hrv"]:
        t = m.get("time")
        vals.extend(t if isinstance(t, (list, tuple)) else (t,))
    rr = np.array([math.nan if v is None else v for v in vals], dtype=float)
    return rr[(rr > 0) & (rr < RR_INVALID_S)]  # in order; invalid slots dropped


def _session_starts(sessions: list[dict[Any, Any]], first_record_s: float) -> list[float]:
    starts: list[float] = []
    for i, s in enumerate(sessions):
        start = _num(s.get("start_time"))
        if math.isnan(start):  # no start stated: the previous session's end, else the first record
            start = _num(sessions[i - 1].get("timestamp")) if i else first_record_s
        starts.append(start)
    return starts


def _record_columns(content: FitContent, warnings: list[str]) -> tuple[np.ndarray, dict]:
    """Record timestamps (Unix s) and canonical sample columns, one row per distinct second."""
    rec = content.records
    ts = rec.get("timestamp", np.zeros(0))
    n = len(ts)
    if content.compressed_speed_distance is not None:
        if len(content.compressed_speed_distance) == n:
            rec = dict(rec)
            unpacked = expand_compressed_speed_distance(content.compressed_speed_distance)
            for key, values in zip(("speed", "distance"), unpacked):
                old = rec.get(key)
                rec[key] = values if old is None else np.where(np.isnan(old), values, old)
        else:
            warnings.append("compressed speed/distance did not line up with the records; left out")
    cols = {
        "lat": rec.get("position_lat"),
        "lon": rec.get("position_long"),
        # the plain field first: where a device writes it, the enhanced one is expanded from it,
        # and fitfast 0.1 truncates that expansion (2.03 m/s comes out as 2.029)
        "altitude_m": _column(rec, n, "altitude", "enhanced_altitude"),
        "distance_m": _column(rec, n, "distance"),
        "speed_m_s": _column(rec, n, "speed", "enhanced_speed"),
        "hr_bpm": _column(rec, n, "heart_rate"),
        "power_w": _power(rec, n),
        "temperature_c": _column(rec, n, "temperature"),
        "cadence": _column(rec, n, "cadence"),
        "frac": _column(rec, n, "fractional_cadence"),
    }
    cols = {k: v for k, v in cols.items() if v is not None and len(v) == n}
    timed = ts[np.isfinite(ts)]
    n_dup = len(timed) - len(np.unique(timed))
    if n_dup:
        # Some writers split one instant over several records (Strava's app: position in one,
        # distance in the next) or stamp sub-second samples with the same second: merge them.
        merged = pd.DataFrame(dict(cols, ts=ts)).groupby("ts", sort=False).first().reset_index()
        ts = merged.pop("ts").to_numpy(dtype=float)
        cols = {k: merged[k].to_numpy(dtype=float) for k in merged.columns}
        warnings.append(f"{n_dup} records share a timestamp with another; merged them per second")
    return ts, cols


def _build(content: FitContent) -> ParsedFile:
    msgs = content.messages
    warnings = list(content.warnings)
    ftype = (msgs.get("file_id") or [{}])[0].get("type")
    if isinstance(ftype, str) and ftype != "activity":
        raise NothingToImport(_NOT_ACTIVITY.get(ftype, f"a FIT '{ftype}' file, not a workout"))
    sessions = list(msgs.get("session", []))
    ts, cols = _record_columns(content, warnings)
    if not sessions and not np.isfinite(ts).any():
        raise NothingToImport("a FIT file with no sessions and no timed records: no workout in it")
    first_s = float(np.nanmin(ts)) if np.isfinite(ts).any() else math.nan
    if first_s < SYSTEM_TIME_MAX_UNIX_S:
        warnings.append(
            "the device clock was never set: times count from when it was switched on, "
            "so the date (around 1990) is not the real one"
        )
    cadence, frac = cols.pop("cadence", None), cols.pop("frac", None)
    if sessions:
        order = np.argsort(_session_starts(sessions, first_s), kind="stable")
        sessions = [sessions[i] for i in order]
        starts = np.array(_session_starts(sessions, first_s))
        sports = [fit_sport(s.get("sport"), s.get("sub_sport")) for s in sessions]
    else:
        sport_msg = (msgs.get("sport") or msgs.get("lap") or [{}])[0]
        starts = np.array([first_s])
        sports = [fit_sport(sport_msg.get("sport"), sport_msg.get("sub_sport"))]

    def session_of(times: Any) -> np.ndarray:
        # the last session that started at or before that time (earlier ones: the first)
        return np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(starts) - 1)

    which = session_of(ts)
    lap_msgs = msgs.get("lap", [])
    lap_which = session_of([_num(x.get("start_time")) for x in lap_msgs])
    rr_s = _rr_seconds(msgs)
    # hrv messages carry no time: beat i falls rr_1 + ... + rr_i after the first record
    beats = first_s + np.cumsum(rr_s) if rr_s is not None else None
    bounds = np.concatenate([[-np.inf], starts[1:], [np.inf]])
    device, offset = _device(msgs), _utc_offset_s(msgs)
    activities = []
    for k, sport in enumerate(sports):
        mask = which == k
        part = {key: col[mask] for key, col in cols.items()}
        if cadence is not None:
            fr = frac[mask] if frac is not None else None
            foot = sport in FOOT_SPORTS  # cycling rpm and swim strokes/min stay as they are
            part["cadence_spm"] = running_cadence_spm(cadence[mask], fr) if foot else cadence[mask]
        part["timestamp"] = pd.to_datetime(ts[mask], unit="s", utc=True).as_unit("ns")
        samples = make_samples(part)
        if beats is not None:
            inside = (beats >= bounds[k]) & (beats < bounds[k + 1])
            row_s = (samples["timestamp"] - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
            samples["rr_ms"] = rr_by_row(row_s, beats[inside], np.round(rr_s[inside] * 1000.0, 3))
        summary = _session_summary(sessions[k], sport) if sessions else {"sport": sport}
        if device:
            summary["device"] = device
        if offset is not None:
            summary["utc_offset_s"] = offset
        laps = _laps([lap for lap, j in zip(lap_msgs, lap_which) if j == k])
        act = ParsedActivity(summary=summary, samples=samples, laps=laps, source_kind="fit")
        activities.append(act)
    return ParsedFile(activities=activities, decoder=content.decoder, warnings=warnings)
