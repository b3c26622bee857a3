"""Single values out of frames and JSON, as plain Python: what is missing becomes ``None``."""

from __future__ import annotations

import math
import sys
from typing import Any


def finite(value: Any) -> float | None:
    """``value`` as a float, or ``None`` when it is missing, not a number or not finite.

    >>> finite("4.5"), finite(float("nan")), finite("fast"), finite(None)
    (4.5, None, None, None)
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def plain(value: Any) -> Any:
    """A frame cell as a plain Python value (what SQLite and JSON take): ``None`` for
    None/NaN/NA/NaT, numpy scalars unwrapped, anything else as it is.

    >>> import numpy as np, pandas as pd
    >>> plain(np.float64(2.5)), plain(pd.NaT), plain(float("nan")), plain("run")
    (2.5, None, None, 'run')
    """
    if value is None:
        return None
    pd = sys.modules.get("pandas")  # pandas' NA and NaT exist only once pandas is loaded
    if pd is not None and (value is pd.NA or value is pd.NaT):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value
