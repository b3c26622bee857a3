"""The dashboard's conditions inputs (``ck-conditions``): temperature, dew point and altitude by
today's card.

Filled in, they move today's pace band by :func:`coachkit.coach.conditions.adjust_for_conditions`
(HR stays) and the card carries the sentence that says by how much and why, as
``coachkit today --temp-c T --dew-point-c D --altitude-m A`` does. Empty fields are unknown: no
temperature, no heat adjustment; no dew point, the one of 50 % humidity is assumed and said; no
altitude, none. A value that is not a number, or outside the CLI's ranges, is named under the
inputs and the card stays as planned. Nothing is sent anywhere: the forecast provider is the
CLI's (``--forecast``), not the page's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from html import escape
from typing import Any

import ipywidgets as w

#: (label, unit, lowest, highest), as the ``coachkit today`` options take them
FIELDS = {
    "temp_c": ("Temperature", "°C", -40.0, 50.0),
    "dew_point_c": ("Dew point", "°C", -50.0, 35.0),
    "altitude_m": ("Altitude", "m", -500.0, 5000.0),
}


def read_number(text: str, name: str) -> float | None:
    """A field's text as a number within its range; None when empty; ``ValueError`` naming the
    field otherwise.

    >>> read_number(" 30 ", "temp_c"), read_number("", "altitude_m")
    (30.0, None)
    """
    label, unit, low, high = FIELDS[name]
    text = str(text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{label}: {text!r} is not a number of {unit}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{label}: {text} {unit} is outside {low:g} to {high:g} {unit}")
    return value


class ConditionsInputs(w.HBox):
    """Three small text fields and a line for what is wrong with them; :meth:`on_commit` says
    what to do when one is committed (Enter, or leaving the field)."""

    def __init__(self) -> None:
        self.fields = {}
        for name, (label, unit, _, _) in FIELDS.items():
            field = w.Text(
                placeholder=unit,
                description=f"{label} ({unit})",
                continuous_update=False,
                style={"description_width": "initial"},
                layout=w.Layout(width="170px"),
            )
            field.add_class(f"ck-cond-{name.replace('_', '-')}")
            field.observe(lambda _c: self._changed(), names="value")
            self.fields[name] = field
        self.problem = w.HTML()
        self.problem.add_class("ck-cond-problem")
        self._on_change: Callable[[], None] | None = None
        super().__init__([*self.fields.values(), self.problem])
        self.add_class("ck-conditions")
        self.layout = w.Layout(flex_flow="row wrap")

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (no argument) whenever a field is committed."""
        self._on_change = callback

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    def values(self) -> dict[str, float | None]:
        """The fields as ``temp_c``, ``dew_point_c``, ``altitude_m`` (None when empty);
        ``ValueError`` with a plain sentence when one is not a number in range."""
        return {name: read_number(field.value, name) for name, field in self.fields.items()}

    def apply(self, p: Mapping[str, Any], units: str) -> Mapping[str, Any]:
        """``p`` (today's prescription) in the conditions typed in; ``p`` itself, with the
        problem shown under the inputs, when they cannot be read."""
        from coachkit.coach.conditions import adjust_for_conditions
        from coachkit.coach.conditions_pace import adjust_prescription

        self.problem.value = ""
        try:
            adjustment = adjust_for_conditions(**self.values())
        except ValueError as exc:
            text = str(exc)
            self.problem.value = (
                f"<span>{escape(text[:1].upper() + text[1:])}: paces as planned.</span>"
            )
            return p
        return adjust_prescription(p, adjustment, units)
