"""Predict a race on a course: the runner's race model over the course's distance, carried onto
its hills at even effort (``coachkit predict``).

The course comes from a GPX file (:func:`coachkit.io.gpx.read_gpx_course`: a track or a route,
timestamps not needed) or is a flat course of a given distance. Its smoothed profile is
:func:`coachkit.features.course_profile.course_profile`; the flat prediction and its 80 %
interval are :func:`coachkit.models.race.predict_race` over the course's length from the runs
known at the end of ``day``; :func:`coachkit.coach.course_pacing.pace_course` turns them into
the course time and one split per km or mile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from coachkit.coach.course_pacing import COURSE, CoursePlan, pace_course
from coachkit.core.units import format_distance, in_units
from coachkit.features.course_profile import CourseProfile, course_profile, flat_profile

if TYPE_CHECKING:
    from coachkit.coach.conditions import ConditionsAdjustment
    from coachkit.store import Store

#: the race model's range (coachkit.models.race.DISTANCE_RANGE_M): what it was fitted around
COURSE_RANGE_M = (1_000.0, 100_000.0)


@dataclass(frozen=True)
class CoursePrediction:
    """A course plan with what it was built from: the course's name and the race model's own
    sentence about the flat prediction."""

    plan: CoursePlan
    course_name: str | None
    race_explanation: str
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """The ``coachkit predict --json`` document."""
        return {
            **self.plan.to_dict(),
            "course": self.course_name,
            "race_explanation": self.race_explanation,
            "warnings": list(self.warnings),
        }


def gpx_profile(data: bytes, *, name: str = "") -> tuple[CourseProfile, str | None, list[str]]:
    """The smoothed profile of the course in a GPX file (or a gzipped one), its name and the
    reader's warnings.

    Raises :class:`~coachkit.io.errors.UnreadableFile` (or ``NothingToImport``) with a one-line
    reason when the file is not a GPX or holds fewer than two points.
    """
    from coachkit.io.gpx import read_gpx_course

    course = read_gpx_course(_gunzipped(data, name), name=name)
    pts = course.points
    profile = course_profile(pts["distance_m"].to_numpy(), pts["altitude_m"].to_numpy())
    return profile, course.name, list(course.warnings)


def _gunzipped(data: bytes, name: str) -> bytes:
    """The GPX inside a ``.gpx.gz`` (bounded, as for ingest), else ``data`` as it is."""
    from coachkit.io.containers import expand_bytes
    from coachkit.io.errors import UnreadableFile

    if data[:2] != b"\x1f\x8b":
        return data
    unit = next(expand_bytes(data, name))
    if unit.data is None:
        raise UnreadableFile(unit.error or "unreadable gzip data")
    return unit.data


def _check_length(length_m: float) -> None:
    lo, hi = COURSE_RANGE_M
    if not lo <= length_m <= hi:
        raise ValueError(
            f"the course is {length_m / 1000:.2f} km long: the race model predicts "
            f"{lo / 1000:.0f}-{hi / 1000:.0f} km"
        )


def predict_on_profile(
    store: Store,
    athlete_id: str,
    profile: CourseProfile,
    *,
    day: date,
    units: str = "km",
    where: str = COURSE,
    pace_multiplier: float = 1.0,
    multiplier_sentence: str = "",
) -> tuple[CoursePlan, str]:
    """The course plan on ``profile`` from the athlete's runs known at the end of ``day``, and
    the race model's sentence about the flat prediction it starts from."""
    from coachkit.app.athlete import load_athlete
    from coachkit.models.race import predict_race

    _check_length(profile.length_m)
    data = load_athlete(store, athlete_id, as_of=day)
    end = pd.Timestamp(day) + pd.Timedelta(days=1)
    flat = predict_race(data.activities, distance_m=profile.length_m, as_of=end)
    plan = pace_course(
        profile,
        flat_seconds=flat.seconds,
        flat_low=flat.low,
        flat_high=flat.high,
        units=units,
        where=where,
        pace_multiplier=pace_multiplier,
        multiplier_sentence=multiplier_sentence,
    )
    return plan, in_units(flat.explanation, units)


def predict_course(
    store: Store,
    athlete_id: str,
    *,
    day: date,
    gpx: bytes | None = None,
    gpx_name: str = "",
    distance_m: float | None = None,
    units: str = "km",
    conditions: ConditionsAdjustment | None = None,
) -> CoursePrediction:
    """Predict a race on the course of a GPX file (``gpx``) or on a flat ``distance_m``, in
    the race day's ``conditions`` when given (a
    :class:`~coachkit.coach.conditions.ConditionsAdjustment`: every pace slower by its factor,
    with its sentence).

    Exactly one of the two is given. Raises ``ValueError`` (a one-line reason) for a course
    outside the race model's 1-100 km, and the reader's ``UnreadableFile`` for a bad file.
    """
    if (gpx is None) == (distance_m is None):
        raise ValueError("give a GPX course or a distance, not both or neither")
    if gpx is not None:
        profile, name, warnings = gpx_profile(gpx, name=gpx_name)
        where = COURSE
    else:
        assert distance_m is not None
        profile, name, warnings = flat_profile(float(distance_m)), None, []
        where = f"on a flat {format_distance(profile.length_m, units)}"
    multiplier, because = 1.0, ""
    if conditions is not None:
        multiplier, because = conditions.factor, conditions.sentence(units)
    plan, why = predict_on_profile(
        store,
        athlete_id,
        profile,
        day=day,
        units=units,
        where=where,
        pace_multiplier=multiplier,
        multiplier_sentence=because,
    )
    return CoursePrediction(plan, name, why, tuple(warnings))
