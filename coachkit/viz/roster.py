"""The roster as an HTML table and as a sortable, filterable ipywidgets view (Voila-ready).

The table comes from :func:`coachkit.app.roster.roster_table`; nothing here computes a number.
Page elements carry ``ck-*`` classes (``ck-roster`` for the table, ``ck-roster-filter`` for the
search box) as the dashboard does.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

#: what the coach sees, in order, with short headers
SHOWN = {
    "athlete": "athlete",
    "days_since_data": "days since data",
    "compliance_7d": "compliance 7 d",
    "compliance_28d": "compliance 28 d",
    "prescription": "today",
    "risk": "risk",
    "risk_top_factor": "top factor",
    "hrv": "HRV",
    "tsb": "form (TSB)",
    "race": "race prediction",
    "personal": "how personal",
    "flags": "flags",
}
#: sort keys offered: a column and whether larger comes first
SORTS = {
    "risk (highest first)": ("risk_score", False),
    "athlete": ("athlete", True),
    "days since data (most first)": ("days_since_data", False),
    "form, TSB (lowest first)": ("tsb", True),
}
_LEVEL_COLOUR = {"high": "#f8d7da", "elevated": "#fff3cd", "moderate": "#fff3cd"}


def needs_attention(frame: pd.DataFrame) -> pd.Series:
    """Rows a coach should look at first: risk not low, HRV below normal, stale or flagged."""
    risk_low = frame["risk"].astype(str).str.contains(r"\(low; overtraining low\)")
    return (
        ~risk_low
        | frame["hrv"].astype(str).str.startswith("below")
        | frame["flags"].astype(str).str.contains("stale")
    )


def _cell(row: pd.Series, col: str) -> str:
    value = row[col]
    if col == "athlete" and isinstance(row.get("report"), str):
        href = html.escape(row["report"], quote=True)
        return f'<a href="{href}" target="_blank">{html.escape(str(value))}</a>'
    if isinstance(value, float):
        return f"{value:.1f}"
    return html.escape(str(value))


def roster_html(frame: pd.DataFrame) -> str:
    """The roster as one HTML table (athlete names link to their reports)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in SHOWN.values())
    rows = []
    for _, row in frame.iterrows():
        level = str(row.get("risk", "")).split("(")[-1].split(";")[0]
        colour = _LEVEL_COLOUR.get(level, "")
        style = f' style="background:{colour}"' if colour else ""
        cells = "".join(f"<td>{_cell(row, c)}</td>" for c in SHOWN)
        rows.append(
            f'<tr class="ck-roster-row" data-athlete="{html.escape(row["athlete"])}"'
            f"{style}>{cells}</tr>"
        )
    return (
        '<table class="ck-roster" style="border-collapse:collapse;font-size:0.9em">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<style>.ck-roster td,.ck-roster th{border:1px solid #ddd;padding:3px 6px;"
        "vertical-align:top;text-align:left}</style>"
    )


def filter_sort(
    frame: pd.DataFrame,
    *,
    text: str = "",
    sort: str = "risk (highest first)",
    attention_only: bool = False,
) -> pd.DataFrame:
    """Rows whose athlete id or flags contain ``text``, sorted by one of :data:`SORTS`."""
    out = frame
    if text:
        hay = out["athlete"].astype(str) + " " + out["flags"].astype(str)
        out = out[hay.str.contains(text, case=False, regex=False)]
    if attention_only:
        out = out[needs_attention(out)]
    col, ascending = SORTS[sort]
    key = pd.to_numeric(out[col], errors="coerce") if col != "athlete" else out[col]
    order = key.sort_values(ascending=ascending, na_position="last", kind="stable").index
    return out.loc[order]


def roster_widget(frame: pd.DataFrame) -> Any:
    """A search box, a sort choice, a "needs attention" switch and the table (ipywidgets)."""
    import ipywidgets as w

    search = w.Text(placeholder="athlete or flag", description="Filter")
    search.add_class("ck-roster-filter")
    sort = w.Dropdown(options=list(SORTS), value="risk (highest first)", description="Sort")
    attention = w.Checkbox(value=False, description="needs attention only")
    table = w.HTML()
    count = w.HTML()

    def refresh(_: Any = None) -> None:
        shown = filter_sort(
            frame, text=search.value, sort=sort.value, attention_only=attention.value
        )
        table.value = roster_html(shown)
        count.value = f"<i>{len(shown)} of {len(frame)} athletes</i>"

    for control in (search, sort, attention):
        control.observe(refresh, names="value")
    refresh()
    box = w.VBox([w.HBox([search, sort, attention]), count, table])
    box.add_class("ck-roster-view")
    return box
