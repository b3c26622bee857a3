"""How much slower a pace target should be in heat, humidity and altitude, and why.

:func:`adjust_for_conditions` is the one entry point: give it what is known (air temperature,
dew point, altitude; any may be missing) and it returns a :class:`ConditionsAdjustment` whose
``factor`` multiplies a pace in s/km (≥ 1: slower, never faster), with its parts, the sentence
that explains it in the runner's units, and a warning when the source advises against hard
running. The same effort (HR band, RPE) is kept: only pace moves.

The published relationships behind it (docs/design.md §7, "Conditions"):

* **Heat and humidity**: Mark Hadley's temperature + dew point table (Maximum Performance
  Running, 2013; the table coaching calculators reproduce). Add the air temperature and the
  dew point, both in °F: 100 or less, no adjustment; 101–110, 0–0.5 %; 111–120, 0.5–1 %;
  121–130, 1–2 %; 131–140, 2–3 %; 141–150, 3–4.5 %; 151–160, 4.5–6 %; 161–170, 6–8 %;
  171–180, 8–10 %; above 180, hard running not recommended. The table gives a range per band
  (for runner size, fitness and acclimatisation); here the percentage runs linearly across
  each band, from its low end to its high end. For repeats (intervals, hills) the author
  advises half the continuous-run figure, since the body cools between reps.
* **Dew point unknown**: the dew point of 50 % relative humidity at that temperature is
  assumed, by the Magnus formula with Alduchov & Eskridge's (1996) constants a = 17.625,
  b = 243.04 °C, and the sentence says so.
* **Altitude**: VO2max falls linearly by 6.3 % per 1000 m from 300 m (the lowest altitude
  measured) to 2800 m in endurance athletes (Wehrlin & Hallén 2006, Eur J Appl Physiol
  96:404-412). At the same fraction of a smaller VO2max the speed is smaller in proportion
  (oxygen cost rises about linearly with running speed), so the pace factor is
  1 / (1 - loss). Nothing changes at or below 300 m; above 2800 m the line is extrapolated and
  the sentence says so. Acclimatised runners lose less: this is the arrival-day figure.

Pure: no store, clock or network, and no pandas (``coachkit today`` imports this).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from coachkit.core.units import FOOT_M

#: (temperature + dew point in °F, % slower) at the band edges of Hadley's table; between two
#: edges the percentage is interpolated linearly (the table's range, low to high).
HEAT_TABLE_F: tuple[tuple[float, float], ...] = (
    (100.0, 0.0),
    (110.0, 0.5),
    (120.0, 1.0),
    (130.0, 2.0),
    (140.0, 3.0),
    (150.0, 4.5),
    (160.0, 6.0),
    (170.0, 8.0),
    (180.0, 10.0),
)
HARD_RUNNING_ABOVE_F = 180.0  # the table: "above 180: hard running not recommended"
HEAT_SOURCE = "Hadley's temperature + dew point table (Maximum Performance Running, 2013)"
REPEAT_KINDS = frozenset({"intervals", "hills"})  # Hadley: half the adjustment for repeats

ASSUMED_HUMIDITY_PCT = 50.0
MAGNUS_A, MAGNUS_B_C = 17.625, 243.04  # Alduchov & Eskridge 1996, J Appl Meteor 35:601

ALTITUDE_ONSET_M = 300.0  # Wehrlin & Hallén 2006: the lowest altitude measured, the line's start
ALTITUDE_STUDIED_TOP_M = 2800.0
VO2MAX_LOSS_PER_1000_M = 0.063
ALTITUDE_SOURCE = "Wehrlin & Hallén 2006, Eur J Appl Physiol 96:404"


def fahrenheit(temp_c: float) -> float:
    """A temperature in °C as °F.

    >>> fahrenheit(30.0)
    86.0
    """
    return temp_c * 9.0 / 5.0 + 32.0


def dew_point_c(temp_c: float, humidity_pct: float) -> float:
    """The dew point (°C) of air at ``temp_c`` and ``humidity_pct`` relative humidity, by the
    Magnus formula (Alduchov & Eskridge 1996 constants; within 0.35 °C from -40 to 60 °C).

    >>> round(dew_point_c(30.0, 50.0), 1)
    18.4
    """
    if not 0.0 < humidity_pct <= 100.0:
        raise ValueError(f"relative humidity must be in (0, 100] %, not {humidity_pct}")
    gamma = math.log(humidity_pct / 100.0) + MAGNUS_A * temp_c / (MAGNUS_B_C + temp_c)
    return MAGNUS_B_C * gamma / (MAGNUS_A - gamma)


def heat_slowdown_pct(temp_plus_dew_f: float) -> float:
    """Percent slower for a continuous run, from temperature + dew point (°F) on Hadley's
    table; 0 at or below 100, the 10 % of the table's top band above 180 (where the table
    advises against hard running: see :attr:`ConditionsAdjustment.warning`).

    >>> heat_slowdown_pct(95.0), heat_slowdown_pct(145.0), heat_slowdown_pct(190.0)
    (0.0, 3.75, 10.0)
    """
    first, last = HEAT_TABLE_F[0], HEAT_TABLE_F[-1]
    if temp_plus_dew_f <= first[0]:
        return 0.0
    if temp_plus_dew_f >= last[0]:
        return last[1]
    for (x0, y0), (x1, y1) in zip(HEAT_TABLE_F, HEAT_TABLE_F[1:]):
        if temp_plus_dew_f <= x1:
            return y0 + (y1 - y0) * (temp_plus_dew_f - x0) / (x1 - x0)
    return last[1]  # unreachable: the last edge is handled above


def heat_band(temp_plus_dew_f: float) -> tuple[float, float] | None:
    """The table's (low %, high %) band that ``temp_plus_dew_f`` falls in; None at or below
    100 °F (no adjustment) and above 180 °F (not recommended).

    >>> heat_band(158.0)
    (4.5, 6.0)
    """
    for (x0, y0), (x1, y1) in zip(HEAT_TABLE_F, HEAT_TABLE_F[1:]):
        if x0 < temp_plus_dew_f <= x1:
            return (y0, y1)
    return None


def vo2max_loss(altitude_m: float) -> float:
    """The fraction of sea-level VO2max lost at ``altitude_m``: 6.3 % per 1000 m above 300 m
    (Wehrlin & Hallén 2006), none at or below 300 m.

    >>> round(vo2max_loss(2300.0), 3)
    0.126
    """
    return max(0.0, altitude_m - ALTITUDE_ONSET_M) / 1000.0 * VO2MAX_LOSS_PER_1000_M


def altitude_slowdown_pct(altitude_m: float) -> float:
    """Percent slower at the same fraction of VO2max: 100 × (1 / (1 - loss) - 1).

    >>> round(altitude_slowdown_pct(1300.0), 2)
    6.72
    """
    return 100.0 * (1.0 / (1.0 - vo2max_loss(altitude_m)) - 1.0)


@dataclass(frozen=True)
class ConditionsAdjustment:
    """A pace adjustment for the day's conditions, its parts and its reasons.

    Attributes
    ----------
    temp_c, dew_point_c, altitude_m
        The conditions used (None when not given); ``dew_point_c`` is the assumed one when
        ``dew_point_assumed``.
    heat_pct, altitude_pct
        Percent slower from heat and humidity (continuous runs) and from altitude.
    warning
        A sentence when the source advises against hard running; None otherwise.
    """

    temp_c: float | None = None
    dew_point_c: float | None = None
    altitude_m: float | None = None
    dew_point_assumed: bool = False
    heat_pct: float = 0.0
    altitude_pct: float = 0.0
    warning: str | None = None

    @property
    def temp_plus_dew_f(self) -> float | None:
        """Temperature + dew point in °F, the heat table's index (None without a temperature)."""
        if self.temp_c is None or self.dew_point_c is None:
            return None
        return fahrenheit(self.temp_c) + fahrenheit(self.dew_point_c)

    @property
    def factor(self) -> float:
        """The pace multiplier for a continuous run (≥ 1): heat and altitude compound."""
        return (1.0 + self.heat_pct / 100.0) * (1.0 + self.altitude_pct / 100.0)

    def factor_for(self, kind: str | None) -> float:
        """The pace multiplier for a session of ``kind``: repeats (intervals, hills) take half
        the heat adjustment, as the heat table's author advises; altitude applies in full."""
        heat = self.heat_pct / 2.0 if kind in REPEAT_KINDS else self.heat_pct
        return (1.0 + heat / 100.0) * (1.0 + self.altitude_pct / 100.0)

    @property
    def given(self) -> bool:
        """Whether any condition was given at all."""
        return self.temp_c is not None or self.altitude_m is not None

    def reasons(self, units: str = "km", kind: str | None = None) -> str:
        """Why, with the numbers: the conditions, the table band or altitude loss, the sources
        (°F and feet for ``units="mi"``, °C and metres for km)."""
        parts = []
        index = self.temp_plus_dew_f
        if self.temp_c is not None and index is not None:
            dew = f"dew point {_temp(self.dew_point_c, units)}"
            if self.dew_point_assumed:
                dew = f"{dew} assumed (50 % humidity; no dew point given)"
            band = heat_band(index)
            if index <= HEAT_TABLE_F[0][0]:
                where = "no adjustment at or below 100 °F"
            elif band is None:
                where = "above 180 °F, hard running not recommended (10 %, the table's top)"
            else:
                where = f"the {band[0]:g}–{band[1]:g} % band"
            half = " (half for repeats)" if kind in REPEAT_KINDS and self.heat_pct else ""
            parts.append(
                f"{_temp(self.temp_c, units)} with {dew}: temperature + dew point "
                f"{index:.0f} °F, {where}{half} in {HEAT_SOURCE}"
            )
        if self.altitude_m is not None:
            loss = vo2max_loss(self.altitude_m)
            if loss <= 0.0:
                parts.append(
                    f"{_height(self.altitude_m, units)} altitude: no effect at or below "
                    f"{_height(ALTITUDE_ONSET_M, units)} ({ALTITUDE_SOURCE})"
                )
            else:
                beyond = (
                    ", extrapolated beyond the study's 2800 m"
                    if self.altitude_m > ALTITUDE_STUDIED_TOP_M
                    else ""
                )
                parts.append(
                    f"{_height(self.altitude_m, units)} altitude: VO2max {100 * loss:.1f} % lower, "
                    f"6.3 % per 1000 m above 300 m{beyond} ({ALTITUDE_SOURCE})"
                )
        return "; ".join(parts)

    def sentence(self, units: str = "km", kind: str | None = None) -> str:
        """One sentence: how much slower the pace is and why, with the numbers and sources.

        >>> print(ConditionsAdjustment(temp_c=12.0, dew_point_c=5.0).sentence())
        No pace change for 12 °C with dew point 5 °C: temperature + dew point 95 °F, no adjustment at or below 100 °F in Hadley's temperature + dew point table (Maximum Performance Running, 2013).
        """
        if not self.given:
            return "No conditions given: paces as planned."
        pct = 100.0 * (self.factor_for(kind) - 1.0)
        why = self.reasons(units, kind)
        head = f"Pace slowed {pct:.1f} % for " if pct >= 0.05 else "No pace change for "
        tail = "; HR and effort targets unchanged." if pct >= 0.05 else "."
        warn = f" {self.warning}" if self.warning else ""
        return f"{head}{why}{tail}{warn}"

    def to_dict(self, units: str = "km", kind: str | None = None) -> dict[str, object]:
        """JSON-ready: the conditions, the parts, the factor for ``kind``, sources and sentence."""
        return {
            "temp_c": self.temp_c,
            "dew_point_c": None if self.dew_point_c is None else round(self.dew_point_c, 1),
            "dew_point_assumed": self.dew_point_assumed,
            "altitude_m": self.altitude_m,
            "temp_plus_dew_f": None
            if self.temp_plus_dew_f is None
            else round(self.temp_plus_dew_f, 1),
            "heat_pct": round(self.heat_pct, 2),
            "altitude_pct": round(self.altitude_pct, 2),
            "factor": round(self.factor_for(kind), 4),
            "warning": self.warning,
            "sources": [
                s
                for s, on in ((HEAT_SOURCE, self.temp_c), (ALTITUDE_SOURCE, self.altitude_m))
                if on is not None
            ],
            "sentence": self.sentence(units, kind),
        }


