"""rMSSD from raw R-R intervals, with artefact filtering.

An R-R series (the time between successive heartbeats, in ms) from a chest strap or a
finger/camera app always holds some junk: missed beats (one interval twice as long),
extra detections (two short ones), ectopic beats and dropouts. rMSSD squares successive
differences, so a single 400 ms jump weighs as much as hundreds of normal beats. Filtering
is therefore not optional.

Two rules, applied in order:

1. **Range.** Intervals outside 300–2000 ms (200–30 bpm) are not physiological at rest or
   at running intensities; they are dropouts and double detections.
2. **Local median.** An interval that differs by more than 20 % from the median of the
   11 beats centred on it is an artefact. The 20 % tolerance is Malik's rule (Malik et al.
   1989, Eur Heart J 10:1060, "differs by more than 20 % from the previous interval"); comparing
   with a local median instead of the previous beat follows Kubios HRV's threshold-based
   correction (Tarvainen et al. 2014, Comput Methods Programs Biomed 113:210), which makes the
   rule robust to the beat *after* an ectopic one, that would otherwise also be rejected against
   its bad neighbour.

rMSSD (Task Force of ESC/NASPE 1996, Circulation 93:1043) is then
``sqrt(mean(diff(NN) ** 2))`` over successive pairs whose two beats were *both* accepted:
a removed beat breaks the chain instead of being bridged, because the difference across a
gap is not a beat-to-beat difference.

The module knows no file format: :mod:`coachkit.io.hrv` reads R-R recordings (text, Polar
.hrm) and turns each into one day's rMSSD with it, and FIT ``hrv`` messages keep their raw
intervals in the samples' ``rr_ms`` column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

RR_MIN_MS = 300.0  # 200 bpm: faster is a double detection, not a heartbeat
RR_MAX_MS = 2000.0  # 30 bpm: slower is a dropout or a missed beat
LOCAL_WINDOW_BEATS = 11  # centred window for the local median (5 beats either side)
LOCAL_TOLERANCE = 0.20  # Malik et al. 1989: 20 % from the reference interval


@dataclass(frozen=True)
class RmssdResult:
    """rMSSD of one R-R recording and how much of it was usable.

    Attributes
    ----------
    rmssd_ms : float
        Root mean square of successive differences of accepted beats, ms (NaN if no pair).
    ln_rmssd : float
        Natural log of ``rmssd_ms`` (NaN when rMSSD is NaN or 0).
    n_beats : int
        Number of intervals given.
    n_artefacts : int
        Intervals rejected by the range or local-median rule (NaNs count as artefacts).
    artefact_share : float
        ``n_artefacts / n_beats`` (NaN for an empty series).
    n_pairs : int
        Successive accepted pairs the rMSSD was computed from.
    mean_hr_bpm : float
        ``60000 / mean(accepted intervals)`` (NaN if none accepted).
    """

    rmssd_ms: float
    ln_rmssd: float
    n_beats: int
    n_artefacts: int
    artefact_share: float
    n_pairs: int
    mean_hr_bpm: float


def _local_median(x: np.ndarray, window: int) -> np.ndarray:
    """Centred running median of ``x`` over ``window`` values (shorter at the ends)."""
    half = window // 2
    padded = np.concatenate([np.full(half, np.nan), x, np.full(half, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return np.nanmedian(windows, axis=1)


def accepted_beats(
    rr_ms: ArrayLike,
    *,
    tolerance: float = LOCAL_TOLERANCE,
    window: int = LOCAL_WINDOW_BEATS,
) -> np.ndarray:
    """Boolean mask of the intervals that pass the range and local-median rules.

    Parameters
    ----------
    rr_ms : array-like
        R-R intervals in milliseconds, in recording order.
    tolerance : float
        Largest accepted relative deviation from the local median (0.20 = 20 %).
    window : int
        Number of beats in the centred median window (odd; 11 by default).

    Returns
    -------
    numpy.ndarray
        ``True`` where the interval is a normal-to-normal (NN) beat.

    Examples
    --------
    >>> accepted_beats([800, 810, 1700, 790, 805]).tolist()
    [True, True, False, True, True]
    """
    rr = np.asarray(rr_ms, dtype=float).ravel()
    ok = np.isfinite(rr) & (rr >= RR_MIN_MS) & (rr <= RR_MAX_MS)
    if not ok.any():
        return ok
    # the median is taken over in-range beats only, so a run of zeros cannot drag it down
    idx = np.flatnonzero(ok)
    vals = rr[idx]
    med = _local_median(vals, max(1, int(window)))
    good = np.abs(vals - med) <= tolerance * med
    ok[idx[~good]] = False
    return ok


def rmssd_from_rr(
    rr_ms: ArrayLike,
    *,
    tolerance: float = LOCAL_TOLERANCE,
    window: int = LOCAL_WINDOW_BEATS,
) -> RmssdResult:
    """rMSSD of an R-R series after removing artefacts (see the module docstring for the rules).

    Parameters
    ----------
    rr_ms : array-like
        R-R intervals in milliseconds, in recording order.
    tolerance, window
        Local-median rule settings, passed to :func:`accepted_beats`.

    Returns
    -------
    RmssdResult
        rMSSD and the counts behind it. With fewer than two successive accepted beats the
        rMSSD is NaN (never an exception: a short or broken recording is data, not a bug).

    Examples
    --------
    Differences 10, -20 and 15 ms give ``sqrt((100 + 400 + 225) / 3)``:

    >>> round(rmssd_from_rr([800, 810, 790, 805]).rmssd_ms, 2)
    15.55
    """
    rr = np.asarray(rr_ms, dtype=float).ravel()
    n = int(rr.size)
    ok = accepted_beats(rr, tolerance=tolerance, window=window)
    pair = ok[:-1] & ok[1:]  # both beats of the pair accepted: never bridge a removed beat
    diffs = np.diff(rr)[pair] if n > 1 else np.zeros(0)
    rmssd = float(np.sqrt(np.mean(diffs**2))) if diffs.size else math.nan
    ln = math.log(rmssd) if rmssd > 0 else math.nan  # NaN > 0 is False too
    n_art = int(n - ok.sum())
    mean_nn = float(rr[ok].mean()) if ok.any() else math.nan
    return RmssdResult(
        rmssd_ms=rmssd,
        ln_rmssd=ln,
        n_beats=n,
        n_artefacts=n_art,
        artefact_share=n_art / n if n else math.nan,
        n_pairs=int(diffs.size),
        mean_hr_bpm=60000.0 / mean_nn if mean_nn > 0 else math.nan,
    )
