"""The ``coachkit`` command: one module per command group, over :mod:`coachkit.cli._common`.

Importing a command module registers its commands on the root ``app``; the order below is the
order of ``coachkit --help``.
"""

from __future__ import annotations

import importlib

from coachkit.cli._common import app

#: the command modules, in the order ``coachkit --help`` lists their commands
COMMAND_MODULES = (
    "data",
    "activity",
    "metrics",
    "zones",
    "coach",
    "maintenance",
    "replay",
    "report",
    "settings",
    "dashboard",
    "population",
    "peers",
    "risk",
    "plan",
    "plan_adapt",
    "predict",
    "sync",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"coachkit.cli.{_name}")


def main() -> None:
    """Entry point of the ``coachkit`` console script."""
    app()


__all__ = ["app", "main"]
