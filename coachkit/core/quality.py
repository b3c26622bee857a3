"""Which activities count, from their quality flags (codes in ``core.schemas.QUALITY_FLAGS``)."""

from __future__ import annotations

from typing import Any

#: flags of rows that never count in totals: a near-duplicate of another activity, or a date
#: that cannot be right
NOT_COUNTED = ("duplicate_of:", "date_implausible")


def trusted(table: Any) -> Any:
    """The rows of an activities frame that count in daily totals: no near-duplicates, no
    impossible dates (``NOT_COUNTED``).

    >>> import pandas as pd
    >>> acts = pd.DataFrame({"quality_flags": ["", "duplicate_of:ab12", None, "no_hr"]})
    >>> trusted(acts).index.tolist()
    [0, 2, 3]
    """
    flags = table["quality_flags"].fillna("")
    return table[~flags.str.contains("|".join(NOT_COUNTED))]
