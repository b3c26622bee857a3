"""The dashboard's run panel as HTML: one activity's view (:mod:`coachkit.app.activity_view`) in
the page's units, with the same classes as the other cards (``ck-run``, ``ck-table``).

Everything shown comes from the view: the sentence, the load and how it was computed, laps,
splits and the time in each zone. Text is escaped; numbers are formatted in one unit system.
"""

from __future__ import annotations

from html import escape
from typing import Any

from coachkit.app.activity_view import (
    band_text,
    format_cell,
    lap_columns,
    split_columns,
    split_title,
)

ZONE_LABELS = {"hr": "Heart rate", "pace": "Pace", "power": "Power"}


def _rows_table(
    rows: list[dict[str, Any]], columns: list[tuple[str, str, str]], units: str, cls: str
) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for _, h, _ in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(format_cell(r.get(f), kind, units))}</td>" for f, _, kind in columns
        )
        + "</tr>"
        for r in rows
    )
    return (
        f'<div class="ck-scroll"><table class="ck-table {cls}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _zones(view: dict[str, Any], units: str) -> str:
    out = []
    for kind, bands in view.get("zones", {}).items():
        total = sum(b.get("seconds") or 0 for b in bands)
        if not total:
            continue
        bars = "".join(
            f'<tr><td>{escape(str(b["name"]))}</td><td class="ck-reason">{escape(band_text(kind, b, units))}</td>'
            f"<td>{escape(format_cell(b.get('seconds'), 'time', units))}</td>"
            f'<td style="width:40%"><div class="ck-zone-bar" style="width:{100 * (b.get("seconds") or 0) / total:.0f}%"></div></td></tr>'
            for b in bands
        )
        out.append(
            f'<div class="ck-zones" data-kind="{escape(kind)}"><h3>{ZONE_LABELS.get(kind, escape(kind))} zones</h3>'
            f'<table class="ck-table">{bars}</table></div>'
        )
    return "".join(out)


def run_card(view: dict[str, Any]) -> str:
    """One run in full (``ck-run``, ``data-activity``): sentence, load, laps, splits, zones."""
    units, s = view["units"], view["summary"]
    parts = [
        f'<div class="ck-what-run">{escape(view["sentence"])}</div>'
        f'<div class="ck-reason">Local time: {escape(view["time_zone"])}.</div>'
    ]
    if s.get("load") is not None:
        parts.append(
            f'<div class="ck-explanation">Load {s["load"]:.0f} ({escape(str(s["load_method"]))}): '
            f"{escape(str(s['load_note']))}</div>"
        )
    elif s.get("excluded_reason"):
        parts.append(
            f'<div class="ck-explanation">No load: {escape(str(s["excluded_reason"]))}</div>'
        )
    if view["laps"]:
        parts.append("<h3>Laps (from the device)</h3>")
        parts.append(_rows_table(view["laps"], lap_columns(units), units, "ck-laps"))
    if view["splits"]:
        parts.append(f"<h3>{split_title(units)}</h3>")
        parts.append(_rows_table(view["splits"], split_columns(units), units, "ck-splits"))
    parts.append(_zones(view, units))
    if cp := view.get("critical_power"):
        parts.append(f'<div class="ck-reason">{escape(str(cp.get("sentence", "")))}</div>')
    return (
        f'<div class="ck-card ck-run" data-activity="{escape(view["activity_id"])}" '
        f'data-units="{escape(units)}"><h2>One run in full</h2>{"".join(parts)}</div>'
    )
