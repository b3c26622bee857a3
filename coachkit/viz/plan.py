"""Plan figures: the calendar and the weekly volume, one colour per kind of session.

Easy running is green, quality (tempo, intervals, hills, the race) orange and the long run blue:
the dashboard's colours (:mod:`coachkit.viz.style`), everywhere a plan is drawn.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from coachkit.core.units import MILE_M
from coachkit.viz.style import GROUP_COLOURS, KIND_GROUP, kind_group

STATUS_MARK = {"missed": "✗", "moved": "→", "changed": "✎", "done": "✓"}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _unit(units: str) -> tuple[float, str]:
    return (MILE_M, "mi") if units == "mi" else (1000.0, "km")


def plan_calendar_figure(
    workouts: pd.DataFrame, *, units: str = "km", title: str = "The plan"
) -> go.Figure:
    """One row per week, one column per weekday; each day coloured by kind, with its distance
    (or minutes) and a mark for missed ✗, moved →, changed ✎ or done ✓."""
    per, unit = _unit(units)
    df = workouts.assign(date=pd.to_datetime(workouts["date"]))
    df = df.assign(
        week=df["date"] - pd.to_timedelta(df["date"].dt.day_of_week, unit="D"),
        dow=df["date"].dt.day_of_week,
        group=df["kind"].map(kind_group),
    )
    weeks = sorted(df["week"].unique())
    groups = list(GROUP_COLOURS)
    z = [[None] * 7 for _ in weeks]
    text = [[""] * 7 for _ in weeks]
    hover = [[""] * 7 for _ in weeks]
    row_of = {w: i for i, w in enumerate(weeks)}
    for r in df.itertuples():
        i, j = row_of[r.week], int(r.dow)
        z[i][j] = groups.index(r.group)
        if r.kind == "rest":
            size = ""
        elif pd.notna(r.distance_m) and r.distance_m > 0:
            size = f"{r.distance_m / per:.0f}"
        else:
            size = f"{(r.duration_s or 0) / 60:.0f}′"
        mark = STATUS_MARK.get(str(r.status), "")
        text[i][j] = f"{r.kind if r.kind != 'rest' else ''} {size}{mark}".strip()
        hover[i][j] = f"{r.date:%a %d %b}: {getattr(r, 'purpose', '') or r.kind}"
    n = len(groups)
    scale = []
    for k, g in enumerate(groups):
        scale += [[k / n, GROUP_COLOURS[g]], [(k + 1) / n, GROUP_COLOURS[g]]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(WEEKDAYS),
            y=[f"{pd.Timestamp(w):%d %b}" for w in weeks],
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            colorscale=scale,
            zmin=-0.5,
            zmax=n - 0.5,
            showscale=False,
            xgap=3,
            ygap=3,
        )
    )
    fig.update_yaxes(autorange="reversed", title=f"week of (distances in {unit})")
    fig.update_layout(
        title=title,
        height=max(260, 34 * len(weeks) + 120),
        plot_bgcolor="white",
        margin=dict(l=70, r=20, t=50, b=30),
    )
    return fig


def plan_volume_figure(
    workouts: pd.DataFrame,
    done: pd.DataFrame | None = None,
    *,
    units: str = "km",
    title: str = "Weekly volume: planned and done",
) -> go.Figure:
    """Planned distance per week stacked by kind of session, and what was run (``done``:
    ``date`` and ``distance_m``) as a line."""
    per, unit = _unit(units)
    df = workouts.assign(date=pd.to_datetime(workouts["date"]))
    df = df.assign(
        week=df["date"] - pd.to_timedelta(df["date"].dt.day_of_week, unit="D"),
        group=df["kind"].map(kind_group),
    )
    active = df[~df["status"].isin(("moved",))]
    fig = go.Figure()
    for g in ("easy", "quality", "long"):
        part = active[active["group"] == g].groupby("week")["distance_m"].sum() / per
        if len(part):
            fig.add_bar(
                x=part.index,
                y=part.values,
                name=g,
                marker_color=GROUP_COLOURS[g],
                hovertemplate=f"%{{x|%d %b}}: %{{y:.1f}} {unit} {g}<extra></extra>",
            )
    if done is not None and len(done):
        d = done.assign(date=pd.to_datetime(done["date"]))
        d = d[(d["date"] >= df["date"].min()) & (d["date"] <= df["date"].max())]
        wk = d["date"] - pd.to_timedelta(d["date"].dt.day_of_week, unit="D")
        actual = d.groupby(wk)["distance_m"].sum() / per
        if len(actual):
            fig.add_scatter(
                x=actual.index,
                y=actual.values,
                name="done",
                mode="lines+markers",
                line=dict(color="#263238", width=2),
            )
    fig.update_layout(
        barmode="stack",
        title=title,
        yaxis_title=unit,
        xaxis_title="week of",
        legend=dict(orientation="h", y=-0.2),
        margin=dict(l=50, r=20, t=50, b=40),
    )
    return fig


__all__ = [
    "GROUP_COLOURS",
    "KIND_GROUP",
    "kind_group",
    "plan_calendar_figure",
    "plan_volume_figure",
]
