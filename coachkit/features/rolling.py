"""Trailing-window counts, means and SDs of many daily series at once (numpy only).

The HRV and resting-HR status (:mod:`coachkit.features.hrv`) need, for every athlete and day,
the mean and SD of the valid values of a trailing window of calendar days. pandas'
``rolling`` does it one series at a time; here a whole (athlete x day) grid is done in one
pass per block of athletes, with the same results:

* a day with NaN is a day without a value; a window needs ``min_count`` values;
* windows at the start of a series are partial (the days before it count as missing), as
  pandas' ``rolling(length, min_periods=min_count)``;
* the SD is the sample SD (ddof = 1), NaN below 2 values.

Window sums are taken over each window itself (not as differences of running sums, whose
rounding error grows with the length of the history), of values centred on the series' mean.
The sum of squared deviations ``S2 - S1²/n`` loses precision only when a window's spread is
tiny next to its distance from that centre; those windows (constant ones among them) are
recomputed in two passes, mean first, so a constant window has an SD of 0 to rounding.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# blocks of athletes keep the (rows x days x window) views' sums to ~4M cells each
_BLOCK_CELLS = 4_000_000
# ss = S2 - S1²/n keeps ~12 digits while ss >= 1e-3 S2 (its error is a few ulps of S2)
_REDO_BELOW = 1e-3


def trailing_stats(
    grid: np.ndarray, length: int, min_count: int, lag: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, mean and sample SD of the valid values of ``grid[:, t-lag-length+1 .. t-lag]``.

    Parameters
    ----------
    grid : numpy.ndarray
        2-D float array, one row per series (athlete), one column per day; NaN = no value.
    length : int
        Days in the window.
    min_count : int
        Fewest values for a mean (and an SD, which also needs 2).
    lag : int
        Days between the window's end and the day it is reported on (0: ends on that day).

    Returns
    -------
    count, mean, sd : numpy.ndarray
        Arrays of the grid's shape: ``count`` (int64) of valid values in the window; ``mean``
        and ``sd`` NaN where the count is below ``min_count`` (``sd`` also below 2).

    Examples
    --------
    >>> x = np.array([[1.0, np.nan, 3.0, 5.0]])
    >>> n, m, s = trailing_stats(x, 3, 2)
    >>> n.tolist(), m.tolist()
    ([[1, 1, 2, 2]], [[nan, nan, 2.0, 4.0]])
    >>> trailing_stats(x, 2, 1, lag=1)[1].tolist()
    [[nan, 1.0, 1.0, 3.0]]
    """
    rows, width = grid.shape
    count = np.zeros((rows, width), dtype=np.int64)
    mean = np.full((rows, width), np.nan)
    sd = np.full((rows, width), np.nan)
    if rows == 0 or width == 0:
        return count, mean, sd
    step = max(1, _BLOCK_CELLS // (width * length))
    for i in range(0, rows, step):
        n, m, s = _block(grid[i : i + step], length, min_count, lag)
        count[i : i + step], mean[i : i + step], sd[i : i + step] = n, m, s
    return count, mean, sd


def _block(
    x: np.ndarray, length: int, min_count: int, lag: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, width = x.shape
    pad = lag + length - 1
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of an all-NaN row
        centre = np.nan_to_num(np.nanmean(x, axis=1, keepdims=True))
    padded = np.full((rows, pad + width), np.nan)
    padded[:, pad:] = x - centre
    ok = ~np.isnan(padded)
    zero = np.where(ok, padded, 0.0)
    # window t is padded[t .. t + length - 1] = x[t - lag - length + 1 .. t - lag]
    ok_w = sliding_window_view(ok, length, axis=1)[:, :width]
    val_w = sliding_window_view(zero, length, axis=1)[:, :width]
    n = ok_w.sum(axis=2)
    s1 = val_w.sum(axis=2)
    s2 = np.einsum("ijk,ijk->ij", val_w, val_w)
    has_mean, has_sd = n >= min_count, (n >= min_count) & (n >= 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(has_mean, s1 / n, np.nan)
        ss = s2 - s1 * m
        # rounding error of ss is a few ulps of s2: recompute where it could matter
        redo = np.nonzero(has_sd & (ss < _REDO_BELOW * s2))
        if len(redo[0]):
            vals, oks = val_w[redo], ok_w[redo]
            m_redo = np.where(oks, vals, 0.0).sum(axis=1) / n[redo]
            dev = np.where(oks, vals - m_redo[:, None], 0.0)
            m[redo], ss[redo] = m_redo, np.einsum("ij,ij->i", dev, dev)
        s = np.where(has_sd, np.sqrt(np.maximum(ss, 0.0) / (n - 1)), np.nan)
    return n, m + centre, s


__all__ = ["trailing_stats"]
