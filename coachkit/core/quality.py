"""Which activities count, from their quality flags (codes in ``core.schemas.QUALITY_FLAGS``).

Two filters, on purpose different: totals (load, volume, plans, risk) leave out near-duplicates
*and* rows whose date cannot be right (:func:`counted`, :func:`trusted`); views that list what
was recorded (the roster scale table, the dashboard's done runs, the weekly-distance figure)
leave out only near-duplicates (:func:`not_duplicate`), so a run on a doubtful date still shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

#: the flag of a near-duplicate: the run is held by another activity (``duplicate_of:<id>``)
DUPLICATE = "duplicate_of:"
#: flags of rows that never count in totals: a near-duplicate of another activity, or a date,
#: a duration, a distance or a clock (samples stepping back in time) that cannot be right
NOT_COUNTED = (
    DUPLICATE,
    "date_implausible",
    "duration_implausible",
    "distance_implausible",
    "time_reversed",
)


def holding_any(flags: Any, codes: tuple[str, ...]) -> np.ndarray:
    """Which rows of a ``quality_flags`` series hold any of ``codes`` (substrings: a code ending
    in ``:`` matches every ``code<id>``); a missing value holds none.

    >>> import pandas as pd
    >>> holding_any(pd.Series(["no_hr;gps_gaps", None, "manual"]), ("gps_gaps", "manual")).tolist()
    [True, False, True]
    """
    import numpy as np  # here: is_counted and the constants serve commands without NumPy

    text = flags.astype("string").fillna("")
    bad = np.zeros(len(text), dtype=bool)
    for code in codes:
        bad |= text.str.contains(code, regex=False).to_numpy(dtype=bool)
    return bad


def counted(flags: Any) -> np.ndarray:
    """Which rows of a ``quality_flags`` series count in totals (no ``NOT_COUNTED`` flag).

    >>> import pandas as pd
    >>> counted(pd.Series(["", "date_implausible", None, "no_hr;duplicate_of:ab12"])).tolist()
    [True, False, True, False]
    """
    return ~holding_any(flags, NOT_COUNTED)


def is_counted(flags: str | None) -> bool:
    """:func:`counted` of one row's ``quality_flags`` (None: no flag).

    >>> is_counted("no_hr;gps_gaps"), is_counted(None), is_counted("duplicate_of:ab12")
    (True, True, False)
    """
    return not any(code in (flags or "") for code in NOT_COUNTED)


def not_duplicate(flags: Any) -> np.ndarray:
    """Which rows of a ``quality_flags`` series are no near-duplicate (``DUPLICATE``); unlike
    :func:`counted`, a row with an implausible date is kept.

    >>> import pandas as pd
    >>> not_duplicate(pd.Series(["", "date_implausible", None, "duplicate_of:ab12"])).tolist()
    [True, True, True, False]
    """
    return ~holding_any(flags, (DUPLICATE,))


def trusted(table: Any) -> Any:
    """The rows of an activities frame that count in daily totals: no near-duplicates, no
    impossible dates (``NOT_COUNTED``).

    >>> import pandas as pd
    >>> acts = pd.DataFrame({"quality_flags": ["", "duplicate_of:ab12", None, "no_hr"]})
    >>> trusted(acts).index.tolist()
    [0, 2, 3]
    """
    return table[counted(table["quality_flags"])]