def check_conditions(temp_c: float | None, dew_point_c: float | None) -> None:
    """``ValueError`` when a dew point comes without a temperature (nothing would read it) or
    above the temperature (not physical: the dew point is at most the air temperature)."""
    if dew_point_c is not None and temp_c is None:
        raise ValueError("a dew point needs the air temperature too")
    if dew_point_c is not None and temp_c is not None and dew_point_c > temp_c + 0.05:
        raise ValueError(
            f"the dew point ({dew_point_c:g} °C) cannot be above the air temperature ({temp_c:g} °C)"
        )


def adjust_for_conditions(
    temp_c: float | None = None,
    dew_point_c: float | None = None,
    altitude_m: float | None = None,
) -> ConditionsAdjustment:
    """The pace adjustment for air temperature (°C), dew point (°C) and altitude (m).

    Any may be None: no temperature, no heat adjustment; no dew point, the one of 50 %
    humidity is assumed and said; no altitude, none applied. ``ValueError``
    (:func:`check_conditions`) for a dew point without a temperature or above it.

    >>> a = adjust_for_conditions(temp_c=30, dew_point_c=22)
    >>> round(a.temp_plus_dew_f, 1), round(a.heat_pct, 2), round(a.factor, 4)
    (157.6, 5.64, 1.0564)
    """
    check_conditions(temp_c, dew_point_c)
    heat_pct, warning, assumed = 0.0, None, False
    dew = dew_point_c
    if temp_c is not None:
        if dew is None:
            dew, assumed = dew_point_c_assumed(temp_c), True
        index = fahrenheit(temp_c) + fahrenheit(dew)
        heat_pct = heat_slowdown_pct(index)
        if index > HARD_RUNNING_ABOVE_F:
            warning = (
                f"Temperature + dew point {index:.0f} °F is above 180 °F, where the heat table "
                "advises against hard running: run easy, short, or indoors."
            )
    altitude_pct = altitude_slowdown_pct(altitude_m) if altitude_m is not None else 0.0
    return ConditionsAdjustment(
        temp_c=None if temp_c is None else float(temp_c),
        dew_point_c=None if dew is None else float(dew),
        altitude_m=None if altitude_m is None else float(altitude_m),
        dew_point_assumed=assumed,
        heat_pct=heat_pct,
        altitude_pct=altitude_pct,
        warning=warning,
    )


def dew_point_c_assumed(temp_c: float) -> float:
    """The dew point assumed when none is given: that of 50 % relative humidity."""
    return dew_point_c(temp_c, ASSUMED_HUMIDITY_PCT)


def _temp(temp_c: float | None, units: str) -> str:
    """A temperature as the runner reads it: °F first in miles, °C in km."""
    if temp_c is None:
        return "n/a"
    if units == "mi":
        return f"{fahrenheit(temp_c):.0f} °F ({temp_c:.0f} °C)"
    return f"{temp_c:.0f} °C"


def _height(altitude_m: float, units: str) -> str:
    """An altitude in feet for miles, metres for km."""
    return f"{altitude_m / FOOT_M:,.0f} ft" if units == "mi" else f"{altitude_m:,.0f} m"
