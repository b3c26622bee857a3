"""The dashboard's cards as HTML: pure functions of frames and dicts, no widgets, no disk.

Every value that came from a user or a file is escaped. Each card carries its stable
``ck-*`` class (docs/design.md §9): ``ck-today``, ``ck-week``, ``ck-risk``, ``ck-race``,
``ck-calendar``, ``ck-export``, ``ck-sync``, ``ck-error``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

import pandas as pd

from coachkit.coach.explain import format_duration, format_pace_range, format_volume
from coachkit.core.units import format_distance, in_units
from coachkit.core.values import finite
from coachkit.viz.style import LEVEL_COLOURS, kind_group

KIND_LABEL = {
    "rest": "Rest day",
    "recovery": "Recovery run",
    "easy": "Easy run",
    "long": "Long run",
    "tempo": "Tempo run",
    "intervals": "Intervals",
    "hills": "Hill repeats",
    "strides": "Easy run + strides",
    "race": "Race",
}


def badge(kind: str) -> str:
    """A coloured pill naming a plan kind (``ck-badge ck-kind-<group>``)."""
    k = escape(str(kind))
    return f'<span class="ck-badge ck-kind-{kind_group(kind)}" data-kind="{k}">{k}</span>'


def chip(status: str) -> str:
    """An outlined pill for a plan status (planned, done, missed, moved, changed)."""
    s = escape(str(status))
    return f'<span class="ck-chip ck-status-{s}" data-status="{s}">{s}</span>'


def volume(row: Mapping[str, Any], units: str) -> str:
    """``"8.0 km"`` or ``"45 min"``; empty for a rest day."""
    if row.get("kind") == "rest":
        return ""
    dist, dur = finite(row.get("distance_m")), finite(row.get("duration_s"))
    return format_volume(dist if dist else None, dur if dur else None, units)


def error_card(message: str, *, hint: str = "") -> str:
    """A friendly error (``ck-error``): what went wrong in one sentence and what to do next."""
    extra = f"<div>{escape(hint)}</div>" if hint else ""
    return f'<div class="ck-error" role="alert"><b>{escape(message)}</b>{extra}</div>'


def _steps(steps: Iterable[Mapping[str, Any]], units: str) -> str:
    def one(s: Mapping[str, Any]) -> str:
        if s.get("type") == "repeat":
            inner = "; ".join(one(c) for c in s.get("steps", []))
            return f"{int(s.get('times', 1))} × ({inner})"
        size = (
            format_distance(finite(s.get("distance_m")), units)
            if finite(s.get("distance_m"))
            else format_duration(finite(s.get("duration_s")))
        )
        pace = format_pace_range(
            finite(s.get("pace_low_s_per_km")), finite(s.get("pace_high_s_per_km")), units
        )
        label = str(s.get("label") or s.get("type") or "").replace("_", " ").capitalize()
        return f"{label} {size}" + (f" at {pace}" if pace != "n/a" else "")

    items = [one(s) for s in steps if isinstance(s, Mapping)]
    if len(items) < 2:
        return ""
    return '<ul class="ck-steps">' + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def today_card(
    p: Mapping[str, Any],
    *,
    changes: Iterable[str] = (),
    tomorrow: Mapping[str, Any] | None = None,
) -> str:
    """Today's workout (``ck-today``): kind, distance or duration, pace and HR targets in the
    athlete's units, the explanation sentence, and today's adaptations.

    Parameters
    ----------
    p
        :func:`coachkit.app.coach.todays_prescription` output.
    changes
        Explanations of the adaptations that changed this day.
    tomorrow
        Tomorrow's prescription, shown as one line, when known.
    """
    units = p.get("units", "km")
    kind = str(p.get("kind", "rest"))
    day = pd.Timestamp(p["date"])
    size = volume(p, units)
    what = KIND_LABEL.get(kind, kind.capitalize()) + (f" · {size}" if size else "")
    targets = []
    pace = format_pace_range(
        finite(p.get("pace_low_s_per_km")), finite(p.get("pace_high_s_per_km")), units
    )
    if pace != "n/a":
        targets.append(("pace", pace, "ck-pace"))
    if finite(p.get("hr_low")) and finite(p.get("hr_high")):
        targets.append(("heart rate", f"{p['hr_low']:.0f}–{p['hr_high']:.0f} bpm", "ck-hr"))
    dur = finite(p.get("duration_s"))
    if dur and finite(p.get("distance_m")):
        targets.append(("about", format_duration(dur), "ck-duration"))
    target_html = "".join(
        f'<div class="ck-target {cls}"><span>{escape(label)}</span><b>{escape(value)}</b></div>'
        for label, value, cls in targets
    )
    change_html = "".join(f'<div class="ck-change">{escape(c)}</div>' for c in changes)
    if p.get("conditions"):  # coachkit.coach.conditions_pace: how much slower, and why
        change_html = (
            f'<div class="ck-conditions-why">{escape(p["conditions"]["sentence"])}</div>'
            + change_html
        )
    nxt = ""
    if tomorrow:
        t_size = volume(tomorrow, units)
        # a rest day's sentence speaks of "today": tomorrow's line just names it
        why = "" if tomorrow.get("kind") == "rest" else tomorrow.get("explanation", "")
        nxt = (
            f'<div class="ck-tomorrow">Tomorrow: {badge(tomorrow["kind"])} '
            f'{escape(t_size)} <span class="ck-tomorrow-why">{escape(why)}</span></div>'
        )
    return (
        f'<div class="ck-card ck-today ck-kind-{kind_group(kind)}" data-kind="{escape(kind)}" '
        f'data-version="{int(p.get("version", 1))}" data-date="{day:%Y-%m-%d}">'
        f"<h2>Today's workout</h2>"
        f'<div class="ck-when">{day:%A %-d %B %Y} {badge(kind)} {chip(p.get("status", "planned"))}</div>'
        f'<div class="ck-what">{escape(what)}</div>'
        f'<div class="ck-targets">{target_html}</div>'
        f"{_steps(p.get('steps') or [], units)}"
        f'<div class="ck-explanation">{escape(str(p.get("explanation", "")))}</div>'
        f"{change_html}{nxt}</div>"
    )


def change_reasons(adaptations: pd.DataFrame) -> dict[str, list[str]]:
    """Date (YYYY-MM-DD) -> the explanations of the adaptations that changed that day."""
    out: dict[str, list[str]] = {}
    for rec in adaptations.to_dict("records") if len(adaptations) else []:
        try:
            change = json.loads(rec.get("change") or "{}")
        except ValueError:
            change = {}
        parts = [p for p in (change.get("before"), change.get("after")) if isinstance(p, Mapping)]
        # one day's before/after, or several days' (a week rebuilt, sessions marked missed)
        parts += [v for p in parts for v in p.values() if isinstance(v, Mapping)]
        days = {str(part.get("date")) for part in parts if part.get("date")}
        if rec.get("rule") == "checkin":  # a check-in answer is news on the day it is given too
            days.add(str(rec.get("date")))
        for d in days or {str(rec.get("date"))}:
            if rec.get("explanation") and rec["explanation"] not in out.get(d, []):
                out.setdefault(d, []).append(str(rec["explanation"]))
    return out


def week_card(
    plan: pd.DataFrame,
    done: pd.DataFrame,
    reasons: Mapping[str, list[str]],
    today: pd.Timestamp,
    *,
    units: str = "km",
) -> str:
    """The week (``ck-week``), Monday to Sunday around ``today``: planned vs done, with the
    status of each day and the reason for each change."""
    start = today - pd.Timedelta(days=today.day_of_week)
    days = pd.date_range(start, periods=7)
    by_day = plan.set_index("date") if len(plan) else pd.DataFrame()
    runs = done.groupby("date").agg(distance_m=("distance_m", "sum"), n=("date", "size"))
    rows, planned_m, done_m = [], 0.0, 0.0
    for d in days:
        key = f"{d:%Y-%m-%d}"
        row = by_day.loc[d] if d in by_day.index else None
        ran = runs.loc[d] if d in runs.index else None
        if ran is not None:
            done_m += float(ran["distance_m"] or 0.0)
        if row is None:
            cells, reason = (
                f'<td colspan="2">not in the plan</td><td>{"" if ran is None else "done"}</td>',
                "",
            )
        else:
            rec = row.to_dict()
            status = str(rec.get("status", "planned"))
            if status not in ("missed", "moved") and rec.get("kind") != "rest":
                planned_m += finite(rec.get("distance_m")) or 0.0
            why = reasons.get(key) if status in ("changed", "moved", "missed") else None
            reason = " ".join(why) if why else ""
            cells = (
                f"<td>{badge(rec['kind'])} {escape(volume(rec, units))}</td>"
                f"<td>{escape(_ran(ran, units))}</td><td>{chip(status)}</td>"
            )
        cls = " ".join(
            c for c in ("ck-is-today" if d == today else "", "ck-has-reason" if reason else "") if c
        )
        cls = f' class="{cls}"' if cls else ""
        rows.append(f'<tr{cls} data-date="{key}"><td><b>{d:%a}</b> {d:%-d %b}</td>{cells}</tr>')
        if reason:  # the reason for a change gets the table's whole width (readable on a phone)
            rows.append(
                f'<tr class="ck-reason-row{" ck-is-today" if d == today else ""}" data-reason-for="{key}">'
                f'<td></td><td colspan="3" class="ck-reason">{escape(reason)}</td></tr>'
            )
    total = f"Planned {format_distance(planned_m, units)}, done {format_distance(done_m, units)} so far."
    return (
        f'<div class="ck-card ck-week"><h2>This week</h2><div class="ck-scroll">'
        f'<table class="ck-table"><thead><tr><th>day</th><th>planned</th><th>done</th>'
        f"<th>status</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f'<div class="ck-reason">{escape(total)}</div></div>'
    )


def _ran(ran: Any, units: str) -> str:
    if ran is None:
        return ""
    text = format_distance(float(ran["distance_m"] or 0.0), units)
    return text + (f" ({int(ran['n'])} runs)" if int(ran["n"]) > 1 else "")


def risk_card(risk: Mapping[str, Any]) -> str:
    """Risk (``ck-risk``): the overuse-injury score with its level, the factors behind it
    (relative risk, source), overtraining factors, and what the coach changes."""
    level = str(risk.get("level", "low"))
    colour = LEVEL_COLOURS.get(level, "#607080")
    factors = [*risk.get("factors", []), *(risk.get("overtraining") or {}).get("factors", [])]
    items = "".join(
        f'<li class="ck-factor" data-code="{escape(str(f.get("code")))}">{escape(str(f.get("text")))}'
        f' <span class="ck-reason">(×{float(f.get("relative_risk", 1)):.2f}; {escape(str(f.get("source", "")))})</span></li>'
        for f in factors
    )
    changes = "".join(f"<li>The coach will {escape(str(c))}.</li>" for c in risk.get("changes", []))
    return (
        f'<div class="ck-card ck-risk" data-level="{escape(level)}" style="--ck-level:{colour}">'
        f"<h2>Injury and overtraining risk</h2>"
        f'<div class="ck-score">{float(risk.get("score", 0)):.0f}<small>/100 · {escape(level)}</small></div>'
        f"<div>{escape(str(risk.get('explanation', '')))}</div>"
        + (f"<ul>{items}</ul>" if items else '<div class="ck-reason">No active risk factor.</div>')
        + (f"<ul>{changes}</ul>" if changes else "")
        + "</div>"
    )


def race_card(predictions: pd.DataFrame) -> str:
    """Race predictions (``ck-race``) with their 80 % intervals and how personal each is."""
    from coachkit.core.units import format_hms

    rows = []
    for p in predictions.to_dict("records"):
        if finite(p.get("seconds")) is None:
            continue
        rows.append(
            f"<tr><td><b>{escape(str(p['distance']))}</b></td><td>{format_hms(p['seconds'])}</td>"
            f"<td>{format_hms(p['low'])}–{format_hms(p['high'])}</td>"
            f"<td>{float(p['personal_share']) * 100:.0f} %</td></tr>"
        )
    first = predictions.iloc[0] if len(predictions) else None
    how = escape(str(first["explanation"])) if first is not None else "No runs to predict from yet."
    return (
        f'<div class="ck-card ck-race"><h2>Race predictions</h2><div class="ck-scroll">'
        f'<table class="ck-table"><thead><tr><th>race</th><th>predicted</th><th>80 % interval</th>'
        f"<th>personal</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f'<div class="ck-reason">{how}</div></div>'
    )


def goal_line(meta: Mapping[str, Any]) -> str:
    """The plan's goal feasibility (``ck-goal``): predicted race-day time and interval, the long
    run reached against what the distance needs, what would make it realistic; and why a week
    has fewer runs than asked, when it does."""
    lines = [(meta.get("feasibility") or {}).get("sentence")]
    lines += [n for n in meta.get("notes", []) if n.startswith("You asked for")]
    body = "".join(f"<div>{escape(x)}</div>" for x in lines if x)
    return f'<div class="ck-card ck-goal"><h2>Goal</h2>{body}</div>' if body else ""


def calendar_card(
    plan: pd.DataFrame,
    today: pd.Timestamp,
    *,
    units: str = "km",
    phases: Iterable[tuple[str, str, str]] = (),
) -> str:
    """The whole plan as a calendar (``ck-calendar``): one row per week, a coloured cell per day
    (easy, quality, long, rest), today outlined, with each week's phase and volume."""
    if plan.empty:
        return '<div class="ck-card ck-calendar"><h2>Plan</h2>No plan yet.</div>'
    phase_of = [(pd.Timestamp(a), pd.Timestamp(b), n) for n, a, b in phases]
    by_day = plan.set_index("date")
    first = plan["date"].min() - pd.Timedelta(days=int(plan["date"].min().day_of_week))
    weeks = pd.date_range(first, plan["date"].max(), freq="7D")
    head = "".join(
        f"<th>{d}</th>" for d in ("week", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    )
    body = []
    for w in weeks:
        cells, km = [], 0.0
        for d in pd.date_range(w, periods=7):
            if d not in by_day.index:
                cells.append('<td style="border-left-color:transparent;background:none"></td>')
                continue
            rec = by_day.loc[d].to_dict()
            status = str(rec.get("status", "planned"))
            if rec["kind"] != "rest" and status not in ("missed", "moved"):
                km += finite(rec.get("distance_m")) or 0.0
            cls = f"ck-kind-{kind_group(rec['kind'])} ck-status-{escape(status)}"
            cls += " ck-is-today" if d == today else ""
            tip = escape(in_units(str(rec.get("purpose") or ""), units))
            cells.append(
                f'<td class="{cls}" title="{tip}" data-date="{d:%Y-%m-%d}">{d:%-d %b}<br>'
                f"<b>{escape(str(rec['kind']))}</b><br>{escape(volume(rec, units))}</td>"
            )
        phase = next((n for a, b, n in phase_of if a <= w + pd.Timedelta(days=6) and b >= w), "")
        label = f'<td class="ck-phase">{w:%-d %b}<br>{escape(phase)}<br>{format_distance(km, units)}</td>'
        body.append(f"<tr>{label}{''.join(cells)}</tr>")
    legend = "".join(
        f'<span class="ck-badge ck-kind-{g}">{g}</span>'
        for g in ("easy", "quality", "long", "rest")
    )
    return (
        f'<div class="ck-card ck-calendar"><h2>The plan</h2><div class="ck-legend">{legend}</div>'
        f'<div class="ck-scroll"><table class="ck-cal"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></div>"
    )


def download_link(label: str, filename: str, data: bytes, mime: str, cls: str) -> str:
    """An ``<a download>`` with the file inlined as a data: URI (no server route, works offline)."""
    b64 = base64.b64encode(data).decode("ascii")
    return (
        f'<a class="{escape(cls)}" download="{escape(filename)}" '
        f'href="data:{escape(mime)};base64,{b64}">{escape(label)}</a>'
    )


def sync_line(lines: Iterable[str]) -> str:
    """How fresh the data is, one part per source (``ck-sync``): sync and import times."""
    parts = [f'<span class="ck-source">{escape(str(line))}</span>' for line in lines]
    body = " · ".join(parts) if parts else "no data imported yet"
    return f'<div class="ck-sync">Data: {body}</div>'
