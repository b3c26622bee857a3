"""The readers' refusal, in a module of its own so that code that only needs to catch or name it
(the manifest fast path of a re-ingest, ``coachkit.io`` itself) does not import pandas."""

from __future__ import annotations


class UnreadableFile(ValueError):
    """The input cannot be parsed; ``str(exc)`` is a one-line reason for the quarantine table."""
