"""The readers' refusal, and the guard that keeps every other parsing error out of a reader.

In a module of its own so that code that only needs to catch or name :class:`UnreadableFile`
(the manifest fast path of a re-ingest, ``coachkit.io`` itself) does not import pandas.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar


class UnreadableFile(ValueError):
    """The input cannot be parsed; ``str(exc)`` is a one-line reason for the quarantine table."""


_Reader = TypeVar("_Reader", bound=Callable[..., Any])
_PARSE_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
)


def could_not_read(what: str, exc: BaseException) -> UnreadableFile:
    """The refusal for an unexpected parsing error: ``what`` the file was meant to be, and the
    error's class and first 80 characters."""
    return UnreadableFile(f"{what} could not be read ({type(exc).__name__}: {str(exc)[:80]})")


def guard(what: str) -> Callable[[_Reader], _Reader]:
    """Decorate a reader so that no raw parsing exception escapes it.

    That is the reader contract of :mod:`coachkit.io.base`: a reader fails with one
    :class:`UnreadableFile` line naming ``what`` the file was meant to be.
    """

    def deco(func: _Reader) -> _Reader:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except UnreadableFile:
                raise
            except _PARSE_ERRORS as exc:
                raise UnreadableFile(
                    f"{what}: unexpected content ({exc.__class__.__name__})"
                ) from exc

        return wrapper  # type: ignore[return-value]

    return deco
