"""Lazy public names for a package: each is imported from its module on first use.

A command that needs one module (``coachkit today`` formats a stored workout) then does not load
every sibling of it, and the models and libraries behind them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, names: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``, whose public ``names``
    map to the modules that define them; a name, once imported, is kept in ``namespace`` (the
    package's ``globals()``), so the next use is a plain lookup.

    >>> ns = {}
    >>> get, names = lazy_exports("pkg", {"sqrt": "math"}, ns)
    >>> get("sqrt")(9.0), "sqrt" in ns, names()
    (3.0, True, ['sqrt'])
    """

    def __getattr__(name: str) -> Any:
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
