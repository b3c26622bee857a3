"""Optional packages: which extra of ``pyproject.toml`` brings each one, and the install
command to give when one is missing.

coachkit is installed from a clone (it is not on a package index), so the command is
``pip install -e ".[EXTRA]"`` run in the clone, never ``pip install 'coachkit[EXTRA]'``.
Double quotes work in POSIX shells, PowerShell and cmd.exe alike. Every message about a
missing package is written here, by :func:`missing_message`.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

#: importable module -> the extra of pyproject.toml that installs it
EXTRA_OF = {
    "voila": "dashboard",
    "ipywidgets": "dashboard",
    "icalendar": "dashboard",
    "recurring_ical_events": "dashboard",
    "fit_tool": "dashboard",
    "nbformat": "notebooks",
    "nbconvert": "notebooks",
    "papermill": "notebooks",
    "requests": "strava",
    "stravalib": "strava",
    "garminconnect": "garmin",
    "dask": "scale",
    "distributed": "scale",
}


class MissingExtra(ImportError):
    """An optional package is not installed; the message names the extra and the command."""


def install_command(extra: str | None = None) -> str:
    """The command that installs coachkit (with ``extra``) from a clone.

    >>> install_command("garmin")
    'pip install -e ".[garmin]"'
    >>> install_command()
    'pip install -e .'
    """
    return f'pip install -e ".[{extra}]"' if extra else "pip install -e ."


def missing_message(module: str, purpose: str) -> str:
    """One sentence: what needs ``module``, the extra that brings it, and how to install it.

    >>> missing_message("garminconnect", "Garmin sync")  # doctest: +NORMALIZE_WHITESPACE
    'Garmin sync needs the optional package garminconnect, from the garmin extra: in your
    coachkit clone run pip install -e ".[garmin]"'
    """
    extra = EXTRA_OF.get(module)
    where = f", from the {extra} extra" if extra else ""
    return (
        f"{purpose} needs the optional package {module}{where}: in your coachkit clone run "
        f"{install_command(extra)}"
    )


def is_installed(module: str) -> bool:
    """True when ``module`` can be imported (it is not imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def first_missing(modules: tuple[str, ...] | list[str]) -> str | None:
    """The first of ``modules`` that is not installed, else ``None``."""
    return next((m for m in modules if not is_installed(m)), None)


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtra` with :func:`missing_message`."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(missing_message(module, purpose), name=module) from None
