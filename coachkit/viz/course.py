"""The course figure of ``coachkit predict``: the smoothed elevation profile above, the
even-effort pace of each split below. Pure: a course plan in, a plotly figure out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coachkit.core.units import MILE_M, format_pace_number, per_unit
from coachkit.viz.trends import LAYOUT

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from coachkit.coach.course_pacing import CoursePlan


def course_figure(plan: CoursePlan, *, title: str = "The course and its pacing plan") -> go.Figure:
    """Elevation (smoothed, metres) against distance, and each split's pace as a step, in the
    plan's units (km or mi); the pace axis runs fast at the top, as a runner reads it."""
    from plotly.subplots import make_subplots

    unit = plan.units
    per_m = MILE_M if unit == "mi" else 1000.0
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.45, 0.55])
    fig.add_scatter(
        x=[d / per_m for d in plan.profile_distance_m],
        y=plan.profile_elevation_m,
        name="elevation (smoothed)",
        fill="tozeroy",
        line=dict(color="#8d6e63", width=1.5),
        row=1,
        col=1,
    )
    starts = [s["cumulative_distance_m"] - s["distance_m"] for s in _with_ends(plan)]
    ends = [s["cumulative_distance_m"] for s in _with_ends(plan)]
    pace = [per_unit(s["pace_s_per_km"], unit) / 60.0 for s in plan.splits]
    x, y, text = [], [], []
    for a, b, p, s in zip(starts, ends, pace, plan.splits):
        x += [a / per_m, b / per_m, None]
        y += [p, p, None]
        text += [f"{unit} {s['index']}: {s['pace']}, grade {s['grade']:+.1%}"] * 2 + [""]
    fig.add_scatter(
        x=x,
        y=y,
        text=text,
        hoverinfo="text",
        name=f"pace per {'mile' if unit == 'mi' else 'km'} (even effort)",
        line=dict(color="#2f7ed8", width=3),
        row=2,
        col=1,
    )
    flat = per_unit(plan.flat_seconds * plan.pace_multiplier / plan.distance_m * 1000.0, unit)
    fig.add_hline(
        y=flat / 60.0,
        line=dict(color="#9e9e9e", dash="dot"),
        annotation_text=f"flat {format_pace_number(flat)}/{unit}",
        row=2,
        col=1,
    )
    fig.update_yaxes(title_text="elevation (m)", row=1, col=1)
    fig.update_yaxes(title_text=f"min/{unit}", autorange="reversed", row=2, col=1)
    fig.update_xaxes(title_text=unit, row=2, col=1)
    fig.update_layout(title=title, **LAYOUT)
    return fig


def _with_ends(plan: CoursePlan) -> list[dict]:
    """The splits with the distance at the end of each."""
    out, at = [], 0.0
    for s in plan.splits:
        at += s["distance_m"]
        out.append({**s, "cumulative_distance_m": at})
    return out
