"""A race course's elevation profile: resampled on a distance grid, smoothed, and costed.

The points of a course file (:func:`coachkit.io.gpx.read_gpx_course`) come at whatever spacing
the device or the drawing tool chose, and their elevation is noisy: GPS altitude scatters by
metres from fix to fix, and barometric altitude jumps when the pressure trend is re-anchored.
Summed point by point, that noise reads as climbing that is not there. So the profile is built
in two distance-based steps, independent of how densely the file is sampled:

1. **Resample** the elevation on a regular grid of :data:`PROFILE_STEP_M` (10 m), linearly in
   distance (points at the same distance are averaged first).
2. **Smooth** it with a centred moving mean over :data:`SMOOTHING_M` (150 m of course): long
   enough to average several GPS fixes' scatter away, short enough to keep a 300 m hill's
   height. Near the start and the finish the window shrinks symmetrically, so a steady slope
   keeps its grade to the very ends.

The grade of each 10 m step is its smoothed rise over its run. Each step's cost relative to the
flat is Minetti's cost of running on that grade over the cost on the flat,
``C(grade) / C(0)`` (Minetti et al. 2002, J Appl Physiol 93:1039; the same polynomial as GAP,
:func:`coachkit.features.gap.minetti_cost`). A course without any elevation is flat: every step
costs 1. Pure: nothing here reads a file or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coachkit.features.gap import FLAT_COST, minetti_cost

PROFILE_STEP_M = 10.0  # spacing of the resampled profile
SMOOTHING_M = 150.0  # width of the centred moving mean over the resampled elevation


@dataclass(frozen=True)
class CourseProfile:
    """A course as a smoothed elevation profile on a distance grid.

    Attributes
    ----------
    distance_m : ndarray
        The grid, from 0 to the course's length (the last step may be shorter).
    elevation_m : ndarray
        Smoothed elevation at each grid point (zeros on a course without elevation).
    has_elevation : bool
        False when the file had no elevation and the course is taken as flat.
    """

    distance_m: np.ndarray
    elevation_m: np.ndarray
    has_elevation: bool

    @property
    def length_m(self) -> float:
        """The course's length."""
        return float(self.distance_m[-1])

    @property
    def grade(self) -> np.ndarray:
        """Grade (a fraction) of each step between two grid points."""
        return np.diff(self.elevation_m) / np.diff(self.distance_m)

    @property
    def relative_cost(self) -> np.ndarray:
        """Minetti's cost of running of each step over the cost on the flat (1 on the flat)."""
        return np.asarray(minetti_cost(self.grade)) / FLAT_COST

    def flat_equivalent_m(self, at_m: float | np.ndarray) -> np.ndarray:
        """Flat metres that cost as much as the course from the start to ``at_m``.

        Piecewise linear between grid points (the cost is constant over each step), so it is
        exact at any distance, not only on the grid.

        >>> p = flat_profile(1000.0)
        >>> float(p.flat_equivalent_m(400.0))
        400.0
        """
        cumulative = np.concatenate(
            [[0.0], np.cumsum(self.relative_cost * np.diff(self.distance_m))]
        )
        return np.interp(at_m, self.distance_m, cumulative)

    def elevation_at(self, at_m: float | np.ndarray) -> np.ndarray:
        """Smoothed elevation at any distance along the course."""
        return np.interp(at_m, self.distance_m, self.elevation_m)

    def climb_m(self, start_m: float = 0.0, end_m: float | None = None) -> tuple[float, float]:
        """Elevation gained and lost (both ≥ 0, metres) between two distances.

        >>> p = course_profile([0, 1000, 2000], [100, 150, 100], smoothing_m=0)
        >>> p.climb_m(), p.climb_m(500, 1500)
        ((50.0, 50.0), (25.0, 25.0))
        """
        end = self.length_m if end_m is None else end_m
        inside = (self.distance_m > start_m) & (self.distance_m < end)
        x = np.concatenate([[start_m], self.distance_m[inside], [end]])
        steps = np.diff(self.elevation_at(x))
        return float(steps[steps > 0].sum()), float(abs(steps[steps < 0].sum()))


def _grid(length_m: float, step_m: float) -> np.ndarray:
    inner = np.arange(0.0, length_m, step_m)
    return np.append(inner, length_m) if length_m > inner[-1] else inner


def flat_profile(length_m: float, *, step_m: float = PROFILE_STEP_M) -> CourseProfile:
    """A flat course of ``length_m`` metres.

    >>> flat_profile(2500.0).length_m
    2500.0
    """
    if not np.isfinite(length_m) or length_m <= 0:
        raise ValueError(f"a course needs a positive length, not {length_m!r} m")
    x = _grid(float(length_m), step_m)
    return CourseProfile(x, np.zeros(len(x)), has_elevation=False)


def moving_mean(values: np.ndarray, half_width: int) -> np.ndarray:
    """Centred moving mean over ``2·half_width + 1`` values; the window shrinks symmetrically
    near the ends, so a straight line stays exactly straight.

    >>> moving_mean(np.array([0.0, 1.0, 2.0, 9.0, 4.0]), 1).tolist()
    [0.0, 1.0, 4.0, 5.0, 4.0]
    """
    n = len(values)
    i = np.arange(n)
    h = np.minimum(half_width, np.minimum(i, n - 1 - i))
    sums = np.concatenate([[0.0], np.cumsum(values)])
    return (sums[i + h + 1] - sums[i - h]) / (2 * h + 1)


def course_profile(
    distance_m: np.ndarray | list[float],
    altitude_m: np.ndarray | list[float],
    *,
    step_m: float = PROFILE_STEP_M,
    smoothing_m: float = SMOOTHING_M,
) -> CourseProfile:
    """The smoothed profile of a course from its points' cumulative distance and altitude.

    Points without altitude are skipped; fewer than two with altitude make a flat course
    (``has_elevation`` False). ``smoothing_m=0`` keeps the resampled elevation as it is.

    Parameters
    ----------
    distance_m, altitude_m
        Cumulative distance (non-decreasing, metres) and altitude (metres, NaN when unknown)
        of each point, in course order.
    step_m, smoothing_m
        Grid spacing and width of the moving mean (see the module notes).

    Examples
    --------
    A steady 5 % climb over 1 km keeps its grade and its 50 m of climbing:

    >>> p = course_profile([0.0, 500.0, 1000.0], [100.0, 125.0, 150.0])
    >>> round(float(p.grade.mean()), 3), p.climb_m()
    (0.05, (50.0, 0.0))
    """
    x = np.asarray(distance_m, dtype=float)
    z = np.asarray(altitude_m, dtype=float)
    ok = np.isfinite(x)
    x, z = x[ok], z[ok]
    if len(x) < 2 or x[-1] - x[0] <= 0:
        raise ValueError("a course needs at least two points some distance apart")
    x = x - x[0]
    if np.any(np.diff(x) < 0):
        raise ValueError("a course's distance must never decrease along it")
    has = np.isfinite(z)
    if has.sum() < 2:
        return flat_profile(float(x[-1]), step_m=step_m)
    at, where = np.unique(x[has], return_inverse=True)  # points at one distance: their mean
    mean_z = np.bincount(where, weights=z[has]) / np.bincount(where)
    grid = _grid(float(x[-1]), step_m)
    if len(at) < 2:
        return flat_profile(float(x[-1]), step_m=step_m)
    z_grid = np.interp(grid, at, mean_z)
    half = int(round(smoothing_m / step_m / 2))
    smooth = moving_mean(z_grid, half) if half > 0 else z_grid
    return CourseProfile(grid, smooth, has_elevation=True)
