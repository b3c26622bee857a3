"""The values an option accepts, checked while the command line is read: a bad one exits 2
with one line naming the option and what it takes, before any store is opened.

* :class:`Choice` for enumerated options (``--format``, ``--units``, ``--long-run-day`` ...):
  case-insensitive, with optional aliases (``sunday`` for ``sun``);
* :func:`iso_date` for days: strictly ``YYYY-MM-DD``, so ``05/04/2021`` is refused rather than
  read as 4 May or 5 April;
* :func:`hms` for goal times (``H:MM:SS``) and :func:`niggle` for ``--niggle SITE:0-10``.

All are Typer ``parser`` callables: the value reaching the command is a plain ``str``. Nothing
here imports pandas (``coachkit --help`` stays light).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import typer

from coachkit.core.units import UNITS

#: the weekdays as the plan builder names them (coachkit.coach.plan_builder.WEEKDAYS)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FORMATS = ("table", "csv", "json")
DATE_FORMAT = "YYYY-MM-DD"
TIME_FORMAT = "H:MM:SS"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_HMS = re.compile(r"\d{1,3}:[0-5]\d:[0-5]\d")
NIGGLE_FORMAT = "SITE[:0-10]"
_NIGGLE = re.compile(r"\s*([^:]*?)\s*(?::\s*(\d{1,2}(?:\.\d+)?))?\s*")


class Choice:
    """A parser that accepts one of ``values`` (any case, or an alias) and returns it as
    spelled in ``values``; anything else is a usage error listing the values.

    >>> Choice(("km", "mi"))("MI")
    'mi'
    >>> Choice(WEEKDAYS, aliases=dict(zip(WEEKDAY_NAMES, WEEKDAYS)))("Sunday")
    'sun'
    """

    def __init__(
        self, values: tuple[str, ...], *, aliases: Mapping[str, str] | None = None, also: str = ""
    ):
        self.values = values
        self.also = also  # how the aliases are spelled, for the error message
        self._lookup = {v.casefold(): v for v in values}
        self._lookup.update({k.casefold(): v for k, v in (aliases or {}).items()})

    @property
    def metavar(self) -> str:
        return "[" + "|".join(self.values) + "]"

    def __call__(self, value: Any) -> str:
        found = self._lookup.get(str(value).strip().casefold())
        if found is None:
            also = f" ({self.also})" if self.also else ""
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(self.values)}{also}")
        return found


WEEKDAY = Choice(
    WEEKDAYS, aliases=dict(zip(WEEKDAY_NAMES, WEEKDAYS)), also="or the full name, any case"
)


def iso_date(value: Any) -> str:
    """A day written ``YYYY-MM-DD``, returned as given; anything else is a usage error that
    shows the format.

    >>> iso_date("2021-04-05")
    '2021-04-05'
    """
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    if _ISO_DAY.fullmatch(text):
        try:
            date.fromisoformat(text)
            return text
        except ValueError:
            pass
    raise typer.BadParameter(f"{value!r} is not a date: use {DATE_FORMAT}, e.g. 2021-04-05")


def hms(value: Any) -> str:
    """A duration written ``H:MM:SS`` (longer than zero), returned as given.

    >>> hms("0:52:30")
    '0:52:30'
    """
    text = str(value).strip()
    if _HMS.fullmatch(text) and any(int(x) for x in text.split(":")):
        return text
    raise typer.BadParameter(f"{value!r} is not a time: use {TIME_FORMAT}, e.g. 0:52:30")


def niggle(value: Any) -> str:
    """Where a niggle is and, optionally, how bad (0-10, default 3): ``calf`` or ``calf:3``;
    returned as ``SITE:SEVERITY``.

    >>> niggle("calf"), niggle("left knee: 5")
    ('calf:3', 'left knee:5')
    """
    m = _NIGGLE.fullmatch(str(value))
    if m and m.group(1) and float(m.group(2) or 3) <= 10:
        return f"{m.group(1)}:{m.group(2) or 3}"
    raise typer.BadParameter(
        f"{value!r}: say where and how bad, 0-10 ({NIGGLE_FORMAT}), e.g. calf:3"
    )


#: what ``--hr-zones`` takes: ascending boundaries in bpm (five zones from four boundaries)
HR_ZONES_FORMAT = "BPM,BPM,..."
HR_ZONE_BPM = (40.0, 230.0)  # as coachkit.features.zone_sets.CUSTOM_HR_BPM


def hr_boundaries(value: Any) -> str:
    """HR zone boundaries, 1 to 9 numbers in bpm, strictly ascending and within 40-230 bpm,
    returned as ``"130,145,160,172"``; anything else is a usage error. ``clear`` clears them.

    >>> hr_boundaries("130, 145,160 ,172")
    '130,145,160,172'
    """
    text = str(value).strip()
    if text.casefold() == "clear":
        return "clear"
    try:
        edges = [float(x) for x in text.split(",")]
    except ValueError:
        edges = []
    lo, hi = HR_ZONE_BPM
    ok = (
        1 <= len(edges) <= 9
        and all(lo <= e <= hi for e in edges)
        and all(b > a for a, b in zip(edges, edges[1:]))
    )
    if not ok:
        raise typer.BadParameter(
            f"{value!r}: give 1-9 ascending heart rates within {lo:.0f}-{hi:.0f} bpm "
            f"({HR_ZONES_FORMAT}), e.g. 130,145,160,172"
        )
    return ",".join(f"{e:g}" for e in edges)


def choice_option(default: Any, *decls: str, choice: Choice, help: str) -> Any:
    """A ``typer.Option`` taking one value of ``choice`` (repeatable when the parameter is a
    list); the values are listed in ``--help``."""
    return typer.Option(default, *decls, parser=choice, metavar=choice.metavar, help=help)


def date_option(*decls: str, help: str, required: bool = False) -> Any:
    """A ``typer.Option`` taking a ``YYYY-MM-DD`` day (``None`` when not given)."""
    return typer.Option(
        ... if required else None, *decls, parser=iso_date, metavar=DATE_FORMAT, help=help
    )


def format_option(*, help: str = "Output format: table, csv or json.") -> Any:
    """``--format/-f`` table, csv or json (default table)."""
    return choice_option("table", "--format", "-f", choice=Choice(FORMATS), help=help)


def units_option(default: str | None, *, help: str) -> Any:
    """``--units`` km or mi."""
    return choice_option(default, "--units", choice=Choice(UNITS), help=help)


def weekday_option(default: Any, *decls: str, help: str) -> Any:
    """A weekday: ``mon`` .. ``sun`` or the full name, any case."""
    return choice_option(default, *decls, choice=WEEKDAY, help=help)
