"""JSON documents of the API readers and the values in them: decoding, numbers, epoch times.

Sources write numbers as JSON numbers, as strings or not at all, and sometimes as NaN, booleans
or lists; :func:`num` accepts the first two and turns everything else into None, so that a
reader states only what the file states.
"""

from __future__ import annotations

import json
import math
from typing import Any

from coachkit.io.errors import UnreadableFile

LATEST_EPOCH_MS = 4.1e12  # 2099-12-04 in ms since 1970: later epoch times are corrupt, not runs
#: JSON bytes read at once. Strava streams of a 24-hour run are ~8 MB and Garmin export chunks
#: a few MB; Python objects take ~10x the text, so this bounds a parse to a few hundred MB.
MAX_JSON_BYTES = 32 * 2**20


def num(value: Any) -> float | None:
    """A finite float from a JSON/CSV value, or None (booleans, NaN, text and lists are not numbers)."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        out = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        return None
    return out if math.isfinite(out) else None


def check_json_size(data: bytes, what: str = "JSON") -> None:
    """Refuse a JSON document over :data:`MAX_JSON_BYTES`: decoded, it would take ten times that."""
    if len(data) > MAX_JSON_BYTES:
        raise UnreadableFile(
            f"{what} of {len(data) / 2**20:.0f} MB refused: JSON over "
            f"{MAX_JSON_BYTES // 2**20} MB is no API response or export chunk (split it)"
        )


def load_json(data: bytes, what: str) -> Any:
    """Decode JSON bytes or raise UnreadableFile naming ``what`` the file was meant to be
    (or saying it is too big: :func:`check_json_size`)."""
    check_json_size(data, what)
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UnreadableFile(f"{what}: not valid JSON ({exc.__class__.__name__})") from None


def put_number(summary: dict[str, Any], key: str, value: Any, scale: float = 1.0) -> None:
    """Set ``summary[key]`` to ``value * scale`` when ``value`` is a number (see :func:`num`);
    otherwise leave the key out, so that a missing field stays missing."""
    v = num(value)
    if v is not None:
        summary[key] = v * scale
